//! Syntax errors: a pest error turned into one diagnostic, with a message
//! that says what was found and what was expected ("unexpected `}`,
//! expected a string") and help for the commonest slips (single quotes,
//! `==`, spaces around `..`, full postcodes, keywords used as names).
//!
//! Imports: `super` (the `Lower` state and `SyntaxError`),
//! `crate::syntax::grammar`, `crate::source`, `crate::diagnostics`.

use super::{Lower, SyntaxError};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::grammar::{describe, Rule};

impl Lower {
    pub(super) fn syntax_error(&self, text: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
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
                // Where units are listed a set name may stand too; the
                // units are what people expect to read about.
                let lists_units = positives.contains(&Rule::postcode_unit);
                let mut expected: Vec<String> = positives
                    .iter()
                    .filter(|r| !(lists_units && **r == Rule::ident))
                    .map(|r| describe(*r))
                    .collect();
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
    let after_unit = before
        .rsplit([' ', ','])
        .next()
        .is_some_and(|unit| unit.starts_with(|c: char| c.is_ascii_uppercase()));
    if rest.starts_with("..") && after_unit {
        return Some(
            "district ranges (`PL10..PL15`) are written in a set, `postcodes NAME = PL10..PL15`; name the set here"
                .to_owned(),
        );
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
    "postcodes",
    "postcode",
    "within",
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
