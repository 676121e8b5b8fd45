//! `// dxmap: allow CODE[, CODE…] because "…"` comments, read from the
//! source text (the parser drops comments) and attached to the item,
//! statement or block that starts on the first line after them. Other
//! comments may stand between; a blank line detaches an allow. The codes
//! are checked against the registry here (unknown, or never allowable);
//! which findings an allow silences is decided by the checker.
//!
//! Imports: `super::ast`, `crate::diagnostics`, `crate::source`.

use super::ast;
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

/// What marks an allow comment, after `//`.
const MARK: &str = "dxmap:";

/// Finds the allow comments of a file and attaches each to its item.
pub(super) fn find(
    file: FileId,
    text: &str,
    items: &[ast::Item],
) -> (Vec<ast::Allow>, Vec<Diagnostic>) {
    let mut targets = Vec::new();
    for item in items {
        item_spans(item, &mut targets);
    }
    let mut allows = Vec::new();
    let mut found = Vec::new();
    let lines = line_starts(text);
    for (idx, &start) in lines.iter().enumerate() {
        let line = text
            .get(start..)
            .and_then(|rest| rest.split('\n').next())
            .unwrap_or("");
        let indent = line.len() - line.trim_start().len();
        let Some(body) = line.trim_start().strip_prefix("//") else {
            continue;
        };
        let Some(rest) = body.trim_start().strip_prefix(MARK) else {
            continue;
        };
        let comment_start = start + indent;
        let span = to_span(file, comment_start, comment_start + line.trim().len());
        let rest_at = comment_start + line.trim_start().len() - rest.len();
        let parsed = match parse(file, rest, rest_at) {
            Ok(parsed) => parsed,
            Err(message) => {
                found.push(malformed(span, message));
                continue;
            }
        };
        let Some(target_at) = next_code_line(text, &lines, idx) else {
            found.push(
                malformed(span, "this allow is not directly above an item".to_owned()).with_help(
                    "put it on the line directly above the item, with no blank line between",
                ),
            );
            continue;
        };
        let target = targets
            .iter()
            .filter(|s| usize::try_from(s.start).ok() == Some(target_at))
            .max_by_key(|s| s.end);
        let Some(target) = target.copied() else {
            found.push(
                malformed(span, "this allow is not directly above an item".to_owned())
                    .with_help("put it directly above a rule, service, statement or block"),
            );
            continue;
        };
        let mut codes = Vec::new();
        for code in parsed.codes {
            match Code::lookup(&code.node) {
                None => {
                    let candidates = Code::ALL
                        .iter()
                        .filter(|c| c.allowable())
                        .flat_map(|c| [c.id(), c.name()]);
                    let help = match did_you_mean(&code.node, candidates) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "use the id (`DX0504`) or name (`route-too-slow`) that `dxmap check` prints".to_owned(),
                    };
                    found.push(
                        Diagnostic::new(
                            Code::UnknownCode,
                            code.span,
                            format!("`{}` is not a diagnostic code", code.node),
                        )
                        .with_help(help),
                    );
                }
                Some(known) if !known.allowable() => found.push(
                    Diagnostic::new(
                        Code::NotAllowable,
                        code.span,
                        format!("`{}` ({}) may not be allowed", known.id(), known.name()),
                    )
                    .with_help("only warnings, coverage gaps, slow routes and reach findings may be allowed: fix this one"),
                ),
                Some(_) => codes.push(code),
            }
        }
        allows.push(ast::Allow {
            codes,
            because: parsed.because,
            target,
            span,
        });
    }
    (allows, found)
}

fn malformed(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(Code::MalformedAllow, span, message)
        .with_help("write `// dxmap: allow DX0504 because \"…\"` directly above the item")
}

fn to_span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(
        file,
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    )
}

/// The byte offset of the start of every line.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .filter(|at| *at < text.len())
        .collect()
}

