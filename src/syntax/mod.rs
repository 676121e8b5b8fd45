//! Text to syntax tree, and syntax tree back to text.
//!
//! [`parse`] turns one file into an [`ast::File`] and its syntax
//! diagnostics. It never fails: after a syntax error it resumes at the next
//! line that starts (in column 0) with a top-level keyword, so one run
//! reports every broken item, not just the first. Files over
//! [`MAX_FILE_BYTES`] are refused with a diagnostic; the grammar has no
//! recursion, so nesting cannot overflow the stack, and pest's call limit
//! bounds the time spent on any input. `// dxmap: allow` comments are read
//! from the text by `allows` and attached to the items they stand above.
//!
//! Imports: `crate::source`, `crate::diagnostics`. Only `grammar.rs` and
//! `lower/` name pest.

mod allows;
pub mod ast;
pub mod fmt;
mod grammar;
mod lower;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The largest file dxmap reads (8 MiB).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// Most syntax errors reported for one file before giving up on it.
const MAX_SYNTAX_ERRORS: usize = 50;

/// Keywords that may start a top-level item: where parsing resumes.
const TOP_LEVEL_KEYWORDS: &[&str] = &[
    "release",
    "skill",
    "has",
    "calendar",
    "service_type",
    "group",
    "rule",
    "no_search",
    "catch_all",
    "hierarchy",
    "postcodes",
    "service",
    "overlay",
];

/// [`parse`] of each file, in the order given, on two threads: the files
/// are cut once, where half their bytes are behind, so the work is split
/// the same way on every run and the results come back in file order.
pub fn parse_all(files: &[(FileId, &str)]) -> Vec<(ast::File, Vec<Diagnostic>)> {
    let total: usize = files.iter().map(|(_, text)| text.len()).sum();
    let mut behind = 0usize;
    let cut = files
        .iter()
        .position(|(_, text)| {
            behind += text.len();
            behind * 2 >= total
        })
        .map_or(files.len(), |at| at + 1);
    let (first, second) = files.split_at(cut.min(files.len()));
    let parse_each = |part: &[(FileId, &str)]| -> Vec<(ast::File, Vec<Diagnostic>)> {
        part.iter().map(|(file, text)| parse(*file, text)).collect()
    };
    if first.is_empty() || second.is_empty() {
        return parse_each(files);
    }
    std::thread::scope(|scope| {
        let later = scope.spawn(|| parse_each(second));
        let mut parsed = parse_each(first);
        match later.join() {
            Ok(rest) => parsed.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        parsed
    })
}

/// Parses one file. The tree holds every item that parsed; the diagnostics
/// say what did not.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let whole = Span::new(file, 0, u32::try_from(text.len()).unwrap_or(u32::MAX));
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    if text.len() > MAX_FILE_BYTES {
        diagnostics.push(Diagnostic::new(
            Code::FileTooLarge,
            Span::new(file, 0, 0),
            format!(
                "file is {} bytes, more than the {} dxmap reads",
                text.len(),
                MAX_FILE_BYTES
            ),
        ));
        return (
            ast::File {
                items,
                allows: Vec::new(),
                span: whole,
            },
            diagnostics,
        );
    }
    let mut start = 0usize;
    loop {
        let rest = text.get(start..).unwrap_or("");
        match lower::parse_items(file, start, rest) {
            Ok((mut parsed, mut lowered)) => {
                items.append(&mut parsed);
                diagnostics.append(&mut lowered);
                break;
            }
            Err(error) => {
                let error_at = error.offset;
                diagnostics.push(*error.diagnostic);
                if diagnostics.len() >= MAX_SYNTAX_ERRORS {
                    break;
                }
                // Keep what parsed before the error: re-parse the prefix up to
                // the start of the broken item.
                match resume_point(text, error_at) {
                    Some(next) => {
                        if let Some(prefix) = text.get(start..item_start(text, start, error_at)) {
                            if let Ok((mut parsed, mut lowered)) =
                                lower::parse_items(file, start, prefix)
                            {
                                items.append(&mut parsed);
                                diagnostics.append(&mut lowered);
                            }
                        }
                        start = next;
                    }
                    None => {
                        if let Some(prefix) = text.get(start..item_start(text, start, error_at)) {
                            if let Ok((mut parsed, mut lowered)) =
                                lower::parse_items(file, start, prefix)
                            {
                                items.append(&mut parsed);
                                diagnostics.append(&mut lowered);
                            }
                        }
                        break;
                    }
                }
            }
        }
    }
    let (allows, mut allow_errors) = allows::find(file, text, &items);
    diagnostics.append(&mut allow_errors);
    (
        ast::File {
            items,
            allows,
            span: whole,
        },
        diagnostics,
    )
}

