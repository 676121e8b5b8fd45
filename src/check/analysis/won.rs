//! What each rule of a layer wins: the cases (code, channel, sex, ages)
//! it answers, from the highest priority down among the rules naming a
//! code, for the reach and hours analysis ([`super::reach_units`]). An
//! overlay's codes whose rules it does not change win what they win in
//! its parent, so most of an overlay's rules are not swept again.
//!
//! Imports: `super::common`, `crate::check::model`, `crate::catalogue`,
//! `dxmap_runtime::space`.

use std::collections::BTreeMap;
use std::sync::Arc;

use dxmap_runtime::space::{answering, Ages, Answering, CaseSex};
use dxmap_runtime::FastMap;

use super::common;
use crate::catalogue::DispositionId;
use crate::check::model;
/// A set of cases one rule wins: a code, a channel, a sex and ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Won {
    /// The code searched.
    pub dx: DispositionId,
    /// The channel.
    pub channel: model::Channel,
    /// The sex.
    pub sex: CaseSex,
    /// The ages the rule wins.
    pub ages: Ages,
}

/// The cases each rule of one code's rules wins, by rule: shared by the
/// layers whose rules of that code are the same (and by the threads that
/// judge them).
pub(super) type CodeWon = Arc<CodeCases>;

/// The cases the rules of one code win, in rule order, in one list: every
/// overlay walks them again, so they are kept together in memory.
#[derive(Debug, Default)]
pub(super) struct CodeCases {
    /// Each rule that wins some cases, and where its cases end in `cases`.
    rules: Vec<(model::RuleId, u32)>,
    cases: Vec<Won>,
}

impl CodeCases {
    /// Adds `cases` won by `rule`, after those already held: rules are
    /// added in rule order, a rule's cases together.
    fn push(&mut self, rule: model::RuleId, cases: &[Won]) {
        self.cases.extend_from_slice(cases);
        let end = u32::try_from(self.cases.len()).unwrap_or(u32::MAX);
        match self.rules.last_mut() {
            Some((last, at)) if *last == rule => *at = end,
            _ => self.rules.push((rule, end)),
        }
    }

    /// Each rule with the cases it wins, in rule order.
    fn by_rule(&self) -> impl Iterator<Item = (model::RuleId, &[Won])> {
        let mut start = 0;
        self.rules.iter().map(move |&(id, end)| {
            let cases = self
                .cases
                .get(start as usize..end as usize)
                .unwrap_or_default();
            start = end;
            (id, cases)
        })
    }
}

/// The rules in force naming each code (as many times as a rule names
/// it), shared by an overlay with the parent it extends for the codes it
/// does not change. Only the set matters: what the rules win does not
/// depend on their order ([`won_by`]).
type CodeRules = BTreeMap<DispositionId, Arc<Vec<model::RuleId>>>;

/// What a layer another extends keeps for the overlays extending it.
pub(super) struct Kept {
    /// What the rules of each code it answers with its own rules win.
    won: FastMap<DispositionId, CodeWon>,
    /// Its rules in force, by the codes they name.
    rules: CodeRules,
}

/// What the rules of each code win, kept for the layers others extend:
/// an overlay's codes whose rules it does not change win what they win in
/// its parent, so most of an overlay's rules are not swept again.
pub(super) struct WonCache {
    /// Per layer, whether another layer extends it.
    pub(super) extended: Vec<bool>,
    /// Per layer extended, what its codes' rules win.
    of_layer: Vec<Option<Kept>>,
}

impl WonCache {
    pub(super) fn new(model: &model::Model) -> WonCache {
        let mut extended = vec![false; model.layers.len()];
        for layer in &model.layers {
            if let Some(flag) = layer.parent.and_then(|p| extended.get_mut(p.index())) {
                *flag = true;
            }
        }
        WonCache {
            of_layer: (0..model.layers.len()).map(|_| None).collect(),
            extended,
        }
    }
}

