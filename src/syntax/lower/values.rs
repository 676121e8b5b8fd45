//! Lowering of literal values: ages and age ranges, durations, dates and
//! date ranges, times, opening hours, decimals, distances, postcode units,
//! district ranges and set names, channels and sexes. Numbers out of range are reported here.
//!
//! Imports: `super` (the `Lower` state and its shared helpers),
//! `crate::syntax::ast`, `crate::syntax::grammar`, `crate::source`,
//! `crate::diagnostics`.

use pest::iterators::Pair;

use super::{children, Lower};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Spanned;
use crate::syntax::ast;
use crate::syntax::grammar::Rule;

impl Lower {
    pub(super) fn channel(&self, pair: &Pair<'_, Rule>) -> Spanned<ast::Channel> {
        let channel = dxmap_runtime::Channel::parse(pair.as_str()).unwrap_or(ast::Channel::Nhs111);
        Spanned::new(channel, self.span(pair))
    }

    pub(super) fn sex(&self, pair: &Pair<'_, Rule>) -> Spanned<ast::Sex> {
        let sex = if pair.as_str() == "male" {
            ast::Sex::Male
        } else {
            ast::Sex::Female
        };
        Spanned::new(sex, self.span(pair))
    }

    pub(super) fn age(&mut self, pair: &Pair<'_, Rule>) -> ast::Age {
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

    pub(super) fn age_range(&mut self, pair: Pair<'_, Rule>) -> Option<ast::AgeRange> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let start = self.age(&inner.next()?);
        let end = inner.next().map(|p| self.age(&p));
        Some(ast::AgeRange { start, end, span })
    }

    pub(super) fn duration(&mut self, pair: &Pair<'_, Rule>) -> ast::Duration {
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

    pub(super) fn date(&self, pair: &Pair<'_, Rule>) -> ast::Date {
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

    pub(super) fn date_range(&self, pair: Pair<'_, Rule>) -> Option<ast::DateRange> {
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

    pub(super) fn hours(&mut self, pair: Pair<'_, Rule>) -> ast::Hours {
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

    pub(super) fn decimal(&mut self, pair: &Pair<'_, Rule>) -> ast::Decimal {
        let span = self.span(pair);
        let text = pair.as_str().to_owned();
        let value = text.parse::<f64>().unwrap_or(f64::NAN);
        ast::Decimal { text, value, span }
    }

    fn postcode_unit(&self, pair: &Pair<'_, Rule>) -> ast::PostcodeUnit {
        ast::PostcodeUnit {
            text: pair.as_str().to_owned(),
            span: self.span(pair),
        }
    }

    /// The units, district ranges and set names listed after a keyword
    /// (`catchment`, `area`) or in a `postcodes` set (its name skipped).
    pub(super) fn postcode_refs(&mut self, pairs: Vec<Pair<'_, Rule>>) -> Vec<ast::PostcodeRef> {
        let mut refs = Vec::new();
        for pair in pairs {
            let span = self.span(&pair);
            match pair.as_rule() {
                Rule::postcode_unit => refs.push(ast::PostcodeRef::Unit(self.postcode_unit(&pair))),
                Rule::ident => refs.push(ast::PostcodeRef::Set(self.name(&pair))),
                Rule::postcode_range => {
                    let mut ends = children(pair);
                    let (Some(start), Some(end)) = (ends.next(), ends.next()) else {
                        self.internal(span, "postcode range");
                        continue;
                    };
                    refs.push(ast::PostcodeRef::Range(ast::PostcodeRange {
                        start: self.postcode_unit(&start),
                        end: self.postcode_unit(&end),
                        span,
                    }));
                }
                _ => self.internal(span, "postcode unit"),
            }
        }
        refs
    }

    /// `60km`: the number before `km`.
    pub(super) fn distance(&mut self, pair: &Pair<'_, Rule>) -> ast::Distance {
        let span = self.span(pair);
        let text = pair.as_str().trim_end_matches("km").to_owned();
        let km = match text.parse::<f64>() {
            Ok(km) if km.is_finite() && km <= 20_000.0 => km,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!(
                        "`{}` is further than any two places on Earth",
                        pair.as_str()
                    ),
                ));
                20_000.0
            }
        };
        ast::Distance { text, km, span }
    }
}
