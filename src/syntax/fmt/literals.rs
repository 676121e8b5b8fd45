//! Literals back to text in their written form: strings (quoted and
//! escaped), disposition codes, postcode units, dates and date ranges,
//! times, opening-hours sessions, durations and ages.
//!
//! Imports: `crate::syntax::ast`.

use crate::syntax::ast;

/// Joins strings with a separator.
pub(super) fn join(parts: impl Iterator<Item = String>, separator: &str) -> String {
    parts.collect::<Vec<_>>().join(separator)
}

/// A string literal, quoted and escaped.
pub(super) fn string(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            text.push('\\');
        }
        text.push(c);
    }
    text.push('"');
    text
}

/// Appends ` "label"` if there is a label.
pub(super) fn push_label(text: &mut String, label: Option<&ast::Name>) {
    if let Some(label) = label {
        text.push(' ');
        text.push_str(&string(&label.node));
    }
}

/// Appends ` because "reason"` if there is a reason.
pub(super) fn push_because(text: &mut String, because: Option<&ast::Because>) {
    if let Some(because) = because {
        text.push_str(" because ");
        text.push_str(&string(&because.reason.node));
    }
}

/// A disposition code or group name.
pub(super) fn dx_ref(target: &ast::DxRef) -> String {
    match target {
        ast::DxRef::Code(name) | ast::DxRef::Group(name) => name.node.clone(),
    }
}

/// A postcode unit as written.
pub(super) fn postcode(unit: &ast::PostcodeRef) -> String {
    match unit {
        ast::PostcodeRef::Unit(unit) => unit.text.clone(),
        ast::PostcodeRef::Range(range) => format!("{}..{}", range.start.text, range.end.text),
        ast::PostcodeRef::Set(name) => name.node.clone(),
    }
}

/// `2020-05-08`.
pub(super) fn date(value: &ast::Date) -> String {
    format!("{:04}-{:02}-{:02}", value.year, value.month, value.day)
}

/// `2020-03-23..2020-07-04`, `2020-03-23..`, or a single date.
pub(super) fn date_range(range: &ast::DateRange) -> String {
    if !range.is_range {
        return date(&range.start);
    }
    match &range.end {
        Some(end) => format!("{}..{}", date(&range.start), date(end)),
        None => format!("{}..", date(&range.start)),
    }
}

/// `08:30`.
fn time(value: &ast::Time) -> String {
    format!("{:02}:{:02}", value.hour, value.minute)
}

/// `closed` or `08:30-13:00, 14:00-18:00`.
pub(super) fn day_hours(hours: &ast::DayHours) -> String {
    match hours {
        ast::DayHours::Closed(_) => "closed".to_owned(),
        ast::DayHours::Sessions(sessions) => join(
            sessions
                .iter()
                .map(|session| format!("{}-{}", time(&session.open), time(&session.close))),
            ", ",
        ),
    }
}

/// `30m`, `2h`, `5d`.
pub(super) fn duration(value: &ast::Duration) -> String {
    format!("{}{}", value.value, value.unit.suffix())
}

/// `16`, `16y`, `6mo`, `28d`: the suffix only if one was written.
pub(super) fn age(value: &ast::Age) -> String {
    if value.explicit_unit {
        format!("{}{}", value.value, value.unit.suffix())
    } else {
        value.value.to_string()
    }
}

/// `0..15`, `6mo..`.
pub(super) fn age_range(range: &ast::AgeRange) -> String {
    match &range.end {
        Some(end) => format!("{}..{}", age(&range.start), age(end)),
        None => format!("{}..", age(&range.start)),
    }
}
