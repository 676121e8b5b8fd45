//! Decision-table verification of the checked model, layer by layer: rule
//! overlaps under UNIQUE and equal priorities, rules shadowed by higher
//! priorities, coverage gaps, routes slower than a disposition's timeframe
//! or needing a skill the layer lacks, codes the catalogue marks unused,
//! hierarchy contradictions, unreachable services and types without services.
//!
//! Everything here is exact, not sampled. A case is a point of a small
//! product domain — disposition × channel (3) × sex (female, male, not
//! given) × age in days — and every rule is a box in it. Work is indexed by
//! disposition: for one layer and one code only the rules naming that code
//! are looked at. Within one (code, channel, sex) cell, coverage is a union
//! of age intervals. Rules of one code are not compared pair by pair:
//! rules that never fire are found by a sweep from the highest priority
//! down, keeping per cell the union of the ages higher priorities take, and
//! overlaps through an index of age ranges per priority and cell, so that
//! thousands of rules of one code (distinct priorities, or one priority
//! with disjoint age bands) cost n log n, not n². An overlay is analysed as
//! changes to its parent: pairs of rules it inherits are not compared
//! again, and only rules naming a code whose rules it changes are judged
//! again for never firing.
//!
//! Findings are reported once: a pair of rules, a gap or a bad route found
//! in a layer is not reported again in the overlays that inherit it
//! unchanged. Each finding carries a witness case that routing confirms
//! (see `tests/analysis.rs`).
//!
//! Imports: `super::model`, `super::graph`, `crate::catalogue`, `crate::diagnostics`.

use std::collections::{BTreeMap, BTreeSet};

use super::graph::NameGraph;
use super::model;
use crate::catalogue::{DispositionId, Status};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// "No upper bound" for ages in days.
const INF: u64 = u64::MAX;

pub use dxmap_runtime::CaseSex;

/// A case that shows a finding: route it to see the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// The layer in force.
    pub layer: model::LayerId,
    /// The disposition.
    pub dx: DispositionId,
    /// The channel.
    pub channel: model::Channel,
    /// The sex.
    pub sex: CaseSex,
    /// The youngest age of the range, in days.
    pub age_days: u32,
    /// The whole age range concerned, `[min, max)` in days.
    pub ages: (u32, Option<u32>),
}

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

/// A disposition's cases that nothing covers in a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The first uncovered cell and age range.
    pub witness: Witness,
    /// Every uncovered (channel, sex, ages) of the disposition in the layer;
    /// a sex of `None` means all three (female, male, not given).
    pub cells: Vec<Cell>,
}

/// An age range in days, `[min, max)`; `None` is unbounded.
pub type Ages = (u32, Option<u32>);

/// An uncovered cell: channel, sex (`None`: all three) and ages.
pub type Cell = (model::Channel, Option<CaseSex>, Ages);

/// Merges cells that differ only by sex into one "any sex" cell.
fn merge_sexes(cells: Vec<(model::Channel, CaseSex, (u32, Option<u32>))>) -> Vec<Cell> {
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

fn end(max: Option<u32>) -> u64 {
    max.map_or(INF, u64::from)
}

fn from_end(end: u64) -> Option<u32> {
    if end == INF {
        None
    } else {
        u32::try_from(end).ok()
    }
}

/// `[0, ∞)` minus the union of `intervals`, as sorted disjoint intervals.
fn uncovered(mut intervals: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    intervals.sort_unstable();
    let mut out = Vec::new();
    let mut reached = 0u64;
    for (start, stop) in intervals {
        if start > reached {
            out.push((reached, start));
        }
        reached = reached.max(stop);
        if reached == INF {
            return out;
        }
    }
    out.push((reached, INF));
    out
}

/// The pathways-clinician skill, by its conventional name.
fn has_clinician_skill(model: &model::Model, layer: &model::Layer) -> bool {
    layer.skills.iter().any(|skill| {
        model
            .skills
            .get(skill.index())
            .is_some_and(|s| s.name == "pathways_clinician")
    })
}

/// Whether a layer must cover a disposition.
fn required(model: &model::Model, layer: &model::Layer, dx: DispositionId) -> bool {
    match model.catalogue.get(dx).map(|d| d.status) {
        Some(Status::InUse) => true,
        Some(Status::ClinicianOnly) => has_clinician_skill(model, layer),
        _ => false,
    }
}

/// Rules in force in a layer, by the codes they name, in layer order.
fn rules_by_code(
    model: &model::Model,
    layer: &model::Layer,
) -> BTreeMap<DispositionId, Vec<model::RuleId>> {
    let mut by_code: BTreeMap<DispositionId, Vec<model::RuleId>> = BTreeMap::new();
    for rule_id in &layer.rules {
        if let Some(rule) = model.rule(*rule_id) {
            for code in &rule.dispositions {
                by_code.entry(*code).or_default().push(*rule_id);
            }
        }
    }
    by_code
}

/// A set of codes, by catalogue index: the analyses of an overlay look
/// up every rule's codes in one, so it must be cheap.
#[derive(Debug, Default)]
struct CodeSet(Vec<bool>);

impl CodeSet {
    fn insert(&mut self, dx: DispositionId) {
        let Ok(at) = usize::try_from(dx.0) else {
            return;
        };
        if self.0.len() <= at {
            self.0.resize(at + 1, false);
        }
        if let Some(slot) = self.0.get_mut(at) {
            *slot = true;
        }
    }

    fn contains(&self, dx: DispositionId) -> bool {
        usize::try_from(dx.0).is_ok_and(|at| self.0.get(at).copied().unwrap_or(false))
    }

    /// Whether a rule names a code of the set.
    fn named_by(&self, rule: &model::Rule) -> bool {
        rule.dispositions.iter().any(|dx| self.contains(*dx))
    }

    /// The codes the rules name.
    fn named<'a>(rules: impl Iterator<Item = &'a model::Rule>) -> CodeSet {
        let mut codes = CodeSet::default();
        for rule in rules {
            for dx in &rule.dispositions {
                codes.insert(*dx);
            }
        }
        codes
    }
}

