//! What the analyses share: the witness a finding is shown with, the rules
//! of a layer by the codes they name, which code's rules answer a
//! disposition (`same_as` and `no_search`, as routing decides it through
//! [`dxmap_runtime::space::answering`]), the cells of the case space, and
//! how an overlay changes its parent.
//!
//! What a rule matches is the runtime's [`Conditions`](model::Conditions);
//! nothing here decides it again.
//!
//! Imports: `crate::check::model`, `crate::catalogue`, `crate::diagnostics`,
//! `dxmap_runtime::space`.

use std::collections::BTreeMap;

use dxmap_runtime::space::{answering, Ages, Answering, CaseSex};

use crate::catalogue::{DispositionId, Status};
use crate::check::model;
use crate::diagnostics;

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
    /// The whole age range concerned.
    pub ages: Ages,
}

impl Witness {
    /// The witness as data for a diagnostic (names instead of ids).
    pub(super) fn data(&self, model: &model::Model) -> diagnostics::Witness {
        diagnostics::Witness {
            layer: model
                .layer(self.layer)
                .map_or_else(String::new, |l| l.name.clone()),
            dx: model.catalogue.code(self.dx).to_owned(),
            channel: self.channel,
            sex: self.sex,
            ages: self.ages,
            cells: Vec::new(),
            places: diagnostics::Places::default(),
        }
    }
}

/// The pathways-clinician skill, by its conventional name.
pub(super) fn has_clinician_skill(model: &model::Model, layer: &model::Layer) -> bool {
    layer.skills.iter().any(|skill| {
        model
            .skills
            .get(skill.index())
            .is_some_and(|s| s.name == "pathways_clinician")
    })
}

/// Whether a layer must cover a disposition.
pub(super) fn required(model: &model::Model, layer: &model::Layer, dx: DispositionId) -> bool {
    match model.catalogue.get(dx).map(|d| d.status) {
        Some(Status::InUse) => true,
        Some(Status::ClinicianOnly) => has_clinician_skill(model, layer),
        _ => false,
    }
}

/// Rules in force in a layer, by the codes they name, in layer order.
pub(super) fn rules_by_code(
    model: &model::Model,
    layer: &model::Layer,
) -> BTreeMap<DispositionId, Vec<model::RuleId>> {
    // Gathered by catalogue index, then made a map at once (in key order):
    // every analysis of every layer asks for it.
    let mut buckets: Vec<Vec<model::RuleId>> = Vec::new();
    for rule_id in &layer.rules {
        if let Some(rule) = model.rule(*rule_id) {
            for code in &rule.dispositions {
                let Ok(at) = usize::try_from(code.0) else {
                    continue;
                };
                if buckets.len() <= at {
                    buckets.resize_with(at + 1, Vec::new);
                }
                if let Some(bucket) = buckets.get_mut(at) {
                    bucket.push(*rule_id);
                }
            }
        }
    }
    buckets
        .into_iter()
        .enumerate()
        .filter(|(_, rules)| !rules.is_empty())
        .filter_map(|(at, rules)| Some((DispositionId(u32::try_from(at).ok()?), rules)))
        .collect()
}

/// A set of codes, by catalogue index: the analyses of an overlay look
/// up every rule's codes in one, so it must be cheap.
#[derive(Debug, Default, Clone)]
pub(super) struct CodeSet(Vec<bool>);

impl CodeSet {
    pub(super) fn insert(&mut self, dx: DispositionId) {
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

    pub(super) fn contains(&self, dx: DispositionId) -> bool {
        usize::try_from(dx.0).is_ok_and(|at| self.0.get(at).copied().unwrap_or(false))
    }

    /// Whether a rule names a code of the set.
    pub(super) fn named_by(&self, rule: &model::Rule) -> bool {
        rule.dispositions.iter().any(|dx| self.contains(*dx))
    }

    /// The codes the rules name.
    pub(super) fn named<'a>(rules: impl Iterator<Item = &'a model::Rule>) -> CodeSet {
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
pub(super) fn rules_naming(
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

/// What answers a code in a layer: its `no_search` (or its `same_as`
/// target's), or the rules of the code that answers it (possibly none), as
/// routing decides ([`answering`]).
pub(super) fn answered<'a>(
    model: &'a model::Model,
    layer: &'a model::Layer,
    by_code: &'a BTreeMap<DispositionId, Vec<model::RuleId>>,
    dx: DispositionId,
) -> Answering<DispositionId, &'a model::NoSearch> {
    answering(
        dx,
        model.catalogue.get(dx).and_then(|d| d.same_as),
        |code| layer.no_search.get(&code),
        |code| by_code.contains_key(&code),
    )
}

/// The rules that answer: those of the code searched, none for `no_search`.
pub(super) fn answering_rules<'a>(
    by_code: &'a BTreeMap<DispositionId, Vec<model::RuleId>>,
    answer: &Answering<DispositionId, &model::NoSearch>,
) -> &'a [model::RuleId] {
    match answer {
        Answering::Rules { code, .. } => by_code.get(code).map_or(&[], Vec::as_slice),
        Answering::NoSearch { .. } => &[],
    }
}

