//! Completion: keywords, disposition codes with their titles, and the
//! names in scope, chosen by what the line says before the cursor
//! (`route ` wants service types, `dx in ` codes and groups, `catchment `
//! postcode sets, …).
//!
//! Imports: `super::{index, protocol, workspace}`, `crate::source`.

use super::index::{Index, Kind};
use super::protocol::{Completed, Completion};
use super::workspace::Analysis;
use crate::source::FileId;

/// The language's keywords.
pub const KEYWORDS: &[&str] = &[
    "add",
    "age",
    "ages",
    "all_hours",
    "and",
    "area",
    "bank_holiday",
    "because",
    "calendar",
    "catch_all",
    "catchment",
    "channel",
    "channels",
    "closed",
    "dx",
    "extends",
    "from",
    "group",
    "has",
    "hierarchy",
    "hours",
    "id",
    "in",
    "lacks",
    "location",
    "no_search",
    "on",
    "overlay",
    "override",
    "postcode",
    "postcodes",
    "priority",
    "rank",
    "release",
    "remap",
    "remove",
    "requires",
    "responds_within",
    "returns",
    "route",
    "rule",
    "service",
    "service_type",
    "sex",
    "sexes",
    "skill",
    "suspend",
    "type",
    "until",
    "valid",
    "when",
    "within",
];

/// What the cursor's context asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// Names of one kind.
    Names(Kind),
    /// Codes and groups.
    Dispositions,
    /// `111`, `999`, `ooh`.
    Channels,
    /// `female`, `male`.
    Sexes,
    /// What a condition starts with.
    Conditions,
    /// A rule's name, in quotes.
    RuleName,
    /// A service's id, in quotes.
    ServiceId,
    /// Anything: keywords and names.
    Anything,
}

/// What the text of the line before the cursor (the word being typed left
/// out) asks for.
fn wanted(before: &str) -> Wanted {
    let words: Vec<&str> = before
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')'))
        .filter(|word| !word.is_empty())
        .collect();
    let previous = |at: usize| at.checked_sub(1).and_then(|i| words.get(i)).copied();
    for (at, word) in words.iter().enumerate().rev() {
        let wanted = match *word {
            "service_type" if previous(at) == Some("suspend") => Wanted::Names(Kind::ServiceType),
            "route" | "catch_all" | "type" => Wanted::Names(Kind::ServiceType),
            "dx" | "no_search" | "remap" | "->" | ">" | "group" => Wanted::Dispositions,
            "catchment" | "area" => Wanted::Names(Kind::PostcodeSet),
            "requires" | "has" | "lacks" => Wanted::Names(Kind::Skill),
            "extends" => Wanted::Names(Kind::Layer),
            "channel" | "channels" => Wanted::Channels,
            "sex" | "sexes" => Wanted::Sexes,
            "when" | "and" => Wanted::Conditions,
            "rule" if matches!(previous(at), Some("override" | "remove")) => Wanted::RuleName,
            "service" if previous(at) == Some("suspend") => Wanted::ServiceId,
            "{" | "}" | "because" | "priority" | "returns" | "responds_within" => {
                return Wanted::Anything;
            }
            "in" | "=" => continue,
            _ if KEYWORDS.contains(word) => return Wanted::Anything,
            _ => continue,
        };
        return wanted;
    }
    Wanted::Anything
}

/// The completions at byte `offset` of `file`.
pub fn completion(analysis: &Analysis, file: FileId, offset: usize) -> Vec<Completion> {
    let text = analysis.text(file);
    let offset = (0..=offset.min(text.len()))
        .rev()
        .find(|at| text.is_char_boundary(*at))
        .unwrap_or(0);
    let line = text.get(..offset).unwrap_or("");
    let line = line.rsplit('\n').next().unwrap_or(line);
    let typed_start = line
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '"'))
        .map_or(0, |i| i + 1);
    let before = line.get(..typed_start).unwrap_or("");
    let in_comment = line.contains("//");
    if in_comment {
        return Vec::new();
    }
    let index = Index::new(&analysis.files);
    let mut out = Vec::new();
    let names = |kind: Kind, out: &mut Vec<Completion>| {
        for name in index.names(kind) {
            out.push(Completion {
                label: name.to_owned(),
                kind: Completed::Name(kind),
                detail: Some(kind.as_str().to_owned()),
            });
        }
    };
    let values = |list: &[&str], out: &mut Vec<Completion>| {
        out.extend(list.iter().map(|value| Completion {
            label: (*value).to_owned(),
            kind: Completed::Value,
            detail: None,
        }));
    };
    match wanted(before) {
        Wanted::Names(kind) => names(kind, &mut out),
        Wanted::Dispositions => {
            names(Kind::Group, &mut out);
            if let Some(catalogue) = analysis.catalogue() {
                out.extend(catalogue.dispositions().iter().map(|d| Completion {
                    label: d.code.clone(),
                    kind: Completed::Code,
                    detail: Some(d.title.clone()),
                }));
            }
        }
        Wanted::Channels => values(&["111", "999", "ooh"], &mut out),
        Wanted::Sexes => values(&["female", "male"], &mut out),
        Wanted::Conditions => values(&["dx", "channel", "age", "sex"], &mut out),
        Wanted::RuleName => {
            for name in index.names(Kind::Rule) {
                out.push(Completion {
                    label: format!("\"{name}\""),
                    kind: Completed::Name(Kind::Rule),
                    detail: Some("rule".into()),
                });
            }
        }
        Wanted::ServiceId => {
            for id in index.names(Kind::Service) {
                out.push(Completion {
                    label: format!("\"{id}\""),
                    kind: Completed::Name(Kind::Service),
                    detail: Some("service".into()),
                });
            }
        }
        Wanted::Anything => {
            out.extend(KEYWORDS.iter().map(|keyword| Completion {
                label: (*keyword).to_owned(),
                kind: Completed::Keyword,
                detail: None,
            }));
            for kind in [
                Kind::ServiceType,
                Kind::Group,
                Kind::PostcodeSet,
                Kind::Skill,
                Kind::Hierarchy,
                Kind::Layer,
            ] {
                names(kind, &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_before_the_cursor_says_what_is_wanted() {
        assert_eq!(wanted("  route "), Wanted::Names(Kind::ServiceType));
        assert_eq!(wanted("  route gp_ooh, "), Wanted::Names(Kind::ServiceType));
        assert_eq!(wanted("  when dx in ("), Wanted::Dispositions);
        assert_eq!(wanted("  when dx = Dx05 and "), Wanted::Conditions);
        assert_eq!(
            wanted("  when dx = Dx05 and channel in ("),
            Wanted::Channels
        );
        assert_eq!(wanted("  catchment SO, "), Wanted::Names(Kind::PostcodeSet));
        assert_eq!(wanted("  remove rule "), Wanted::RuleName);
        assert_eq!(wanted("  suspend service "), Wanted::ServiceId);
        assert_eq!(
            wanted("  suspend service_type "),
            Wanted::Names(Kind::ServiceType)
        );
        assert_eq!(wanted(""), Wanted::Anything);
        assert_eq!(wanted("overlay x extends "), Wanted::Names(Kind::Layer));
    }
}