/// Rules in force in a layer naming some of `codes`, by code, in layer
/// order.
fn rules_naming(
    model: &model::Model,
    layer: &model::Layer,
    codes: &CodeSet,
) -> BTreeMap<DispositionId, Vec<model::RuleId>> {
    let mut by_code: BTreeMap<DispositionId, Vec<model::RuleId>> = BTreeMap::new();
    for rule_id in &layer.rules {
        if let Some(rule) = model.rule(*rule_id) {
            for code in rule.dispositions.iter().filter(|dx| codes.contains(**dx)) {
                by_code.entry(*code).or_default().push(*rule_id);
            }
        }
    }
    by_code
}

/// What answers a code in a layer: itself, its `same_as` target, or nothing.
enum Answered<'a> {
    NoSearch,
    Rules(&'a [model::RuleId]),
    Nothing,
}

fn answered<'a>(
    model: &model::Model,
    layer: &model::Layer,
    by_code: &'a BTreeMap<DispositionId, Vec<model::RuleId>>,
    dx: DispositionId,
) -> Answered<'a> {
    if layer.no_search.contains_key(&dx) {
        return Answered::NoSearch;
    }
    if let Some(rules) = by_code.get(&dx) {
        return Answered::Rules(rules);
    }
    let Some(target) = model.catalogue.get(dx).and_then(|d| d.same_as) else {
        return Answered::Nothing;
    };
    if layer.no_search.contains_key(&target) {
        return Answered::NoSearch;
    }
    by_code
        .get(&target)
        .map_or(Answered::Nothing, |rules| Answered::Rules(rules))
}

/// The coverage gaps of every layer, reported where they first appear.
pub fn gaps(model: &model::Model) -> Vec<Gap> {
    let mut found = Vec::new();
    let mut per_layer: Vec<BTreeMap<DispositionId, Vec<Cell>>> =
        Vec::with_capacity(model.layers.len());
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        let by_code = rules_by_code(model, layer);
        let mut layer_gaps = BTreeMap::new();
        for (dx, disposition) in model.catalogue.iter() {
            if !required(model, layer, dx) {
                continue;
            }
            let rules = match answered(model, layer, &by_code, dx) {
                Answered::NoSearch => continue,
                Answered::Rules(rules) => rules,
                Answered::Nothing => &[],
            };
            let mut cells = Vec::new();
            for channel in &disposition.channels {
                for sex in CaseSex::ALL {
                    let intervals = rules
                        .iter()
                        .filter_map(|id| model.rule(*id))
                        .filter(|r| r.when.channels.contains(channel) && sex.meets(r.when.sex))
                        .map(|r| (u64::from(r.when.ages.min_days), end(r.when.ages.max_days)))
                        .collect();
                    for (start, stop) in uncovered(intervals) {
                        let start = u32::try_from(start).unwrap_or(u32::MAX);
                        cells.push((*channel, sex, (start, from_end(stop))));
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
                    age_days: ages.0,
                    ages,
                },
                cells: cells.clone(),
            });
        }
        per_layer.push(layer_gaps);
    }
    found
}

fn rules_can_meet(
    a: &model::Rule,
    b: &model::Rule,
) -> Option<(model::Channel, CaseSex, (u32, Option<u32>))> {
    let (channel, sex, ages) = a.when.meeting(&b.when)?;
    Some((channel, sex, (ages.min_days, ages.max_days)))
}

/// The cells of a disposition's cases, channel × sex, numbered `0..9`.
const CELLS: usize = model::Channel::ALL.len() * CaseSex::ALL.len();

/// The cells a rule matches: its channels × the sexes it accepts. Two
/// rules can meet only in a cell both match.
fn cells_of(rule: &model::Rule) -> impl Iterator<Item = usize> + '_ {
    model::Channel::ALL
        .iter()
        .enumerate()
        .filter(|(_, channel)| rule.when.channels.contains(channel))
        .flat_map(move |(c, _)| {
            CaseSex::ALL
                .iter()
                .enumerate()
                .filter(move |(_, sex)| sex.meets(rule.when.sex))
                .map(move |(s, _)| c * CaseSex::ALL.len() + s)
        })
}

/// A rule's ages as `[start, stop)`, `stop` [`INF`] when unbounded.
fn span_of(rule: &model::Rule) -> (u64, u64) {
    (
        u64::from(rule.when.ages.min_days),
        end(rule.when.ages.max_days),
    )
}

/// For an overlay whose rules are its parent's with changes: the parent's
/// rules it removes. That is so when the parent is analysed first (layers
/// come parents first) and the rules it inherits (those another layer
/// defines) are the parent's, in the parent's order; the rules it defines
/// (overrides and additions) are then its only new ones. `None` for the
/// baseline and any other layer: all its rules are new.
fn changes_to_parent(
    model: &model::Model,
    layer_idx: usize,
    layer: &model::Layer,
) -> Option<Vec<model::RuleId>> {
    let parent_id = layer.parent?;
    if parent_id.index() >= layer_idx {
        return None;
    }
    let parent = model.layer(parent_id)?;
    let layer_id = model::LayerId::from_index(layer_idx);
    let mut removed = Vec::new();
    let mut below = parent.rules.iter();
    for rule_id in &layer.rules {
        if model.rule(*rule_id).is_none_or(|r| r.layer == layer_id) {
            continue;
        }
        // Up to the parent's rule it inherits; those skipped are removed.
        loop {
            let kept = below.next()?;
            if kept == rule_id {
                break;
            }
            removed.push(*kept);
        }
    }
    removed.extend(below.copied());
    Some(removed)
}

