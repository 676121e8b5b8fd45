//! One diagnostic type for every phase, and its renderers.
//!
//! A [`Diagnostic`] has a stable [`Code`], a severity (from the code), a
//! one-line message, exactly one primary label, optional secondary labels and
//! optional help. Phases return `(T, Vec<Diagnostic>)` and never stop at the
//! first problem; [`sort`] puts a run's diagnostics in (file, offset, code)
//! order before they are rendered, so output is deterministic.
//!
//! Analyses' findings carry the case that shows them as data ([`Witness`]),
//! which the JSON and SARIF renderers write out for tools. A run's
//! findings are a [`Findings`]: some are kept small ([`Pending`]) until a
//! renderer shows them.
//!
//! Imports: `crate::source`, and `dxmap_runtime` for the case space. Renderers: [`human`] (miette), [`json`],
//! [`sarif`] (SARIF 2.1.0) and [`github`] (GitHub Actions annotations).

mod codes;
mod findings;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

pub use codes::{Code, Family};
pub use findings::{Expand, Findings, Head, Pending, Visit};

use crate::source::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The rules are wrong: `check` exits 1.
    Error,
    /// Worth a look: `check` exits 0 unless `--deny-warnings`.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with an optional message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, if worth saying.
    pub message: Option<String>,
}

/// A problem found in the rules, a catalogue or a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code; it decides the severity.
    pub code: Code,
    /// Lowercase, one line, no final period; user input in backticks.
    pub message: String,
    /// The primary location.
    pub primary: Label,
    /// Other locations that explain the problem (the other definition of a
    /// duplicate, each edge of a cycle).
    pub secondary: Vec<Label>,
    /// How to fix it, if there is something useful to say.
    pub help: Option<String>,
    /// The case that shows an analysis' finding, for tools.
    pub witness: Option<Box<Witness>>,
    /// Why the finding is accepted, when a `// dxmap: allow` comment
    /// silences it: it stays visible but fails nothing.
    pub allowed: Option<String>,
}

impl From<Box<Diagnostic>> for Diagnostic {
    fn from(diagnostic: Box<Diagnostic>) -> Diagnostic {
        *diagnostic
    }
}

/// A case that shows an analysis' finding: route it to see the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// The layer in force (the baseline's or overlay's name).
    pub layer: String,
    /// The disposition code.
    pub dx: String,
    /// The channel.
    pub channel: dxmap_runtime::Channel,
    /// The sex.
    pub sex: dxmap_runtime::CaseSex,
    /// The ages concerned; the youngest is the case's age.
    pub ages: dxmap_runtime::space::Ages,
    /// For a coverage gap, every uncovered cell (the witness is the first).
    pub cells: Vec<WitnessCell>,
    /// For a reach or hours finding, every postcode unit where the problem
    /// is (the witness case is in the first), every code concerned, and
    /// the uncovered times of the week (`Sun 00:00–08:00`); empty
    /// otherwise.
    pub places: Places,
}

/// Where a reach or hours finding is, all of it (the message names at
/// most five of each).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Places {
    /// Postcode units, the witness's first.
    pub units: Vec<String>,
    /// Disposition codes, the witness's first.
    pub codes: Vec<String>,
    /// Uncovered times of the week, for an hours gap.
    pub hours: Vec<String>,
}

/// One uncovered (channel, sex, ages) of a coverage gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessCell {
    /// The channel.
    pub channel: dxmap_runtime::Channel,
    /// The sex; `None` is all three (female, male, not given).
    pub sex: Option<dxmap_runtime::CaseSex>,
    /// The ages uncovered.
    pub ages: dxmap_runtime::space::Ages,
}

