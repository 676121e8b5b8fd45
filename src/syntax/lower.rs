//! pest pairs to the syntax tree, and pest errors to diagnostics.
//!
//! The only code that walks `Pairs`. The grammar promises each pair's shape;
//! where a shape is not what it promises, lowering emits `Code::Internal`
//! ("internal error, please report") and goes on, never `unwrap()`.
//! Lowering also reports what the grammar cannot: a clause written twice in
//! one block, numbers out of range.
//!
//! Imports: `super::ast`, `super::grammar`, `crate::source`, `crate::diagnostics`.

use pest::iterators::Pair;
use pest::Parser;

use super::ast;
use super::grammar::{describe, is_token, DxmParser, Rule};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

/// A syntax error and where parsing stopped.
pub struct SyntaxError {
    /// Absolute byte offset of the error.
    pub offset: usize,
    /// The diagnostic to report.
    pub diagnostic: Box<Diagnostic>,
}

/// Most items (and list members) one file may hold.
const MAX_ITEMS: usize = 50_000;

/// Parses `text`, which starts at byte `base` of file `file`.
pub fn parse_items(
    file: FileId,
    base: usize,
    text: &str,
) -> Result<(Vec<ast::Item>, Vec<Diagnostic>), SyntaxError> {
    // Bound the work any input can cause; the grammar has no recursion, so
    // this limits time, not depth.
    pest::set_call_limit(std::num::NonZeroUsize::new(
        text.len().saturating_mul(400).max(100_000),
    ));
    let mut lower = Lower {
        file,
        base: u32::try_from(base).unwrap_or(u32::MAX),
        diagnostics: Vec::new(),
    };
    let pairs = match DxmParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => return Err(lower.syntax_error(text, &error)),
    };
    let mut items = Vec::new();
    for file_pair in pairs {
        for pair in file_pair.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            if items.len() == MAX_ITEMS {
                lower.diagnostics.push(Diagnostic::new(
                    Code::TooManyItems,
                    lower.span(&pair),
                    format!("file holds more than {MAX_ITEMS} items"),
                ));
                break;
            }
            if let Some(item) = lower.item(pair) {
                items.push(item);
            }
        }
    }
    Ok((items, lower.diagnostics))
}

struct Lower {
    file: FileId,
    base: u32,
    diagnostics: Vec<Diagnostic>,
}

/// The children of a pair that carry meaning: keywords and punctuation skipped.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

