//! Rules that never fire (DX0502): in every layer where they are in force,
//! rules of higher priority take every case they match. Found by a sweep
//! from the highest priority down, keeping per cell the union of the ages
//! higher priorities take; in an overlay, only the rules naming a code
//! whose rules it changes are judged again.
//!
//! Imports: `super::common`, `crate::check::model`, `crate::diagnostics`,
//! `dxmap_runtime::space`.

use std::collections::{BTreeMap, BTreeSet};

use super::common::{self, AgeUnion, CodeSet};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// Adds to `can_fire` the rules among one code's `rules` (every rule of the
/// layer naming it) that take some case of it: a sweep from the highest
/// priority down, keeping per cell the union of the ages that higher
/// priorities take.
fn sweep_priorities(
    rules: &[(model::RuleId, &model::Rule)],
    can_fire: &mut BTreeSet<model::RuleId>,
) {
    let mut order: Vec<&(model::RuleId, &model::Rule)> = rules.iter().collect();
    order.sort_by_key(|(_, rule)| std::cmp::Reverse(rule.priority));
    let mut taken: Vec<AgeUnion> = (0..common::CELLS).map(|_| AgeUnion::default()).collect();
    for group in order.chunk_by(|a, b| a.1.priority == b.1.priority) {
        for (id, rule) in group {
            if common::cells_of(rule)
                .any(|cell| taken.get(cell).is_some_and(|t| !t.covers(rule.when.ages)))
            {
                can_fire.insert(*id);
            }
        }
        for (_, rule) in group {
            for cell in common::cells_of(rule) {
                if let Some(t) = taken.get_mut(cell) {
                    t.insert(rule.when.ages);
                }
            }
        }
    }
}

/// Rules that can never fire: in every layer where they are in force, every
/// case they match is taken by rules of higher priority. In an overlay,
/// only the rules naming a code whose rules it changes are judged again;
/// the others fire, or not, as in its parent.
pub fn never_fire(model: &model::Model) -> Vec<(model::RuleId, model::LayerId)> {
    let mut fires: BTreeSet<model::RuleId> = BTreeSet::new();
    let mut shadowed: BTreeMap<model::RuleId, model::LayerId> = BTreeMap::new();
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        // The codes whose rules differ from the parent's (`None`: all).
        let changed = common::changes(model, layer_idx, layer).map(|c| c.codes(model));
        // The rules judged, and every code they name.
        let mut judged = Vec::new();
        let mut codes = CodeSet::default();
        for rule_id in &layer.rules {
            let Some(rule) = model.rule(*rule_id) else {
                continue;
            };
            if rule.dispositions.is_empty()
                || rule.when.ages.is_empty()
                || changed.as_ref().is_some_and(|c| !c.named_by(rule))
            {
                continue;
            }
            judged.push(*rule_id);
            for dx in &rule.dispositions {
                codes.insert(*dx);
            }
        }
        if judged.is_empty() {
            continue;
        }
        let mut can_fire = BTreeSet::new();
        for rules in common::rules_naming(model, layer, &codes).values() {
            let rules: Vec<(model::RuleId, &model::Rule)> = rules
                .iter()
                .filter_map(|id| Some((*id, model.rule(*id)?)))
                .collect();
            sweep_priorities(&rules, &mut can_fire);
        }
        for rule_id in judged {
            if can_fire.contains(&rule_id) {
                fires.insert(rule_id);
            } else {
                shadowed.entry(rule_id).or_insert(layer_id);
            }
        }
    }
    shadowed
        .into_iter()
        .filter(|(rule, _)| !fires.contains(rule))
        .collect()
}

pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for (rule_id, layer) in never_fire(model) {
        let Some(rule) = model.rule(rule_id) else {
            continue;
        };
        found.push(
            Diagnostic::new(
                Code::RuleNeverFires,
                rule.name_span,
                format!(
                    "rule `{}` can never fire: rules of higher priority take every case it matches in {}",
                    rule.name,
                    common::layer_text(model, layer)
                ),
            )
            .with_help("remove it, or lower the priority of the rules that hide it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use dxmap_runtime::space::Ages;

    use super::*;

    #[test]
    fn age_unions_merge_touching_ranges() {
        let mut union = AgeUnion::default();
        union.insert(Ages::new(10, Some(20)));
        union.insert(Ages::new(30, Some(40)));
        assert!(!union.covers(Ages::new(15, Some(35))));
        union.insert(Ages::new(20, Some(30)));
        assert!(union.covers(Ages::new(10, Some(40))));
        assert!(!union.covers(Ages::new(9, Some(40))));
        union.insert(Ages::new(0, Some(5)));
        union.insert(Ages::new(5, None));
        assert!(union.covers(Ages::ALL));
        assert_eq!(union.pieces().count(), 1);
    }
}