impl Diagnostic {
    /// A diagnostic with a primary span and no label message.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label {
                span,
                message: None,
            },
            secondary: Vec::new(),
            help: None,
            witness: None,
            allowed: None,
        }
    }

    /// Sets the primary label's message.
    #[must_use]
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = Some(message.into());
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: Some(message.into()),
        });
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the case that shows the finding.
    #[must_use]
    pub fn with_witness(mut self, witness: Witness) -> Diagnostic {
        self.witness = Some(Box::new(witness));
        self
    }

    /// Sets the help text if there is one.
    #[must_use]
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// The severity, from the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Whether this is an error that fails the run (an allowed finding
    /// does not).
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error && self.allowed.is_none()
    }

    /// Whether a `// dxmap: allow` comment silences this finding.
    pub fn is_allowed(&self) -> bool {
        self.allowed.is_some()
    }
}

/// Sorts diagnostics by (file, start, code, message) and drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.code,
                &b.message,
            ))
    });
    diagnostics.dedup();
}

/// Counts of errors and warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of findings silenced by `// dxmap: allow` (in neither count).
    pub allowed: usize,
}

impl Counts {
    /// Counts the diagnostics of a run.
    pub fn of(diagnostics: &[Diagnostic]) -> Counts {
        let allowed = diagnostics.iter().filter(|d| d.is_allowed()).count();
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        Counts {
            errors,
            warnings: diagnostics.len() - errors - allowed,
            allowed,
        }
    }
}

/// How deeply YAML flow collections (`{…}`, `[…]`) nest in `text`, and where
/// the nesting first passes `limit` (quoted text and comments skipped). The
/// YAML scanner takes time quadratic in that depth, so a file nested
/// thousands deep is refused before it is parsed.
pub fn yaml_nesting_beyond(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    // As YAML reads them: a comment starts with `#` at the start of a line
    // or after whitespace, a quoted scalar where a token starts; elsewhere
    // `#` and quotes are part of a plain scalar (`a#b`, `don't`).
    let mut previous: Option<char> = None;
    for (offset, c) in text.char_indices() {
        let token_start =
            previous.is_none_or(|p| p.is_whitespace() || matches!(p, '[' | '{' | ','));
        let after_space = previous.is_none_or(char::is_whitespace);
        previous = Some(c);
        if comment {
            comment = c != '\n';
            continue;
        }
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if open == '"' && c == '\\' {
                escaped = true;
            } else if c == open {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' if token_start => quote = Some(c),
            '#' if after_space => comment = true,
            '{' | '[' => {
                depth += 1;
                if depth > limit {
                    return Some(offset);
                }
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Most nesting of YAML flow collections dxmap reads.
pub const MAX_YAML_NESTING: usize = 64;

/// Refuses a YAML text nested deeper than [`MAX_YAML_NESTING`].
pub fn yaml_too_deep(
    code: Code,
    file: crate::source::FileId,
    text: &str,
    what: &str,
) -> Option<Diagnostic> {
    let offset = yaml_nesting_beyond(text, MAX_YAML_NESTING)?;
    let at = u32::try_from(offset).unwrap_or(0);
    Some(
        Diagnostic::new(
            code,
            Span::new(file, at, at + 1),
            format!("{what} nests `{{…}}` or `[…]` more than {MAX_YAML_NESTING} deep"),
        )
        .with_help("the formats need a few levels at most: see the book, chapter \"Test and capacity files\""),
    )
}

/// A YAML file that does not follow its format, at the position the YAML
/// parser gives (`what`: "catalogue", "test file", …).
pub fn yaml_error(
    code: Code,
    file: crate::source::FileId,
    error: &serde_yaml::Error,
    what: &str,
) -> Diagnostic {
    let offset = error
        .location()
        .map_or(0, |location| u32::try_from(location.index()).unwrap_or(0));
    let message = error.to_string();
    // serde_yaml appends " at line L column C"; the span says that.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    Diagnostic::new(
        code,
        Span::new(file, offset, offset),
        format!("{what} is not valid: {message}"),
    )
    .with_help("the formats are in the book: docs/book/src/files.md")
}

/// "did you mean" help: the candidate closest to `name`, if close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_lowercase(), &candidate.to_lowercase());
        let better = best.is_none_or(|(best_score, best_name)| {
            score > best_score || (score == best_score && candidate < best_name)
        });
        if score >= 0.8 && better {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}