/// Whether the line starting at `offset` begins, in column 0, with a
/// top-level keyword.
fn starts_item(text: &str, offset: usize) -> bool {
    let line = text.get(offset..).unwrap_or("");
    TOP_LEVEL_KEYWORDS.iter().any(|keyword| {
        line.strip_prefix(keyword).is_some_and(|after| {
            after
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// The first line start after `offset` that begins a top-level item.
fn resume_point(text: &str, offset: usize) -> Option<usize> {
    let mut pos = offset;
    while let Some(newline) = text.get(pos..).and_then(|rest| rest.find('\n')) {
        pos += newline + 1;
        if starts_item(text, pos) {
            return Some(pos);
        }
    }
    None
}

/// The start of the top-level item containing `offset` (at or after `start`).
fn item_start(text: &str, start: usize, offset: usize) -> usize {
    let mut best = start;
    let mut pos = start;
    loop {
        if pos > offset {
            break;
        }
        if starts_item(text, pos) {
            best = pos;
        }
        match text.get(pos..).and_then(|rest| rest.find('\n')) {
            Some(newline) => pos += newline + 1,
            None => break,
        }
    }
    best
}

/// The canonical form of one file's `text` (`dxmap fmt`), proved to mean
/// what the text means: `None` with the syntax errors when the text does
/// not parse (warnings are dropped), or with an internal error when the
/// formatted text would parse to a different tree.
pub fn reformat(file: FileId, text: &str) -> (Option<String>, Vec<Diagnostic>) {
    let (parsed, syntax_errors) = parse(file, text);
    if syntax_errors.iter().any(Diagnostic::is_error) {
        return (None, syntax_errors);
    }
    let formatted = fmt::format(text, &parsed);
    let (reparsed, reparse_errors) = parse(file, &formatted);
    if !reparse_errors.is_empty() || erase_spans(&reparsed) != erase_spans(&parsed) {
        let internal = Diagnostic::new(
            Code::Internal,
            Span::new(file, 0, 0),
            "internal error, please report: formatting would change this file's meaning",
        )
        .with_help("the file was left unchanged");
        return (None, vec![internal]);
    }
    (Some(formatted), Vec::new())
}

/// The tree's text form with every span erased: two files mean the same
/// exactly when these are equal. Used to prove `fmt` changes no meaning.
pub fn erase_spans(file: &ast::File) -> String {
    let debug = format!("{:?}", file.items);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    const MARK: &str = "Span { file: FileId(";
    while let Some(at) = rest.find(MARK) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at..).unwrap_or("");
        match after.find(" }") {
            Some(end) => {
                out.push_str("Span");
                rest = after.get(end + 2..).unwrap_or("");
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<Code> {
        parse(FileId(0), text).1.iter().map(|d| d.code).collect()
    }

    #[test]
    fn reformat_gives_the_canonical_text_or_the_syntax_errors() {
        let (formatted, found) = reformat(FileId(0), "skill   interpreter   \"Interpreter\"\n\n\n");
        assert_eq!(
            formatted.as_deref(),
            Some("skill interpreter \"Interpreter\"\n")
        );
        assert!(found.is_empty(), "{found:?}");
        let (formatted, found) = reformat(FileId(0), "skill {\n");
        assert_eq!(formatted, None);
        assert!(found.iter().any(Diagnostic::is_error), "{found:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("rule \"A\" {}", "{".repeat(100_000));
        assert_eq!(codes(&text), vec![Code::Syntax]);
        let text = format!("group a = {}", "(".repeat(100_000));
        assert_eq!(codes(&text), vec![Code::Syntax]);
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let text = " ".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(codes(&text), vec![Code::FileTooLarge]);
    }

    #[test]
    fn too_many_items_is_an_error() {
        let text = "has a\n".repeat(50_001);
        assert_eq!(codes(&text), vec![Code::TooManyItems]);
    }

    #[test]
    fn every_broken_item_is_reported_and_the_rest_kept() {
        let text = "group a = Dx05\nrule \"A\" { when dx = }\ngroup b = Dx06\nrule \"B\" { route }\ngroup c = Dx07\n";
        let (file, found) = parse(FileId(0), text);
        assert_eq!(found.len(), 2, "{found:?}");
        let groups: Vec<&str> = file
            .items
            .iter()
            .filter_map(|item| match item {
                ast::Item::Group(group) => Some(group.name.node.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(groups, vec!["a", "b", "c"]);
    }

    #[test]
    fn spans_end_at_the_last_token() {
        let text = "rule \"A\" {\n  when dx = Dx05   // trailing\n  route gp_ooh\n}\n";
        let (file, _) = parse(FileId(0), text);
        let Some(ast::Item::Rule(rule)) = file.items.first() else {
            panic!("no rule parsed");
        };
        let Some(ast::RuleClause::When(when)) = rule.clauses.first() else {
            panic!("no when clause");
        };
        let start = usize::try_from(when.span.start).unwrap();
        let end = usize::try_from(when.span.end).unwrap();
        assert_eq!(&text[start..end], "when dx = Dx05");
    }
}
