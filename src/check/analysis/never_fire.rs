//! Rules that never fire (DX0502): in every layer where they are in force,
//! rules of higher priority take every case they match. Found by a sweep
//! from the highest priority down, keeping per cell the union of the ages
//! higher priorities take; in an overlay, only the rules naming a code
//! whose rules it changes are judged again, and where the change only
//! swaps rules for rules of the same priority and conditions (an override
//! of the route), only the rules swapped in, each alone.
//!
//! Imports: `super::common`, `crate::check::model`, `crate::diagnostics`,
//! `dxmap_runtime::space`.

use super::common::{self, AgeUnion, CodeSet};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// What the sweeps of one code reuse from the sweep before: the rules in
/// priority order and the ages taken per cell.
#[derive(Default)]
struct Sweep<'m> {
    order: Vec<(model::RuleId, &'m model::Rule)>,
    taken: Vec<AgeUnion>,
}

impl<'m> Sweep<'m> {
    /// Adds to `can_fire` the rules among one code's `rules` (every rule
    /// of the layer naming it) that take some case of it: a sweep from the
    /// highest priority down, keeping per cell the union of the ages that
    /// higher priorities take.
    fn run(
        &mut self,
        model: &'m model::Model,
        rules: &[model::RuleId],
        can_fire: &mut Vec<model::RuleId>,
    ) {
        let order = &mut self.order;
        order.clear();
        order.extend(rules.iter().filter_map(|id| Some((*id, model.rule(*id)?))));
        order.sort_by_key(|(_, rule)| std::cmp::Reverse(rule.priority));
        self.taken.resize_with(common::CELLS, AgeUnion::default);
        for taken in &mut self.taken {
            taken.clear();
        }
        let taken = &mut self.taken;
        for group in order.chunk_by(|a, b| a.1.priority == b.1.priority) {
            for (id, rule) in group {
                if common::cells_of(rule)
                    .any(|cell| taken.get(cell).is_some_and(|t| !t.covers(rule.when.ages)))
                {
                    can_fire.push(*id);
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
}

/// Rules that can never fire: in every layer where they are in force, every
/// case they match is taken by rules of higher priority. In an overlay,
/// only the rules naming a code whose rules it changes are judged again;
/// the others fire, or not, as in its parent.
pub fn never_fire(model: &model::Model) -> Vec<(model::RuleId, model::LayerId)> {
    // By rule: whether it fires in some layer, and the first layer where
    // it does not.
    let mut fires = vec![false; model.rules.len()];
    let mut shadowed: Vec<Option<model::LayerId>> = vec![None; model.rules.len()];
    let mut sweep = Sweep::default();
    let mut can_fire = Vec::new();
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        // The codes whose rules differ from the parent's (`None`: all),
        // but for those whose only change is rules swapped for rules of
        // the same priority and conditions: there the parent's rules take
        // what they took, and only the rules swapped in are judged, alone.
        let (changed, swapped_in) = match common::changes(model, layer_idx, layer) {
            None => (None, Vec::new()),
            Some(changes) => {
                let mut changed = CodeSet::default();
                let mut swapped_in = Vec::new();
                for (dx, (own, removed)) in changes.per_code(model) {
                    if common::swapped(model, &own, &removed).is_some() {
                        swapped_in.extend(own);
                    } else {
                        changed.insert(dx);
                    }
                }
                (Some(changed), swapped_in)
            }
        };
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
        // The codes swept: every rule naming one is judged by the sweep.
        let swept = codes.clone();
        // Rules swapped in and not judged above (they name only codes
        // whose change is a swap): judged too, by the sweeps of the codes
        // swept and alone against the rules above them in the others.
        let mut alone: Vec<(model::RuleId, &model::Rule)> = swapped_in
            .iter()
            .filter_map(|id| Some((*id, model.rule(*id)?)))
            .filter(|(_, rule)| {
                !rule.dispositions.is_empty()
                    && !rule.when.ages.is_empty()
                    && !changed.as_ref().is_some_and(|c| c.named_by(rule))
            })
            .collect();
        alone.sort_unstable_by_key(|(id, _)| *id);
        alone.dedup_by_key(|(id, _)| *id);
        for (id, rule) in &alone {
            judged.push(*id);
            for dx in &rule.dispositions {
                codes.insert(*dx);
            }
        }
        if judged.is_empty() {
            continue;
        }
        can_fire.clear();
        let by_code = common::rules_naming(model, layer, &codes);
        for (dx, rules) in &by_code {
            if swept.contains(*dx) {
                sweep.run(model, rules, &mut can_fire);
            }
        }
        for (id, rule) in alone {
            let fires = rule
                .dispositions
                .iter()
                .filter(|dx| !swept.contains(**dx))
                .any(|dx| {
                    let rules = by_code.get(dx).map_or(&[][..], Vec::as_slice);
                    fires_alone(model, rule, rules, &mut sweep.taken)
                });
            if fires {
                can_fire.push(id);
            }
        }
        can_fire.sort_unstable();
        can_fire.dedup();
        for rule_id in judged {
            if can_fire.binary_search(&rule_id).is_ok() {
                if let Some(slot) = fires.get_mut(rule_id.index()) {
                    *slot = true;
                }
            } else if let Some(slot) = shadowed.get_mut(rule_id.index()) {
                slot.get_or_insert(layer_id);
            }
        }
    }
    shadowed
        .into_iter()
        .zip(fires)
        .enumerate()
        .filter_map(|(idx, (layer, fires))| {
            Some((model::RuleId::from_index(idx), layer?)).filter(|_| !fires)
        })
        .collect()
}

/// Whether `rule` takes some case among `rules` (those naming one code,
/// `rule` with them): in some cell of it, the rules of higher priority do
/// not take all its ages. What [`Sweep::run`] finds for the rule, without
/// sweeping the others; `taken` is scratch.
fn fires_alone(
    model: &model::Model,
    rule: &model::Rule,
    rules: &[model::RuleId],
    taken: &mut Vec<AgeUnion>,
) -> bool {
    taken.resize_with(common::CELLS, AgeUnion::default);
    for t in taken.iter_mut() {
        t.clear();
    }
    for above in rules.iter().filter_map(|id| model.rule(*id)) {
        if above.priority > rule.priority {
            for cell in common::cells_of(above) {
                if let Some(t) = taken.get_mut(cell) {
                    t.insert(above.when.ages);
                }
            }
        }
    }
    common::cells_of(rule).any(|cell| taken.get(cell).is_some_and(|t| !t.covers(rule.when.ages)))
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

    /// Unions of random intervals against the ages they hold, day by day:
    /// `covers` agrees, and the pieces stay sorted, disjoint and apart.
    #[test]
    fn age_unions_agree_with_the_days_they_hold() {
        const DAYS: u32 = 40;
        let mut seed = 0x2545_f491_u64;
        let mut next = |below: u32| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            u32::try_from(seed >> 33).unwrap_or(0) % below
        };
        for _ in 0..300 {
            let mut union = AgeUnion::default();
            let mut held = [false; DAYS as usize + 1];
            for _ in 0..next(8) {
                let min = next(DAYS);
                let max = (next(5) > 0).then(|| min + next(DAYS - min + 1));
                let ages = Ages::new(min, max);
                union.insert(ages);
                for day in 0..=DAYS {
                    held[day as usize] |= ages.contains(day);
                }
            }
            let pieces: Vec<Ages> = union.pieces().collect();
            for pair in pieces.windows(2) {
                assert!(pair[0].max_days.is_some_and(|max| max < pair[1].min_days));
            }
            for _ in 0..20 {
                let min = next(DAYS);
                let max = min + next(DAYS - min + 1);
                let ages = Ages::new(min, Some(max));
                let every_day = (min..max).all(|day| held[day as usize]);
                assert_eq!(union.covers(ages), every_day, "{ages:?} in {pieces:?}");
            }
        }
    }
}
