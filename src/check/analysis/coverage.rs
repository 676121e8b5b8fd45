//! Coverage: the cases of a required disposition that nothing answers in a
//! layer (DX0503), reported where they first appear, and the coverage
//! matrix `dxmap coverage` prints. Within one (code, channel, sex) cell,
//! coverage is a union of age intervals; which code's rules answer is
//! routing's `same_as`/`no_search` resolution.
//!
//! Imports: `super::common`, `crate::check::model`, `crate::catalogue`,
//! `crate::diagnostics`, `dxmap_runtime::space`.

use std::collections::BTreeMap;

use dxmap_runtime::space::{Ages, Answering, CaseSex};

use super::common::{self, Witness};
use crate::catalogue::DispositionId;
use crate::check::model;
use crate::diagnostics::{self, Code, Diagnostic};

/// A disposition's cases that nothing covers in a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The first uncovered cell and age range.
    pub witness: Witness,
    /// Every uncovered (channel, sex, ages) of the disposition in the layer;
    /// a sex of `None` means all three (female, male, not given).
    pub cells: Vec<Cell>,
}

/// An uncovered cell: channel, sex (`None`: all three) and ages.
pub type Cell = (model::Channel, Option<CaseSex>, Ages);

/// The ages of a (channel, sex) cell that none of `rules` admits.
fn uncovered(
    model: &model::Model,
    rules: &[model::RuleId],
    channel: model::Channel,
    sex: CaseSex,
) -> Vec<Ages> {
    Ages::ALL.uncovered(
        rules
            .iter()
            .filter_map(|id| model.rule(*id))
            .filter(|r| r.when.admits_cell(channel, sex))
            .map(|r| r.when.ages),
    )
}

/// Merges cells that differ only by sex into one "any sex" cell.
fn merge_sexes(cells: Vec<(model::Channel, CaseSex, Ages)>) -> Vec<Cell> {
    let mut by_place: BTreeMap<(model::Channel, Ages), Vec<CaseSex>> = BTreeMap::new();
    for (channel, sex, ages) in cells {
        by_place.entry((channel, ages)).or_default().push(sex);
    }
    let mut out = Vec::new();
    for ((channel, ages), sexes) in by_place {
        if sexes.len() == CaseSex::ALL.len() {
            out.push((channel, None, ages));
        } else {
            out.extend(sexes.into_iter().map(|sex| (channel, Some(sex), ages)));
        }
    }
    out
}

/// The coverage gaps of every layer, reported where they first appear.
pub fn gaps(model: &model::Model) -> Vec<Gap> {
    let mut found = Vec::new();
    let mut per_layer: Vec<BTreeMap<DispositionId, Vec<Cell>>> =
        Vec::with_capacity(model.layers.len());
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        let by_code = common::rules_by_code(model, layer);
        let mut layer_gaps = BTreeMap::new();
        for (dx, disposition) in model.catalogue.iter() {
            if !common::required(model, layer, dx) {
                continue;
            }
            let answer = common::answered(model, layer, &by_code, dx);
            if matches!(answer, Answering::NoSearch { .. }) {
                continue;
            }
            let rules = common::answering_rules(&by_code, &answer);
            let mut cells = Vec::new();
            for channel in &disposition.channels {
                for sex in CaseSex::ALL {
                    for ages in uncovered(model, rules, *channel, sex) {
                        cells.push((*channel, sex, ages));
                    }
                }
            }
            if !cells.is_empty() {
                layer_gaps.insert(dx, merge_sexes(cells));
            }
        }
        let parent_gaps = layer.parent.and_then(|p| per_layer.get(p.index()));
        for (dx, cells) in &layer_gaps {
            if parent_gaps.and_then(|p| p.get(dx)) == Some(cells) {
                continue;
            }
            let Some((channel, sex, ages)) = cells.first().copied() else {
                continue;
            };
            found.push(Gap {
                witness: Witness {
                    layer: layer_id,
                    dx: *dx,
                    channel,
                    sex: sex.unwrap_or(CaseSex::NotGiven),
                    age_days: ages.min_days,
                    ages,
                },
                cells: cells.clone(),
            });
        }
        per_layer.push(layer_gaps);
    }
    found
}

pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for gap in gaps(model) {
        let witness = &gap.witness;
        let Some(layer) = model.layer(witness.layer) else {
            continue;
        };
        // Point at the rules that cover part of the code, else at the layer.
        let by_code = common::rules_by_code(model, layer);
        let rule_span = by_code
            .get(&witness.dx)
            .and_then(|rules| rules.first())
            .and_then(|id| model.rule(*id))
            .map(|r| r.when_span);
        let span = rule_span.unwrap_or(if witness.layer == model::NATIONAL {
            model.release_span
        } else {
            layer.span
        });
        let mut others: Vec<String> = gap
            .cells
            .iter()
            .skip(1)
            .take(3)
            .map(|(channel, sex, ages)| {
                format!(
                    "`{}` for {}{}",
                    channel.as_str(),
                    ages,
                    sex.map_or_else(String::new, common::sex_text)
                )
            })
            .collect();
        if gap.cells.len() > 4 {
            others.push(format!("{} more", gap.cells.len() - 4));
        }
        let mut help = "add a rule for these cases, widen a rule, or answer them with `no_search … because \"…\"`".to_owned();
        if !others.is_empty() {
            help = format!("also uncovered: {}; {help}", others.join(", "));
        }
        let title = model
            .catalogue
            .get(witness.dx)
            .map_or_else(String::new, |d| format!(" ({})", d.title));
        let any_sex = gap.cells.first().is_some_and(|(_, sex, _)| sex.is_none());
        let case = format!(
            "`{}` on `{}` for {}{}",
            model.catalogue.code(witness.dx),
            witness.channel.as_str(),
            witness.ages,
            if any_sex {
                String::new()
            } else {
                common::sex_text(witness.sex)
            },
        );
        found.push(
            Diagnostic::new(
                Code::CoverageGap,
                span,
                format!(
                    "{case} is not covered in {}",
                    common::layer_text(model, witness.layer)
                ),
            )
            .with_label(format!("nothing routes this case{title}"))
            .with_help(help)
            .with_witness(diagnostics::Witness {
                cells: gap
                    .cells
                    .iter()
                    .map(|(channel, sex, ages)| diagnostics::WitnessCell {
                        channel: *channel,
                        sex: *sex,
                        ages: *ages,
                    })
                    .collect(),
                ..witness.data(model)
            }),
        );
    }
}

