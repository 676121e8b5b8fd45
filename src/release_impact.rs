//! The impact of a new Pathways release on a rules tree: new codes the tree
//! does not cover, rules that name retired codes, and routes too slow for a
//! changed timeframe.
//!
//! Takes the tree checked against each release and the difference of the
//! two catalogues ([`catalogue::compare`]); `dxmap release-diff --rules`
//! renders the result.
//!
//! Imports: `crate::catalogue`, `crate::check::{model, analysis}`.

use std::collections::BTreeSet;

use crate::catalogue;
use crate::check::{analysis, model};

/// What a new release means for a rules tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impact {
    /// New codes that some layer does not cover.
    pub uncovered: Vec<Uncovered>,
    /// Rules of the tree (as checked against the old release) that name
    /// codes the new release retires.
    pub retired_rules: Vec<RetiredRule>,
    /// Routes to service types slower than a changed timeframe.
    pub too_slow: Vec<TooSlow>,
}

impl Impact {
    /// Whether there is nothing to act on.
    pub fn is_empty(&self) -> bool {
        self.uncovered.is_empty() && self.retired_rules.is_empty() && self.too_slow.is_empty()
    }
}

/// A new code that a layer does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    /// The layer.
    pub layer: String,
    /// The code.
    pub dx: String,
    /// A case that nothing routes, as text.
    pub witness: String,
}

/// A rule that names retired codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredRule {
    /// The rule.
    pub rule: String,
    /// Its layer.
    pub layer: String,
    /// The retired codes it names.
    pub codes: Vec<String>,
}

/// A rule routing a code whose timeframe changed to a service type that
/// responds more slowly than the new timeframe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooSlow {
    /// The rule.
    pub rule: String,
    /// The code.
    pub dx: String,
    /// The service type.
    pub service_type: String,
    /// The code's timeframe in the new release, in minutes.
    pub timeframe_minutes: u32,
    /// The service type's response time, in minutes.
    pub responds_within_minutes: u32,
}

/// The impact of `diff` on the tree checked against the old release
/// (`old`) and against the new one (`new`); a tree that could not be
/// checked against a release contributes nothing from it.
pub fn assess(
    old: Option<&model::Model>,
    new: Option<&model::Model>,
    diff: &catalogue::ReleaseDiff,
) -> Impact {
    let mut impact = Impact::default();
    if let Some(model) = new {
        impact.uncovered = uncovered(model, diff);
        impact.too_slow = too_slow(model, diff);
    }
    if let Some(model) = old {
        impact.retired_rules = retired_rules(model, diff);
    }
    impact
}

/// New codes that some layer of `model` does not cover, with a witness.
fn uncovered(model: &model::Model, diff: &catalogue::ReleaseDiff) -> Vec<Uncovered> {
    let added: BTreeSet<&str> = diff.added.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for gap in analysis::gaps(model) {
        let code = model.catalogue.code(gap.witness.dx);
        if added.contains(code) {
            let layer = model
                .layer(gap.witness.layer)
                .map_or_else(String::new, |l| l.name.clone());
            out.push(Uncovered {
                layer,
                dx: code.to_owned(),
                witness: analysis::witness_text(model, &gap.witness),
            });
        }
    }
    out
}

