//! Rules of the baseline: `when` conditions, routes, `no_search` and
//! `catch_all`; the lowering of one rule is shared with overlays.
//!
//! Imports: `super`, `super::symbols`, `super::super::{model, hours}`, `crate::catalogue`,
//! `crate::diagnostics`, `crate::source`, `crate::syntax::ast`.

use std::collections::{BTreeMap, BTreeSet};

use super::super::{hours, model};
use super::symbols::Symbols;
use super::{empty_ages, missing_reason, Decls, Resolver};
use crate::catalogue::DispositionId;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use crate::syntax::ast;

impl Resolver {
    // ------------------------------------------------------------- rules

    pub(super) fn rule(
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
        conditions: &Spanned<Vec<ast::Condition>>,
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

    pub(super) fn baseline(&mut self, decls: &Decls<'_>) {
        let mut skills = BTreeSet::new();
        for has in &decls.has {
            for (id, _) in self.skill_list(has) {
                skills.insert(id);
            }
        }
        let mut rule_names: Symbols<()> = Symbols::definitions("rule");
        let mut rules = Vec::new();
        for rule in &decls.rules {
            if let Err(diagnostic) = rule_names.define(&rule.name, ()) {
                self.push(diagnostic);
                continue;
            }
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

    pub(super) fn add_rule(&mut self, rule: model::Rule) -> model::RuleId {
        let id = model::RuleId::from_index(self.model.rules.len());
        self.model.rules.push(rule);
        id
    }

    pub(super) fn no_search(
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

    pub(super) fn catch_all(&mut self, entry: &ast::CatchAll, into: &mut Option<model::CatchAll>) {
        if let Some(model::CatchAll { span: first, .. }) = into {
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
            *into = Some(model::CatchAll {
                service_type: id,
                within_km: entry.within.as_ref().map(|within| within.km),
                span: entry.span,
            });
        }
    }
}
