//! Layers and overlays: `extends` and its cycles, then each overlay
//! flattened onto its parent (areas, skills, rule changes, suspensions,
//! remaps) with the reason every change must give.
//!
//! Imports: `super`, `super::symbols`, `super::super::{model, hours, graph}`, `crate::catalogue`,
//! `crate::diagnostics`, `crate::source`, `crate::syntax::ast`.

use std::collections::{BTreeMap, BTreeSet};

use super::super::graph::NameGraph;
use super::super::{hours, model};
use super::symbols::{self, Symbols};
use super::{missing_reason, Decls, Resolver};
use crate::catalogue::DispositionId;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl Resolver {
    // ------------------------------------------------------------ layers

    /// Declares the layers: `national` first, then overlays with parents
    /// before children. Returns the layer of each overlay (by its index in
    /// `decls.overlays`); overlays in an `extends` cycle get none.
    pub(super) fn layers(
        &mut self,
        decls: &Decls<'_>,
        files: &[ast::File],
    ) -> Vec<Option<model::LayerId>> {
        let whole = files.first().map_or_else(Span::default, |f| f.span);
        self.model
            .layers
            .push(model::Layer::new("national".to_owned(), None, whole));
        let n = decls.overlays.len();
        let mut names: Symbols<usize> = Symbols::new("overlay", Code::UnknownOverlay);
        let mut valid = vec![true; n];
        for (idx, overlay) in decls.overlays.iter().enumerate() {
            if overlay.name.node == "national" {
                self.push(
                    Diagnostic::new(
                        Code::ReservedName,
                        overlay.name.span,
                        "an overlay cannot be called `national`",
                    )
                    .with_help("`national` is the baseline; choose another name"),
                );
                if let Some(flag) = valid.get_mut(idx) {
                    *flag = false;
                }
                continue;
            }
            if let Err(diagnostic) = names.define(&overlay.name, idx) {
                self.push(diagnostic);
                if let Some(flag) = valid.get_mut(idx) {
                    *flag = false;
                }
            }
        }
        // Parents: None = national.
        let mut graph = NameGraph::new(n);
        let mut parents: Vec<Option<usize>> = vec![None; n];
        for (idx, overlay) in decls.overlays.iter().enumerate() {
            let Some(extends) = &overlay.extends else {
                continue;
            };
            if extends.node == "national" {
                continue;
            }
            match names.get(&extends.node) {
                Some(parent) => {
                    graph.add_edge(idx, parent, extends.span);
                    if let Some(slot) = parents.get_mut(idx) {
                        *slot = Some(parent);
                    }
                }
                None => {
                    // An overlay may extend `national` but not itself.
                    let own = overlay.name.node.as_str();
                    let candidates = std::iter::once("national")
                        .chain(names.names())
                        .filter(|name| *name != own);
                    self.push(symbols::unknown(
                        Code::UnknownOverlay,
                        extends,
                        format!("unknown overlay `{}`", extends.node),
                        candidates,
                        || "an overlay extends `national` or another overlay".to_owned(),
                    ));
                    // Its body is still checked, as if it extended `national`.
                }
            }
        }
        for cycle in graph.cycles() {
            // Its body is still checked, as if it extended `national`.
            for node in &cycle.nodes {
                if let Some(parent) = parents.get_mut(*node) {
                    *parent = None;
                }
            }
            let named = |n: usize| {
                decls
                    .overlays
                    .get(n)
                    .map(|o| (o.name.node.as_str(), o.name.span))
            };
            if let Some(diagnostic) = cycle.diagnostic(
                Code::ExtendsCycle,
                named,
                "overlays extend each other in a cycle",
                "make one of them extend `national` or another overlay",
                |from| format!("`{from}` extends this"),
            ) {
                self.push(diagnostic);
            }
        }
        // Parents before children, over the `extends` left once cycles are cut.
        let mut acyclic = NameGraph::new(n);
        for (idx, parent) in parents.iter().enumerate() {
            if let (Some(parent), Some(overlay)) = (parent, decls.overlays.get(idx)) {
                let span = overlay
                    .extends
                    .as_ref()
                    .map_or(overlay.name.span, |e| e.span);
                acyclic.add_edge(idx, *parent, span);
            }
        }
        let order = acyclic
            .dependencies_first()
            .unwrap_or_else(|| (0..n).collect());
        let mut layer_of: Vec<Option<model::LayerId>> = vec![None; n];
        for idx in order {
            let (Some(overlay), Some(true)) = (decls.overlays.get(idx), valid.get(idx).copied())
            else {
                continue;
            };
            let parent = match parents.get(idx).copied().flatten() {
                None => Some(model::NATIONAL),
                Some(parent) => layer_of.get(parent).copied().flatten(),
            };
            let Some(parent) = parent else {
                continue;
            };
            let id = model::LayerId::from_index(self.model.layers.len());
            if let Some(slot) = layer_of.get_mut(idx) {
                *slot = Some(id);
            }
            self.model.layers.push(model::Layer::new(
                overlay.name.node.clone(),
                Some(parent),
                overlay.span,
            ));
        }
        layer_of
    }

    // ---------------------------------------------------------- overlays

    pub(super) fn overlays(&mut self, decls: &Decls<'_>, layer_of: &[Option<model::LayerId>]) {
        // Area claims across all overlays: unit -> (overlay, span).
        let mut claims: BTreeMap<String, (String, Span)> = BTreeMap::new();
        // Flatten in layer order (parents first).
        let mut by_layer: Vec<(model::LayerId, &ast::Overlay)> = decls
            .overlays
            .iter()
            .enumerate()
            .filter_map(|(idx, overlay)| {
                layer_of.get(idx).copied().flatten().map(|l| (l, *overlay))
            })
            .collect();
        by_layer.sort_by_key(|(layer, _)| *layer);
        for (layer_id, overlay) in by_layer {
            self.overlay(layer_id, overlay, &mut claims);
        }
    }

    fn unknown_rule(&mut self, rules: &[model::RuleId], name: &ast::Name, below: &str) {
        let names: Vec<String> = rules
            .iter()
            .filter_map(|id| self.model.rule(*id).map(|r| r.name.clone()))
            .collect();
        self.push(symbols::unknown(
            Code::UnknownRule,
            name,
            format!("no rule `{}` in `{below}` to change", name.node),
            names.iter().map(String::as_str),
            || format!("`{below}` has no rule of that name; use `add rule` for a new one"),
        ));
    }

    fn overlay(
        &mut self,
        layer_id: model::LayerId,
        overlay: &ast::Overlay,
        claims: &mut BTreeMap<String, (String, Span)>,
    ) {
        let Some(parent_id) = self.model.layer(layer_id).and_then(|l| l.parent) else {
            return;
        };
        // The parent's services are shared by the layers extending it.
        if let Some(parent) = self.model.layers.get_mut(parent_id.index()) {
            parent.services.share();
        }
        let Some(parent) = self.model.layer(parent_id).cloned() else {
            return;
        };
        let below = parent.name.clone();
        let mut layer = self
            .model
            .layer(layer_id)
            .cloned()
            .unwrap_or_else(|| parent.clone());
        layer.skills = parent.skills.clone();
        let mut rules = LayerRules::new(&self.model, &parent.rules);
        layer.no_search = parent.no_search.clone();
        layer.remaps = parent.remaps.clone();
        layer.suspensions = parent.suspensions.clone();
        layer.catch_all = parent.catch_all;
        layer.hierarchies = parent.hierarchies.clone();
        layer.services = parent.services.extended(&layer.services);

        let mut has_area = false;
        let mut had: BTreeMap<model::SkillId, Span> = BTreeMap::new();
        let mut lacked: BTreeMap<model::SkillId, Span> = BTreeMap::new();
        let mut own_catch_all: Option<model::CatchAll> = None;
        let mut overridden: BTreeMap<String, Span> = BTreeMap::new();
        let mut remapped: BTreeMap<DispositionId, Span> = BTreeMap::new();
        let mut added: BTreeSet<String> = BTreeSet::new();
        let mut changed: BTreeMap<String, (&'static str, Span)> = BTreeMap::new();
        for item in &overlay.items {
            match item {
                ast::OverlayItem::Area(refs) => {
                    has_area = true;
                    for unit in self.units(&refs.node) {
                        if let Some((owner, first)) = claims.get(&unit.text) {
                            let message = if *owner == overlay.name.node {
                                format!("`{}` is listed twice in the area of `{owner}`", unit.text)
                            } else {
                                format!("`{}` is claimed by overlay `{owner}` too", unit.text)
                            };
                            let diagnostic = Diagnostic::new(Code::AreaClaimedTwice, unit.span, message)
                            .with_secondary(*first, format!("claimed by `{owner}` here"))
                            .with_help("give the unit to one overlay; a more specific unit may go to another");
                            self.push(diagnostic);
                            continue;
                        }
                        claims.insert(unit.text.clone(), (overlay.name.node.clone(), unit.span));
                        layer.area.push(unit);
                    }
                }
                ast::OverlayItem::Has(list) => {
                    for (id, span) in self.skill_list(list) {
                        had.insert(id, span);
                        layer.skills.insert(id);
                    }
                }
                ast::OverlayItem::Lacks(list) => {
                    for (id, span) in self.skill_list(list) {
                        lacked.insert(id, span);
                        layer.skills.remove(&id);
                    }
                }
                ast::OverlayItem::Override(rule) => {
                    if self.changed_twice(&mut changed, &rule.name, "overridden") {
                        continue;
                    }
                    let Some(replaces) = rules.in_parent(&self.model, &rule.name.node) else {
                        self.unknown_rule(&parent.rules, &rule.name, &below);
                        continue;
                    };
                    let lowered =
                        self.rule(rule, layer_id, model::RuleOrigin::Override { replaces });
                    if lowered.because.is_none() {
                        self.push(missing_reason(
                            &format!("`override rule \"{}\"`", rule.name.node),
                            rule.name.span,
                        ));
                    }
                    let id = self.add_rule(lowered);
                    if let Some(at) = rules.find(&self.model, &rule.name.node) {
                        rules.replace(at, id);
                    }
                }
                ast::OverlayItem::OverrideHierarchy(entry) => {
                    self.override_hierarchy(entry, layer_id, &mut layer, &mut overridden);
                }
                ast::OverlayItem::Add(rule) => {
                    if let Some(existing) = rules
                        .find(&self.model, &rule.name.node)
                        .and_then(|at| rules.get(at))
                        .and_then(|id| self.model.rule(id))
                    {
                        let first = existing.name_span;
                        let code = if added.contains(&rule.name.node) {
                            Code::Duplicate
                        } else {
                            Code::RuleExists
                        };
                        self.push(
                            Diagnostic::new(
                                code,
                                rule.name.span,
                                format!("rule `{}` already exists", rule.name.node),
                            )
                            .with_secondary(first, "defined here")
                            .with_help("use `override rule` to replace it, or choose a new name"),
                        );
                        continue;
                    }
                    added.insert(rule.name.node.clone());
                    let lowered = self.rule(rule, layer_id, model::RuleOrigin::Added);
                    let id = self.add_rule(lowered);
                    rules.push(id);
                }
                ast::OverlayItem::Remove(remove) => {
                    if self.changed_twice(&mut changed, &remove.rule, "removed") {
                        continue;
                    }
                    let Some(at) = rules.find(&self.model, &remove.rule.node) else {
                        self.unknown_rule(&parent.rules, &remove.rule, &below);
                        continue;
                    };
                    let Some(because) = &remove.because else {
                        self.push(missing_reason(
                            &format!("`remove rule \"{}\"`", remove.rule.node),
                            remove.span,
                        ));
                        continue;
                    };
                    if let Some(removed) = rules.remove(at) {
                        layer
                            .removed
                            .push((removed, because.reason.node.clone(), remove.span));
                    }
                }
                ast::OverlayItem::Suspend(suspend) => {
                    if let Some(suspension) = self.suspension(suspend, &layer) {
                        layer.suspensions.push(suspension);
                    }
                }
                ast::OverlayItem::Remap(remap) => {
                    let from = self.disposition(&remap.from);
                    let to = self.disposition(&remap.to);
                    let (Some(from), Some(to)) = (from, to) else {
                        continue;
                    };
                    if from == to {
                        self.push(
                            Diagnostic::new(
                                Code::BadRemap,
                                remap.span,
                                format!("`{}` is remapped to itself", remap.from.node),
                            )
                            .with_help("remap a code to a different code, or remove the line"),
                        );
                        continue;
                    }
                    if let Some(first) = remapped.get(&from) {
                        let diagnostic = Diagnostic::new(
                            Code::BadRemap,
                            remap.span,
                            format!("`{}` is remapped twice", remap.from.node),
                        )
                        .with_secondary(*first, "first remap here")
                        .with_help("keep one remap per code");
                        self.push(diagnostic);
                        continue;
                    }
                    remapped.insert(from, remap.span);
                    let Some(because) = &remap.because else {
                        self.push(missing_reason("`remap`", remap.span));
                        continue;
                    };
                    layer.remaps.insert(
                        from,
                        model::Remap {
                            to,
                            reason: because.reason.node.clone(),
                            span: remap.span,
                        },
                    );
                }
                ast::OverlayItem::CatchAll(entry) => {
                    self.catch_all(entry, &mut own_catch_all);
                }
                ast::OverlayItem::NoSearch(entry) => {
                    let mut entries = BTreeMap::new();
                    self.no_search(entry, &mut entries);
                    layer.no_search.extend(entries);
                }
                ast::OverlayItem::Service(_) => {}
            }
        }
        layer.rules = rules.into_rules();
        if own_catch_all.is_some() {
            layer.catch_all = own_catch_all;
        }
        for (skill, span) in &had {
            if let Some(lacked_span) = lacked.get(skill) {
                let name = self
                    .model
                    .skills
                    .get(skill.index())
                    .map_or("?", |s| s.name.as_str())
                    .to_owned();
                self.push(
                    Diagnostic::new(
                        Code::SkillConflict,
                        *lacked_span,
                        format!(
                            "overlay `{}` both has and lacks `{name}`",
                            overlay.name.node
                        ),
                    )
                    .with_secondary(*span, "has it here")
                    .with_help("keep one of the two"),
                );
            }
        }
        if !has_area {
            self.push(
                Diagnostic::new(
                    Code::OverlayWithoutArea,
                    overlay.name.span,
                    format!("overlay `{}` has no `area`", overlay.name.node),
                )
                .with_help("add the postcode units it governs, e.g. `area SO, PO`"),
            );
        }
        if let Some(slot) = self.model.layers.get_mut(layer_id.index()) {
            *slot = layer;
        }
    }

    /// `override hierarchy NAME { … } because "…"`: replaces the named
    /// hierarchy in this layer (and so in the overlays that extend it).
    fn override_hierarchy(
        &mut self,
        entry: &ast::OverrideHierarchy,
        layer_id: model::LayerId,
        layer: &mut model::Layer,
        overridden: &mut BTreeMap<String, Span>,
    ) {
        let name = &entry.hierarchy.name;
        if let Some(first) = overridden.get(&name.node) {
            self.push(
                Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!(
                        "hierarchy `{}` is overridden twice in this overlay",
                        name.node
                    ),
                )
                .with_secondary(*first, "first override here")
                .with_help("an overlay overrides a hierarchy once: keep one `override hierarchy`"),
            );
            return;
        }
        overridden.insert(name.node.clone(), name.span);
        let found = self.hierarchy_names.resolve(name, || {
            "`override hierarchy` replaces a hierarchy declared at top level".to_owned()
        });
        let Some(national) = self.ok(found) else {
            return;
        };
        if entry.because.is_none() {
            self.push(missing_reason(
                &format!("`override hierarchy {}`", name.node),
                name.span,
            ));
        }
        let id = model::HierarchyId::from_index(self.model.hierarchies.len());
        let lowered = self.hierarchy(&entry.hierarchy, layer_id, Some(national));
        self.model.hierarchies.push(lowered);
        // The one in force here has the national one's name.
        let in_force = layer.hierarchies.iter().position(|h| {
            self.model
                .hierarchies
                .get(h.index())
                .is_some_and(|h| h.name == name.node)
        });
        match in_force.and_then(|at| layer.hierarchies.get_mut(at)) {
            Some(slot) => *slot = id,
            None => layer.hierarchies.push(id),
        }
    }

    /// Reports a rule that one overlay overrides or removes a second time;
    /// records the first change otherwise.
    fn changed_twice(
        &mut self,
        changed: &mut BTreeMap<String, (&'static str, Span)>,
        name: &ast::Name,
        how: &'static str,
    ) -> bool {
        if let Some((first_how, first)) = changed.get(&name.node) {
            let diagnostic = Diagnostic::new(
                Code::Duplicate,
                name.span,
                format!(
                    "rule `{}` is {first_how} earlier in this overlay",
                    name.node
                ),
            )
            .with_secondary(*first, format!("{first_how} here"))
            .with_help("an overlay changes a rule once: keep one `override` or `remove`");
            self.push(diagnostic);
            return true;
        }
        changed.insert(name.node.clone(), (how, name.span));
        false
    }

    fn suspension(
        &mut self,
        suspend: &ast::Suspend,
        layer: &model::Layer,
    ) -> Option<model::Suspension> {
        let target = match &suspend.target {
            ast::SuspendTarget::Service(id) => match self.service_ids.get(&id.node) {
                Some(service) if layer.services.contains(&service) => {
                    Some(model::SuspensionTarget::Service(service))
                }
                Some(_) => {
                    self.push(
                        Diagnostic::new(
                            Code::UnknownService,
                            id.span,
                            format!("service `{}` is not in force in overlay `{}`", id.node, layer.name),
                        )
                        .with_help("suspend services of the baseline, of this overlay or of the overlays it extends"),
                    );
                    None
                }
                None => {
                    self.push(symbols::unknown(
                        Code::UnknownService,
                        id,
                        format!("no service has id `{}`", id.node),
                        self.service_ids.names(),
                        || "name a service by its `id`".to_owned(),
                    ));
                    None
                }
            },
            ast::SuspendTarget::ServiceType(name) => self
                .service_type(name)
                .map(model::SuspensionTarget::ServiceType),
        };
        let window = hours::window(
            &suspend.from,
            suspend.until.as_ref(),
            suspend.span,
            &mut self.diagnostics,
        );
        let Some(because) = &suspend.because else {
            self.push(missing_reason("`suspend`", suspend.span));
            return None;
        };
        Some(model::Suspension {
            target: target?,
            window: window?,
            reason: because.reason.node.clone(),
            span: suspend.span,
        })
    }
}

/// An overlay's rules while its items apply: its parent's, in order, with
/// each name findable without a scan of them all (an overlay of a large
/// tree changes hundreds of rules among thousands). A removed rule leaves
/// a gap until [`LayerRules::into_rules`]; an added one goes at the end.
struct LayerRules {
    /// The parent's rules, as they were.
    parent: Vec<model::RuleId>,
    /// The layer's rules so far, by the parent's positions, then added ones.
    slots: Vec<Option<model::RuleId>>,
    /// `(hash of the name, position)` of the parent's rules, sorted.
    names: Vec<(u64, usize)>,
}

impl LayerRules {
    fn new(model: &model::Model, parent: &[model::RuleId]) -> LayerRules {
        let mut names: Vec<(u64, usize)> = parent
            .iter()
            .enumerate()
            .filter_map(|(at, id)| Some((name_hash(&model.rule(*id)?.name), at)))
            .collect();
        names.sort_unstable();
        LayerRules {
            parent: parent.to_vec(),
            slots: parent.iter().copied().map(Some).collect(),
            names,
        }
    }

    /// The parent's positions whose name may be `name`, in order.
    fn candidates(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        let hash = name_hash(name);
        let first = self.names.partition_point(|(h, _)| *h < hash);
        self.names
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, at)| *at)
    }

    /// The parent's first rule called `name`.
    fn in_parent(&self, model: &model::Model, name: &str) -> Option<model::RuleId> {
        self.candidates(name)
            .filter_map(|at| self.parent.get(at).copied())
            .find(|id| model.rule(*id).is_some_and(|r| r.name == name))
    }

    /// The position of the layer's first rule called `name`.
    fn find(&self, model: &model::Model, name: &str) -> Option<usize> {
        let named = |at: &usize| {
            self.slots
                .get(*at)
                .copied()
                .flatten()
                .and_then(|id| model.rule(id))
                .is_some_and(|r| r.name == name)
        };
        // Positions of the parent's rules come before added ones.
        self.candidates(name)
            .filter(named)
            .min()
            .or_else(|| (self.parent.len()..self.slots.len()).find(named))
    }

    fn get(&self, at: usize) -> Option<model::RuleId> {
        self.slots.get(at).copied().flatten()
    }

    /// Puts `id` (a rule of the same name) in place of the rule at `at`.
    fn replace(&mut self, at: usize, id: model::RuleId) {
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = Some(id);
        }
    }

    fn push(&mut self, id: model::RuleId) {
        self.slots.push(Some(id));
    }

    fn remove(&mut self, at: usize) -> Option<model::RuleId> {
        self.slots.get_mut(at)?.take()
    }

    /// The layer's rules in order: what is left of the parent's, then the
    /// added ones.
    fn into_rules(self) -> Vec<model::RuleId> {
        self.slots.into_iter().flatten().collect()
    }
}

/// A rule name's hash, for [`LayerRules`] (names are then compared).
fn name_hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    std::hash::BuildHasherDefault::<dxmap_runtime::FastHasher>::default().hash_one(name)
}