/// How one disposition on one channel is answered in one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Rules route every case.
    Routed,
    /// Rules route some cases; the rest are gaps.
    Partial,
    /// Nothing routes it, and it is required.
    Uncovered,
    /// `no_search`, with the reason.
    NoSearch(String),
    /// Not required here and not routed (unused, or clinician-only without
    /// the skill).
    NotUsed,
}

/// One row of the coverage matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// The disposition.
    pub dx: DispositionId,
    /// The channel.
    pub channel: model::Channel,
    /// Whether the layer must cover it.
    pub required: bool,
    /// How it is answered.
    pub answer: Answer,
    /// The code whose rules answer it, when routed through `same_as`.
    pub via: Option<DispositionId>,
    /// The code an overlay `remap` searches first; these rows' rules then
    /// answer the re-query with the original code.
    pub remapped_to: Option<DispositionId>,
    /// The rules that match some case of it, in the order a case meets
    /// them: highest priority first, then layer order.
    pub rules: Vec<model::RuleId>,
    /// The service types those rules route to, in the same order (the
    /// winning rule's types first), each once.
    pub types: Vec<model::ServiceTypeId>,
    /// Uncovered (sex, ages), when required.
    pub gaps: Vec<(Option<CaseSex>, Ages)>,
}

/// The coverage matrix of one layer: every disposition of the release on
/// every channel the catalogue gives it.
pub fn coverage(model: &model::Model, layer_id: model::LayerId) -> Vec<CoverageRow> {
    let Some(layer) = model.layer(layer_id) else {
        return Vec::new();
    };
    let by_code = common::rules_by_code(model, layer);
    let mut rows = Vec::new();
    for (dx, disposition) in model.catalogue.iter() {
        let is_required = common::required(model, layer, dx);
        let answer = common::answered(model, layer, &by_code, dx);
        let via = answer.via_same_as().then(|| answer.code());
        let rules = common::answering_rules(&by_code, &answer);
        // Where priorities overlap, the higher rule wins: list rules (and so
        // types) in the order a case meets them. The sort is stable, so
        // rules of equal priority keep their layer order.
        let mut met: Vec<&model::Rule> = Vec::with_capacity(rules.len());
        let mut met_ids: Vec<model::RuleId> = Vec::with_capacity(rules.len());
        for id in rules {
            if let Some(rule) = model.rule(*id) {
                met.push(rule);
                met_ids.push(*id);
            }
        }
        let mut order: Vec<usize> = (0..met.len()).collect();
        order.sort_by_key(|at| std::cmp::Reverse(met.get(*at).map_or(0, |r| r.priority)));
        let remapped_to = layer.remaps.get(&dx).map(|remap| remap.to);
        for channel in &disposition.channels {
            let mut row = CoverageRow {
                dx,
                channel: *channel,
                required: is_required,
                answer: Answer::NotUsed,
                via,
                remapped_to,
                rules: Vec::new(),
                types: Vec::new(),
                gaps: Vec::new(),
            };
            match &answer {
                Answering::NoSearch { reason, .. } => {
                    row.answer = Answer::NoSearch(reason.reason.clone());
                }
                Answering::Rules { .. } if !rules.is_empty() || is_required => {
                    let mut cells = Vec::new();
                    for sex in CaseSex::ALL {
                        for ages in uncovered(model, rules, *channel, sex) {
                            cells.push((*channel, sex, ages));
                        }
                    }
                    for at in &order {
                        let (Some(rule), Some(id)) = (met.get(*at), met_ids.get(*at)) else {
                            continue;
                        };
                        if !rule.when.on_channel(*channel) {
                            continue;
                        }
                        row.rules.push(*id);
                        for t in &rule.route {
                            if !row.types.contains(t) {
                                row.types.push(*t);
                            }
                        }
                    }
                    let gaps: Vec<(Option<CaseSex>, Ages)> = merge_sexes(cells)
                        .into_iter()
                        .map(|(_, sex, ages)| (sex, ages))
                        .collect();
                    row.answer = if row.rules.is_empty() {
                        if is_required {
                            Answer::Uncovered
                        } else {
                            Answer::NotUsed
                        }
                    } else if gaps.is_empty() || !is_required {
                        Answer::Routed
                    } else {
                        Answer::Partial
                    };
                    if is_required {
                        row.gaps = gaps;
                    }
                }
                _ => {}
            }
            rows.push(row);
        }
    }
    rows
}