impl Lower {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(
            self.file,
            self.base
                .saturating_add(u32::try_from(span.start()).unwrap_or(u32::MAX)),
            self.base
                .saturating_add(u32::try_from(token_end(pair)).unwrap_or(u32::MAX)),
        )
    }

    fn internal(&mut self, span: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::Internal,
                span,
                format!("internal error, please report: unexpected syntax tree shape ({what})"),
            )
            .with_help("this is a bug in dxmap, not in your rules"),
        );
    }

    fn syntax_error(&self, text: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
        let pos = match error.location {
            pest::error::InputLocation::Pos(pos) => pos,
            pest::error::InputLocation::Span((start, _)) => start,
        };
        let found = found_at(text, pos);
        let message = match &error.variant {
            pest::error::ErrorVariant::ParsingError {
                positives,
                negatives,
            } => {
                let mut expected: Vec<String> = positives.iter().map(|r| describe(*r)).collect();
                expected.sort();
                expected.dedup();
                if !expected.is_empty() {
                    format!("unexpected {found}, expected {}", join_or(&expected))
                } else if !negatives.is_empty() {
                    let mut unexpected: Vec<String> =
                        negatives.iter().map(|r| describe(*r)).collect();
                    unexpected.sort();
                    unexpected.dedup();
                    format!(
                        "unexpected {found}: {} cannot be used here",
                        join_or(&unexpected)
                    )
                } else {
                    format!("unexpected {found}")
                }
            }
            pest::error::ErrorVariant::CustomError { message } => {
                if message.contains("call limit") {
                    "input too complex to parse within dxmap's limits".to_owned()
                } else {
                    message.clone()
                }
            }
        };
        let offset = usize::try_from(self.base).unwrap_or(0) + pos;
        let at = u32::try_from(offset).unwrap_or(u32::MAX);
        let len = u32::try_from(found_len(text, pos)).unwrap_or(0);
        let expects_name = matches!(
            &error.variant,
            pest::error::ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::ident)
        );
        let diagnostic = Diagnostic::new(Code::Syntax, Span::new(self.file, at, at + len), message)
            .with_help_opt(syntax_help(text, pos, expects_name));
        SyntaxError {
            offset,
            diagnostic: Box::new(diagnostic),
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> ast::Name {
        let span = self.span(&pair);
        let raw = pair
            .into_inner()
            .next()
            .map(|inner| inner.as_str().to_owned())
            .unwrap_or_default();
        let mut text = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    text.push(escaped);
                }
            } else {
                text.push(c);
            }
        }
        Spanned::new(text, span)
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> ast::Name {
        Spanned::new(pair.as_str().to_owned(), self.span(pair))
    }

    fn integer(&mut self, pair: &Pair<'_, Rule>) -> Spanned<ast::Integer> {
        let span = self.span(pair);
        let value = match pair.as_str().parse::<u64>() {
            Ok(value) if value <= u64::from(u32::MAX) => value,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!("`{}` is too large", pair.as_str()),
                ));
                0
            }
        };
        Spanned::new(value, span)
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Item> {
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
            Rule::hierarchy => {
                let mut inner = children(pair);
                let name = self.name(&inner.next()?);
                let codes = inner.map(|p| self.name(&p)).collect();
                ast::Item::Hierarchy(ast::Hierarchy { name, codes, span })
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

    /// The first child with rule `rule`, or an internal error.
    fn first<'i>(
        &mut self,
        pair: Pair<'i, Rule>,
        kind: Rule,
        span: Span,
    ) -> Option<Pair<'i, Rule>> {
        let found = pair.into_inner().find(|p| p.as_rule() == kind);
        if found.is_none() {
            self.internal(span, &format!("missing {kind:?}"));
        }
        found
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

    fn channel(&self, pair: &Pair<'_, Rule>) -> Spanned<ast::Channel> {
        let channel = dxmap_runtime::Channel::parse(pair.as_str()).unwrap_or(ast::Channel::Nhs111);
        Spanned::new(channel, self.span(pair))
    }

    fn sex(&self, pair: &Pair<'_, Rule>) -> Spanned<ast::Sex> {
        let sex = if pair.as_str() == "male" {
            ast::Sex::Male
        } else {
            ast::Sex::Female
        };
        Spanned::new(sex, self.span(pair))
    }

    fn because(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Because> {
        let span = self.span(&pair);
        let reason = children(pair).next()?;
        Some(ast::Because {
            reason: self.string(reason),
            span,
        })
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

    fn age(&mut self, pair: &Pair<'_, Rule>) -> ast::Age {
        let span = self.span(pair);
        let text = pair.as_str();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, suffix) = text.split_at(digits_end);
        let value = match digits.parse::<u64>() {
            Ok(value) if value <= 100_000 => value,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!("age `{text}` is too large"),
                ));
                0
            }
        };
        let unit = match suffix {
            "mo" => ast::AgeUnit::Months,
            "d" => ast::AgeUnit::Days,
            _ => ast::AgeUnit::Years,
        };
        ast::Age {
            value,
            unit,
            explicit_unit: !suffix.is_empty(),
            span,
        }
    }

    fn age_range(&mut self, pair: Pair<'_, Rule>) -> Option<ast::AgeRange> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let start = self.age(&inner.next()?);
        let end = inner.next().map(|p| self.age(&p));
        Some(ast::AgeRange { start, end, span })
    }

    fn duration(&mut self, pair: &Pair<'_, Rule>) -> ast::Duration {
        let span = self.span(pair);
        let text = pair.as_str();
        let (digits, suffix) = text.split_at(text.len().saturating_sub(1));
        let value = match digits.parse::<u64>() {
            Ok(value) if value <= 1_000_000 => value,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!("duration `{text}` is too large"),
                ));
                0
            }
        };
        let unit = match suffix {
            "h" => ast::DurationUnit::Hours,
            "d" => ast::DurationUnit::Days,
            _ => ast::DurationUnit::Minutes,
        };
        ast::Duration { value, unit, span }
    }

    fn date(&self, pair: &Pair<'_, Rule>) -> ast::Date {
        let text = pair.as_str();
        let number = |range: std::ops::Range<usize>| {
            text.get(range)
                .and_then(|part| part.parse::<u32>().ok())
                .unwrap_or(0)
        };
        ast::Date {
            year: i32::try_from(number(0..4)).unwrap_or(0),
            month: number(5..7),
            day: number(8..10),
            span: self.span(pair),
        }
    }

    fn date_range(&self, pair: Pair<'_, Rule>) -> Option<ast::DateRange> {
        let span = self.span(&pair);
        if pair.as_rule() == Rule::date {
            let date = self.date(&pair);
            return Some(ast::DateRange {
                start: date,
                end: Some(date),
                is_range: false,
                span,
            });
        }
        let mut inner = pair.into_inner();
        let start = self.date(&inner.next()?);
        let end = inner.next().map(|p| self.date(&p));
        Some(ast::DateRange {
            start,
            end,
            is_range: true,
            span,
        })
    }

    fn time(&self, pair: &Pair<'_, Rule>) -> ast::Time {
        let text = pair.as_str();
        let number = |range: std::ops::Range<usize>| {
            text.get(range)
                .and_then(|part| part.parse::<u32>().ok())
                .unwrap_or(0)
        };
        ast::Time {
            hour: number(0..2),
            minute: number(3..5),
            span: self.span(pair),
        }
    }

    fn day_hours(&mut self, pair: Pair<'_, Rule>) -> ast::DayHours {
        let span = self.span(&pair);
        let mut sessions = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_closed => return ast::DayHours::Closed(span),
                Rule::session => {
                    let session_span = self.span(&child);
                    let mut times = child.into_inner();
                    if let (Some(open), Some(close)) = (times.next(), times.next()) {
                        sessions.push(ast::Session {
                            open: self.time(&open),
                            close: self.time(&close),
                            span: session_span,
                        });
                    }
                }
                _ => {}
            }
        }
        ast::DayHours::Sessions(sessions)
    }

    fn weekday(&self, pair: &Pair<'_, Rule>) -> Spanned<ast::Weekday> {
        let day = match pair.as_str() {
            "mon" => ast::Weekday::Mon,
            "tue" => ast::Weekday::Tue,
            "wed" => ast::Weekday::Wed,
            "thu" => ast::Weekday::Thu,
            "fri" => ast::Weekday::Fri,
            "sat" => ast::Weekday::Sat,
            _ => ast::Weekday::Sun,
        };
        Spanned::new(day, self.span(pair))
    }

    fn hours(&mut self, pair: Pair<'_, Rule>) -> ast::Hours {
        let span = self.span(&pair);
        let mut lines = Vec::new();
        for line in children(pair) {
            let line_span = self.span(&line);
            let kind = line.as_rule();
            let mut inner = children(line);
            let lowered = match kind {
                Rule::weekly => {
                    let (Some(spec), Some(hours)) = (inner.next(), inner.next()) else {
                        self.internal(line_span, "weekly hours");
                        continue;
                    };
                    let spec_span = self.span(&spec);
                    let mut days = spec.into_inner();
                    let Some(first) = days.next() else {
                        self.internal(line_span, "day");
                        continue;
                    };
                    ast::HoursLine::Weekly {
                        days: ast::DaySpec {
                            first: self.weekday(&first),
                            last: days.next().map(|d| self.weekday(&d)),
                            span: spec_span,
                        },
                        hours: self.day_hours(hours),
                        span: line_span,
                    }
                }
                Rule::bank_holiday => {
                    let Some(hours) = inner.next() else {
                        self.internal(line_span, "bank holiday");
                        continue;
                    };
                    ast::HoursLine::BankHoliday {
                        hours: self.day_hours(hours),
                        span: line_span,
                    }
                }
                Rule::on_date => {
                    let (Some(date), Some(hours)) = (inner.next(), inner.next()) else {
                        self.internal(line_span, "on");
                        continue;
                    };
                    ast::HoursLine::On {
                        date: self.date(&date),
                        hours: self.day_hours(hours),
                        span: line_span,
                    }
                }
                Rule::closed_dates => {
                    let Some(dates) = inner.next().and_then(|p| self.date_range(p)) else {
                        self.internal(line_span, "closed");
                        continue;
                    };
                    let because = inner.next().and_then(|p| self.because(p));
                    ast::HoursLine::Closed {
                        dates,
                        because,
                        span: line_span,
                    }
                }
                Rule::all_hours => ast::HoursLine::AllHours { span: line_span },
                _ => {
                    self.internal(line_span, "hours line");
                    continue;
                }
            };
            lines.push(lowered);
        }
        ast::Hours { lines, span }
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
                Rule::catchment => ast::ServiceClause::Catchment(Spanned::new(
                    self.postcode_units(child),
                    child_span,
                )),
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

    fn decimal(&mut self, pair: &Pair<'_, Rule>) -> ast::Decimal {
        let span = self.span(pair);
        let text = pair.as_str().to_owned();
        let value = text.parse::<f64>().unwrap_or(f64::NAN);
        ast::Decimal { text, value, span }
    }

    fn postcode_units(&self, pair: Pair<'_, Rule>) -> Vec<ast::PostcodeUnit> {
        children(pair)
            .map(|p| ast::PostcodeUnit {
                text: p.as_str().to_owned(),
                span: self.span(&p),
            })
            .collect()
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
        let name = children(pair).next()?;
        Some(ast::CatchAll {
            service_type: self.name(&name),
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
                    ast::OverlayItem::Area(Spanned::new(self.postcode_units(child), child_span))
                }
                Rule::lacks => ast::OverlayItem::Lacks(self.skill_list(child)),
                Rule::has => ast::OverlayItem::Has(self.skill_list(child)),
                Rule::override_rule => ast::OverlayItem::Override(self.rule(child)?),
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

/// The end of a pair's last token: pest's spans of non-atomic rules can
/// take in whitespace and comments skipped after the last token.
fn token_end(pair: &Pair<'_, Rule>) -> usize {
    let ends_with_token = pair
        .as_str()
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_whitespace());
    if ends_with_token {
        return pair.as_span().end();
    }
    pair.clone()
        .into_inner()
        .last()
        .map_or_else(|| pair.as_span().end(), |last| token_end(&last))
}

/// What is at `pos`, for "unexpected …".
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    if rest.trim().is_empty() {
        return "end of file".to_owned();
    }
    format!("`{}`", token_at(rest))
}

/// The token at the start of `rest`: a word (letters, digits and `_-:.`) or
/// one punctuation character.
fn token_at(rest: &str) -> &str {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.');
    let len: usize = rest
        .chars()
        .take_while(|c| is_word(*c))
        .take(24)
        .map(char::len_utf8)
        .sum();
    let len = if len == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        len
    };
    rest.get(..len).unwrap_or("")
}

