//! Where each name of a rules tree is defined and used, read from the
//! syntax trees (so it works while the tree has errors): the occurrences
//! that go to definition, find references, hover and completion share.
//!
//! Names are matched by kind and spelling across the whole tree: a rule's
//! name in `override rule` or `remove rule` is the rule of that name, a
//! service is named by its id (`suspend service "FXX01"`), an overlay's
//! name is its layer (`extends`).
//!
//! Imports: `crate::syntax::ast`, `crate::source`.

use crate::source::Span;
use crate::syntax::ast;

/// What kind of thing a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `skill`.
    Skill,
    /// `calendar`.
    Calendar,
    /// `service_type`.
    ServiceType,
    /// `group`.
    Group,
    /// `rule`, `add rule`.
    Rule,
    /// `hierarchy`.
    Hierarchy,
    /// `postcodes`.
    PostcodeSet,
    /// `service`, by id.
    Service,
    /// `overlay` (a layer).
    Layer,
}

impl Kind {
    /// The kind as people say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Skill => "skill",
            Kind::Calendar => "calendar",
            Kind::ServiceType => "service type",
            Kind::Group => "group",
            Kind::Rule => "rule",
            Kind::Hierarchy => "hierarchy",
            Kind::PostcodeSet => "postcode set",
            Kind::Service => "service",
            Kind::Layer => "layer",
        }
    }
}

/// A name of a kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    /// What it names.
    pub kind: Kind,
    /// The name as written (without quotes).
    pub name: String,
}

