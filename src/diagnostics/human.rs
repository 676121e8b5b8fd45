//! Human rendering with miette: file:line:column, the source excerpt, labels
//! and help, at a fixed width so that snapshots are stable.
//!
//! Imports: `super`, `crate::source`, miette.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use std::collections::BTreeMap;

use super::{Code, Counts, Diagnostic, Findings, Head, Visit};
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// The width diagnostics are wrapped at.
pub const WIDTH: usize = 100;

/// A file as miette reads it, borrowed. An excerpt is read from the line
/// where it starts, found in the file's line index, rather than from the
/// top of the file: thousands of diagnostics in one large file would
/// otherwise take time in the product of the two.
#[derive(Debug)]
struct Source<'a> {
    name: &'a str,
    file: Option<&'a SourceFile>,
}

/// Lines longer than this (in bytes) are shown as a window around the
/// label, without context lines: a 1 MB line is not printed whole for each
/// finding on it.
const LONG_LINE: usize = 240;

/// How much of a long line is shown either side of a label (bytes).
const WINDOW_MARGIN: usize = 60;

impl Source<'_> {
    /// For a span on a long line: that line cut to a window around the
    /// span, as miette reads an excerpt.
    fn long_line_window(&self, span: &SourceSpan) -> Option<Box<dyn SpanContents<'_> + '_>> {
        let file = self.file?;
        let text = file.text.as_str();
        let offset = span.offset().min(text.len());
        let end = (offset + span.len()).min(text.len());
        let line_start = text.get(..offset)?.rfind('\n').map_or(0, |at| at + 1);
        let line_end = text
            .get(offset..)?
            .find('\n')
            .map_or(text.len(), |at| offset + at);
        if line_end - line_start <= LONG_LINE || end > line_end {
            return None;
        }
        let mut from = offset.saturating_sub(WINDOW_MARGIN).max(line_start);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (end + WINDOW_MARGIN).min(line_end);
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let data = text.get(from..to)?;
        let line = text.get(..line_start)?.matches('\n').count();
        let column = text.get(line_start..offset)?.chars().count();
        Some(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            data.as_bytes(),
            SourceSpan::new(from.into(), to - from),
            line,
            column,
            1,
        )))
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.file.map_or("", |file| file.text.as_str());
        if let Some(window) = self.long_line_window(span) {
            return Ok(window);
        }
        // From a line above the excerpt: miette reads a span of no length
        // at the very start of its input differently from one further in.
        let (lines_above, from) = self
            .file
            .and_then(|file| file.excerpt_start(span.offset(), context_lines_before + 1))
            .unwrap_or((0, 0));
        let rest = text.as_bytes().get(from..).unwrap_or_default();
        let within = SourceSpan::new(span.offset().saturating_sub(from).into(), span.len());
        // miette reads the rest of the file from that line; its lines and
        // offsets are then counted from the top again.
        let contents = rest.read_span(&within, context_lines_before, context_lines_after)?;
        let read = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            contents.data(),
            SourceSpan::new((read.offset() + from).into(), read.len()),
            contents.line() + lines_above,
            contents.column(),
            contents.line_count() + lines_above,
        )))
    }
}

/// A diagnostic with its file, in the shape miette renders.
#[derive(Debug)]
struct Report<'a> {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Source<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn named_source(sources: &SourceMap, span: Span) -> Source<'_> {
    let file = sources.get(span.file);
    Source {
        name: file.map_or("<unknown>", |file| file.name.as_str()),
        file,
    }
}

fn source_span(span: Span) -> miette::SourceSpan {
    let start = usize::try_from(span.start).unwrap_or(0);
    let len = usize::try_from(span.len()).unwrap_or(0);
    (start, len).into()
}

fn report<'a>(diagnostic: &Diagnostic, sources: &'a SourceMap) -> Report<'a> {
    let file = diagnostic.primary.span.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        diagnostic.primary.message.as_deref().map(escaped),
        source_span(diagnostic.primary.span),
    )];
    let mut related = Vec::new();
    for label in &diagnostic.secondary {
        if label.span.file == file {
            labels.push(LabeledSpan::new_with_span(
                label.message.as_deref().map(escaped),
                source_span(label.span),
            ));
        } else {
            related.push(Report {
                code: "",
                severity: miette::Severity::Advice,
                message: escaped(label.message.as_deref().unwrap_or_default()),
                help: None,
                source: named_source(sources, label.span),
                labels: vec![LabeledSpan::new_primary_with_span(
                    None,
                    source_span(label.span),
                )],
                related: Vec::new(),
            });
        }
    }
    Report {
        code: diagnostic.code.id(),
        severity: match diagnostic.severity() {
            super::Severity::Error => miette::Severity::Error,
            super::Severity::Warning => miette::Severity::Warning,
        },
        message: format!(
            "{} [{}]",
            escaped(&diagnostic.message),
            diagnostic.code.name()
        ),
        help: diagnostic.help.as_deref().map(escaped),
        source: named_source(sources, diagnostic.primary.span),
        labels,
        related,
    }
}