/// The length of the token at `pos` (at least one byte unless at the end).
fn found_len(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    if rest.trim().is_empty() {
        return 0;
    }
    token_at(rest).len()
}

/// Help for the commonest slips, recognised from the text at the error.
fn syntax_help(text: &str, pos: usize, expects_name: bool) -> Option<String> {
    let rest = text.get(pos..).unwrap_or("");
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if let Some(digits) = token
        .strip_prefix("dx")
        .or_else(|| token.strip_prefix("DX"))
    {
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("disposition codes are written `Dx{digits}`"));
        }
    }
    if rest.starts_with('\'') {
        return Some("strings use double quotes: `\"…\"`".to_owned());
    }
    let line_start = text
        .get(..pos)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text
        .get(line_start..)
        .and_then(|from| from.split('\n').next())
        .unwrap_or("");
    if unclosed_string(line) {
        return Some("a string is not closed on this line: end it with `\"`".to_owned());
    }
    let before = text.get(..pos).unwrap_or("").trim_end_matches([' ', '\t']);
    let after = rest.trim_start_matches([' ', '\t']);
    let word = token_at(rest);
    if before.ends_with('=') && rest.starts_with('=') {
        return Some("conditions compare with a single `=`".to_owned());
    }
    if after.starts_with("..")
        || (before.ends_with("..") && word.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Some(
            "write ranges without spaces around `..`, e.g. `2020-03-23..2020-07-04` or `0..15`"
                .to_owned(),
        );
    }
    if is_date(word)
        && rest
            .get(word.len()..)
            .is_some_and(|r| r.trim_start().starts_with(".."))
    {
        return Some(
            "write ranges without spaces around `..`, e.g. `2020-03-23..2020-07-04`".to_owned(),
        );
    }
    let is_time = |w: &str| w.len() == 5 && w.get(2..3) == Some(":");
    if is_time(word)
        && rest
            .get(word.len()..)
            .is_some_and(|r| r.trim_start().starts_with('-'))
        || (before.ends_with('-') && is_time(word))
    {
        return Some("write sessions without spaces around `-`, e.g. `08:30-13:00`".to_owned());
    }
    if looks_like_full_postcode(rest) {
        return Some(
            "catchments and areas name postcode areas (`SO`), districts (`SO16`) or sectors (`SO16 7`), not full postcodes"
                .to_owned(),
        );
    }
    if expects_name && KEYWORDS.contains(&token.as_str()) {
        return Some(format!(
            "`{token}` is a keyword and cannot be used as a name"
        ));
    }
    None
}

