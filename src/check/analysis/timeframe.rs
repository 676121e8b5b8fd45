//! Clinical checks of routes, layer by layer: routes slower than a
//! disposition's timeframe (DX0504, a `same_as` code without a timeframe
//! taking its target's, as routing does), routes to a type needing a
//! skill the layer lacks (DX0505), codes the catalogue marks unused
//! (DX0506), and clinician-only codes where there is no Pathways
//! clinician (DX0507).
//!
//! Imports: `super::common`, `crate::check::model`, `crate::catalogue`,
//! `crate::diagnostics`, `dxmap_runtime::space`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::space::Answering;

use super::common;
use crate::catalogue::{DispositionId, Status};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// Routes slower than a timeframe, routes needing a skill the layer lacks,
/// unused and clinician-only codes.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let mut slow_seen: BTreeSet<(model::RuleId, usize)> = BTreeSet::new();
    let mut skill_seen: BTreeSet<(model::RuleId, usize)> = BTreeSet::new();
    let mut unused_seen: BTreeSet<model::RuleId> = BTreeSet::new();
    let mut clinician_seen: BTreeSet<model::RuleId> = BTreeSet::new();
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        let by_code = common::rules_by_code(model, layer);
        let clinician = common::has_clinician_skill(model, layer);
        // Codes routed as their `same_as` target in this layer.
        let mut borrowers: BTreeMap<DispositionId, Vec<DispositionId>> = BTreeMap::new();
        for (dx, _) in model.catalogue.iter() {
            if let Answering::Rules {
                code,
                via_same_as: true,
            } = common::answered(model, layer, &by_code, dx)
            {
                borrowers.entry(code).or_default().push(dx);
            }
        }
        for rule_id in &layer.rules {
            let Some(rule) = model.rule(*rule_id) else {
                continue;
            };
            for (position, (type_id, span)) in rule.route.iter().zip(&rule.route_spans).enumerate()
            {
                let Some(service_type) = model.service_type(*type_id) else {
                    continue;
                };
                // Too slow: the first code whose timeframe it misses.
                if !slow_seen.contains(&(*rule_id, position)) {
                    let routed = rule.dispositions.iter().flat_map(|dx| {
                        std::iter::once((*dx, *dx)).chain(
                            borrowers
                                .get(dx)
                                .into_iter()
                                .flatten()
                                .map(move |borrower| (*borrower, *dx)),
                        )
                    });
                    let slow: Vec<(DispositionId, u32)> = routed
                        .filter_map(|(code, target)| {
                            let d = model.catalogue.get(code)?;
                            // A `same_as` code without a timeframe of its
                            // own takes its target's, as routing does.
                            let own_target = d.same_as.unwrap_or(target);
                            let target = if code == target { own_target } else { target };
                            let timeframe = d
                                .timeframe_minutes
                                .or_else(|| model.catalogue.get(target)?.timeframe_minutes)?;
                            (service_type.responds_within_minutes > timeframe)
                                .then_some((code, timeframe))
                        })
                        .collect();
                    if let Some((code, timeframe)) = slow.first() {
                        slow_seen.insert((*rule_id, position));
                        let more = if slow.len() > 1 {
                            format!(" (and {} more codes of this rule)", slow.len() - 1)
                        } else {
                            String::new()
                        };
                        found.push(
                            Diagnostic::new(
                                Code::RouteTooSlow,
                                *span,
                                format!(
                                    "`{}` must be answered within {}, but `{}` responds within {}{more}",
                                    model.catalogue.code(*code),
                                    minutes_text(*timeframe),
                                    service_type.name,
                                    minutes_text(service_type.responds_within_minutes)
                                ),
                            )
                            .with_label(format!("rule `{}` routes it here", rule.name))
                            .with_help("route the code to a faster service type, or give it a rule of its own"),
                        );
                    }
                }
                if let Some(skill) = service_type.requires {
                    if !layer.skills.contains(&skill) && !skill_seen.contains(&(*rule_id, position))
                    {
                        skill_seen.insert((*rule_id, position));
                        let skill_name = model
                            .skills
                            .get(skill.index())
                            .map_or("?", |s| s.name.as_str());
                        found.push(
                            Diagnostic::new(
                                Code::RouteNeedsSkill,
                                *span,
                                format!(
                                    "`{}` requires `{skill_name}`, which {} lacks",
                                    service_type.name,
                                    common::layer_text(model, layer_id)
                                ),
                            )
                            .with_label(format!("rule `{}` is in force there", rule.name))
                            .with_secondary(layer.span, "the layer without the skill")
                            .with_help(
                                "override the rule in that overlay to route to a type it can use",
                            ),
                        );
                    }
                }
            }
            for dx in &rule.dispositions {
                let Some(d) = model.catalogue.get(*dx) else {
                    continue;
                };
                let unused = !matches!(d.status, Status::InUse | Status::ClinicianOnly);
                if unused && unused_seen.insert(*rule_id) {
                    found.push(
                        Diagnostic::new(
                            Code::RoutesUnusedCode,
                            rule.when_span,
                            format!(
                                "rule `{}` routes `{}`, which release `{}` marks `{}` (section {}: {})",
                                rule.name,
                                d.code,
                                model.catalogue.release,
                                d.status.as_str(),
                                d.section,
                                d.title
                            ),
                        )
                        .with_help("Pathways does not generate it in normal running: remove it, or check which code was meant"),
                    );
                }
                if d.status == Status::ClinicianOnly
                    && !clinician
                    && clinician_seen.insert(*rule_id)
                {
                    found.push(
                        Diagnostic::new(
                            Code::ClinicianCodeWithoutSkill,
                            rule.when_span,
                            format!(
                                "rule `{}` routes clinician-only `{}` in {}, which has no Pathways clinician",
                                rule.name,
                                d.code,
                                common::layer_text(model, layer_id)
                            ),
                        )
                        .with_secondary(layer.span, "the layer without the skill")
                        .with_help("the code is never generated there: remove the rule in that overlay"),
                    );
                }
            }
        }
    }
}

fn minutes_text(minutes: u32) -> String {
    if minutes == 0 {
        "0 minutes (immediately)".to_owned()
    } else if minutes % 1440 == 0 {
        plural(minutes / 1440, "day")
    } else if minutes % 60 == 0 {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes, "minute")
    }
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