/// Whether a character may not be echoed to a terminal as it is: control
/// characters (an escape sequence could rewrite the screen) and the
/// bidirectional overrides and isolates (they reorder what a reviewer
/// reads, "Trojan Source").
fn unsafe_to_echo(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Text from the rules as a message may quote it: each character unsafe to
/// echo written as its escape (`\u{202e}`).
pub(crate) fn escaped(text: &str) -> String {
    if !text.chars().any(unsafe_to_echo) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if unsafe_to_echo(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The files as excerpts show them: each character unsafe to echo replaced
/// by one of the same length in bytes (`?` or U+FFFD), so that every span
/// still points where it did. Borrowed when no file has one.
fn shown(sources: &SourceMap) -> std::borrow::Cow<'_, SourceMap> {
    let dirty = sources
        .iter()
        .any(|(_, file)| file.text.chars().any(unsafe_to_echo));
    if !dirty {
        return std::borrow::Cow::Borrowed(sources);
    }
    let mut clean = SourceMap::new();
    for (_, file) in sources.iter() {
        let text: String = file
            .text
            .chars()
            .map(|c| match (unsafe_to_echo(c), c.len_utf8()) {
                (false, _) => c.to_string(),
                (true, 1) => "?".to_owned(),
                (true, 2) => "??".to_owned(),
                (true, _) => "\u{FFFD}".to_owned(),
            })
            .collect();
        clean.add(file.name.clone(), text);
    }
    std::borrow::Cow::Owned(clean)
}

/// Renders one diagnostic; `color` selects the coloured theme. Characters
/// of the rules that could rewrite a terminal or reorder text are escaped.
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let sources = shown(sources);
    render_shown(diagnostic, &sources, color)
}

fn render_shown(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(WIDTH);
    let mut out = String::new();
    if handler
        .render_report(&mut out, &report(diagnostic, sources))
        .is_err()
    {
        // Rendering into a String cannot fail; keep the essentials if it does.
        out = format!("{}: {}\n", diagnostic.code.id(), diagnostic.message);
    }
    out
}

/// How many findings of one code in one file are shown in full.
pub const FULL_PER_FILE_AND_CODE: usize = 5;

/// How many more of them are shown on one line each before the rest are
/// counted ("… and N more like this").
pub const LINES_PER_FILE_AND_CODE: usize = 45;

/// Renders all diagnostics (already sorted) and a closing summary line.
/// Repeated findings fold: of one code in one file, the first
/// [`FULL_PER_FILE_AND_CODE`] in full, the next [`LINES_PER_FILE_AND_CODE`]
/// on one line each, then a count; when anything folded, a summary per
/// code ends the output. (4,000 unknown codes on one long line print a
/// few screens, not hundreds of megabytes.)
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut folding = Folding::new(sources, color);
    for diagnostic in diagnostics {
        folding.visit(Head::of(diagnostic), Some(diagnostic));
    }
    folding.finish(Counts::of(diagnostics))
}

/// [`render_all`] for a run's findings: only those shown are made whole.
pub fn render_findings(findings: &Findings, sources: &SourceMap, color: bool) -> String {
    let mut folding = Folding::new(sources, color);
    findings.visit(&mut folding);
    folding.finish(findings.counts())
}

/// [`render_all`]'s walk: what has been shown of each (file, code).
struct Folding<'a> {
    sources: std::borrow::Cow<'a, SourceMap>,
    color: bool,
    out: String,
    /// Findings not allowed so far, per (file, code).
    seen: BTreeMap<(FileId, Code), usize>,
    /// Per code: its name and total.
    per_code: BTreeMap<&'static str, (&'static str, usize)>,
    folded_any: bool,
    /// The (file, code) of the last finding not allowed.
    last: Option<(FileId, Code)>,
}