/// The cells of a disposition's cases, channel × sex, numbered `0..9`.
pub(super) const CELLS: usize = model::Channel::ALL.len() * CaseSex::ALL.len();

/// The numbers of the cells a rule admits some age of. Two rules can meet
/// only in a cell both admit.
pub(super) fn cells_of(rule: &model::Rule) -> impl Iterator<Item = usize> + '_ {
    rule.when
        .cells()
        .filter(|_| !rule.when.ages.is_empty())
        .filter_map(|(channel, sex)| {
            let c = model::Channel::ALL.iter().position(|x| *x == channel)?;
            let s = CaseSex::ALL.iter().position(|x| *x == sex)?;
            Some(c * CaseSex::ALL.len() + s)
        })
}

/// An overlay's changes to its parent (see [`changes`]).
#[derive(Debug, Default)]
pub(super) struct Changes {
    /// The parent's rules it removes, in the parent's order.
    pub(super) removed: Vec<model::RuleId>,
    /// The rules in force it defines, in its order.
    pub(super) own: Vec<model::RuleId>,
}

impl Changes {
    /// The rules the overlay defines.
    pub(super) fn own_rules<'m>(
        &'m self,
        model: &'m model::Model,
    ) -> impl Iterator<Item = &'m model::Rule> + 'm {
        self.own.iter().filter_map(|id| model.rule(*id))
    }

    /// The codes whose rules differ from the parent's: those the rules it
    /// defines and the rules it removes name.
    pub(super) fn codes(&self, model: &model::Model) -> CodeSet {
        let removed = self.removed.iter().filter_map(|id| model.rule(*id));
        CodeSet::named(self.own_rules(model).chain(removed))
    }

    /// Per code whose rules differ from the parent's, the rules it defines
    /// naming the code and the parent's rules naming it that it removes.
    pub(super) fn per_code(&self, model: &model::Model) -> CodeChanges {
        let mut per_code = CodeChanges::new();
        for (list, at) in [(&self.own, 0), (&self.removed, 1)] {
            for id in list {
                for dx in model.rule(*id).iter().flat_map(|r| &r.dispositions) {
                    let (own, removed) = per_code.entry(*dx).or_default();
                    if at == 0 { own } else { removed }.push(*id);
                }
            }
        }
        per_code
    }
}

/// Per code an overlay changes, the rules of its own naming the code and
/// the parent's rules naming it that it removes ([`Changes::per_code`]).
pub(super) type CodeChanges = BTreeMap<DispositionId, (Vec<model::RuleId>, Vec<model::RuleId>)>;

/// Most rules swapped at once for one code: beyond, [`swapped`] says no.
const MOST_SWAPPED: usize = 64;

/// When an overlay's change to a code only puts rules of its own (`own`)
/// in place of its parent's (`removed`), each with the same priority and
/// the same conditions as the rule it replaces (an override that changes
/// only the route, the usual kind): each removed rule with the rule in its
/// place. Such a change leaves which cases each rule of the code takes as
/// they were, the rules renamed. `None` for a change of another kind.
pub(super) fn swapped(
    model: &model::Model,
    own: &[model::RuleId],
    removed: &[model::RuleId],
) -> Option<Vec<(model::RuleId, model::RuleId)>> {
    if own.len() != removed.len() || own.len() > MOST_SWAPPED {
        return None;
    }
    let mut unpaired: Vec<(model::RuleId, &model::Rule)> = own
        .iter()
        .map(|id| Some((*id, model.rule(*id)?)))
        .collect::<Option<_>>()?;
    // Any rule of the same priority and conditions will do: such rules
    // take the same cases.
    let mut pairs = Vec::with_capacity(removed.len());
    for id in removed {
        let rule = model.rule(*id)?;
        let at = unpaired
            .iter()
            .position(|(_, o)| o.priority == rule.priority && o.when == rule.when)?;
        pairs.push((*id, unpaired.swap_remove(at).0));
    }
    Some(pairs)
}

