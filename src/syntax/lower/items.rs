//! Lowering of the items and their clauses: releases, skills, calendars,
//! service types, groups, rules and their conditions, `no_search`,
//! `catch_all`, hierarchies, postcode sets, services and overlays. Also reports a clause
//! written twice in one block.
//!
//! Imports: `super` (the `Lower` state and its shared helpers),
//! `crate::syntax::ast`, `crate::syntax::grammar`, `crate::source`,
//! `crate::diagnostics`.

use pest::iterators::Pair;

use super::{children, Lower};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use crate::syntax::ast;
use crate::syntax::grammar::Rule;

impl Lower {
    pub(super) fn item(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Item> {
        let span = self.span(&pair);
        let item = match pair.as_rule() {
            Rule::release => {
                let name = self.first(pair, Rule::string, span)?;
                ast::Item::Release(ast::Release {
                    name: self.string(name),
                    span,
                })
            }
            Rule::skill => {
                let mut name = None;
                let mut label = None;
                for child in children(pair) {
                    match child.as_rule() {
                        Rule::ident => name = Some(self.name(&child)),
                        Rule::string => label = Some(self.string(child)),
                        _ => self.internal(span, "skill"),
                    }
                }
                ast::Item::Skill(ast::Skill {
                    name: name?,
                    label,
                    span,
                })
            }
            Rule::has => ast::Item::Has(self.skill_list(pair)),
            Rule::calendar => ast::Item::Calendar(self.calendar(pair)?),
            Rule::service_type => ast::Item::ServiceType(self.service_type(pair)?),
            Rule::group => {
                let mut inner = children(pair);
                let name = self.name(&inner.next()?);
                let members = inner.map(|p| self.dx_ref(&p)).collect();
                ast::Item::Group(ast::Group {
                    name,
                    members,
                    span,
                })
            }
            Rule::rule => ast::Item::Rule(self.rule(pair)?),
            Rule::no_search => ast::Item::NoSearch(self.no_search(pair)),
            Rule::catch_all => ast::Item::CatchAll(self.catch_all(pair)?),
            Rule::hierarchy => ast::Item::Hierarchy(self.hierarchy(pair)?),
            Rule::postcodes => {
                let mut inner = children(pair);
                let name = self.name(&inner.next()?);
                let items = self.postcode_refs(inner.collect());
                ast::Item::Postcodes(ast::PostcodeSet { name, items, span })
            }
            Rule::service => ast::Item::Service(self.service(pair)?),
            Rule::overlay => ast::Item::Overlay(self.overlay(pair)?),
            other => {
                self.internal(span, &format!("{other:?} at top level"));
                return None;
            }
        };
        Some(item)
    }

    /// `hierarchy name { … }`, or the same after `override` (whose
    /// `because` is returned too).
    fn hierarchy(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Hierarchy> {
        let span = self.span(&pair);
        let mut inner = children(pair).filter(|p| p.as_rule() != Rule::because);
        let name = self.name(&inner.next()?);
        let codes = inner.map(|p| self.name(&p)).collect();
        Some(ast::Hierarchy { name, codes, span })
    }

    fn override_hierarchy(&mut self, pair: Pair<'_, Rule>) -> Option<ast::OverrideHierarchy> {
        let span = self.span(&pair);
        let because = match children(pair.clone()).find(|p| p.as_rule() == Rule::because) {
            Some(because) => Some(self.because(because)?),
            None => None,
        };
        let hierarchy = self.hierarchy(pair)?;
        Some(ast::OverrideHierarchy {
            hierarchy,
            because,
            span,
        })
    }

    fn skill_list(&mut self, pair: Pair<'_, Rule>) -> ast::SkillList {
        let span = self.span(&pair);
        let skills = children(pair).map(|p| self.name(&p)).collect();
        ast::SkillList { skills, span }
    }

    fn calendar(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Calendar> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.name(&inner.next()?);
        let mut holidays = Vec::new();
        for holiday in inner {
            let holiday_span = self.span(&holiday);
            let mut date = None;
            let mut label = None;
            for child in children(holiday) {
                match child.as_rule() {
                    Rule::date => date = Some(self.date(&child)),
                    Rule::string => label = Some(self.string(child)),
                    _ => self.internal(holiday_span, "holiday"),
                }
            }
            if let Some(date) = date {
                holidays.push(ast::Holiday {
                    date,
                    label,
                    span: holiday_span,
                });
            }
        }
        Some(ast::Calendar {
            name,
            holidays,
            span,
        })
    }

    fn service_type(&mut self, pair: Pair<'_, Rule>) -> Option<ast::ServiceType> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut clauses = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            match child.as_rule() {
                Rule::ident => name = Some(self.name(&child)),
                Rule::string => label = Some(self.string(child)),
                Rule::responds_within => {
                    let duration = child.into_inner().find(|p| p.as_rule() == Rule::duration)?;
                    clauses.push(ast::ServiceTypeClause::RespondsWithin(Spanned::new(
                        self.duration(&duration),
                        child_span,
                    )));
                }
                Rule::channels => {
                    let channels = children(child).map(|p| self.channel(&p)).collect();
                    clauses.push(ast::ServiceTypeClause::Channels(Spanned::new(
                        channels, child_span,
                    )));
                }
                Rule::requires => {
                    let skill = children(child).next()?;
                    clauses.push(ast::ServiceTypeClause::Requires(Spanned::new(
                        self.name(&skill),
                        child_span,
                    )));
                }
                Rule::returns => {
                    let number = children(child).next()?;
                    let value = self.integer(&number);
                    clauses.push(ast::ServiceTypeClause::Returns(Spanned::new(
                        value.node, child_span,
                    )));
                }
                _ => self.internal(child_span, "service_type"),
            }
        }
        self.duplicate_clauses(
            clauses
                .iter()
                .map(|c| (std::mem::discriminant(c), c.span(), clause_word_st(c))),
        );
        Some(ast::ServiceType {
            name: name?,
            label,
            clauses,
            span,
        })
    }