impl<'a> Folding<'a> {
    fn new(sources: &'a SourceMap, color: bool) -> Folding<'a> {
        Folding {
            sources: shown(sources),
            color,
            out: String::new(),
            seen: BTreeMap::new(),
            per_code: BTreeMap::new(),
            folded_any: false,
            last: None,
        }
    }

    /// After the last finding of a run of one (file, code), how many of
    /// it were not shown.
    fn end_of_run(&mut self, (file, code): (FileId, Code)) {
        let count = self.seen.get(&(file, code)).copied().unwrap_or(0);
        let limit = FULL_PER_FILE_AND_CODE + LINES_PER_FILE_AND_CODE;
        if count > limit {
            self.out.push_str(&format!(
                "  … and {} more like this ({} {}) in {}\n\n",
                count - limit,
                code.id(),
                code.name(),
                escaped(self.sources.name(file))
            ));
        }
    }

    fn finish(mut self, counts: Counts) -> String {
        if let Some(last) = self.last.take() {
            self.end_of_run(last);
        }
        if self.folded_any {
            self.out.push_str("by code:\n");
            for (code, (name, total)) in &self.per_code {
                self.out.push_str(&format!("  {code} {name}: {total}\n"));
            }
        }
        self.out.push_str(&summary(counts));
        self.out.push('\n');
        self.out
    }
}

impl Visit for Folding<'_> {
    fn wants(&self, head: &Head) -> bool {
        let count = self
            .seen
            .get(&(head.span.file, head.code))
            .copied()
            .unwrap_or(0);
        !head.allowed && count < FULL_PER_FILE_AND_CODE + LINES_PER_FILE_AND_CODE
    }

    fn visit(&mut self, head: Head, full: Option<&Diagnostic>) {
        if head.allowed {
            return;
        }
        let key = (head.span.file, head.code);
        if let Some(last) = self.last.filter(|last| *last != key) {
            self.end_of_run(last);
        }
        self.last = Some(key);
        let count = self.seen.entry(key).or_insert(0);
        *count += 1;
        let count = *count;
        self.per_code
            .entry(head.code.id())
            .or_insert((head.code.name(), 0))
            .1 += 1;
        if count > FULL_PER_FILE_AND_CODE {
            self.folded_any = true;
        }
        let Some(diagnostic) = full else {
            return;
        };
        if count <= FULL_PER_FILE_AND_CODE {
            self.out
                .push_str(&render_shown(diagnostic, &self.sources, self.color));
            self.out.push('\n');
        } else if count <= FULL_PER_FILE_AND_CODE + LINES_PER_FILE_AND_CODE {
            self.out.push_str(&one_line(diagnostic, &self.sources));
            self.out.push('\n');
        }
    }
}

/// One line for a folded finding: code, place, message.
fn one_line(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let span = diagnostic.primary.span;
    let (line, column) = sources
        .get(span.file)
        .map_or((0, 0), |file| file.line_col(span.start));
    format!(
        "  {} {}:{line}:{column}: {}",
        diagnostic.code.id(),
        escaped(sources.name(span.file)),
        escaped(&diagnostic.message)
    )
}

pub fn summary(counts: Counts) -> String {
    fn plural(n: usize, word: &str) -> String {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    }
    let found = match (counts.errors, counts.warnings) {
        (0, 0) => "no problems found".to_owned(),
        (errors, 0) => plural(errors, "error"),
        (0, warnings) => plural(warnings, "warning"),
        (errors, warnings) => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    };
    match counts.allowed {
        0 => found,
        allowed => format!(
            "{found}; {} allowed by `// dxmap: allow` (see `--format json`)",
            plural(allowed, "finding")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading an excerpt from the line index gives what miette reads from
    /// the whole file, for every span, context and kind of line ending.
    #[test]
    fn excerpts_read_from_the_line_index_are_miettes() {
        let lines: Vec<String> = (0..12)
            .map(|n| format!("line {n} {}", "x".repeat(n)))
            .collect();
        for text in [
            lines.join("\n"),
            lines.join("\n") + "\n",
            format!("\n\n{}\n\n", lines.join("\n")),
            lines.join("\r\n"),
            lines.join("\r"),
            String::new(),
        ] {
            let mut sources = SourceMap::new();
            let file = sources.add("f.dxm", text.as_str());
            let ours = named_source(&sources, Span::new(file, 0, 0));
            let whole = miette::NamedSource::new("f.dxm", text.clone());
            // Spans within the text, as diagnostics' are (miette panics on
            // some beyond it).
            for offset in 0..=text.len() {
                for len in [0, 1, 7, 30]
                    .into_iter()
                    .filter(|len| offset + len <= text.len())
                {
                    for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0)] {
                        let span = SourceSpan::new(offset.into(), len);
                        let got = ours.read_span(&span, before, after);
                        let want = whole.read_span(&span, before, after);
                        let (got, want) = match (got, want) {
                            (Ok(got), Ok(want)) => (got, want),
                            (Err(_), Err(_)) => continue,
                            (got, want) => panic!(
                                "{text:?} at {offset}+{len}: {:?} vs {:?}",
                                got.is_ok(),
                                want.is_ok()
                            ),
                        };
                        let shape = |c: &dyn SpanContents<'_>| {
                            (
                                c.data().to_vec(),
                                *c.span(),
                                c.line(),
                                c.column(),
                                c.line_count(),
                                c.name().map(str::to_owned),
                            )
                        };
                        assert_eq!(
                            shape(&*got),
                            shape(&*want),
                            "{text:?} at {offset}+{len}, context {before}/{after}"
                        );
                    }
                }
            }
        }
    }
}
