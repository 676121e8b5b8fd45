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
//! Every named declaration goes through one namespace ([`symbols`]). The
//! rest is split by concern: skills, the calendar and hierarchies here;
//! dispositions and groups in [`groups`]; postcode sets in [`postcodes`]; service types and services in
//! [`services`]; rules of the baseline in [`rules`]; layers and overlays in
//! [`overlays`].
//!
//! Imports: `crate::syntax::ast`, `super::{model, hours, graph}`,
//! `crate::catalogue`, `crate::diagnostics`, `crate::source`.

mod groups;
mod overlays;
mod postcodes;
mod rules;
mod services;
mod symbols;

use std::collections::BTreeMap;

use super::hours;
use super::model;
use crate::catalogue::Catalogue;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;
use symbols::Symbols;

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
            postcode_sets: Vec::new(),
            release_span: Span::default(),
        },
        skill_names: Symbols::new("skill", Code::UnknownSkill),
        type_names: Symbols::new("service type", Code::UnknownServiceType),
        group_names: Symbols::new("group", Code::UnknownGroup),
        service_ids: Symbols::new("service id", Code::UnknownService),
        hierarchy_names: Symbols::new("hierarchy", Code::UnknownHierarchy),
        set_names: Symbols::new("postcode set", Code::UnknownPostcodeSet),
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
    resolver.postcode_sets(&decls.postcode_sets);
    let overlay_layers = resolver.layers(&decls, files);
    resolver.services(&decls, &overlay_layers);
    resolver.baseline(&decls);
    resolver.hierarchies(&decls);
    resolver.overlays(&decls, &overlay_layers);
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
    postcode_sets: Vec<&'a ast::PostcodeSet>,
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
                    ast::Item::Postcodes(set) => decls.postcode_sets.push(set),
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
    skill_names: Symbols<model::SkillId>,
    type_names: Symbols<model::ServiceTypeId>,
    group_names: Symbols<model::GroupId>,
    service_ids: Symbols<model::ServiceId>,
    /// Postcode sets, by index into `model.postcode_sets`.
    set_names: Symbols<usize>,
    /// National hierarchies by name, for `override hierarchy`.
    hierarchy_names: Symbols<model::HierarchyId>,
}

fn missing_reason(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::MissingReason,
        span,
        format!("{what} has no `because`"),
    )
    .with_help("every difference from the layer below must say why: add `because \"…\"`")
}

impl Resolver {
    fn push(&mut self, diagnostic: impl Into<Diagnostic>) {
        self.diagnostics.push(diagnostic.into());
    }

    /// The value of a lookup; its diagnostic is recorded otherwise.
    fn ok<T>(&mut self, found: Result<T, Box<Diagnostic>>) -> Option<T> {
        found.map_err(|diagnostic| self.push(diagnostic)).ok()
    }

    // ------------------------------------------------------------ skills

    fn skills(&mut self, decls: &Decls<'_>) {
        for skill in &decls.skills {
            let id = model::SkillId::from_index(self.model.skills.len());
            if let Err(diagnostic) = self.skill_names.define(&skill.name, id) {
                self.push(diagnostic);
                continue;
            }
            self.model.skills.push(model::Skill {
                name: skill.name.node.clone(),
                label: skill.label.as_ref().map(|l| l.node.clone()),
                span: skill.span,
            });
        }
    }

    fn skill(&mut self, name: &ast::Name) -> Option<model::SkillId> {
        let found = self
            .skill_names
            .resolve(name, || format!("declare it: `skill {} \"…\"`", name.node));
        self.ok(found)
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

    // ------------------------------------------------------- hierarchies

    fn hierarchies(&mut self, decls: &Decls<'_>) {
        for hierarchy in &decls.hierarchies {
            let id = model::HierarchyId::from_index(self.model.hierarchies.len());
            if let Err(diagnostic) = self.hierarchy_names.define(&hierarchy.name, id) {
                self.push(diagnostic);
                continue;
            }
            let lowered = self.hierarchy(hierarchy, model::NATIONAL, None);
            self.model.hierarchies.push(lowered);
            if let Some(layer) = self.model.layers.get_mut(model::NATIONAL.index()) {
                layer.hierarchies.push(id);
            }
        }
    }

    /// A hierarchy's codes resolved; `replaces` for an override.
    fn hierarchy(
        &mut self,
        hierarchy: &ast::Hierarchy,
        layer: model::LayerId,
        replaces: Option<model::HierarchyId>,
    ) -> model::Hierarchy {
        let codes = hierarchy
            .codes
            .iter()
            .filter_map(|code| self.disposition(code).map(|id| (id, code.span)))
            .collect();
        model::Hierarchy {
            name: hierarchy.name.node.clone(),
            codes,
            layer,
            replaces,
            span: hierarchy.span,
        }
    }
}

fn empty_ages(span: Span) -> Diagnostic {
    Diagnostic::new(Code::EmptyAgeRange, span, "no age satisfies this")
        .with_help("write the lower bound first, e.g. `0..15`, or loosen the conditions")
}