/// Per rule of a layer (in rule order), the cases it wins, code by code:
/// among the rules naming a code that answers itself (no `no_search`),
/// from the highest priority down, the ages of each (channel, sex) that
/// higher priorities have not taken, on the channels the catalogue uses
/// the code on. The parts are `(rule, cases of one code)`, grouped by
/// rule, codes in order; `held` keeps the shared lists they borrow. A
/// layer another extends keeps what its codes win in `cache`.
pub(super) fn won_cases(
    model: &model::Model,
    layer_idx: usize,
    layer: &model::Layer,
    cache: &mut WonCache,
) -> Vec<CodeWon> {
    let (held, kept) = won_cases_from(model, layer_idx, layer, cache);
    if let (Some(slot), Some(kept)) = (cache.of_layer.get_mut(layer_idx), kept) {
        *slot = Some(kept);
    }
    held
}

/// [`won_cases`], `cache` only read: what a layer another extends keeps
/// is given back, for the caller to keep.
pub(super) fn won_cases_from(
    model: &model::Model,
    layer_idx: usize,
    layer: &model::Layer,
    cache: &WonCache,
) -> (Vec<CodeWon>, Option<Kept>) {
    // For an overlay with changes to its parent: the parent's rules it
    // drops. The codes whose rules differ from the parent's are those its
    // own rules and the dropped rules name.
    let changes = common::changes(model, layer_idx, layer);
    let parent = match (&changes, layer.parent) {
        (Some(_), Some(p)) => cache.of_layer.get(p.index()).and_then(Option::as_ref),
        _ => None,
    };
    let (by_code, changed, swaps) = match (changes, parent) {
        (Some(changes), Some(parent)) => {
            let (by_code, changed, swaps) = changed_rules(model, changes, &parent.rules);
            (by_code, Some(changed), swaps)
        }
        (changes, _) => {
            let changed = changes.map(|c| c.codes(model));
            let by_code: CodeRules = common::rules_by_code(model, layer)
                .into_iter()
                .map(|(dx, rules)| (dx, Arc::new(rules)))
                .collect();
            (by_code, changed, common::CodeChanges::new())
        }
    };
    let keep = cache.extended.get(layer_idx).copied().unwrap_or(false);
    let mut kept: FastMap<DispositionId, CodeWon> = FastMap::default();
    let mut held = Vec::new();
    for (dx, rule_ids) in &by_code {
        // As [`common::answered`] decides it.
        let answer = answering(
            *dx,
            model.catalogue.get(*dx).and_then(|d| d.same_as),
            |code| layer.no_search.get(&code),
            |code| by_code.contains_key(&code),
        );
        if !matches!(answer, Answering::Rules { code, .. } if code == *dx) {
            continue;
        }
        let same = changed.as_ref().is_some_and(|c| !c.contains(*dx));
        let below = parent.and_then(|p| p.won.get(dx));
        let code_won = match below {
            Some(won) if same => Arc::clone(won),
            _ => {
                let swapped = below
                    .zip(swaps.get(dx))
                    .and_then(|(won, (own, removed))| renamed(model, won, own, removed));
                Arc::new(swapped.unwrap_or_else(|| won_by(model, *dx, rule_ids)))
            }
        };
        if keep {
            kept.insert(*dx, Arc::clone(&code_won));
        }
        held.push(code_won);
    }
    (
        held,
        keep.then_some(Kept {
            won: kept,
            rules: by_code,
        }),
    )
}

/// An overlay's rules in force by code, from its parent's (`parent`): the
/// codes its own rules and the parent's rules it drops name are made
/// again, from the parent's rules of the code it keeps and its own; the
/// others are the parent's. With the set of codes made again, and what
/// changed in each.
fn changed_rules(
    model: &model::Model,
    changes: common::Changes,
    parent: &CodeRules,
) -> (CodeRules, common::CodeSet, common::CodeChanges) {
    let swaps = changes.per_code(model);
    let mut removed = changes.removed;
    let mut changed = common::CodeSet::default();
    for dx in swaps.keys() {
        changed.insert(*dx);
    }
    removed.sort_unstable();
    let mut by_code = parent.clone();
    for (dx, (own, _)) in &swaps {
        let mut rules = own.clone();
        if let Some(below) = parent.get(dx) {
            rules.extend(below.iter().filter(|id| removed.binary_search(id).is_err()));
        }
        if rules.is_empty() {
            by_code.remove(dx);
        } else {
            by_code.insert(*dx, Arc::new(rules));
        }
    }
    (by_code, changed, swaps)
}