/// For an overlay whose rules are its parent's with changes: the parent's
/// rules it removes and the rules it defines. That is so when the parent
/// is analysed first (layers come parents first) and the rules it
/// inherits (those another layer defines) are the parent's, in the
/// parent's order; the rules it defines
/// (overrides and additions) are then its only new ones. `None` for the
/// baseline and any other layer: all its rules are new.
pub(super) fn changes(
    model: &model::Model,
    layer_idx: usize,
    layer: &model::Layer,
) -> Option<Changes> {
    let parent_id = layer.parent?;
    if parent_id.index() >= layer_idx {
        return None;
    }
    let parent = model.layer(parent_id)?;
    let layer_id = model::LayerId::from_index(layer_idx);
    let mut changes = Changes::default();
    let mut below = parent.rules.iter().peekable();
    for rule_id in &layer.rules {
        // Most rules are the parent's next, inherited: no need to look
        // them up (a rule of the layer's own is never one of its parent's).
        if below.next_if(|kept| *kept == rule_id).is_some() {
            continue;
        }
        match model.rule(*rule_id) {
            None => continue,
            Some(rule) if rule.layer == layer_id => {
                changes.own.push(*rule_id);
                continue;
            }
            Some(_) => {}
        }
        // Up to the parent's rule it inherits; those skipped are removed.
        loop {
            let kept = below.next()?;
            if kept == rule_id {
                break;
            }
            changes.removed.push(*kept);
        }
    }
    changes.removed.extend(below.copied());
    Some(changes)
}

/// Whether a rule is new to a layer: defined by it, or any rule when the
/// layer is not analysed as changes to its parent.
pub(super) fn new_to(
    model: &model::Model,
    layer: model::LayerId,
    incremental: bool,
    rule: model::RuleId,
) -> bool {
    !incremental || model.rule(rule).is_some_and(|r| r.layer == layer)
}

/// `, female`, `, male`, `, sex not given`: a witness's sex for people.
pub(super) fn sex_text(sex: CaseSex) -> String {
    format!(", {}", sex.describe())
}

/// The layer for people: `the \`national\` baseline`, `overlay \`x\``.
pub(super) fn layer_text(model: &model::Model, layer: model::LayerId) -> String {
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
        witness.ages,
        sex_text(witness.sex),
    )
}

/// A union of age intervals, merged: disjoint, not touching; by youngest
/// age. A sorted list: the unions the sweeps keep hold a few pieces.
#[derive(Debug, Default, Clone)]
pub(super) struct AgeUnion(Vec<Ages>);

impl AgeUnion {
    /// Its pieces, youngest first.
    pub(super) fn pieces(&self) -> impl Iterator<Item = Ages> + '_ {
        self.0.iter().copied()
    }

    /// Empties it, keeping its room.
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// The number of pieces starting at or before `days`.
    fn starting_by(&self, days: u32) -> usize {
        self.0.partition_point(|piece| piece.min_days <= days)
    }

    /// Whether every age of `ages` lies within the union.
    pub(super) fn covers(&self, ages: Ages) -> bool {
        ages.is_empty()
            || self
                .starting_by(ages.min_days)
                .checked_sub(1)
                .and_then(|at| self.0.get(at))
                .is_some_and(|piece| piece.covers(ages))
    }

    pub(super) fn insert(&mut self, mut ages: Ages) {
        if ages.is_empty() {
            return;
        }
        // The piece starting at or before it joins it if they touch; so do
        // the pieces starting within it or just after it.
        let after = self.starting_by(ages.min_days);
        let start = match after.checked_sub(1).and_then(|at| self.0.get(at)) {
            Some(before) if before.joins(ages) => after - 1,
            _ => after,
        };
        let mut end = start;
        while let Some(piece) = self.0.get(end) {
            if ages.max_days.is_some_and(|max| piece.min_days > max) {
                break;
            }
            ages = ages.hull(*piece);
            end += 1;
        }
        self.0.splice(start..end, [ages]);
    }
}