/// The offset of the first code on the lines after line `idx`, skipping
/// comment lines; `None` when a blank line (or the end) comes first.
fn next_code_line(text: &str, lines: &[usize], idx: usize) -> Option<usize> {
    for &start in lines.iter().skip(idx + 1) {
        let line = text.get(start..).and_then(|rest| rest.split('\n').next())?;
        let trimmed = line.trim_start();
        if trimmed.trim().is_empty() {
            return None;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        return Some(start + line.len() - trimmed.len());
    }
    None
}

/// An allow's codes and reason, as written.
struct Parsed {
    codes: Vec<ast::Name>,
    because: ast::Name,
}

/// Reads ` allow CODE, CODE because "…"`; `at` is the offset of `rest`.
fn parse(file: FileId, rest: &str, at: usize) -> Result<Parsed, String> {
    fn skip_space(rest: &str, pos: &mut usize) {
        while rest.get(*pos..).is_some_and(|r| r.starts_with([' ', '\t'])) {
            *pos += 1;
        }
    }
    fn word<'a>(rest: &'a str, pos: &mut usize) -> &'a str {
        let from = *pos;
        let tail = rest.get(from..).unwrap_or("");
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(tail.len());
        *pos += len;
        tail.get(..len).unwrap_or("")
    }
    let mut pos = 0;
    skip_space(rest, &mut pos);
    if word(rest, &mut pos) != "allow" {
        return Err("a `// dxmap:` comment must say `allow`".to_owned());
    }
    let mut codes = Vec::new();
    loop {
        skip_space(rest, &mut pos);
        let from = pos;
        let code = word(rest, &mut pos);
        if code.is_empty() || code == "because" {
            return Err("`allow` needs at least one code before `because`".to_owned());
        }
        codes.push(Spanned::new(
            code.to_owned(),
            to_span(file, at + from, at + pos),
        ));
        skip_space(rest, &mut pos);
        if rest.get(pos..).is_some_and(|r| r.starts_with(',')) {
            pos += 1;
            continue;
        }
        break;
    }
    if word(rest, &mut pos) != "because" {
        return Err("an allow needs `because \"…\"`: say why the finding is accepted".to_owned());
    }
    skip_space(rest, &mut pos);
    let from = pos;
    let Some(body) = rest.get(pos..).and_then(|r| r.strip_prefix('"')) else {
        return Err("`because` needs a reason in double quotes".to_owned());
    };
    let mut reason = String::new();
    let mut chars = body.char_indices();
    let mut closed = None;
    while let Some((offset, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    reason.push(escaped);
                }
            }
            '"' => {
                closed = Some(offset);
                break;
            }
            _ => reason.push(c),
        }
    }
    let Some(close) = closed else {
        return Err("the reason is not closed with `\"`".to_owned());
    };
    pos = from + 1 + close + 1;
    if !rest.get(pos..).unwrap_or("").trim().is_empty() {
        return Err("unexpected text after the reason".to_owned());
    }
    if reason.trim().is_empty() {
        return Err("the reason of an allow is empty".to_owned());
    }
    Ok(Parsed {
        codes,
        because: Spanned::new(reason, to_span(file, at + from, at + pos)),
    })
}

/// The spans an allow may be attached to: items, overlay items, clauses
/// and lines of hours.
fn item_spans(item: &ast::Item, out: &mut Vec<Span>) {
    out.push(item.span());
    match item {
        ast::Item::ServiceType(service_type) => {
            out.extend(
                service_type
                    .clauses
                    .iter()
                    .map(ast::ServiceTypeClause::span),
            );
        }
        ast::Item::Rule(rule) => rule_spans(rule, out),
        ast::Item::Service(service) => service_spans(service, out),
        ast::Item::Calendar(calendar) => out.extend(calendar.holidays.iter().map(|h| h.span)),
        ast::Item::Overlay(overlay) => {
            for overlay_item in &overlay.items {
                out.push(overlay_item.span());
                match overlay_item {
                    ast::OverlayItem::Override(rule) | ast::OverlayItem::Add(rule) => {
                        rule_spans(rule, out);
                    }
                    ast::OverlayItem::Service(service) => service_spans(service, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn rule_spans(rule: &ast::Rule, out: &mut Vec<Span>) {
    out.push(rule.span);
    out.extend(rule.clauses.iter().map(ast::RuleClause::span));
}

fn service_spans(service: &ast::Service, out: &mut Vec<Span>) {
    out.push(service.span);
    for clause in &service.clauses {
        out.push(clause.span());
        if let ast::ServiceClause::Hours(hours) = clause {
            out.extend(hours.lines.iter().map(ast::HoursLine::span));
        }
    }
}
