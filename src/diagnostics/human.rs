//! Human rendering with miette: file:line:column, the source excerpt, labels
//! and help, at a fixed width so that snapshots are stable.
//!
//! Imports: `super`, `crate::source`, miette.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::{Counts, Diagnostic};
use crate::source::{SourceMap, Span};

/// The width diagnostics are wrapped at.
pub const WIDTH: usize = 100;

/// A diagnostic with its file, in the shape miette renders.
#[derive(Debug)]
struct Report {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
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

fn named_source(sources: &SourceMap, span: Span) -> NamedSource<String> {
    let (name, text) = sources.get(span.file).map_or(("<unknown>", ""), |file| {
        (file.name.as_str(), file.text.as_str())
    });
    NamedSource::new(name, text.to_owned())
}

fn source_span(span: Span) -> miette::SourceSpan {
    let start = usize::try_from(span.start).unwrap_or(0);
    let len = usize::try_from(span.len()).unwrap_or(0);
    (start, len).into()
}

fn report(diagnostic: &Diagnostic, sources: &SourceMap) -> Report {
    let file = diagnostic.primary.span.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        diagnostic.primary.message.clone(),
        source_span(diagnostic.primary.span),
    )];
    let mut related = Vec::new();
    for label in &diagnostic.secondary {
        if label.span.file == file {
            labels.push(LabeledSpan::new_with_span(
                label.message.clone(),
                source_span(label.span),
            ));
        } else {
            related.push(Report {
                code: "",
                severity: miette::Severity::Advice,
                message: label.message.clone().unwrap_or_default(),
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
        message: format!("{} [{}]", diagnostic.message, diagnostic.code.name()),
        help: diagnostic.help.clone(),
        source: named_source(sources, diagnostic.primary.span),
        labels,
        related,
    }
}

/// Renders one diagnostic; `color` selects the coloured theme.
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
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

/// Renders all diagnostics (already sorted) and a closing summary line.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&render(diagnostic, sources, color));
        out.push('\n');
    }
    out.push_str(&summary(Counts::of(diagnostics)));
    out.push('\n');
    out
}

/// `2 errors, 1 warning`, or `no problems found`.
pub fn summary(counts: Counts) -> String {
    fn plural(n: usize, word: &str) -> String {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    }
    match (counts.errors, counts.warnings) {
        (0, 0) => "no problems found".to_owned(),
        (errors, 0) => plural(errors, "error"),
        (0, warnings) => plural(warnings, "warning"),
        (errors, warnings) => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}
