//! Dates, times, ages and opening hours: validity checks and conversion to
//! the model's forms (validated dates, minutes after midnight, ages in days).
//!
//! Ages follow DoS: a year is 365.25 days and a month 30.4375 days, rounded
//! down; a range `A..B` runs from the A-th birthday up to, not including,
//! the (B+1)-th, in the units written.
//!
//! Imports: `crate::syntax::ast`, `super::model`, `crate::diagnostics`, `crate::source`.

use std::collections::BTreeMap;

use super::model;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// A validated date, or a diagnostic.
pub fn date(date: &ast::Date, diagnostics: &mut Vec<Diagnostic>) -> Option<model::Date> {
    let checked = model::Date::new(date.year, date.month, date.day);
    if checked.is_none() {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidDate,
                date.span,
                format!(
                    "`{:04}-{:02}-{:02}` is not a date",
                    date.year, date.month, date.day
                ),
            )
            .with_label("no such day")
            .with_help("write a real date as `YYYY-MM-DD`"),
        );
    }
    checked
}

/// A validated date window from `from` and an optional inclusive `until`.
pub fn window(
    from: &ast::Date,
    until: Option<&ast::Date>,
    span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<model::DateWindow> {
    let start = date(from, diagnostics);
    let end = match until {
        Some(until) => Some(date(until, diagnostics)?),
        None => None,
    };
    let start = start?;
    if let Some(end) = end {
        if end < start {
            diagnostics.push(
                Diagnostic::new(
                    Code::DateRangeBackwards,
                    span,
                    format!("the range ends on `{end}`, before it starts on `{start}`"),
                )
                .with_help("write the earlier date first"),
            );
            return None;
        }
    }
    Some(model::DateWindow {
        from: Some(start),
        until: end,
    })
}

/// The interval an age range admits: from the start's birthday up to, not
/// including, the one after the end (the case space's meaning).
pub fn age_range(range: &ast::AgeRange) -> model::AgeInterval {
    let start = range.start.unit.days(range.start.value);
    let max = range
        .end
        .as_ref()
        .map(|end| end.unit.days(end.value.saturating_add(1)));
    model::AgeInterval::new(start, max)
}

/// The interval an age test admits.
pub fn age_test(test: &ast::AgeTest) -> model::AgeInterval {
    match test {
        ast::AgeTest::Compare(op, age) => {
            let unit = age.unit;
            match op {
                ast::CompareOp::Lt => unit.below(age.value),
                ast::CompareOp::Le => unit.below(age.value.saturating_add(1)),
                ast::CompareOp::Gt => unit.from(age.value.saturating_add(1)),
                ast::CompareOp::Ge => unit.from(age.value),
            }
        }
        ast::AgeTest::In(range) => age_range(range),
    }
}

fn minutes(time: &ast::Time, diagnostics: &mut Vec<Diagnostic>) -> Option<u16> {
    let valid = (time.hour < 24 && time.minute < 60) || (time.hour == 24 && time.minute == 0);
    if !valid {
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidTime,
                time.span,
                format!("`{:02}:{:02}` is not a time of day", time.hour, time.minute),
            )
            .with_help("write a time between `00:00` and `24:00`"),
        );
        return None;
    }
    u16::try_from(time.hour * 60 + time.minute).ok()
}

/// Checks one line's sessions: valid times, each ending after it starts,
/// none overlapping. Returns them sorted.
fn sessions(hours: &ast::DayHours, diagnostics: &mut Vec<Diagnostic>) -> Vec<model::Session> {
    let ast::DayHours::Sessions(written) = hours else {
        return Vec::new();
    };
    let mut checked: Vec<(model::Session, Span)> = Vec::new();
    for session in written {
        let open = minutes(&session.open, diagnostics);
        let close = minutes(&session.close, diagnostics);
        let (Some(open), Some(close)) = (open, close) else {
            continue;
        };
        if close <= open || open == 1440 {
            let written = format!(
                "{:02}:{:02}-{:02}:{:02}",
                session.open.hour, session.open.minute, session.close.hour, session.close.minute
            );
            let diagnostic = if close == open {
                Diagnostic::new(
                    Code::SessionBackwards,
                    session.span,
                    format!("session `{written}` is empty"),
                )
                .with_help(
                    "a session ends after it starts; for a day with no opening write `closed`",
                )
            } else {
                Diagnostic::new(
                    Code::SessionBackwards,
                    session.span,
                    format!("session `{written}` ends before it starts"),
                )
                .with_help("sessions may not cross midnight: write one session up to `24:00` and one from `00:00` on the next day")
            };
            diagnostics.push(diagnostic);
            continue;
        }
        checked.push((model::Session { open, close }, session.span));
    }
    checked.sort_by_key(|(session, _)| *session);
    // Each session against the one reaching latest among those before it.
    let mut latest: Option<(model::Session, Span)> = None;
    for (session, span) in &checked {
        if let Some((previous, previous_span)) = latest {
            if session.open < previous.close {
                diagnostics.push(
                    Diagnostic::new(
                        Code::OverlappingSessions,
                        *span,
                        "sessions on one day overlap",
                    )
                    .with_label("this session")
                    .with_secondary(previous_span, "overlaps this one")
                    .with_help("make the sessions disjoint, or merge them into one"),
                );
            }
        }
        if latest.is_none_or(|(previous, _)| session.close > previous.close) {
            latest = Some((*session, *span));
        }
    }
    checked.into_iter().map(|(session, _)| session).collect()
}