/// Whether a rule is new to a layer: defined by it, or any rule when the
/// layer is not analysed as changes to its parent.
fn new_to(
    model: &model::Model,
    layer: model::LayerId,
    incremental: bool,
    rule: model::RuleId,
) -> bool {
    !incremental || model.rule(rule).is_some_and(|r| r.layer == layer)
}

/// Rules of one priority in one cell, for finding those whose ages meet a
/// range: sorted by youngest age, under a tree of the oldest end below
/// each node. A rule is forgotten by setting its end to 0: ages are
/// half-open, and an end of 0 meets nothing.
struct AgeIndex {
    /// Youngest ages, ascending.
    starts: Vec<u64>,
    /// The rule at each place: its position in the code's rules.
    members: Vec<usize>,
    /// A complete binary tree: node 1 is the root, leaves from `width`.
    ends: Vec<u64>,
    width: usize,
}

impl AgeIndex {
    fn new(mut entries: Vec<AgeEntry>) -> AgeIndex {
        entries.sort_unstable();
        let width = entries.len().next_power_of_two();
        let mut ends = vec![0; 2 * width];
        for (slot, (_, stop, _)) in ends.iter_mut().skip(width).zip(&entries) {
            *slot = *stop;
        }
        for node in (1..width).rev() {
            let below = Self::below(&ends, node);
            if let Some(slot) = ends.get_mut(node) {
                *slot = below;
            }
        }
        AgeIndex {
            starts: entries.iter().map(|(start, _, _)| *start).collect(),
            members: entries.iter().map(|(_, _, member)| *member).collect(),
            ends,
            width,
        }
    }

    /// The oldest end under an inner node.
    fn below(ends: &[u64], node: usize) -> u64 {
        let left = ends.get(2 * node).copied().unwrap_or(0);
        let right = ends.get(2 * node + 1).copied().unwrap_or(0);
        left.max(right)
    }

    /// Adds to `out` the `(place, member)` of every rule not forgotten
    /// whose ages meet `[start, stop)`, in place order.
    fn meeting(&self, start: u64, stop: u64, out: &mut Vec<(usize, usize)>) {
        let limit = self.starts.partition_point(|s| *s < stop);
        let mut stack = vec![(1usize, 0usize, self.width)];
        while let Some((node, lo, hi)) = stack.pop() {
            if lo >= limit || self.ends.get(node).is_none_or(|e| *e <= start) {
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
        if let Some(slot) = self.ends.get_mut(node) {
            *slot = 0;
        }
        while node > 1 {
            node /= 2;
            let below = Self::below(&self.ends, node);
            match self.ends.get_mut(node) {
                Some(slot) if *slot != below => *slot = below,
                _ => break,
            }
        }
    }
}

/// A rule's ages `[start, stop)` and its position in its code's rules.
type AgeEntry = (u64, u64, usize);

/// Age indexes of one code's rules, by priority and cell.
type AgeIndexes = BTreeMap<(u32, usize), AgeIndex>;

fn age_indexes(entries: BTreeMap<(u32, usize), Vec<AgeEntry>>) -> AgeIndexes {
    entries
        .into_iter()
        .map(|(key, entries)| (key, AgeIndex::new(entries)))
        .collect()
}

/// Where two rules meet: a cell and the ages both match.
type Meeting = (model::Channel, CaseSex, (u32, Option<u32>));

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
        let (start, stop) = span_of(rule);
        if reported.contains(id) || start >= stop || !shared(rule) {
            continue;
        }
        let entries = if new.get(j).copied().unwrap_or(true) {
            &mut any_partner
        } else {
            &mut new_partner
        };
        for cell in cells_of(rule) {
            entries
                .entry((rule.priority, cell))
                .or_insert_with(Vec::new)
                .push((start, stop, j));
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
        let (start, stop) = span_of(first);
        if start >= stop || !shared(first) {
            continue;
        }
        let is_new = new.get(i).copied().unwrap_or(true);
        let mut claimed = Vec::new();
        for cell in cells_of(first) {
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
                index.meeting(start, stop, &mut hits);
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
                        .and_then(|second| rules_can_meet(first, second))
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
        let incremental = changes_to_parent(model, layer_idx, layer).is_some();
        // Only codes with a rule new to the layer have pairs to compare.
        let by_code = if incremental {
            let codes = CodeSet::named(
                layer
                    .rules
                    .iter()
                    .filter(|id| new_to(model, layer_id, true, **id))
                    .filter_map(|id| model.rule(*id)),
            );
            rules_naming(model, layer, &codes)
        } else {
            rules_by_code(model, layer)
        };
        for (dx, rules) in by_code {
            let new: Vec<bool> = rules
                .iter()
                .map(|id| new_to(model, layer_id, incremental, *id))
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
                        age_days: ages.0,
                        ages,
                    },
                });
            }
        }
    }
    found
}

/// A union of age ranges `[start, stop)`, merged: disjoint, not touching.
#[derive(Debug, Default)]
struct AgeUnion(BTreeMap<u64, u64>);

impl AgeUnion {
    /// Whether `[start, stop)` lies within the union.
    fn covers(&self, start: u64, stop: u64) -> bool {
        start >= stop
            || self
                .0
                .range(..=start)
                .next_back()
                .is_some_and(|(_, reached)| *reached >= stop)
    }

