//! Overlaps: two rules of one layer, with equal priorities, that can match
//! one case (DX0501). Rules of one code are not compared pair by pair: an
//! index of age ranges per priority and cell finds the rules a rule meets,
//! so that thousands of rules of one code cost n log n, not n². An overlay
//! is analysed as changes to its parent: pairs of rules it inherits are not
//! compared again.
//!
//! Imports: `super::common`, `crate::check::model`, `crate::diagnostics`,
//! `dxmap_runtime::space`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::space::{Ages, CaseSex};

use super::common::{self, CodeSet, Witness};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// Two rules of one layer that can match one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The rule defined first.
    pub first: model::RuleId,
    /// The other rule.
    pub second: model::RuleId,
    /// A case both match.
    pub witness: Witness,
}

/// Rules of one priority in one cell, for finding those whose ages meet
/// some ages: sorted by youngest age, under a tree holding at each node the
/// hull of the ages below it. A rule is forgotten by emptying its leaf.
struct AgeIndex {
    /// The rule at each place: its position in the code's rules.
    members: Vec<usize>,
    /// A complete binary tree: node 1 is the root, leaves from `width`.
    hulls: Vec<Ages>,
    width: usize,
}

impl AgeIndex {
    fn new(mut entries: Vec<AgeEntry>) -> AgeIndex {
        entries.sort_unstable();
        let width = entries.len().next_power_of_two();
        let mut hulls = vec![Ages::NONE; 2 * width];
        for (slot, (ages, _)) in hulls.iter_mut().skip(width).zip(&entries) {
            *slot = *ages;
        }
        for node in (1..width).rev() {
            let below = Self::below(&hulls, node);
            if let Some(slot) = hulls.get_mut(node) {
                *slot = below;
            }
        }
        AgeIndex {
            members: entries.iter().map(|(_, member)| *member).collect(),
            hulls,
            width,
        }
    }

    /// The hull of the ages under an inner node.
    fn below(hulls: &[Ages], node: usize) -> Ages {
        let left = hulls.get(2 * node).copied().unwrap_or(Ages::NONE);
        let right = hulls.get(2 * node + 1).copied().unwrap_or(Ages::NONE);
        left.hull(right)
    }

    /// Adds to `out` the `(place, member)` of every rule not forgotten
    /// whose ages meet `ages`, in place order.
    fn meeting(&self, ages: Ages, out: &mut Vec<(usize, usize)>) {
        let mut stack = vec![(1usize, 0usize, self.width)];
        while let Some((node, lo, hi)) = stack.pop() {
            if self.hulls.get(node).is_none_or(|hull| !hull.meets(ages)) {
                continue;
            }
            if node >= self.width {
                if let Some(member) = self.members.get(lo) {
                    out.push((lo, *member));
                }
                continue;
            }
            let mid = lo + (hi - lo) / 2;
            stack.push((2 * node + 1, mid, hi));
            stack.push((2 * node, lo, mid));
        }
    }

    /// Forgets the rule at `place`.
    fn forget(&mut self, place: usize) {
        let mut node = self.width + place;
        if let Some(slot) = self.hulls.get_mut(node) {
            *slot = Ages::NONE;
        }
        while node > 1 {
            node /= 2;
            let below = Self::below(&self.hulls, node);
            match self.hulls.get_mut(node) {
                Some(slot) if *slot != below => *slot = below,
                _ => break,
            }
        }
    }
}

/// A rule's ages and its position in its code's rules.
type AgeEntry = (Ages, usize);

/// Age indexes of one code's rules, by priority and cell.
type AgeIndexes = BTreeMap<(u32, usize), AgeIndex>;

fn age_indexes(entries: BTreeMap<(u32, usize), Vec<AgeEntry>>) -> AgeIndexes {
    entries
        .into_iter()
        .map(|(key, entries)| (key, AgeIndex::new(entries)))
        .collect()
}

/// Where two rules meet: a cell and the ages both match.
type Meeting = (model::Channel, CaseSex, Ages);

