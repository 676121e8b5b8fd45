//! Name resolution and structural checks: syntax trees to the model.
//!
//! Collects every declaration of the tree (all files, in sorted order),
//! reports duplicates, resolves every name (dispositions against the
//! catalogue with "did you mean" help, service types, services, groups,
//! skills, overlays, rules named by overlays), checks group and `extends`
//! cycles, reasons on overlay changes, hours and dates, and flattens
//! overlays into layers. It never stops at the first problem: what cannot be
//! resolved is left out of the model and reported.
//!
//! Imports: `crate::syntax::ast`, `super::{model, hours, graph}`,
//! `crate::catalogue`, `crate::diagnostics`, `crate::source`.

use std::collections::{BTreeMap, BTreeSet};

use super::graph::NameGraph;
use super::hours;
use super::model;
use crate::catalogue::{Catalogue, DispositionId};
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// Most response time accepted for a service type (a year), in minutes.
const MAX_RESPONSE_MINUTES: u64 = 366 * 24 * 60;

/// Resolves the syntax trees of one rules tree against `catalogue`.
pub fn resolve(files: &[ast::File], catalogue: Catalogue) -> (model::Model, Vec<Diagnostic>) {
    let mut resolver = Resolver {
        diagnostics: Vec::new(),
        model: model::Model {
            catalogue,
            skills: Vec::new(),
            calendar: None,
            service_types: Vec::new(),
            groups: Vec::new(),
            rules: Vec::new(),
            layers: Vec::new(),
            services: Vec::new(),
            hierarchies: Vec::new(),
            release_span: Span::default(),
        },
        skill_names: BTreeMap::new(),
        type_names: BTreeMap::new(),
        group_names: BTreeMap::new(),
        service_ids: BTreeMap::new(),
    };
    let decls = Decls::collect(files);
    resolver.model.release_span = decls
        .release
        .or_else(|| files.first().map(|f| Span::new(f.span.file, 0, 0)))
        .unwrap_or_default();
    resolver.skills(&decls);
    resolver.calendar(&decls);
    resolver.service_types(&decls);
    resolver.groups(&decls);
    let overlay_layers = resolver.layers(&decls, files);
    resolver.services(&decls, &overlay_layers);
    resolver.baseline(&decls);
    resolver.overlays(&decls, &overlay_layers);
    resolver.hierarchies(&decls);
    (resolver.model, resolver.diagnostics)
}

/// Every declaration of the tree, by kind, in source order.
#[derive(Default)]
struct Decls<'a> {
    release: Option<Span>,
    skills: Vec<&'a ast::Skill>,
    has: Vec<&'a ast::SkillList>,
    calendars: Vec<&'a ast::Calendar>,
    service_types: Vec<&'a ast::ServiceType>,
    groups: Vec<&'a ast::Group>,
    rules: Vec<&'a ast::Rule>,
    no_search: Vec<&'a ast::NoSearch>,
    catch_alls: Vec<&'a ast::CatchAll>,
    hierarchies: Vec<&'a ast::Hierarchy>,
    /// Services with the index (in `overlays`) of the overlay declaring them.
    services: Vec<(&'a ast::Service, Option<usize>)>,
    overlays: Vec<&'a ast::Overlay>,
}

impl<'a> Decls<'a> {
    fn collect(files: &'a [ast::File]) -> Decls<'a> {
        let mut decls = Decls::default();
        for file in files {
            for item in &file.items {
                match item {
                    ast::Item::Release(release) => {
                        decls.release.get_or_insert(release.span);
                    }
                    ast::Item::Skill(skill) => decls.skills.push(skill),
                    ast::Item::Has(has) => decls.has.push(has),
                    ast::Item::Calendar(calendar) => decls.calendars.push(calendar),
                    ast::Item::ServiceType(service_type) => decls.service_types.push(service_type),
                    ast::Item::Group(group) => decls.groups.push(group),
                    ast::Item::Rule(rule) => decls.rules.push(rule),
                    ast::Item::NoSearch(no_search) => decls.no_search.push(no_search),
                    ast::Item::CatchAll(catch_all) => decls.catch_alls.push(catch_all),
                    ast::Item::Hierarchy(hierarchy) => decls.hierarchies.push(hierarchy),
                    ast::Item::Service(service) => decls.services.push((service, None)),
                    ast::Item::Overlay(overlay) => {
                        let idx = decls.overlays.len();
                        decls.overlays.push(overlay);
                        for overlay_item in &overlay.items {
                            if let ast::OverlayItem::Service(service) = overlay_item {
                                decls.services.push((service, Some(idx)));
                            }
                        }
                    }
                }
            }
        }
        decls
    }
}

struct Resolver {
    diagnostics: Vec<Diagnostic>,
    model: model::Model,
    skill_names: BTreeMap<String, (model::SkillId, Span)>,
    type_names: BTreeMap<String, (model::ServiceTypeId, Span)>,
    group_names: BTreeMap<String, (model::GroupId, Span)>,
    service_ids: BTreeMap<String, (model::ServiceId, Span)>,
}

fn duplicate(kind: &str, name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Duplicate,
        name.span,
        format!("{kind} `{}` is defined twice", name.node),
    )
    .with_label("second definition")
    .with_secondary(first, "first definition here")
    .with_help(format!(
        "rename or remove one of the two {kind} definitions"
    ))
}