/// Whether a line has a double-quoted string that is not closed.
fn unclosed_string(line: &str) -> bool {
    let mut open = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if open => {
                chars.next();
            }
            '"' => open = !open,
            '/' if !open && chars.clone().next() == Some('/') => break,
            _ => {}
        }
    }
    open
}

/// Whether a word is a date, `YYYY-MM-DD`.
fn is_date(word: &str) -> bool {
    word.len() == 10 && word.get(4..5) == Some("-") && word.get(7..8) == Some("-")
}

/// Whether `text` starts with a full postcode such as `SO16 7AB`.
fn looks_like_full_postcode(text: &str) -> bool {
    let Some((outward, inward)) = text.split_once(' ') else {
        return false;
    };
    let outward_ok = outward.len() >= 2
        && outward.len() <= 4
        && outward.starts_with(|c: char| c.is_ascii_uppercase())
        && outward
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && outward.chars().any(|c| c.is_ascii_digit());
    let inward: Vec<char> = inward.chars().take(3).collect();
    outward_ok
        && matches!(inward.as_slice(), [d, a, b] if d.is_ascii_digit() && a.is_ascii_uppercase() && b.is_ascii_uppercase())
}

/// The keywords of the language, for help on names that clash.
const KEYWORDS: &[&str] = &[
    "release",
    "skill",
    "has",
    "lacks",
    "calendar",
    "service_type",
    "responds_within",
    "channels",
    "requires",
    "returns",
    "group",
    "rule",
    "when",
    "and",
    "in",
    "route",
    "priority",
    "because",
    "no_search",
    "catch_all",
    "hierarchy",
    "service",
    "id",
    "type",
    "catchment",
    "location",
    "ages",
    "sexes",
    "rank",
    "valid",
    "hours",
    "on",
    "closed",
    "all_hours",
    "bank_holiday",
    "overlay",
    "extends",
    "area",
    "override",
    "add",
    "remove",
    "suspend",
    "from",
    "until",
    "remap",
    "dx",
    "channel",
    "age",
    "sex",
    "female",
    "male",
    "ooh",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
];

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