    fn insert(&mut self, mut start: u64, mut stop: u64) {
        if start >= stop {
            return;
        }
        if let Some((before, reached)) = self.0.range(..=start).next_back() {
            if *reached >= start {
                start = *before;
                stop = stop.max(*reached);
            }
        }
        // Ranges starting within the new one, or just after it, join it.
        while let Some((s, e)) = self.0.range(start..=stop).next().map(|(s, e)| (*s, *e)) {
            self.0.remove(&s);
            stop = stop.max(e);
        }
        self.0.insert(start, stop);
    }
}

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
    let mut taken: Vec<AgeUnion> = (0..CELLS).map(|_| AgeUnion::default()).collect();
    for group in order.chunk_by(|a, b| a.1.priority == b.1.priority) {
        for (id, rule) in group {
            let (start, stop) = span_of(rule);
            if start < stop
                && cells_of(rule)
                    .any(|cell| taken.get(cell).is_some_and(|t| !t.covers(start, stop)))
            {
                can_fire.insert(*id);
            }
        }
        for (_, rule) in group {
            let (start, stop) = span_of(rule);
            for cell in cells_of(rule) {
                if let Some(t) = taken.get_mut(cell) {
                    t.insert(start, stop);
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
        let changed = changes_to_parent(model, layer_idx, layer).map(|removed| {
            let added = layer
                .rules
                .iter()
                .filter(|id| new_to(model, layer_id, true, **id));
            CodeSet::named(removed.iter().chain(added).filter_map(|id| model.rule(*id)))
        });
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
        for rules in rules_naming(model, layer, &codes).values() {
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

/// An age range for people: `0–15y`, `16y and over`, `0–27 days`.
pub fn ages_text(ages: (u32, Option<u32>)) -> String {
    model::AgeInterval::new(ages.0, ages.1).to_string()
}

fn sex_text(sex: CaseSex) -> String {
    format!(", {}", sex.describe())
}

fn layer_text(model: &model::Model, layer: model::LayerId) -> String {
    match model.layer(layer) {
        Some(l) if layer == model::NATIONAL => format!("the `{}` baseline", l.name),
        Some(l) => format!("overlay `{}`", l.name),
        None => "?".to_owned(),
    }
}

/// A witness case for people.
pub fn witness_text(model: &model::Model, witness: &Witness) -> String {
    format!(
        "`{}` on `{}` for {}{}",
        model.catalogue.code(witness.dx),
        witness.channel.as_str(),
        ages_text(witness.ages),
        sex_text(witness.sex),
    )
}

fn gap_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for gap in gaps(model) {
        let witness = &gap.witness;
        let Some(layer) = model.layer(witness.layer) else {
            continue;
        };
        // Point at the rules that cover part of the code, else at the layer.
        let by_code = rules_by_code(model, layer);
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
                    ages_text(*ages),
                    sex.map_or_else(String::new, sex_text)
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
            ages_text(witness.ages),
            if any_sex {
                String::new()
            } else {
                sex_text(witness.sex)
            },
        );
        found.push(
            Diagnostic::new(
                Code::CoverageGap,
                span,
                format!(
                    "{case} is not covered in {}",
                    layer_text(model, witness.layer)
                ),
            )
            .with_label(format!("nothing routes this case{title}"))
            .with_help(help),
        );
    }
}

fn overlap_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
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
                    witness_text(model, &overlap.witness),
                    layer_text(model, overlap.witness.layer)
                ),
            )
            .with_label(format!("`{}` matches the case", second.name))
            .with_secondary(first.when_span, format!("`{}` matches it too", first.name))
            .with_help(format!(
                "{equal}: make the conditions disjoint, or give the rule that should win a higher `priority`"
            )),
        );
    }
}

fn never_fire_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
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
                    layer_text(model, layer)
                ),
            )
            .with_help("remove it, or lower the priority of the rules that hide it"),
        );
    }
}

/// Routes slower than a timeframe, routes needing a skill the layer lacks,
/// unused and clinician-only codes.
fn clinical_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let mut slow_seen: BTreeSet<(model::RuleId, usize)> = BTreeSet::new();
    let mut skill_seen: BTreeSet<(model::RuleId, usize)> = BTreeSet::new();
    let mut unused_seen: BTreeSet<model::RuleId> = BTreeSet::new();
    let mut clinician_seen: BTreeSet<model::RuleId> = BTreeSet::new();
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let layer_id = model::LayerId::from_index(layer_idx);
        let by_code = rules_by_code(model, layer);
        let clinician = has_clinician_skill(model, layer);
        // Codes routed as their `same_as` target in this layer.
        let mut borrowers: BTreeMap<DispositionId, Vec<DispositionId>> = BTreeMap::new();
        for (dx, d) in model.catalogue.iter() {
            if let Some(target) = d.same_as {
                if !by_code.contains_key(&dx) && !layer.no_search.contains_key(&dx) {
                    borrowers.entry(target).or_default().push(dx);
                }
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
                                    layer_text(model, layer_id)
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
                                layer_text(model, layer_id)
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

/// Repeated codes in one hierarchy, and contradictions between hierarchies.
fn hierarchy_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let n = model.catalogue.dispositions().len();
    let mut graph = NameGraph::new(n);
    let mut edge_sources: BTreeMap<(usize, usize), Vec<(Span, String)>> = BTreeMap::new();
    for hierarchy in &model.hierarchies {
        let mut seen: BTreeMap<DispositionId, Span> = BTreeMap::new();
        let mut previous: Option<(DispositionId, Span)> = None;
        for (code, span) in &hierarchy.codes {
            if let Some(first) = seen.get(code) {
                found.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        *span,
                        format!(
                            "`{}` appears twice in hierarchy `{}`",
                            model.catalogue.code(*code),
                            hierarchy.name
                        ),
                    )
                    .with_secondary(*first, "first here")
                    .with_help("a hierarchy is a total order: name each code once"),
                );
                continue;
            }
            seen.insert(*code, *span);
            if let Some((above, above_span)) = previous {
                let key = (
                    usize::try_from(above.0).unwrap_or(0),
                    usize::try_from(code.0).unwrap_or(0),
                );
                let edge_span = above_span.cover(*span);
                graph.add_edge(key.0, key.1, edge_span);
                edge_sources
                    .entry(key)
                    .or_default()
                    .push((edge_span, hierarchy.name.clone()));
            }
            previous = Some((*code, *span));
        }
    }
    for cycle in graph.cycles() {
        let codes: Vec<&str> = cycle
            .nodes
            .iter()
            .map(|n| {
                model
                    .catalogue
                    .code(DispositionId(u32::try_from(*n).unwrap_or(0)))
            })
            .collect();
        let chain = codes
            .iter()
            .chain(codes.first())
            .copied()
            .collect::<Vec<_>>()
            .join(" > ");
        let mut labels: Vec<(Span, String)> = Vec::new();
        for (idx, node) in cycle.nodes.iter().enumerate() {
            let next = cycle
                .nodes
                .get(idx + 1)
                .or(cycle.nodes.first())
                .copied()
                .unwrap_or(*node);
            if let Some(sources) = edge_sources.get(&(*node, next)) {
                for (span, name) in sources {
                    let above = model
                        .catalogue
                        .code(DispositionId(u32::try_from(*node).unwrap_or(0)));
                    let below = model
                        .catalogue
                        .code(DispositionId(u32::try_from(next).unwrap_or(0)));
                    labels.push((
                        *span,
                        format!("hierarchy `{name}`: `{above}` above `{below}`"),
                    ));
                }
            }
        }
        labels.sort();
        let Some((primary, primary_label)) = labels.first().cloned() else {
            continue;
        };
        let mut diagnostic = Diagnostic::new(
            Code::HierarchyContradiction,
            primary,
            format!("queue hierarchies contradict each other: {chain}"),
        )
        .with_label(primary_label)
        .with_help("make the hierarchies agree on the order of these codes");
        for (span, label) in labels.into_iter().skip(1) {
            diagnostic = diagnostic.with_secondary(span, label);
        }
        found.push(diagnostic);
    }
}