/// The item that defines a symbol.
#[derive(Debug, Clone, Copy)]
pub enum Def<'a> {
    /// A skill.
    Skill(&'a ast::Skill),
    /// A calendar.
    Calendar(&'a ast::Calendar),
    /// A service type.
    ServiceType(&'a ast::ServiceType),
    /// A group.
    Group(&'a ast::Group),
    /// A rule (national, or added or overriding in `layer`).
    Rule(&'a ast::Rule, Option<&'a str>),
    /// A hierarchy (national, or re-ordered in `layer`).
    Hierarchy(&'a ast::Hierarchy, Option<&'a str>),
    /// A postcode set.
    PostcodeSet(&'a ast::PostcodeSet),
    /// A service (national, or of `layer`).
    Service(&'a ast::Service, Option<&'a str>),
    /// An overlay.
    Layer(&'a ast::Overlay),
}

/// One place a name is written.
#[derive(Debug, Clone)]
pub struct Occurrence<'a> {
    /// The name.
    pub symbol: Symbol,
    /// Where it is written.
    pub span: Span,
    /// The item, when this is where the name is defined.
    pub def: Option<Def<'a>>,
}

/// Every name and code written in a tree.
#[derive(Debug, Clone, Default)]
pub struct Index<'a> {
    /// Names of kinds, definitions and uses, in source order per file.
    pub occurrences: Vec<Occurrence<'a>>,
    /// Disposition codes as written.
    pub codes: Vec<&'a ast::Name>,
}

impl<'a> Index<'a> {
    /// The index of the files of one tree.
    pub fn new(files: &'a [ast::File]) -> Index<'a> {
        let mut index = Index::default();
        for file in files {
            for item in &file.items {
                index.item(item);
            }
        }
        index
    }

    /// The name or code written at byte `offset` of `file`'s span.
    pub fn at(&self, span: Span) -> Option<At<'a, '_>> {
        let inside = |s: Span| s.file == span.file && s.start <= span.start && span.start <= s.end;
        if let Some(occurrence) = self.occurrences.iter().find(|o| inside(o.span)) {
            return Some(At::Name(occurrence));
        }
        self.codes
            .iter()
            .find(|code| inside(code.span))
            .map(|code| At::Code(code))
    }

    /// The definitions of a symbol.
    pub fn definitions<'s>(
        &'s self,
        symbol: &'s Symbol,
    ) -> impl Iterator<Item = &'s Occurrence<'a>> + 's {
        self.occurrences
            .iter()
            .filter(move |o| o.def.is_some() && o.symbol == *symbol)
    }

    /// Every occurrence of a symbol.
    pub fn references<'s>(
        &'s self,
        symbol: &'s Symbol,
    ) -> impl Iterator<Item = &'s Occurrence<'a>> + 's {
        self.occurrences.iter().filter(move |o| o.symbol == *symbol)
    }

    /// The names defined of a kind, sorted, each once.
    pub fn names(&self, kind: Kind) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .occurrences
            .iter()
            .filter(|o| o.def.is_some() && o.symbol.kind == kind)
            .map(|o| o.symbol.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn add(&mut self, kind: Kind, name: &ast::Name, def: Option<Def<'a>>) {
        self.occurrences.push(Occurrence {
            symbol: Symbol {
                kind,
                name: name.node.clone(),
            },
            span: name.span,
            def,
        });
    }

    fn dx_ref(&mut self, dx: &'a ast::DxRef) {
        match dx {
            ast::DxRef::Code(code) => self.codes.push(code),
            ast::DxRef::Group(group) => self.add(Kind::Group, group, None),
        }
    }

    fn postcodes(&mut self, refs: &'a [ast::PostcodeRef]) {
        for reference in refs {
            if let ast::PostcodeRef::Set(name) = reference {
                self.add(Kind::PostcodeSet, name, None);
            }
        }
    }

    fn skills(&mut self, list: &'a ast::SkillList) {
        for skill in &list.skills {
            self.add(Kind::Skill, skill, None);
        }
    }

    fn item(&mut self, item: &'a ast::Item) {
        match item {
            ast::Item::Release(_) => {}
            ast::Item::Skill(skill) => self.add(Kind::Skill, &skill.name, Some(Def::Skill(skill))),
            ast::Item::Has(list) => self.skills(list),
            ast::Item::Calendar(calendar) => {
                self.add(
                    Kind::Calendar,
                    &calendar.name,
                    Some(Def::Calendar(calendar)),
                );
            }
            ast::Item::ServiceType(service_type) => {
                let def = Some(Def::ServiceType(service_type));
                self.add(Kind::ServiceType, &service_type.name, def);
                for clause in &service_type.clauses {
                    if let ast::ServiceTypeClause::Requires(skill) = clause {
                        self.add(Kind::Skill, &skill.node, None);
                    }
                }
            }
            ast::Item::Group(group) => {
                self.add(Kind::Group, &group.name, Some(Def::Group(group)));
                for member in &group.members {
                    self.dx_ref(member);
                }
            }
            ast::Item::Rule(rule) => self.rule(rule, Some(Def::Rule(rule, None))),
            ast::Item::NoSearch(no_search) => self.no_search(no_search),
            ast::Item::CatchAll(catch_all) => {
                self.add(Kind::ServiceType, &catch_all.service_type, None);
            }
            ast::Item::Hierarchy(hierarchy) => {
                let def = Some(Def::Hierarchy(hierarchy, None));
                self.hierarchy(hierarchy, def);
            }
            ast::Item::Postcodes(set) => {
                self.add(Kind::PostcodeSet, &set.name, Some(Def::PostcodeSet(set)));
                self.postcodes(&set.items);
            }
            ast::Item::Service(service) => self.service(service, None),
            ast::Item::Overlay(overlay) => self.overlay(overlay),
        }
    }

    fn no_search(&mut self, no_search: &'a ast::NoSearch) {
        for code in &no_search.codes {
            self.dx_ref(code);
        }
    }

    fn hierarchy(&mut self, hierarchy: &'a ast::Hierarchy, def: Option<Def<'a>>) {
        self.add(Kind::Hierarchy, &hierarchy.name, def);
        self.codes.extend(hierarchy.codes.iter());
    }

    fn rule(&mut self, rule: &'a ast::Rule, def: Option<Def<'a>>) {
        self.add(Kind::Rule, &rule.name, def);
        for clause in &rule.clauses {
            match clause {
                ast::RuleClause::When(conditions) => {
                    for condition in &conditions.node {
                        let ast::Condition::Dx(test) = condition else {
                            continue;
                        };
                        match &test.node {
                            ast::DxTest::Eq(dx) | ast::DxTest::In(dx) => self.dx_ref(dx),
                            ast::DxTest::InList(list) => {
                                for dx in list {
                                    self.dx_ref(dx);
                                }
                            }
                        }
                    }
                }
                ast::RuleClause::Route(types) => {
                    for name in &types.node {
                        self.add(Kind::ServiceType, name, None);
                    }
                }
                ast::RuleClause::Priority(_) | ast::RuleClause::Because(_) => {}
            }
        }
    }

    fn service(&mut self, service: &'a ast::Service, layer: Option<&'a str>) {
        let symbol = Symbol {
            kind: Kind::Service,
            name: service.id.node.clone(),
        };
        for span in [service.name.span, service.id.span] {
            self.occurrences.push(Occurrence {
                symbol: symbol.clone(),
                span,
                def: Some(Def::Service(service, layer)),
            });
        }
        for clause in &service.clauses {
            match clause {
                ast::ServiceClause::Type(name) => self.add(Kind::ServiceType, &name.node, None),
                ast::ServiceClause::Catchment(refs) => self.postcodes(&refs.node),
                _ => {}
            }
        }
    }

    fn overlay(&mut self, overlay: &'a ast::Overlay) {
        self.add(Kind::Layer, &overlay.name, Some(Def::Layer(overlay)));
        if let Some(parent) = &overlay.extends {
            self.add(Kind::Layer, parent, None);
        }
        let layer = Some(overlay.name.node.as_str());
        for item in &overlay.items {
            match item {
                ast::OverlayItem::Area(refs) => self.postcodes(&refs.node),
                ast::OverlayItem::Lacks(list) | ast::OverlayItem::Has(list) => self.skills(list),
                // An override names the rule it replaces: a use, not a
                // second definition.
                ast::OverlayItem::Override(rule) => self.rule(rule, None),
                ast::OverlayItem::Add(rule) => self.rule(rule, Some(Def::Rule(rule, layer))),
                ast::OverlayItem::OverrideHierarchy(entry) => {
                    self.hierarchy(&entry.hierarchy, None)
                }
                ast::OverlayItem::Remove(remove) => self.add(Kind::Rule, &remove.rule, None),
                ast::OverlayItem::Suspend(suspend) => match &suspend.target {
                    ast::SuspendTarget::Service(id) => self.add(Kind::Service, id, None),
                    ast::SuspendTarget::ServiceType(name) => {
                        self.add(Kind::ServiceType, name, None);
                    }
                },
                ast::OverlayItem::Remap(remap) => {
                    self.codes.push(&remap.from);
                    self.codes.push(&remap.to);
                }
                ast::OverlayItem::CatchAll(catch_all) => {
                    self.add(Kind::ServiceType, &catch_all.service_type, None);
                }
                ast::OverlayItem::NoSearch(no_search) => self.no_search(no_search),
                ast::OverlayItem::Service(service) => self.service(service, layer),
            }
        }
    }
}

/// What is written at a position.
#[derive(Debug, Clone, Copy)]
pub enum At<'a, 'i> {
    /// A name of a kind.
    Name(&'i Occurrence<'a>),
    /// A disposition code.
    Code(&'a ast::Name),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn definitions_and_uses_are_found_by_kind_and_name() {
        let text = "service_type gp \"GP\" { responds_within 1h }\ngroup g = Dx05\nrule \"A\" {\n  when dx in g\n  route gp\n}\noverlay o {\n  remove rule \"A\" because \"x\"\n}\n";
        let (file, _) = crate::syntax::parse(FileId(0), text);
        let files = vec![file];
        let index = Index::new(&files);
        let gp = Symbol {
            kind: Kind::ServiceType,
            name: "gp".into(),
        };
        assert_eq!(index.definitions(&gp).count(), 1);
        assert_eq!(index.references(&gp).count(), 2);
        let rule = Symbol {
            kind: Kind::Rule,
            name: "A".into(),
        };
        assert_eq!(index.references(&rule).count(), 2);
        assert_eq!(index.codes.len(), 1);
        let at = text.find("dx in g").unwrap() + 6;
        let span = Span::new(FileId(0), u32::try_from(at).unwrap(), 0);
        assert!(
            matches!(index.at(span), Some(At::Name(o)) if o.symbol.kind == Kind::Group && o.def.is_none())
        );
    }
}