/// Routes of `model` too slow for a timeframe that `diff` changes; each
/// (rule, code, service type) once.
fn too_slow(model: &model::Model, diff: &catalogue::ReleaseDiff) -> Vec<TooSlow> {
    let changed_timeframe: BTreeSet<&str> = diff
        .changed
        .iter()
        .filter(|(_, fields)| fields.iter().any(|f| f.starts_with("timeframe")))
        .map(|(code, _)| code.as_str())
        .collect();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for layer in &model.layers {
        for rule_id in &layer.rules {
            let Some(rule) = model.rule(*rule_id) else {
                continue;
            };
            for code in &rule.dispositions {
                let Some(d) = model.catalogue.get(*code) else {
                    continue;
                };
                let (Some(timeframe), true) = (
                    d.timeframe_minutes,
                    changed_timeframe.contains(d.code.as_str()),
                ) else {
                    continue;
                };
                for type_id in &rule.route {
                    let Some(t) = model.service_type(*type_id) else {
                        continue;
                    };
                    if t.responds_within_minutes > timeframe
                        && seen.insert((*rule_id, *code, *type_id))
                    {
                        out.push(TooSlow {
                            rule: rule.name.clone(),
                            dx: d.code.clone(),
                            service_type: t.name.clone(),
                            timeframe_minutes: timeframe,
                            responds_within_minutes: t.responds_within_minutes,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Rules of `model` that name codes `diff` retires.
fn retired_rules(model: &model::Model, diff: &catalogue::ReleaseDiff) -> Vec<RetiredRule> {
    let retired: BTreeSet<&str> = diff.retired.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for rule in &model.rules {
        let codes: Vec<String> = rule
            .dispositions
            .iter()
            .map(|d| model.catalogue.code(*d).to_owned())
            .filter(|c| retired.contains(c.as_str()))
            .collect();
        if !codes.is_empty() {
            let layer = model
                .layer(rule.layer)
                .map_or_else(String::new, |l| l.name.clone());
            out.push(RetiredRule {
                rule: rule.name.clone(),
                layer,
                codes,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{assess, RetiredRule, TooSlow, Uncovered};
    use crate::catalogue;
    use crate::check::model;
    use crate::source::FileId;

    const OLD: &str = "release: old\ndispositions:\n  - { code: Dx05, title: \"Primary care 2h\", section: 1, status: in_use, timeframe_minutes: 120 }\n  - { code: Dx06, title: \"Primary care 6h\", section: 1, status: in_use, timeframe_minutes: 360 }\n  - { code: Dx07, title: \"Primary care 12h\", section: 1, status: in_use, timeframe_minutes: 720 }\n";

    const NEW: &str = "release: new\ndispositions:\n  - { code: Dx05, title: \"Primary care 30m\", section: 1, status: in_use, timeframe_minutes: 30 }\n  - { code: Dx06, title: \"Primary care 6h\", section: 1, status: in_use, timeframe_minutes: 360 }\n  - { code: Dx08, title: \"Primary care 24h\", section: 1, status: in_use, timeframe_minutes: 1440 }\n";

    const RULES: &str = r#"release "catalogue.yaml"
service_type gp_ooh "GP Out of Hours" { responds_within 1h }
rule "Primary care" {
  when dx in (Dx05, Dx06)
  route gp_ooh
}
rule "Routine" {
  when dx = Dx07
  route gp_ooh
}
"#;

    fn checked(catalogue_text: &str) -> (catalogue::Catalogue, model::Model) {
        let (catalogue, found) = catalogue::parse(FileId(1), catalogue_text);
        assert!(found.is_empty(), "{found:?}");
        let catalogue = catalogue.unwrap();
        let (file, found) = crate::syntax::parse(FileId(0), RULES);
        assert!(found.is_empty(), "{found:?}");
        let (model, _) = crate::check::check(&[file], catalogue.clone());
        (catalogue, model)
    }

    #[test]
    fn a_release_reports_new_gaps_retired_codes_and_slow_routes() {
        let (old_catalogue, old) = checked(OLD);
        let (new_catalogue, new) = checked(NEW);
        let diff = catalogue::compare(&old_catalogue, &new_catalogue);
        let impact = assess(Some(&old), Some(&new), &diff);
        // The witness's wording is the coverage analysis's business.
        let witnesses: Vec<&str> = impact
            .uncovered
            .iter()
            .map(|u| u.witness.as_str())
            .collect();
        assert!(
            witnesses.iter().all(|w| w.starts_with("`Dx08`")),
            "{witnesses:?}"
        );
        assert_eq!(
            impact.uncovered,
            [Uncovered {
                layer: "national".to_owned(),
                dx: "Dx08".to_owned(),
                witness: witnesses.concat(),
            }]
        );
        assert_eq!(
            impact.retired_rules,
            [RetiredRule {
                rule: "Routine".to_owned(),
                layer: "national".to_owned(),
                codes: vec!["Dx07".to_owned()],
            }]
        );
        assert_eq!(
            impact.too_slow,
            [TooSlow {
                rule: "Primary care".to_owned(),
                dx: "Dx05".to_owned(),
                service_type: "gp_ooh".to_owned(),
                timeframe_minutes: 30,
                responds_within_minutes: 60,
            }]
        );
        assert!(!impact.is_empty());
        // Nothing to act on without the trees.
        assert!(assess(None, None, &diff).is_empty());
    }
}