fn missing_reason(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingReason,
        span,
        format!("{what} has no `because`"),
    )
    .with_help("every difference from the layer below must say why: add `because \"…\"`")
}

fn duration_minutes(duration: &ast::Duration) -> u64 {
    let factor = match duration.unit {
        ast::DurationUnit::Minutes => 1,
        ast::DurationUnit::Hours => 60,
        ast::DurationUnit::Days => 24 * 60,
    };
    duration.value.saturating_mul(factor)
}

impl Resolver {
    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ------------------------------------------------------------ skills

    fn skills(&mut self, decls: &Decls<'_>) {
        for skill in &decls.skills {
            if let Some((_, first)) = self.skill_names.get(&skill.name.node) {
                let diagnostic = duplicate("skill", &skill.name, *first);
                self.push(diagnostic);
                continue;
            }
            let id = model::SkillId::from_index(self.model.skills.len());
            self.skill_names
                .insert(skill.name.node.clone(), (id, skill.name.span));
            self.model.skills.push(model::Skill {
                name: skill.name.node.clone(),
                label: skill.label.as_ref().map(|l| l.node.clone()),
                span: skill.span,
            });
        }
    }

    fn skill(&mut self, name: &ast::Name) -> Option<model::SkillId> {
        if let Some((id, _)) = self.skill_names.get(&name.node) {
            return Some(*id);
        }
        let help = match did_you_mean(&name.node, self.skill_names.keys().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("declare it: `skill {} \"…\"`", name.node),
        };
        self.push(
            Diagnostic::new(
                Code::UnknownSkill,
                name.span,
                format!("unknown skill `{}`", name.node),
            )
            .with_help(help),
        );
        None
    }

    fn skill_list(&mut self, list: &ast::SkillList) -> Vec<(model::SkillId, Span)> {
        list.skills
            .iter()
            .filter_map(|name| self.skill(name).map(|id| (id, name.span)))
            .collect()
    }

    // ---------------------------------------------------------- calendar

    fn calendar(&mut self, decls: &Decls<'_>) {
        let mut calendars = decls.calendars.iter();
        let Some(first) = calendars.next() else {
            return;
        };
        for other in calendars {
            self.push(
                Diagnostic::new(
                    Code::DuplicateCalendar,
                    other.name.span,
                    format!(
                        "a second calendar `{}`: a rules tree has one calendar",
                        other.name.node
                    ),
                )
                .with_secondary(first.name.span, "the calendar in force")
                .with_help("merge the bank holidays into one calendar"),
            );
        }
        let mut holidays: BTreeMap<model::Date, String> = BTreeMap::new();
        let mut spans: BTreeMap<model::Date, Span> = BTreeMap::new();
        for holiday in &first.holidays {
            let Some(date) = hours::date(&holiday.date, &mut self.diagnostics) else {
                continue;
            };
            if let Some(previous) = spans.get(&date) {
                let diagnostic = Diagnostic::new(
                    Code::DuplicateHoliday,
                    holiday.span,
                    format!("`{date}` is in the calendar twice"),
                )
                .with_secondary(*previous, "first entry here")
                .with_help("remove the repeat, or correct the date");
                self.push(diagnostic);
                continue;
            }
            spans.insert(date, holiday.span);
            holidays.insert(
                date,
                holiday
                    .label
                    .as_ref()
                    .map_or_else(String::new, |l| l.node.clone()),
            );
        }
        self.model.calendar = Some(model::Calendar {
            name: first.name.node.clone(),
            holidays,
            span: first.span,
        });
    }

    // ----------------------------------------------------- service types