/// What one code's rules win in an overlay whose only change to the code
/// is to put rules of its own in place of rules of its parent with the
/// same priority and the same conditions ([`common::swapped`]): the
/// parent's cases (`below`), each removed rule's given to the rule in its
/// place. What a rule wins depends only on its priority, its conditions
/// and those of the rules above it ([`won_by`]), so this is what sweeping
/// the code again finds. `None` when the change is of another kind.
fn renamed(
    model: &model::Model,
    below: &CodeCases,
    own: &[model::RuleId],
    removed: &[model::RuleId],
) -> Option<CodeCases> {
    let swap = common::swapped(model, own, removed)?;
    let mut parts: Vec<(model::RuleId, &[Won])> = below
        .by_rule()
        .map(|(id, cases)| {
            let put = swap
                .iter()
                .find(|(gone, _)| *gone == id)
                .map(|(_, put)| *put);
            (put.unwrap_or(id), cases)
        })
        .collect();
    parts.sort_by_key(|(id, _)| *id);
    let mut all = CodeCases {
        rules: Vec::with_capacity(parts.len()),
        cases: Vec::with_capacity(below.cases.len()),
    };
    for (id, cases) in parts {
        all.push(id, cases);
    }
    Some(all)
}

/// The parts of `held` (see [`won_cases`]), grouped by rule in rule
/// order, each rule's codes in code order.
pub(super) fn by_rule(held: &[CodeWon]) -> Vec<(model::RuleId, &[Won])> {
    let mut parts: Vec<(model::RuleId, &[Won])> = held
        .iter()
        .flat_map(|code_won| code_won.by_rule())
        .collect();
    // Stable: a rule's parts stay in code order.
    parts.sort_by_key(|(id, _)| *id);
    parts
}

/// The cases each of `rule_ids` (the rules naming `dx`) wins, by rule.
pub(super) fn won_by(
    model: &model::Model,
    dx: DispositionId,
    rule_ids: &[model::RuleId],
) -> CodeCases {
    let Some(disposition) = model.catalogue.get(dx) else {
        return CodeCases::default();
    };
    let mut rules: Vec<(model::RuleId, &model::Rule)> = rule_ids
        .iter()
        .filter_map(|id| Some((*id, model.rule(*id)?)))
        .collect();
    rules.sort_by_key(|(_, rule)| std::cmp::Reverse(rule.priority));
    let mut won: Vec<(model::RuleId, Won)> = Vec::new();
    // Per cell, the ages higher priorities take, merged.
    let mut taken: BTreeMap<(model::Channel, CaseSex), common::AgeUnion> = BTreeMap::new();
    for group in rules.chunk_by(|a, b| a.1.priority == b.1.priority) {
        for (id, rule) in group {
            for (channel, sex) in rule.when.cells() {
                if !disposition.channels.contains(&channel) {
                    continue;
                }
                let before = taken
                    .get(&(channel, sex))
                    .into_iter()
                    .flat_map(|t| t.pieces());
                for ages in rule.when.ages.uncovered(before) {
                    let case = Won {
                        dx,
                        channel,
                        sex,
                        ages,
                    };
                    won.push((*id, case));
                }
            }
        }
        for (_, rule) in group {
            for cell in rule.when.cells() {
                taken.entry(cell).or_default().insert(rule.when.ages);
            }
        }
    }
    // Stable: a rule's cases stay in the order found.
    won.sort_by_key(|(id, _)| *id);
    let mut all = CodeCases {
        rules: Vec::new(),
        cases: Vec::with_capacity(won.len()),
    };
    for (id, case) in won {
        all.push(id, std::slice::from_ref(&case));
    }
    all
}