/// Whether a postcode unit is the same as or inside another (`SO16 7` is
/// inside `SO16`, which is inside `SO`; `S` does not contain `SO16`).
pub fn unit_within(inner: &str, outer: &str) -> bool {
    if inner == outer {
        return true;
    }
    let area =
        |unit: &str| -> String { unit.chars().take_while(char::is_ascii_alphabetic).collect() };
    let district = |unit: &str| -> String { unit.split(' ').next().unwrap_or("").to_owned() };
    let outer_is_area = outer.chars().all(|c| c.is_ascii_alphabetic());
    let outer_is_district = !outer_is_area && !outer.contains(' ');
    (outer_is_area && area(inner) == outer)
        || (outer_is_district && inner.contains(' ') && district(inner) == outer)
}

/// The units containing `unit` (itself, its district, its area), most
/// specific first: exactly the `outer` units with `unit_within(unit, outer)`.
fn containing_units(unit: &str) -> impl Iterator<Item = &str> {
    let district = unit.split_once(' ').map(|(district, _)| district);
    let area_len = unit.chars().take_while(char::is_ascii_alphabetic).count();
    let area = unit
        .get(..area_len)
        .filter(|area| !area.is_empty() && *area != unit);
    [Some(unit), district, area].into_iter().flatten()
}

/// The overlays' area claims, indexed once per run.
struct Claims<'a> {
    /// Claimed unit -> the layer claiming it (a unit is claimed once).
    owner: BTreeMap<&'a str, model::LayerId>,
    /// Per layer, every unit one of its claims lies in.
    parts_of: Vec<BTreeSet<&'a str>>,
}