fn conflict(span: Span, first: Span, message: String) -> Diagnostic {
    Diagnostic::new(Code::ConflictingHours, span, message)
        .with_label("second setting")
        .with_secondary(first, "first set here")
        .with_help("give each day one line, with all its sessions")
}

/// Checks an `hours` block and converts it.
pub fn hours(
    block: &ast::Hours,
    has_calendar: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> model::Hours {
    let mut out = model::Hours::default();
    let mut weekday_lines: [Option<Span>; 7] = [None; 7];
    let mut bank_holiday_line: Option<Span> = None;
    let mut dated_lines: BTreeMap<model::Date, Span> = BTreeMap::new();
    let mut closed_lines: Vec<(model::DateWindow, Span)> = Vec::new();
    let mut all_hours_line: Option<Span> = None;
    for line in &block.lines {
        match line {
            ast::HoursLine::Weekly { days, hours, span } => {
                let first = days.first.node.index();
                let last = days.last.as_ref().map_or(first, |last| last.node.index());
                if last < first {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::DayRangeBackwards,
                            days.span,
                            format!(
                                "day range `{}-{}` runs backwards through the week",
                                days.first.node.as_str(),
                                days.last.as_ref().map_or("", |d| d.node.as_str())
                            ),
                        )
                        .with_help("split it into two lines, e.g. `fri-sun` and `mon`"),
                    );
                    continue;
                }
                let day_sessions = sessions(hours, diagnostics);
                for (idx, day) in ast::Weekday::ALL.iter().enumerate() {
                    if idx < first || idx > last {
                        continue;
                    }
                    if let Some(slot) = weekday_lines.get_mut(idx) {
                        if let Some(previous) = slot {
                            diagnostics.push(conflict(
                                *span,
                                *previous,
                                format!("the hours of `{}` are set twice", day.as_str()),
                            ));
                            continue;
                        }
                        *slot = Some(*span);
                    }
                    if let Some(day_slot) = out.weekly.get_mut(idx) {
                        day_slot.clone_from(&day_sessions);
                    }
                }
            }
            ast::HoursLine::BankHoliday { hours, span } => {
                if let Some(previous) = bank_holiday_line {
                    diagnostics.push(conflict(
                        *span,
                        previous,
                        "`bank_holiday` hours are set twice".to_owned(),
                    ));
                    continue;
                }
                bank_holiday_line = Some(*span);
                if !has_calendar {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::NoCalendar,
                            *span,
                            "`bank_holiday` hours, but the rules tree has no `calendar`",
                        )
                        .with_help(
                            "declare the bank holidays with `calendar name { DATE \"name\" … }`",
                        ),
                    );
                }
                out.bank_holiday = Some(sessions(hours, diagnostics));
            }
            ast::HoursLine::On {
                date: on,
                hours,
                span,
            } => {
                let day_sessions = sessions(hours, diagnostics);
                let Some(day) = date(on, diagnostics) else {
                    continue;
                };
                if let Some(previous) = dated_lines.get(&day) {
                    diagnostics.push(conflict(
                        *span,
                        *previous,
                        format!("the hours of `{day}` are set twice"),
                    ));
                    continue;
                }
                if let Some((_, previous)) = closed_lines.iter().find(|(w, _)| w.contains(day)) {
                    diagnostics.push(conflict(
                        *span,
                        *previous,
                        format!("the hours of `{day}` are set twice"),
                    ));
                    continue;
                }
                dated_lines.insert(day, *span);
                out.dated.insert(day, day_sessions);
            }
            ast::HoursLine::Closed {
                dates,
                because,
                span,
            } => {
                let until = if dates.is_range {
                    dates.end.as_ref()
                } else {
                    Some(&dates.start)
                };
                let Some(closed) = window(&dates.start, until, dates.span, diagnostics) else {
                    continue;
                };
                if let Some((day, previous)) =
                    dated_lines.iter().find(|(day, _)| closed.contains(**day))
                {
                    diagnostics.push(conflict(
                        *span,
                        *previous,
                        format!("the hours of `{day}` are set twice"),
                    ));
                    continue;
                }
                closed_lines.push((closed, *span));
                out.closed
                    .push((closed, because.as_ref().map(|b| b.reason.node.clone())));
            }
            ast::HoursLine::AllHours { span } => {
                if let Some(previous) = all_hours_line {
                    diagnostics.push(conflict(
                        *span,
                        previous,
                        "`all_hours` is given twice".to_owned(),
                    ));
                    continue;
                }
                all_hours_line = Some(*span);
                out.all_hours = true;
            }
        }
    }
    out
}