/// The overlaps of one code's rules in one layer (`rules`, in layer order;
/// `new` marks those new to the layer): for each rule not yet `reported`,
/// the first earlier rule of equal priority it meets in a pair not yet
/// `seen`, as `(first, second, meeting)` positions in `rules`, by first
/// then second.
///
/// Rules are taken in order; each takes, among the later rules still
/// unclaimed, those it meets. An age index per priority and cell finds
/// them without comparing every pair. Two rules the layer inherits meet
/// as they did in its parent, where either the later one was reported or
/// their pair was seen: only pairs with a new rule are looked at.
fn code_overlaps(
    model: &model::Model,
    rules: &[model::RuleId],
    new: &[bool],
    reported: &BTreeSet<model::RuleId>,
    seen: &BTreeSet<(model::RuleId, model::RuleId)>,
) -> Vec<(usize, usize, Meeting)> {
    let Some(first_new) = new.iter().position(|n| *n) else {
        return Vec::new();
    };
    if new.iter().filter(|n| **n).count() <= FEW_NEW && !any_new_meets(model, rules, new) {
        return Vec::new();
    }
    // A priority only one rule has gives no pair.
    let mut per_priority: BTreeMap<u32, usize> = BTreeMap::new();
    for rule in rules.iter().filter_map(|id| model.rule(*id)) {
        *per_priority.entry(rule.priority).or_default() += 1;
    }
    let shared = |rule: &model::Rule| per_priority.get(&rule.priority).is_some_and(|n| *n > 1);
    // Rules that may be reported: new ones, with any earlier partner, and
    // inherited ones after a new one, with a new partner.
    let mut any_partner = BTreeMap::new();
    let mut new_partner = BTreeMap::new();
    let mut last = 0;
    for (j, id) in rules.iter().enumerate().skip(first_new) {
        let Some(rule) = model.rule(*id) else {
            continue;
        };
        if reported.contains(id) || rule.when.ages.is_empty() || !shared(rule) {
            continue;
        }
        let entries = if new.get(j).copied().unwrap_or(true) {
            &mut any_partner
        } else {
            &mut new_partner
        };
        for cell in common::cells_of(rule) {
            entries
                .entry((rule.priority, cell))
                .or_insert_with(Vec::new)
                .push((rule.when.ages, j));
            last = j;
        }
    }
    let mut any_partner = age_indexes(any_partner);
    let mut new_partner = age_indexes(new_partner);
    // Rules claimed, or already passed as the earlier rule.
    let mut done = vec![false; rules.len()];
    let mut found = Vec::new();
    let mut hits = Vec::new();
    for (i, first_id) in rules.iter().enumerate().take(last) {
        if let Some(d) = done.get_mut(i) {
            *d = true;
        }
        let Some(first) = model.rule(*first_id) else {
            continue;
        };
        if first.when.ages.is_empty() || !shared(first) {
            continue;
        }
        let is_new = new.get(i).copied().unwrap_or(true);
        let mut claimed = Vec::new();
        for cell in common::cells_of(first) {
            let key = (first.priority, cell);
            let partner_of_new = if is_new {
                new_partner.get_mut(&key)
            } else {
                None
            };
            for index in [any_partner.get_mut(&key), partner_of_new]
                .into_iter()
                .flatten()
            {
                hits.clear();
                index.meeting(first.when.ages, &mut hits);
                for (place, j) in &hits {
                    if done.get(*j).copied().unwrap_or(true) {
                        index.forget(*place);
                        continue;
                    }
                    let Some(second_id) = rules.get(*j) else {
                        continue;
                    };
                    let pair = ((*first_id).min(*second_id), (*first_id).max(*second_id));
                    if seen.contains(&pair) {
                        continue;
                    }
                    let Some(meeting) = model
                        .rule(*second_id)
                        .and_then(|second| first.when.meeting(&second.when))
                    else {
                        continue;
                    };
                    if let Some(d) = done.get_mut(*j) {
                        *d = true;
                    }
                    index.forget(*place);
                    claimed.push((*j, meeting));
                }
            }
        }
        claimed.sort_unstable_by_key(|(j, _)| *j);
        found.extend(claimed.into_iter().map(|(j, meeting)| (i, j, meeting)));
    }
    found
}