    fn dx_ref(&self, pair: &Pair<'_, Rule>) -> ast::DxRef {
        let name = self.name(pair);
        if pair.as_rule() == Rule::dx_code {
            ast::DxRef::Code(name)
        } else {
            ast::DxRef::Group(name)
        }
    }

    fn rule(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Rule> {
        let span = self.span(&pair);
        let mut name = None;
        let mut clauses = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            match child.as_rule() {
                Rule::string => name = Some(self.string(child)),
                Rule::when => {
                    let conditions = children(child).filter_map(|p| self.condition(p)).collect();
                    clauses.push(ast::RuleClause::When(Spanned::new(conditions, child_span)));
                }
                Rule::route => {
                    let types = children(child).map(|p| self.name(&p)).collect();
                    clauses.push(ast::RuleClause::Route(Spanned::new(types, child_span)));
                }
                Rule::priority => {
                    let number = children(child).next()?;
                    let value = self.integer(&number);
                    clauses.push(ast::RuleClause::Priority(Spanned::new(
                        value.node, child_span,
                    )));
                }
                Rule::because => clauses.push(ast::RuleClause::Because(self.because(child)?)),
                _ => self.internal(child_span, "rule"),
            }
        }
        self.duplicate_clauses(clauses.iter().map(|c| {
            let word = match c {
                ast::RuleClause::When(_) => "when",
                ast::RuleClause::Route(_) => "route",
                ast::RuleClause::Priority(_) => "priority",
                ast::RuleClause::Because(_) => "because",
            };
            (std::mem::discriminant(c), c.span(), word)
        }));
        Some(ast::Rule {
            name: name?,
            clauses,
            span,
        })
    }

    fn condition(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Condition> {
        let span = self.span(&pair);
        let kind = pair.as_rule();
        // `=` and `in` are tokens that `children` skips: look for `in` first.
        let uses_in = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_in);
        let mut inner = children(pair);
        let condition = match kind {
            Rule::dx_cond => {
                let first = inner.next()?;
                let test = if first.as_rule() == Rule::dx_list {
                    ast::DxTest::InList(children(first).map(|p| self.dx_ref(&p)).collect())
                } else if uses_in {
                    ast::DxTest::In(self.dx_ref(&first))
                } else {
                    ast::DxTest::Eq(self.dx_ref(&first))
                };
                ast::Condition::Dx(Spanned::new(test, span))
            }
            Rule::channel_cond => {
                let first = inner.next()?;
                let test = if first.as_rule() == Rule::channel_list {
                    ast::ChannelTest::In(children(first).map(|p| self.channel(&p)).collect())
                } else {
                    ast::ChannelTest::Eq(self.channel(&first))
                };
                ast::Condition::Channel(Spanned::new(test, span))
            }
            Rule::age_cond => {
                let first = inner.next()?;
                let test = if first.as_rule() == Rule::age_range {
                    ast::AgeTest::In(self.age_range(first)?)
                } else {
                    let op = match first.as_str() {
                        "<" => ast::CompareOp::Lt,
                        "<=" => ast::CompareOp::Le,
                        ">" => ast::CompareOp::Gt,
                        _ => ast::CompareOp::Ge,
                    };
                    let age = inner.next()?;
                    ast::AgeTest::Compare(op, self.age(&age))
                };
                ast::Condition::Age(Spanned::new(test, span))
            }
            Rule::sex_cond => {
                let sex = inner.next()?;
                ast::Condition::Sex(Spanned::new(self.sex(&sex).node, span))
            }
            other => {
                self.internal(span, &format!("{other:?} as a condition"));
                return None;
            }
        };
        Some(condition)
    }

