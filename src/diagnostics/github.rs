//! GitHub Actions rendering: one workflow command per diagnostic, which the
//! runner turns into an annotation on the pull request's diff, then the
//! human summary line.
//!
//! ```text
//! ::error file=rules/x.dxm,line=3,col=5,endLine=3,endColumn=9,title=DX0201 unknown-disposition::unknown disposition `Dx0006` (did you mean `Dx06`?)
//! ```
//!
//! The data (the message) is escaped as the runner requires (`%` → `%25`,
//! `\r` → `%0D`, `\n` → `%0A`); property values are escaped the same way and
//! also `:` → `%3A`, `,` → `%2C`. `col` and `endColumn` are written only
//! when the span lies on one line: the runner rejects columns otherwise.
//! Secondary labels have no place in an annotation and are left out; the
//! human and SARIF formats show them.
//!
//! Imports: `super`, `super::human` (escaping), `crate::source`.

use super::{human, sarif, Counts, Diagnostic, Findings, Head, Severity, Visit};
use crate::source::SourceMap;

/// Escapes the data of a workflow command (the text after `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One diagnostic as a workflow command, without a line break.
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let command = match diagnostic.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let span = diagnostic.primary.span;
    let mut properties = vec![format!(
        "file={}",
        escape_property(&sources.name(span.file).replace('\\', "/"))
    )];
    if let Some(file) = sources.get(span.file) {
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end.max(span.start));
        properties.push(format!("line={line}"));
        if line == end_line {
            properties.push(format!("col={column}"));
        }
        properties.push(format!("endLine={end_line}"));
        if line == end_line {
            properties.push(format!("endColumn={end_column}"));
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!(
            "{} {}",
            diagnostic.code.id(),
            diagnostic.code.name()
        ))
    ));
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&super::human::escaped(&sarif::message_with_help(
            diagnostic
        )))
    )
}

/// All diagnostics (already sorted), one command a line, then the summary
/// line (`2 errors, 1 warning`, or `no problems found`).
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics.iter().filter(|d| !d.is_allowed()) {
        out.push_str(&render(diagnostic, sources));
        out.push('\n');
    }
    out.push_str(&human::summary(Counts::of(diagnostics)));
    out.push('\n');
    out
}

/// [`render_all`] for a run's findings: allowed ones are never made whole.
pub fn render_findings(findings: &Findings, sources: &SourceMap) -> String {
    struct Lines<'a> {
        sources: &'a SourceMap,
        out: String,
    }
    impl Visit for Lines<'_> {
        fn wants(&self, head: &Head) -> bool {
            !head.allowed
        }
        fn visit(&mut self, head: Head, full: Option<&Diagnostic>) {
            if let Some(diagnostic) = full.filter(|_| !head.allowed) {
                self.out.push_str(&render(diagnostic, self.sources));
                self.out.push('\n');
            }
        }
    }
    let mut lines = Lines {
        sources,
        out: String::new(),
    };
    findings.visit(&mut lines);
    let mut out = lines.out;
    out.push_str(&human::summary(findings.counts()));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::Span;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\nd"), "50%25 a%3Ab%2Cc%0Ad");
    }

    #[test]
    fn renders_one_command_per_diagnostic() {
        let mut sources = SourceMap::new();
        let file = sources.add("rules/x,y.dxm", "rule \"A\" {\n  when dx = Dx10\n}\n");
        let diagnostic = Diagnostic::new(
            Code::UnknownDisposition,
            Span::new(file, 23, 27),
            "unknown disposition `Dx10`",
        )
        .with_help("did you mean `Dx010`?");
        assert_eq!(
            render(&diagnostic, &sources),
            "::error file=rules/x%2Cy.dxm,line=2,col=13,endLine=2,endColumn=17,title=DX0201 unknown-disposition::unknown disposition `Dx10` (did you mean `Dx010`?)"
        );
        let multi = Diagnostic::new(Code::NoCalendar, Span::new(file, 0, 29), "no calendar");
        assert_eq!(
            render(&multi, &sources),
            "::warning file=rules/x%2Cy.dxm,line=1,endLine=3,title=DX0410 no-calendar::no calendar"
        );
    }
}