impl<'a> Claims<'a> {
    fn new(model: &'a model::Model) -> Claims<'a> {
        let mut owner = BTreeMap::new();
        let mut parts_of = Vec::with_capacity(model.layers.len());
        for (idx, layer) in model.layers.iter().enumerate() {
            let mut parts = BTreeSet::new();
            for unit in &layer.area {
                owner
                    .entry(unit.text.as_str())
                    .or_insert(model::LayerId::from_index(idx));
                parts.extend(containing_units(&unit.text));
            }
            parts_of.push(parts);
        }
        Claims { owner, parts_of }
    }

    /// The layer owning `unit`: the one with the most specific claim
    /// containing it, else the baseline.
    fn owner(&self, unit: &str) -> model::LayerId {
        containing_units(unit)
            .find_map(|u| self.owner.get(u).copied())
            .unwrap_or(model::NATIONAL)
    }

    /// Whether `layer` claims a part of `unit` (narrower claims take parts
    /// of a unit another layer owns).
    fn claims_part_of(&self, layer_id: model::LayerId, unit: &str) -> bool {
        layer_id != model::NATIONAL
            && self
                .parts_of
                .get(layer_id.index())
                .is_some_and(|parts| parts.contains(unit))
    }
}

/// Services no rule can reach, and service types without services.
fn reach_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for (type_idx, service_type) in model.service_types.iter().enumerate() {
        let type_id = model::ServiceTypeId::from_index(type_idx);
        if !model.services.iter().any(|s| s.service_type == type_id) {
            found.push(
                Diagnostic::new(
                    Code::TypeWithoutServices,
                    service_type.span,
                    format!("service type `{}` has no services", service_type.name),
                )
                .with_help("add its services, or remove the type and the routes to it"),
            );
        }
    }
    // Types routed (and usable) per layer.
    let routed: Vec<BTreeSet<model::ServiceTypeId>> = model
        .layers
        .iter()
        .map(|layer| {
            let mut types: BTreeSet<model::ServiceTypeId> = layer
                .rules
                .iter()
                .filter_map(|id| model.rule(*id))
                .flat_map(|r| r.route.iter().copied())
                .filter(|t| {
                    model
                        .service_type(*t)
                        .and_then(|st| st.requires)
                        .is_none_or(|skill| layer.skills.contains(&skill))
                })
                .collect();
            if let Some((catch_all, _)) = layer.catch_all {
                types.insert(catch_all);
            }
            types
        })
        .collect();
    // The layers each service is in force in, in one pass over the layers.
    let mut in_force: Vec<Vec<model::LayerId>> = vec![Vec::new(); model.services.len()];
    for (idx, layer) in model.layers.iter().enumerate() {
        for service_id in &layer.services {
            if let Some(layers) = in_force.get_mut(service_id.index()) {
                layers.push(model::LayerId::from_index(idx));
            }
        }
    }
    let claims = Claims::new(model);
    for (service_idx, service) in model.services.iter().enumerate() {
        let service_id = model::ServiceId::from_index(service_idx);
        let routing: Vec<model::LayerId> = in_force
            .get(service_idx)
            .into_iter()
            .flatten()
            .copied()
            .filter(|l| {
                routed
                    .get(l.index())
                    .is_some_and(|t| t.contains(&service.service_type))
            })
            .collect();
        // Whether a layer governs some postcode of the catchment: it owns a
        // unit (the most specific claim containing it is its own), or it
        // claims a part of one.
        let owners: Vec<model::LayerId> = service
            .catchment
            .iter()
            .map(|u| claims.owner(&u.text))
            .collect();
        let governs = |layer: &model::LayerId| {
            service
                .catchment
                .iter()
                .zip(&owners)
                .any(|(u, owner)| owner == layer || claims.claims_part_of(*layer, &u.text))
        };
        let bounded = service.valid.from.is_some() && service.valid.until.is_some();
        let reason = if routing.is_empty() {
            Some("no rule in force where it is routes its type".to_owned())
        } else if !routing.iter().any(governs) {
            Some("the layers that route its type govern none of its catchment".to_owned())
        } else if bounded
            && always_suspended(
                model,
                service_id,
                &routing.iter().copied().filter(governs).collect::<Vec<_>>(),
            )
        {
            Some("it is suspended for the whole of its validity window".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            let type_name = model
                .service_type(service.service_type)
                .map_or("?", |t| t.name.as_str());
            found.push(
                Diagnostic::new(
                    Code::UnreachableService,
                    service.span,
                    format!("no patient can reach service `{}` ({type_name}): {reason}", service.id),
                )
                .with_help("route its type in a rule of a layer that governs its catchment, or remove the service"),
            );
        }
    }
}

/// Whether, in every layer where it is in force, a service is suspended on
/// every day of its (bounded) validity window.
fn always_suspended(
    model: &model::Model,
    service: model::ServiceId,
    in_force: &[model::LayerId],
) -> bool {
    let Some(s) = model.service(service) else {
        return false;
    };
    let (Some(from), Some(until)) = (s.valid.from, s.valid.until) else {
        return false;
    };
    !in_force.is_empty()
        && in_force.iter().all(|layer_id| {
            model.layer(*layer_id).is_some_and(|layer| {
                layer.suspensions.iter().any(|suspension| {
                    let applies = match suspension.target {
                        model::SuspensionTarget::Service(id) => id == service,
                        model::SuspensionTarget::ServiceType(t) => t == s.service_type,
                    };
                    applies && suspension.window.contains(from) && suspension.window.contains(until)
                })
            })
        })
}

/// Overrides that change nothing.
fn identical_override_diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for rule in &model.rules {
        let model::RuleOrigin::Override { replaces } = rule.origin else {
            continue;
        };
        let Some(original) = model.rule(replaces) else {
            continue;
        };
        if original.dispositions == rule.dispositions
            && original.when.channels == rule.when.channels
            && original.when.ages == rule.when.ages
            && original.when.sex == rule.when.sex
            && original.route == rule.route
            && original.priority == rule.priority
        {
            found.push(
                Diagnostic::new(
                    Code::IdenticalOverride,
                    rule.name_span,
                    format!(
                        "`override rule \"{}\"` is identical to the rule it overrides",
                        rule.name
                    ),
                )
                .with_secondary(original.name_span, "the rule overridden")
                .with_help("remove the override, or make the change it was meant to make"),
            );
        }
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
    /// The rules that match some case of it, in layer order.
    pub rules: Vec<model::RuleId>,
    /// The service types those rules route to, first appearance first.
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
    let by_code = rules_by_code(model, layer);
    let mut rows = Vec::new();
    for (dx, disposition) in model.catalogue.iter() {
        let is_required = required(model, layer, dx);
        let via = if by_code.contains_key(&dx) || layer.no_search.contains_key(&dx) {
            None
        } else {
            disposition.same_as
        };
        let answered = answered(model, layer, &by_code, dx);
        for channel in &disposition.channels {
            let mut row = CoverageRow {
                dx,
                channel: *channel,
                required: is_required,
                answer: Answer::NotUsed,
                via,
                rules: Vec::new(),
                types: Vec::new(),
                gaps: Vec::new(),
            };
            match &answered {
                Answered::NoSearch => {
                    let code = if layer.no_search.contains_key(&dx) {
                        dx
                    } else {
                        via.unwrap_or(dx)
                    };
                    let reason = layer
                        .no_search
                        .get(&code)
                        .map_or_else(String::new, |n| n.reason.clone());
                    row.answer = Answer::NoSearch(reason);
                }
                Answered::Rules(_) | Answered::Nothing
                    if !rules_or_empty(&answered).is_empty() || is_required =>
                {
                    let rules = rules_or_empty(&answered);
                    let mut cells = Vec::new();
                    for sex in CaseSex::ALL {
                        let matching: Vec<&model::Rule> = rules
                            .iter()
                            .filter_map(|id| model.rule(*id))
                            .filter(|r| r.when.channels.contains(channel) && sex.meets(r.when.sex))
                            .collect();
                        let intervals = matching
                            .iter()
                            .map(|r| (u64::from(r.when.ages.min_days), end(r.when.ages.max_days)))
                            .collect();
                        for (start, stop) in uncovered(intervals) {
                            cells.push((
                                *channel,
                                sex,
                                (u32::try_from(start).unwrap_or(u32::MAX), from_end(stop)),
                            ));
                        }
                    }
                    for id in rules {
                        let Some(rule) = model.rule(*id) else {
                            continue;
                        };
                        if !rule.when.channels.contains(channel) {
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

fn rules_or_empty<'a>(answered: &Answered<'a>) -> &'a [model::RuleId] {
    match answered {
        Answered::Rules(rules) => rules,
        _ => &[],
    }
}

/// Runs every analysis on a resolved model without errors.
pub fn analyse(model: &model::Model) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    overlap_diagnostics(model, &mut found);
    never_fire_diagnostics(model, &mut found);
    gap_diagnostics(model, &mut found);
    clinical_diagnostics(model, &mut found);
    hierarchy_diagnostics(model, &mut found);
    reach_diagnostics(model, &mut found);
    identical_override_diagnostics(model, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pairwise analyses the sweeps replace, kept as their definition.
    mod pairwise {
        use super::super::*;

        /// Rules that can match a case an earlier rule of the same layer matches,
        /// with equal priorities: each such rule is reported once, with the first
        /// earlier rule it meets (so a hundred identical rules give 99 findings,
        /// not 4,950).
        pub(super) fn overlaps(model: &model::Model) -> Vec<Overlap> {
            let mut found = Vec::new();
            let mut seen: BTreeSet<(model::RuleId, model::RuleId)> = BTreeSet::new();
            let mut reported: BTreeSet<model::RuleId> = BTreeSet::new();
            for (layer_idx, layer) in model.layers.iter().enumerate() {
                for (dx, rules) in rules_by_code(model, layer) {
                    for (i, first_id) in rules.iter().enumerate() {
                        for second_id in rules.iter().skip(i + 1) {
                            let (Some(first), Some(second)) =
                                (model.rule(*first_id), model.rule(*second_id))
                            else {
                                continue;
                            };
                            if first.priority != second.priority {
                                continue;
                            }
                            let key = ((*first_id).min(*second_id), (*first_id).max(*second_id));
                            if seen.contains(&key) || reported.contains(second_id) {
                                continue;
                            }
                            if let Some((channel, sex, ages)) = rules_can_meet(first, second) {
                                seen.insert(key);
                                reported.insert(*second_id);
                                found.push(Overlap {
                                    first: *first_id,
                                    second: *second_id,
                                    witness: Witness {
                                        layer: model::LayerId::from_index(layer_idx),
                                        dx,
                                        channel,
                                        sex,
                                        age_days: ages.0,
                                        ages,
                                    },
                                });
                            }
                        }
                    }
                }
            }
            found
        }

        /// Rules that can never fire: in every layer where they are in force, every
        /// case they match is taken by rules of higher priority.
        pub(super) fn never_fire(model: &model::Model) -> Vec<(model::RuleId, model::LayerId)> {
            let mut fires: BTreeSet<model::RuleId> = BTreeSet::new();
            let mut shadowed: BTreeMap<model::RuleId, model::LayerId> = BTreeMap::new();
            for (layer_idx, layer) in model.layers.iter().enumerate() {
                let by_code = rules_by_code(model, layer);
                for rule_id in &layer.rules {
                    let Some(rule) = model.rule(*rule_id) else {
                        continue;
                    };
                    if rule.dispositions.is_empty() || rule.when.ages.is_empty() {
                        continue;
                    }
                    let can_fire = rule.dispositions.iter().any(|dx| {
                        let higher: Vec<&model::Rule> = by_code
                            .get(dx)
                            .into_iter()
                            .flatten()
                            .filter_map(|id| model.rule(*id))
                            .filter(|other| other.priority > rule.priority)
                            .collect();
                        rule.when.channels.iter().any(|channel| {
                            CaseSex::ALL.iter().any(|sex| {
                                if !sex.meets(rule.when.sex) {
                                    return false;
                                }
                                let mut intervals: Vec<(u64, u64)> = higher
                                    .iter()
                                    .filter(|r| {
                                        r.when.channels.contains(channel) && sex.meets(r.when.sex)
                                    })
                                    .map(|r| {
                                        (u64::from(r.when.ages.min_days), end(r.when.ages.max_days))
                                    })
                                    .collect();
                                // Everything outside the rule's own ages counts as covered.
                                intervals.push((0, u64::from(rule.when.ages.min_days)));
                                intervals.push((end(rule.when.ages.max_days), INF));
                                !uncovered(intervals).iter().all(|(s, e)| s >= e)
                            })
                        })
                    });
                    if can_fire {
                        fires.insert(*rule_id);
                    } else {
                        shadowed
                            .entry(*rule_id)
                            .or_insert(model::LayerId::from_index(layer_idx));
                    }
                }
            }
            shadowed
                .into_iter()
                .filter(|(rule, _)| !fires.contains(rule))
                .collect()
        }
    }

    /// SplitMix64, so that failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let at = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
            items.get(at).copied().unwrap_or_default()
        }
    }

    const CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx06, title: "Primary care 6h", section: 1, status: in_use, timeframe_minutes: 360 }
  - { code: Dx07, title: "Primary care 12h", section: 1, status: in_use, timeframe_minutes: 720 }
"#;

    fn random_rule(rng: &mut Rng, keyword: &str, name: &str) -> String {
        let mut conditions = vec![format!(
            "dx in ({})",
            rng.pick(&[
                "Dx05",
                "Dx06",
                "Dx07",
                "Dx05, Dx06",
                "Dx06, Dx07",
                "Dx05, Dx06, Dx07"
            ])
        )];
        if rng.below(3) == 0 {
            conditions.push(format!(
                "channel in ({})",
                rng.pick(&["111", "999", "ooh", "111, ooh", "999, ooh", "111, 999"])
            ));
        }
        let ages = ["0", "28d", "6mo", "1", "5", "16", "65"];
        match rng.below(4) {
            0 => conditions.push(format!("age < {}", rng.pick(&ages))),
            1 => conditions.push(format!("age >= {}", rng.pick(&ages))),
            2 => conditions.push(format!("age in {}..{}", rng.pick(&ages), rng.pick(&ages))),
            _ => {}
        }
        match rng.below(4) {
            0 => conditions.push("sex = female".to_owned()),
            1 => conditions.push("sex = male".to_owned()),
            _ => {}
        }
        format!(
            "{keyword} \"{name}\" {{\n  when {}\n  route t\n  priority {}\n  because \"b\"\n}}\n",
            conditions.join(" and "),
            rng.pick(&["0", "0", "1", "2", "3"])
        )
    }

    /// A baseline and up to four overlays, some extending others, that
    /// override, add and remove rules.
    fn random_tree(rng: &mut Rng) -> String {
        let mut text = String::from(
            "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\nservice \"S\" id \"S1\" { type t catchment SO hours { all_hours } }\n",
        );
        let baseline = 1 + rng.below(10);
        let mut names: Vec<Vec<String>> = vec![(0..baseline).map(|r| format!("R{r}")).collect()];
        for r in 0..baseline {
            text.push_str(&random_rule(rng, "rule", &format!("R{r}")));
        }
        let areas = ["SO", "PO", "BH", "DT"];
        for (o, area) in areas
            .iter()
            .enumerate()
            .take(usize::try_from(rng.below(5)).unwrap_or(0))
        {
            let parent = usize::try_from(rng.below(o as u64 + 1)).unwrap_or(0);
            let mut rules = names.get(parent).cloned().unwrap_or_default();
            let extends = if parent == 0 {
                String::new()
            } else {
                format!(" extends o{}", parent - 1)
            };
            text.push_str(&format!("overlay o{o}{extends} {{\n  area {area}\n"));
            let mut changed = BTreeSet::new();
            for change in 0..rng.below(6) {
                let at = usize::try_from(rng.below(rules.len().max(1) as u64)).unwrap_or(0);
                match (rng.below(3), rules.get(at).cloned()) {
                    (0, Some(name)) if changed.insert(name.clone()) => {
                        text.push_str(&random_rule(rng, "override rule", &name));
                    }
                    (1, Some(name)) if changed.insert(name.clone()) => {
                        text.push_str(&format!("remove rule \"{name}\" because \"b\"\n"));
                        rules.retain(|r| *r != name);
                    }
                    _ => {
                        let name = format!("A{o}x{change}");
                        text.push_str(&random_rule(rng, "add rule", &name));
                        rules.push(name);
                    }
                }
            }
            text.push_str("}\n");
            names.push(rules);
        }
        text
    }

    #[test]
    fn sweeps_agree_with_the_pairwise_analyses() {
        let (catalogue, found) = crate::catalogue::parse(crate::source::FileId(1), CATALOGUE);
        assert!(found.is_empty(), "{found:?}");
        let Some(catalogue) = catalogue else {
            return;
        };
        let mut rng = Rng(0x005E_ED0F_0E7A);
        let mut overlays = 0;
        for round in 0..1_000 {
            let text = random_tree(&mut rng);
            let (file, found) = crate::syntax::parse(crate::source::FileId(0), &text);
            assert!(found.is_empty(), "{text}\n{found:?}");
            let (model, _) = crate::check::check(&[file], catalogue.clone());
            overlays += model.layers.len() - 1;
            assert_eq!(
                overlaps(&model),
                pairwise::overlaps(&model),
                "round {round}: overlaps differ\n{text}"
            );
            assert_eq!(
                never_fire(&model),
                pairwise::never_fire(&model),
                "round {round}: rules that never fire differ\n{text}"
            );
        }
        assert!(overlays > 1_000, "{overlays} overlays");
    }

    #[test]
    fn age_unions_merge_touching_ranges() {
        let mut union = AgeUnion::default();
        union.insert(10, 20);
        union.insert(30, 40);
        assert!(!union.covers(15, 35));
        union.insert(20, 30);
        assert!(union.covers(10, 40));
        assert!(!union.covers(9, 40));
        union.insert(0, 5);
        union.insert(5, INF);
        assert!(union.covers(0, INF));
        assert_eq!(union.0.len(), 1);
    }

    #[test]
    fn uncovered_intervals() {
        assert_eq!(uncovered(vec![]), vec![(0, INF)]);
        assert_eq!(uncovered(vec![(0, INF)]), vec![]);
        assert_eq!(uncovered(vec![(10, 20), (0, 5)]), vec![(5, 10), (20, INF)]);
        assert_eq!(uncovered(vec![(0, 10), (10, INF)]), vec![]);
    }

    #[test]
    fn units_within() {
        assert!(unit_within("SO16 7", "SO16"));
        assert!(unit_within("SO16 7", "SO"));
        assert!(unit_within("SO16", "SO"));
        assert!(!unit_within("SO16", "S"));
        assert!(!unit_within("SO", "SO16"));
        assert!(!unit_within("SO16", "SO1"));
        assert!(unit_within("PO30", "PO30"));
    }

    #[test]
    fn ages_for_people() {
        assert_eq!(ages_text((0, Some(5844))), "age 0–15y");
        assert_eq!(ages_text((5844, None)), "age 16y and over");
        assert_eq!(ages_text((0, Some(28))), "age 0–27 days");
        assert_eq!(ages_text((0, None)), "any age");
    }
}