    fn service(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Service> {
        let span = self.span(&pair);
        let mut strings = Vec::new();
        let mut clauses = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            let clause = match child.as_rule() {
                Rule::string => {
                    strings.push(self.string(child));
                    continue;
                }
                Rule::type_clause => {
                    let name = children(child).next()?;
                    ast::ServiceClause::Type(Spanned::new(self.name(&name), child_span))
                }
                Rule::catchment => {
                    let refs = self.postcode_refs(children(child).collect());
                    ast::ServiceClause::Catchment(Spanned::new(refs, child_span))
                }
                Rule::postcode => {
                    let text = children(child).next()?;
                    ast::ServiceClause::Postcode(Spanned::new(self.string(text), child_span))
                }
                Rule::location => {
                    let mut numbers = children(child);
                    let (Some(lat), Some(lon)) = (numbers.next(), numbers.next()) else {
                        self.internal(child_span, "location");
                        continue;
                    };
                    let lat = self.decimal(&lat);
                    let lon = self.decimal(&lon);
                    ast::ServiceClause::Location(Spanned::new((lat, lon), child_span))
                }
                Rule::ages => {
                    let range = children(child).next()?;
                    ast::ServiceClause::Ages(Spanned::new(self.age_range(range)?, child_span))
                }
                Rule::sexes => ast::ServiceClause::Sexes(Spanned::new(
                    children(child).map(|p| self.sex(&p)).collect(),
                    child_span,
                )),
                Rule::rank => {
                    let number = children(child).next()?;
                    let value = self.integer(&number);
                    ast::ServiceClause::Rank(Spanned::new(value.node, child_span))
                }
                Rule::valid => {
                    let range = children(child).next()?;
                    ast::ServiceClause::Valid(Spanned::new(self.date_range(range)?, child_span))
                }
                Rule::hours => ast::ServiceClause::Hours(self.hours(child)),
                _ => {
                    self.internal(child_span, "service");
                    continue;
                }
            };
            clauses.push(clause);
        }
        self.duplicate_clauses(clauses.iter().map(|c| {
            let word = match c {
                ast::ServiceClause::Type(_) => "type",
                ast::ServiceClause::Catchment(_) => "catchment",
                ast::ServiceClause::Postcode(_) => "postcode",
                ast::ServiceClause::Location(_) => "location",
                ast::ServiceClause::Ages(_) => "ages",
                ast::ServiceClause::Sexes(_) => "sexes",
                ast::ServiceClause::Rank(_) => "rank",
                ast::ServiceClause::Valid(_) => "valid",
                ast::ServiceClause::Hours(_) => "hours",
            };
            (std::mem::discriminant(c), c.span(), word)
        }));
        let mut strings = strings.into_iter();
        let (Some(name), Some(id)) = (strings.next(), strings.next()) else {
            self.internal(span, "service name and id");
            return None;
        };
        Some(ast::Service {
            name,
            id,
            clauses,
            span,
        })
    }

    fn no_search(&mut self, pair: Pair<'_, Rule>) -> ast::NoSearch {
        let span = self.span(&pair);
        let mut codes = Vec::new();
        let mut because = None;
        for child in children(pair) {
            if child.as_rule() == Rule::because {
                because = self.because(child);
            } else {
                codes.push(self.dx_ref(&child));
            }
        }
        ast::NoSearch {
            codes,
            because,
            span,
        }
    }

    fn catch_all(&mut self, pair: Pair<'_, Rule>) -> Option<ast::CatchAll> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = inner.next()?;
        let within = inner.next().map(|distance| self.distance(&distance));
        Some(ast::CatchAll {
            service_type: self.name(&name),
            within,
            span,
        })
    }