/// Up to this many rules new to a layer in one code's rules, whether any
/// of them meets another rule is asked first, rule against rule.
const FEW_NEW: usize = 8;

/// Whether a rule new to the layer (`new`) meets another of `rules` with
/// its priority. Every pair [`code_overlaps`] finds has a new rule in it,
/// so when none does there is nothing to index: an overlay's few changes
/// to a code of many rules usually meet none of them.
fn any_new_meets(model: &model::Model, rules: &[model::RuleId], new: &[bool]) -> bool {
    let rule_at = |at: usize| rules.get(at).and_then(|id| model.rule(*id));
    new.iter()
        .enumerate()
        .filter(|(_, n)| **n)
        .filter_map(|(at, _)| Some((at, rule_at(at)?)))
        .any(|(at, rule)| {
            (0..rules.len()).filter(|other| *other != at).any(|other| {
                rule_at(other).is_some_and(|o| {
                    o.priority == rule.priority && rule.when.meeting(&o.when).is_some()
                })
            })
        })
}

/// Rules that can match a case an earlier rule of the same layer matches,
/// with equal priorities: each such rule is reported once, with the first
/// earlier rule it meets (so a hundred identical rules give 99 findings,
/// not 4,950). A pair of rules an overlay inherits is not looked at again.
pub fn overlaps(model: &model::Model) -> Vec<Overlap> {
    let mut found = Vec::new();
    let mut seen: BTreeSet<(model::RuleId, model::RuleId)> = BTreeSet::new();
    let mut reported: BTreeSet<model::RuleId> = BTreeSet::new();
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        let changes = common::changes(model, layer_idx, layer);
        let incremental = changes.is_some();
        // Only codes with a rule new to the layer have pairs to compare.
        let by_code = match &changes {
            Some(changes) => {
                let codes = CodeSet::named(changes.own_rules(model));
                common::rules_naming(model, layer, &codes)
            }
            None => common::rules_by_code(model, layer),
        };
        for (dx, rules) in by_code {
            let new: Vec<bool> = rules
                .iter()
                .map(|id| common::new_to(model, layer_id, incremental, *id))
                .collect();
            for (i, j, (channel, sex, ages)) in code_overlaps(model, &rules, &new, &reported, &seen)
            {
                let (Some(first), Some(second)) = (rules.get(i).copied(), rules.get(j).copied())
                else {
                    continue;
                };
                seen.insert((first.min(second), first.max(second)));
                reported.insert(second);
                found.push(Overlap {
                    first,
                    second,
                    witness: Witness {
                        layer: layer_id,
                        dx,
                        channel,
                        sex,
                        age_days: ages.min_days,
                        ages,
                    },
                });
            }
        }
    }
    found
}

pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for overlap in overlaps(model) {
        let (Some(first), Some(second)) = (model.rule(overlap.first), model.rule(overlap.second))
        else {
            continue;
        };
        let equal = if first.priority == 0 {
            "neither has a `priority`".to_owned()
        } else {
            format!("both have priority {}", first.priority)
        };
        found.push(
            Diagnostic::new(
                Code::RuleOverlap,
                second.when_span,
                format!(
                    "rules `{}` and `{}` both match {} in {}",
                    first.name,
                    second.name,
                    common::witness_text(model, &overlap.witness),
                    common::layer_text(model, overlap.witness.layer)
                ),
            )
            .with_label(format!("`{}` matches the case", second.name))
            .with_secondary(first.when_span, format!("`{}` matches it too", first.name))
            .with_help(format!(
                "{equal}: make the conditions disjoint, or give the rule that should win a higher `priority`"
            ))
            .with_witness(overlap.witness.data(model)),
        );
    }
}