    fn service_types(&mut self, decls: &Decls<'_>) {
        for declared in &decls.service_types {
            if let Some((_, first)) = self.type_names.get(&declared.name.node) {
                let diagnostic = duplicate("service type", &declared.name, *first);
                self.push(diagnostic);
                continue;
            }
            let mut responds_within = None;
            let mut channels: BTreeSet<model::Channel> = model::Channel::ALL.into_iter().collect();
            let mut requires = None;
            let mut returns = 2;
            for clause in &declared.clauses {
                match clause {
                    ast::ServiceTypeClause::RespondsWithin(within) => {
                        let duration = &within.node;
                        let minutes = duration_minutes(duration);
                        if minutes > MAX_RESPONSE_MINUTES {
                            self.push(Diagnostic::new(
                                Code::NumberOutOfRange,
                                duration.span,
                                "a response time longer than a year",
                            ));
                        }
                        responds_within = Some(
                            u32::try_from(minutes.min(MAX_RESPONSE_MINUTES)).unwrap_or(u32::MAX),
                        );
                    }
                    ast::ServiceTypeClause::Channels(list) => {
                        channels = list.node.iter().map(|c| c.node).collect();
                    }
                    ast::ServiceTypeClause::Requires(skill) => requires = self.skill(&skill.node),
                    ast::ServiceTypeClause::Returns(count) => {
                        if count.node == 0 {
                            self.push(
                                Diagnostic::new(
                                    Code::BadRoute,
                                    count.span,
                                    "a service type that returns no service",
                                )
                                .with_help("`returns` must be at least 1 (the default is 2)"),
                            );
                        }
                        returns = u32::try_from(count.node).unwrap_or(u32::MAX).max(1);
                    }
                }
            }
            let Some(responds_within_minutes) = responds_within else {
                self.push(
                    Diagnostic::new(
                        Code::MissingClause,
                        declared.name.span,
                        format!(
                            "service type `{}` has no `responds_within`",
                            declared.name.node
                        ),
                    )
                    .with_help("add its maximum response time, e.g. `responds_within 1h`"),
                );
                continue;
            };
            let id = model::ServiceTypeId::from_index(self.model.service_types.len());
            self.type_names
                .insert(declared.name.node.clone(), (id, declared.name.span));
            self.model.service_types.push(model::ServiceType {
                name: declared.name.node.clone(),
                label: declared.label.as_ref().map(|l| l.node.clone()),
                responds_within_minutes,
                channels,
                requires,
                returns,
                span: declared.span,
            });
        }
    }