    fn overlay(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Overlay> {
        let span = self.span(&pair);
        let mut idents = Vec::new();
        let mut items = Vec::new();
        for child in children(pair) {
            let child_span = self.span(&child);
            let item = match child.as_rule() {
                Rule::ident => {
                    idents.push(self.name(&child));
                    continue;
                }
                Rule::area => {
                    let refs = self.postcode_refs(children(child).collect());
                    ast::OverlayItem::Area(Spanned::new(refs, child_span))
                }
                Rule::lacks => ast::OverlayItem::Lacks(self.skill_list(child)),
                Rule::has => ast::OverlayItem::Has(self.skill_list(child)),
                Rule::override_rule => ast::OverlayItem::Override(self.rule(child)?),
                Rule::override_hierarchy => {
                    ast::OverlayItem::OverrideHierarchy(self.override_hierarchy(child)?)
                }
                Rule::add_rule => ast::OverlayItem::Add(self.rule(child)?),
                Rule::remove_rule => {
                    let mut rule = None;
                    let mut because = None;
                    for part in children(child) {
                        match part.as_rule() {
                            Rule::string => rule = Some(self.string(part)),
                            Rule::because => because = self.because(part),
                            _ => self.internal(child_span, "remove"),
                        }
                    }
                    ast::OverlayItem::Remove(ast::Remove {
                        rule: rule?,
                        because,
                        span: child_span,
                    })
                }
                Rule::suspend => ast::OverlayItem::Suspend(self.suspend(child)?),
                Rule::remap => {
                    let mut codes = Vec::new();
                    let mut because = None;
                    for part in children(child) {
                        match part.as_rule() {
                            Rule::dx_code => codes.push(self.name(&part)),
                            Rule::because => because = self.because(part),
                            _ => self.internal(child_span, "remap"),
                        }
                    }
                    let mut codes = codes.into_iter();
                    ast::OverlayItem::Remap(ast::Remap {
                        from: codes.next()?,
                        to: codes.next()?,
                        because,
                        span: child_span,
                    })
                }
                Rule::catch_all => ast::OverlayItem::CatchAll(self.catch_all(child)?),
                Rule::no_search => ast::OverlayItem::NoSearch(self.no_search(child)),
                Rule::service => ast::OverlayItem::Service(self.service(child)?),
                _ => {
                    self.internal(child_span, "overlay item");
                    continue;
                }
            };
            items.push(item);
        }
        let mut idents = idents.into_iter();
        let name = idents.next()?;
        Some(ast::Overlay {
            name,
            extends: idents.next(),
            items,
            span,
        })
    }

    fn suspend(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Suspend> {
        let span = self.span(&pair);
        let mut target = None;
        let mut dates = Vec::new();
        let mut because = None;
        for part in children(pair) {
            match part.as_rule() {
                Rule::suspend_service => {
                    let id = children(part).next()?;
                    target = Some(ast::SuspendTarget::Service(self.string(id)));
                }
                Rule::suspend_service_type => {
                    let name = children(part).next()?;
                    target = Some(ast::SuspendTarget::ServiceType(self.name(&name)));
                }
                Rule::date => dates.push(self.date(&part)),
                Rule::because => because = self.because(part),
                _ => self.internal(span, "suspend"),
            }
        }
        let mut dates = dates.into_iter();
        Some(ast::Suspend {
            target: target?,
            from: dates.next()?,
            until: dates.next(),
            because,
            span,
        })
    }

    /// Reports clauses written twice in one block (the second occurrence,
    /// labelling the first).
    fn duplicate_clauses<D: PartialEq>(
        &mut self,
        clauses: impl Iterator<Item = (D, Span, &'static str)>,
    ) {
        let mut seen: Vec<(D, Span)> = Vec::new();
        for (kind, span, word) in clauses {
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) {
                let help = if matches!(word, "route" | "catchment" | "channels" | "sexes") {
                    format!("keep one `{word}`; a list goes in one clause, separated by commas")
                } else {
                    format!("keep one `{word}`")
                };
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateClause,
                        span,
                        format!("`{word}` is given twice"),
                    )
                    .with_label(format!("second `{word}`"))
                    .with_secondary(*first, format!("first `{word}` here"))
                    .with_help(help),
                );
            } else {
                seen.push((kind, span));
            }
        }
    }
}

fn clause_word_st(clause: &ast::ServiceTypeClause) -> &'static str {
    match clause {
        ast::ServiceTypeClause::RespondsWithin(_) => "responds_within",
        ast::ServiceTypeClause::Channels(_) => "channels",
        ast::ServiceTypeClause::Requires(_) => "requires",
        ast::ServiceTypeClause::Returns(_) => "returns",
    }
}