    fn service_type(&mut self, name: &ast::Name) -> Option<model::ServiceTypeId> {
        if let Some((id, _)) = self.type_names.get(&name.node) {
            return Some(*id);
        }
        let help = match did_you_mean(&name.node, self.type_names.keys().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "declare it: `service_type {} \"…\" {{ responds_within 1h }}`",
                name.node
            ),
        };
        self.push(
            Diagnostic::new(
                Code::UnknownServiceType,
                name.span,
                format!("unknown service type `{}`", name.node),
            )
            .with_help(help),
        );
        None
    }

    // ------------------------------------------------------------ groups

    fn groups(&mut self, decls: &Decls<'_>) {
        // Declare first, so that members may name groups declared later.
        let mut declared: Vec<&ast::Group> = Vec::new();
        for group in &decls.groups {
            if let Some((_, first)) = self.group_names.get(&group.name.node) {
                let diagnostic = duplicate("group", &group.name, *first);
                self.push(diagnostic);
                continue;
            }
            let id = model::GroupId::from_index(declared.len());
            self.group_names
                .insert(group.name.node.clone(), (id, group.name.span));
            declared.push(group);
        }
        // Direct members, and the group graph.
        let mut direct: Vec<BTreeSet<DispositionId>> = Vec::with_capacity(declared.len());
        let mut graph = NameGraph::new(declared.len());
        let mut nested: Vec<Vec<usize>> = Vec::with_capacity(declared.len());
        for (idx, group) in declared.iter().enumerate() {
            let mut codes = BTreeSet::new();
            let mut children = Vec::new();
            self.check_repeats(&group.members);
            for member in &group.members {
                match member {
                    ast::DxRef::Code(code) => {
                        if let Some(id) = self.disposition(code) {
                            codes.insert(id);
                        }
                    }
                    ast::DxRef::Group(name) => {
                        if let Some((child, _)) = self.group_names.get(&name.node) {
                            graph.add_edge(idx, child.index(), name.span);
                            children.push(child.index());
                        } else {
                            self.unknown_group(name);
                        }
                    }
                }
            }
            direct.push(codes);
            nested.push(children);
        }
        let cycles = graph.cycles();
        let mut in_cycle = vec![false; declared.len()];
        for cycle in &cycles {
            let names: Vec<&str> = cycle
                .nodes
                .iter()
                .filter_map(|n| declared.get(*n).map(|g| g.name.node.as_str()))
                .collect();
            let chain = names
                .iter()
                .chain(names.first())
                .copied()
                .collect::<Vec<_>>()
                .join(" -> ");
            let Some(first) = cycle.nodes.first().and_then(|n| declared.get(*n)) else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                Code::GroupCycle,
                first.name.span,
                format!("groups contain each other in a cycle: {chain}"),
            )
            .with_help("break the cycle: one of these groups must not contain the other");
            for (node, edge) in cycle.nodes.iter().zip(&cycle.edges) {
                if let Some(flag) = in_cycle.get_mut(*node) {
                    *flag = true;
                }
                let from = declared.get(*node).map_or("?", |g| g.name.node.as_str());
                diagnostic =
                    diagnostic.with_secondary(*edge, format!("`{from}` contains this group"));
            }
            self.push(diagnostic);
        }
        // Expand, dependencies first; members of cycles keep their direct codes.
        let order = graph
            .dependencies_first()
            .unwrap_or_else(|| (0..declared.len()).collect());
        let mut expanded: Vec<BTreeSet<DispositionId>> = direct.clone();
        for idx in order {
            if in_cycle.get(idx).copied().unwrap_or(false) {
                continue;
            }
            let mut codes = direct.get(idx).cloned().unwrap_or_default();
            for child in nested.get(idx).into_iter().flatten() {
                if let Some(child_codes) = expanded.get(*child) {
                    codes.extend(child_codes.iter().copied());
                }
            }
            if let Some(slot) = expanded.get_mut(idx) {
                *slot = codes;
            }
        }
        for (group, dispositions) in declared.iter().zip(expanded) {
            self.model.groups.push(model::Group {
                name: group.name.node.clone(),
                dispositions,
                span: group.span,
            });
        }
    }

    fn unknown_group(&mut self, name: &ast::Name) {
        let as_code = name
            .node
            .strip_prefix("dx")
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .map(|digits| format!("Dx{digits}"));
        let help = if let Some(code) = as_code {
            format!("disposition codes are written `{code}`")
        } else if let Some(close) =
            did_you_mean(&name.node, self.group_names.keys().map(String::as_str))
        {
            format!("did you mean `{close}`?")
        } else {
            format!("declare it: `group {} = Dx…`", name.node)
        };
        self.push(
            Diagnostic::new(
                Code::UnknownGroup,
                name.span,
                format!("unknown group `{}`", name.node),
            )
            .with_help(help),
        );
    }

    /// Reports a code or group named twice in one list.
    fn check_repeats(&mut self, refs: &[ast::DxRef]) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in refs {
            let (ast::DxRef::Code(name) | ast::DxRef::Group(name)) = member;
            if let Some(first) = seen.get(name.node.as_str()) {
                let diagnostic = Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is listed twice", name.node),
                )
                .with_secondary(*first, "first listed here")
                .with_help("remove the repeat");
                self.push(diagnostic);
            } else {
                seen.insert(&name.node, name.span);
            }
        }
    }

    fn disposition(&mut self, code: &ast::Name) -> Option<DispositionId> {
        if let Some(id) = self.model.catalogue.lookup(&code.node) {
            return Some(id);
        }
        let release = self.model.catalogue.release.clone();
        let suggestions = self.model.catalogue.suggestions(&code.node);
        let help = if suggestions.is_empty() {
            format!("`{release}` has no such code; check the code or the `release` line")
        } else {
            let quoted: Vec<String> = suggestions.iter().map(|c| format!("`{c}`")).collect();
            let list = match quoted.as_slice() {
                [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                _ => quoted.concat(),
            };
            format!("did you mean {list}? codes are exact: leading zeros count")
        };
        self.push(
            Diagnostic::new(
                Code::UnknownDisposition,
                code.span,
                format!("unknown disposition `{}` in release `{release}`", code.node),
            )
            .with_help(help),
        );
        None
    }

    fn dx_refs(&mut self, refs: &[ast::DxRef]) -> BTreeSet<DispositionId> {
        self.check_repeats(refs);
        let mut out = BTreeSet::new();
        for dx_ref in refs {
            match dx_ref {
                ast::DxRef::Code(code) => {
                    if let Some(id) = self.disposition(code) {
                        out.insert(id);
                    }
                }
                ast::DxRef::Group(name) => match self.group_names.get(&name.node) {
                    Some((id, _)) => {
                        if let Some(group) = self.model.groups.get(id.index()) {
                            out.extend(group.dispositions.iter().copied());
                        }
                    }
                    None => self.unknown_group(name),
                },
            }
        }
        out
    }

    // ------------------------------------------------------------ layers

    /// Declares the layers: `national` first, then overlays with parents
    /// before children. Returns the layer of each overlay (by its index in
    /// `decls.overlays`); overlays in an `extends` cycle get none.
    fn layers(&mut self, decls: &Decls<'_>, files: &[ast::File]) -> Vec<Option<model::LayerId>> {
        let whole = files.first().map_or_else(Span::default, |f| f.span);
        self.model.layers.push(model::Layer {
            name: "national".to_owned(),
            parent: None,
            area: Vec::new(),
            skills: BTreeSet::new(),
            rules: Vec::new(),
            removed: Vec::new(),
            no_search: BTreeMap::new(),
            remaps: BTreeMap::new(),
            suspensions: Vec::new(),
            catch_all: None,
            services: Vec::new(),
            span: whole,
        });
        let n = decls.overlays.len();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
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
            if let Some(first) = names
                .get(overlay.name.node.as_str())
                .and_then(|i| decls.overlays.get(*i))
            {
                let diagnostic = duplicate("overlay", &overlay.name, first.name.span);
                self.push(diagnostic);
                if let Some(flag) = valid.get_mut(idx) {
                    *flag = false;
                }
                continue;
            }
            names.insert(&overlay.name.node, idx);
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
            match names.get(extends.node.as_str()) {
                Some(parent) => {
                    graph.add_edge(idx, *parent, extends.span);
                    if let Some(slot) = parents.get_mut(idx) {
                        *slot = Some(*parent);
                    }
                }
                None => {
                    let own = overlay.name.node.as_str();
                    let candidates = std::iter::once("national")
                        .chain(names.keys().copied())
                        .filter(|name| *name != own);
                    let help = match did_you_mean(&extends.node, candidates) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "an overlay extends `national` or another overlay".to_owned(),
                    };
                    self.push(
                        Diagnostic::new(
                            Code::UnknownOverlay,
                            extends.span,
                            format!("unknown overlay `{}`", extends.node),
                        )
                        .with_help(help),
                    );
                    // Its body is still checked, as if it extended `national`.
                }
            }
        }
        for cycle in graph.cycles() {
            let overlay_name =
                |n: &usize| decls.overlays.get(*n).map_or("?", |o| o.name.node.as_str());
            let names: Vec<&str> = cycle.nodes.iter().map(overlay_name).collect();
            let chain = names
                .iter()
                .chain(names.first())
                .copied()
                .collect::<Vec<_>>()
                .join(" -> ");
            let Some(first) = cycle.nodes.first().and_then(|n| decls.overlays.get(*n)) else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                Code::ExtendsCycle,
                first.name.span,
                format!("overlays extend each other in a cycle: {chain}"),
            )
            .with_help("make one of them extend `national` or another overlay");
            for (node, edge) in cycle.nodes.iter().zip(&cycle.edges) {
                // Its body is still checked, as if it extended `national`.
                if let Some(parent) = parents.get_mut(*node) {
                    *parent = None;
                }
                diagnostic = diagnostic
                    .with_secondary(*edge, format!("`{}` extends this", overlay_name(node)));
            }
            self.push(diagnostic);
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
            self.model.layers.push(model::Layer {
                name: overlay.name.node.clone(),
                parent: Some(parent),
                area: Vec::new(),
                skills: BTreeSet::new(),
                rules: Vec::new(),
                removed: Vec::new(),
                no_search: BTreeMap::new(),
                remaps: BTreeMap::new(),
                suspensions: Vec::new(),
                catch_all: None,
                services: Vec::new(),
                span: overlay.span,
            });
        }
        layer_of
    }

    // ---------------------------------------------------------- services

    fn services(&mut self, decls: &Decls<'_>, layer_of: &[Option<model::LayerId>]) {
        let has_calendar = self.model.calendar.is_some();
        for (service, overlay) in &decls.services {
            let layer = match overlay {
                None => Some(model::NATIONAL),
                Some(idx) => layer_of.get(*idx).copied().flatten(),
            };
            if let Some((_, first)) = self.service_ids.get(&service.id.node) {
                let diagnostic = duplicate("service id", &service.id, *first);
                self.push(diagnostic);
                continue;
            }
            let mut service_type = None;
            let mut catchment = None;
            let mut location = None;
            let mut ages = model::AgeInterval::ALL;
            let mut sexes = None;
            let mut rank = None;
            let mut valid = model::DateWindow::default();
            let mut opening = None;
            for clause in &service.clauses {
                match clause {
                    ast::ServiceClause::Type(name) => service_type = self.service_type(&name.node),
                    ast::ServiceClause::Catchment(units) => {
                        catchment = Some(
                            units
                                .node
                                .iter()
                                .map(|u| model::PostcodeUnit {
                                    text: u.text.clone(),
                                    span: u.span,
                                })
                                .collect::<Vec<_>>(),
                        );
                    }
                    ast::ServiceClause::Location(point) => {
                        let (lat, lon) = (&point.node.0, &point.node.1);
                        if (-90.0..=90.0).contains(&lat.value)
                            && (-180.0..=180.0).contains(&lon.value)
                        {
                            location = Some((lat.value, lon.value));
                        } else {
                            self.push(
                                Diagnostic::new(
                                    Code::NumberOutOfRange,
                                    point.span,
                                    format!("`{}, {}` is not a latitude and longitude", lat.text, lon.text),
                                )
                                .with_help("write the latitude (-90 to 90) first, then the longitude (-180 to 180)"),
                            );
                        }
                    }
                    ast::ServiceClause::Ages(range) => {
                        ages = hours::age_range(&range.node);
                        if ages.is_empty() {
                            self.push(empty_ages(range.span));
                        }
                    }
                    ast::ServiceClause::Sexes(list) => {
                        sexes = Some(list.node.iter().map(|s| s.node).collect());
                    }
                    ast::ServiceClause::Rank(value) => {
                        rank = Some(u32::try_from(value.node).unwrap_or(u32::MAX));
                    }
                    ast::ServiceClause::Valid(range) => {
                        let until = if range.node.is_range {
                            range.node.end.as_ref()
                        } else {
                            Some(&range.node.start)
                        };
                        if let Some(window) = hours::window(
                            &range.node.start,
                            until,
                            range.span,
                            &mut self.diagnostics,
                        ) {
                            valid = window;
                        }
                    }
                    ast::ServiceClause::Hours(block) => {
                        opening = Some(hours::hours(block, has_calendar, &mut self.diagnostics));
                    }
                }
            }
            let mut missing = Vec::new();
            if !service
                .clauses
                .iter()
                .any(|c| matches!(c, ast::ServiceClause::Type(_)))
            {
                missing.push("type");
            }
            if catchment.is_none() {
                missing.push("catchment");
            }
            if opening.is_none() {
                missing.push("hours");
            }
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.push(
                    Diagnostic::new(
                        Code::MissingClause,
                        service.name.span,
                        format!("service `{}` has no {list}", service.id.node),
                    )
                    .with_help("a service needs `type`, `catchment` and `hours`"),
                );
            }
            let (Some(layer), Some(service_type), Some(catchment), Some(opening)) =
                (layer, service_type, catchment, opening)
            else {
                continue;
            };
            let id = model::ServiceId::from_index(self.model.services.len());
            self.service_ids
                .insert(service.id.node.clone(), (id, service.id.span));
            self.model.services.push(model::Service {
                id: service.id.node.clone(),
                name: service.name.node.clone(),
                layer,
                service_type,
                catchment,
                location,
                ages,
                sexes,
                rank,
                valid,
                hours: opening,
                span: service.span,
            });
            if let Some(layer) = self.model.layers.get_mut(layer.index()) {
                layer.services.push(id);
            }
        }
    }

    // ------------------------------------------------------------- rules

    fn rule(
        &mut self,
        rule: &ast::Rule,
        layer: model::LayerId,
        origin: model::RuleOrigin,
    ) -> model::Rule {
        let mut dispositions = BTreeSet::new();
        let mut channels: BTreeSet<model::Channel> = model::Channel::ALL.into_iter().collect();
        let mut ages = model::AgeInterval::ALL;
        let mut sex = None;
        let mut route = Vec::new();
        let mut route_spans = Vec::new();
        let mut when_span = rule.span;
        let mut priority = 0;
        let mut because = None;
        let mut has_when = false;
        let mut has_route = false;
        for clause in &rule.clauses {
            match clause {
                ast::RuleClause::When(conditions) => {
                    has_when = true;
                    when_span = conditions.span;
                    self.conditions(
                        conditions,
                        &mut dispositions,
                        &mut channels,
                        &mut ages,
                        &mut sex,
                    );
                }
                ast::RuleClause::Route(types) => {
                    has_route = true;
                    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                    for name in &types.node {
                        if let Some(first) = seen.get(name.node.as_str()) {
                            let diagnostic = Diagnostic::new(
                                Code::BadRoute,
                                name.span,
                                format!("`{}` is routed to twice", name.node),
                            )
                            .with_secondary(*first, "first here")
                            .with_help("name each service type once, in rank order");
                            self.push(diagnostic);
                            continue;
                        }
                        seen.insert(&name.node, name.span);
                        if let Some(id) = self.service_type(name) {
                            route.push(id);
                            route_spans.push(name.span);
                        }
                    }
                }
                ast::RuleClause::Priority(value) => {
                    priority = u32::try_from(value.node).unwrap_or(u32::MAX);
                }
                ast::RuleClause::Because(reason) => because = Some(reason.reason.node.clone()),
            }
        }
        for (present, word, help) in [
            (
                has_when,
                "when",
                "add the cases it matches: `when dx = Dx05`",
            ),
            (
                has_route,
                "route",
                "add the ranked service types: `route gp_ooh`",
            ),
        ] {
            if !present {
                self.push(
                    Diagnostic::new(
                        Code::MissingClause,
                        rule.name.span,
                        format!("rule `{}` has no `{word}`", rule.name.node),
                    )
                    .with_help(help),
                );
            }
        }
        model::Rule {
            name: rule.name.node.clone(),
            layer,
            origin,
            dispositions,
            when: model::Conditions::new(channels, ages, sex),
            route,
            route_spans,
            priority,
            because,
            name_span: rule.name.span,
            when_span,
            span: rule.span,
        }
    }

    fn conditions(
        &mut self,
        conditions: &crate::source::Spanned<Vec<ast::Condition>>,
        dispositions: &mut BTreeSet<DispositionId>,
        channels: &mut BTreeSet<model::Channel>,
        ages: &mut model::AgeInterval,
        sex: &mut Option<model::Sex>,
    ) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        let mut has_dx = false;
        let mut age_spans = Vec::new();
        for condition in &conditions.node {
            let word = match condition {
                ast::Condition::Dx(_) => "dx",
                ast::Condition::Channel(_) => "channel",
                ast::Condition::Age(_) => "age",
                ast::Condition::Sex(_) => "sex",
            };
            if word != "age" {
                if let Some(first) = seen.get(word) {
                    let diagnostic = Diagnostic::new(
                        Code::DuplicateCondition,
                        condition.span(),
                        format!("`{word}` is tested twice in one rule"),
                    )
                    .with_secondary(*first, "first test here")
                    .with_help(format!(
                        "use one `{word}` test with a list: `{word} in (…)`"
                    ));
                    self.push(diagnostic);
                    // Still resolve the repeated test's names, so that every
                    // misspelling is reported in one run.
                    if let ast::Condition::Dx(test) = condition {
                        match &test.node {
                            ast::DxTest::Eq(dx_ref) | ast::DxTest::In(dx_ref) => {
                                self.dx_refs(std::slice::from_ref(dx_ref));
                            }
                            ast::DxTest::InList(refs) => {
                                self.dx_refs(refs);
                            }
                        }
                    }
                    continue;
                }
                seen.insert(word, condition.span());
            }
            match condition {
                ast::Condition::Dx(test) => {
                    has_dx = true;
                    *dispositions = match &test.node {
                        ast::DxTest::Eq(dx_ref) | ast::DxTest::In(dx_ref) => {
                            self.dx_refs(std::slice::from_ref(dx_ref))
                        }
                        ast::DxTest::InList(refs) => self.dx_refs(refs),
                    };
                }
                ast::Condition::Channel(test) => {
                    *channels = match &test.node {
                        ast::ChannelTest::Eq(channel) => BTreeSet::from([channel.node]),
                        ast::ChannelTest::In(list) => list.iter().map(|c| c.node).collect(),
                    };
                }
                ast::Condition::Age(test) => {
                    *ages = ages.intersect(hours::age_test(&test.node));
                    age_spans.push(test.span);
                }
                ast::Condition::Sex(value) => *sex = Some(value.node),
            }
        }
        if ages.is_empty() {
            if let Some(span) = age_spans.first() {
                let span = age_spans.iter().fold(*span, |acc, s| acc.cover(*s));
                self.push(empty_ages(span));
            }
        }
        if !has_dx {
            self.push(
                Diagnostic::new(
                    Code::RuleWithoutDx,
                    conditions.span,
                    "a rule without a `dx` condition would match every disposition",
                )
                .with_help("add `dx = Dx…` or `dx in group` to the `when`"),
            );
        }
    }

    // ---------------------------------------------------------- baseline

    fn baseline(&mut self, decls: &Decls<'_>) {
        let mut skills = BTreeSet::new();
        for has in &decls.has {
            for (id, _) in self.skill_list(has) {
                skills.insert(id);
            }
        }
        let mut rule_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut rules = Vec::new();
        for rule in &decls.rules {
            if let Some(first) = rule_names.get(&rule.name.node) {
                let diagnostic = duplicate("rule", &rule.name, *first);
                self.push(diagnostic);
                continue;
            }
            rule_names.insert(rule.name.node.clone(), rule.name.span);
            let lowered = self.rule(rule, model::NATIONAL, model::RuleOrigin::Baseline);
            rules.push(self.add_rule(lowered));
        }
        let mut no_search = BTreeMap::new();
        for entry in &decls.no_search {
            self.no_search(entry, &mut no_search);
        }
        let mut catch_all = None;
        for entry in &decls.catch_alls {
            self.catch_all(entry, &mut catch_all);
        }
        if let Some(layer) = self.model.layers.get_mut(0) {
            layer.skills = skills;
            layer.rules = rules;
            layer.no_search = no_search;
            layer.catch_all = catch_all;
        }
    }

    fn add_rule(&mut self, rule: model::Rule) -> model::RuleId {
        let id = model::RuleId::from_index(self.model.rules.len());
        self.model.rules.push(rule);
        id
    }

    fn no_search(
        &mut self,
        entry: &ast::NoSearch,
        into: &mut BTreeMap<DispositionId, model::NoSearch>,
    ) {
        let codes = self.dx_refs(&entry.codes);
        let Some(because) = &entry.because else {
            self.push(missing_reason("`no_search`", entry.span));
            return;
        };
        for code in codes {
            into.insert(
                code,
                model::NoSearch {
                    reason: because.reason.node.clone(),
                    span: entry.span,
                },
            );
        }
    }

    fn catch_all(
        &mut self,
        entry: &ast::CatchAll,
        into: &mut Option<(model::ServiceTypeId, Span)>,
    ) {
        if let Some((_, first)) = into {
            let diagnostic = Diagnostic::new(
                Code::Duplicate,
                entry.span,
                "a second `catch_all` in one layer",
            )
            .with_secondary(*first, "first `catch_all` here")
            .with_help("a layer has one catch-all service type");
            self.push(diagnostic);
            return;
        }
        if let Some(id) = self.service_type(&entry.service_type) {
            *into = Some((id, entry.span));
        }
    }

    // ---------------------------------------------------------- overlays

    fn overlays(&mut self, decls: &Decls<'_>, layer_of: &[Option<model::LayerId>]) {
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

    fn rule_in_layer(&self, rules: &[model::RuleId], name: &str) -> Option<usize> {
        rules
            .iter()
            .position(|id| self.model.rule(*id).is_some_and(|rule| rule.name == name))
    }

    fn unknown_rule(&mut self, rules: &[model::RuleId], name: &ast::Name, below: &str) {
        let names: Vec<String> = rules
            .iter()
            .filter_map(|id| self.model.rule(*id).map(|r| r.name.clone()))
            .collect();
        let help = match did_you_mean(&name.node, names.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("`{below}` has no rule of that name; use `add rule` for a new one"),
        };
        self.push(
            Diagnostic::new(
                Code::UnknownRule,
                name.span,
                format!("no rule `{}` in `{below}` to change", name.node),
            )
            .with_help(help),
        );
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
        layer.rules = parent.rules.clone();
        layer.no_search = parent.no_search.clone();
        layer.remaps = parent.remaps.clone();
        layer.suspensions = parent.suspensions.clone();
        layer.catch_all = parent.catch_all;
        let own_services = std::mem::take(&mut layer.services);
        layer.services = parent.services.clone();
        layer.services.extend(own_services);

        let mut has_area = false;
        let mut had: BTreeMap<model::SkillId, Span> = BTreeMap::new();
        let mut lacked: BTreeMap<model::SkillId, Span> = BTreeMap::new();
        let mut own_catch_all: Option<(model::ServiceTypeId, Span)> = None;
        let mut remapped: BTreeMap<DispositionId, Span> = BTreeMap::new();
        let mut added: BTreeSet<String> = BTreeSet::new();
        let mut changed: BTreeMap<String, (&'static str, Span)> = BTreeMap::new();
        for item in &overlay.items {
            match item {
                ast::OverlayItem::Area(units) => {
                    has_area = true;
                    for unit in &units.node {
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
                        layer.area.push(model::PostcodeUnit {
                            text: unit.text.clone(),
                            span: unit.span,
                        });
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
                    let Some(position) = self.rule_in_layer(&parent.rules, &rule.name.node) else {
                        self.unknown_rule(&parent.rules, &rule.name, &below);
                        continue;
                    };
                    let Some(replaces) = parent.rules.get(position).copied() else {
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
                    if let Some(at) = self.rule_in_layer(&layer.rules, &rule.name.node) {
                        if let Some(slot) = layer.rules.get_mut(at) {
                            *slot = id;
                        }
                    }
                }
                ast::OverlayItem::Add(rule) => {
                    if let Some(existing) = self
                        .rule_in_layer(&layer.rules, &rule.name.node)
                        .and_then(|at| layer.rules.get(at))
                        .and_then(|id| self.model.rule(*id))
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
                    layer.rules.push(id);
                }
                ast::OverlayItem::Remove(remove) => {
                    if self.changed_twice(&mut changed, &remove.rule, "removed") {
                        continue;
                    }
                    let Some(at) = self.rule_in_layer(&layer.rules, &remove.rule.node) else {
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
                    let removed = layer.rules.remove(at);
                    layer
                        .removed
                        .push((removed, because.reason.node.clone(), remove.span));
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
                Some((service, _)) if layer.services.contains(service) => {
                    Some(model::SuspensionTarget::Service(*service))
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
                    let help =
                        match did_you_mean(&id.node, self.service_ids.keys().map(String::as_str)) {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => "name a service by its `id`".to_owned(),
                        };
                    self.push(
                        Diagnostic::new(
                            Code::UnknownService,
                            id.span,
                            format!("no service has id `{}`", id.node),
                        )
                        .with_help(help),
                    );
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

    // ------------------------------------------------------- hierarchies

    fn hierarchies(&mut self, decls: &Decls<'_>) {
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        for hierarchy in &decls.hierarchies {
            if let Some(first) = names.get(&hierarchy.name.node) {
                let diagnostic = duplicate("hierarchy", &hierarchy.name, *first);
                self.push(diagnostic);
                continue;
            }
            names.insert(hierarchy.name.node.clone(), hierarchy.name.span);
            let codes = hierarchy
                .codes
                .iter()
                .filter_map(|code| self.disposition(code).map(|id| (id, code.span)))
                .collect();
            self.model.hierarchies.push(model::Hierarchy {
                name: hierarchy.name.node.clone(),
                codes,
                span: hierarchy.span,
            });
        }
    }
}

fn empty_ages(span: Span) -> Diagnostic {
    Diagnostic::new(Code::EmptyAgeRange, span, "no age satisfies this")
        .with_help("write the lower bound first, e.g. `0..15`, or loosen the conditions")
}
