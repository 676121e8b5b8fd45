//! `dxmap test [--rules DIR] [--filter TEXT] [--format human|json|junit]
//! [--allow-no-tests]`: run the cases of `DIR/tests/*.yaml` against the
//! rules tree under `DIR` and report each failing case by name, with what
//! was expected, what was answered, and the explanation.
//!
//! A test file that does not read as test cases (a misspelt key, YAML that
//! does not parse) and an id in `expect` that names no service of the tree
//! are located errors, each counted as a failure: a file is never dropped
//! silently. A tree without a `tests/` folder is an error unless
//! `--allow-no-tests`.
//!
//! Imports: `crate::{load, cases, testing, diagnostics, source}`,
//! `dxmap_runtime`, `super::route`.

use std::collections::BTreeSet;

use dxmap_runtime::Router;

use super::{compile_tree, usage_error, use_color, Exit};
use crate::cases::TestCase;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceMap, Span};
use crate::testing::{self, Outcome};
use crate::{cases, diagnostics, load};

/// Output formats of `dxmap test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per case, failures with their explanation, then a summary.
    Human,
    /// One JSON document: each case with its outcome, the file errors, the totals.
    Json,
    /// JUnit XML, as GitHub and GitLab render test reports.
    Junit,
}

/// Arguments of `dxmap test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    tree: super::TreeArgs,
    /// Run only the cases whose name or file name contains TEXT (case ignored).
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// A tree without a `tests/` folder passes, with a warning.
    #[arg(long)]
    allow_no_tests: bool,
}

/// How one case ended.
struct Result1 {
    name: String,
    file: String,
    line: u32,
    /// Empty when it passed.
    problems: Vec<String>,
}

/// The span of `id` in the entry that starts at `span`, or the entry.
fn id_span(sources: &SourceMap, span: Span, id: &str) -> Span {
    let Some(file) = sources.get(span.file) else {
        return span;
    };
    let start = usize::try_from(span.start).unwrap_or(0);
    let found = file
        .text
        .get(start..)
        .and_then(|rest| rest.find(id))
        .and_then(|at| u32::try_from(start + at).ok());
    match found {
        Some(at) => Span::new(
            span.file,
            at,
            at.saturating_add(u32::try_from(id.len()).unwrap_or(0)),
        ),
        None => span,
    }
}

/// Located errors for ids in `expect` that name no service of the tree.
fn unknown_ids(test: &TestCase, known: &BTreeSet<&str>, sources: &SourceMap) -> Vec<Diagnostic> {
    let named = test
        .expect
        .services
        .iter()
        .flatten()
        .chain(test.expect.gapped.iter().flatten());
    named
        .filter(|id| !known.contains(id.as_str()))
        .map(|id| {
            let close = diagnostics::did_you_mean(id, known.iter().copied());
            Diagnostic::new(
                Code::CaseInvalid,
                id_span(sources, test.span, id),
                format!(
                    "unknown service `{id}` in the `expect` of \"{}\"",
                    test.name
                ),
            )
            .with_help_opt(close.map(|c| format!("did you mean `{c}`?")))
        })
        .collect()
}

/// Escapes text for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Runs `dxmap test`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let table = match compile_tree(&dir, args.tree.release()) {
        Ok(table) => table,
        Err(exit) => return exit,
    };
    let ids: Vec<String> = table.services.iter().map(|s| s.id.clone()).collect();
    let router = match Router::new(table) {
        Ok(router) => router,
        Err(error) => return usage_error(error),
    };
    if !dir.join("tests").is_dir() {
        let message = format!(
            "no `tests/` folder in `{}`: write test cases in `{}/*.yaml` (see `dxmap init`)",
            dir.display(),
            dir.join("tests").display()
        );
        if args.allow_no_tests {
            errln!("warning: {message}");
            return Exit::Ok;
        }
        errln!("error: {message}, or pass --allow-no-tests");
        return Exit::Rules;
    }
    let files = match load::test_files(&dir) {
        Ok(files) => files,
        Err(error) => return usage_error(error),
    };
    let mut sources = SourceMap::new();
    let mut problems = Vec::new();
    let mut tests: Vec<TestCase> = Vec::new();
    for path in &files {
        let (file, text) = match load::read_source(&mut sources, path, &mut problems) {
            Ok(Some(read)) => read,
            Ok(None) => continue,
            Err(error) => return usage_error(error),
        };
        let (parsed, found) = cases::parse_tests(file, &text);
        tests.extend(parsed);
        problems.extend(found);
    }
    // Files that do not read as test cases: each a failure.
    let file_errors: Vec<Diagnostic> = problems.iter().filter(|d| d.is_error()).cloned().collect();
    let filter = args.filter.as_deref().map(str::to_lowercase);
    let file_name = |test: &TestCase| {
        sources
            .get(test.span.file)
            .map_or_else(String::new, |f| f.name.clone())
    };
    tests.retain(|test| {
        filter.as_ref().is_none_or(|f| {
            test.name.to_lowercase().contains(f) || file_name(test).to_lowercase().contains(f)
        })
    });
    let known: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut results = Vec::new();
    for test in &tests {
        let unknown = unknown_ids(test, &known, &sources);
        let (file, line) = sources.get(test.span.file).map_or_else(
            || (String::new(), 0),
            |f| (f.name.clone(), f.line_col(test.span.start).0),
        );
        let lines = if unknown.is_empty() {
            match testing::run(&router, test) {
                Outcome::Passed => Vec::new(),
                Outcome::WrongCase(problem) => vec![format!("the case is wrong: {problem}")],
                Outcome::Failed {
                    case,
                    decision,
                    mismatches,
                } => {
                    let mut lines: Vec<String> =
                        mismatches.iter().map(ToString::to_string).collect();
                    lines.push(String::new());
                    lines.extend(
                        super::route::render(&decision, case, Some(super::route::Explain::Summary))
                            .lines()
                            .map(str::to_owned),
                    );
                    lines
                }
            }
        } else {
            unknown.iter().map(|d| d.message.clone()).collect()
        };
        problems.extend(unknown);
        results.push(Result1 {
            name: test.name.clone(),
            file,
            line,
            problems: lines,
        });
    }
    diagnostics::sort(&mut problems);
    let passed = results.iter().filter(|r| r.problems.is_empty()).count();
    let failed = results.len() - passed + file_errors.len();
    match args.format {
        TestFormat::Human => human(&results, &problems, &sources, &args, passed, failed),
        TestFormat::Json => json(&results, &problems, &sources, passed, failed),
        TestFormat::Junit => junit(&results, &file_errors, &sources, failed),
    }
    if failed > 0 || problems.iter().any(Diagnostic::is_error) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}

fn human(
    results: &[Result1],
    problems: &[Diagnostic],
    sources: &SourceMap,
    args: &Args,
    passed: usize,
    failed: usize,
) {
    if !problems.is_empty() {
        out!(
            "{}",
            diagnostics::human::render_all(problems, sources, use_color())
        );
    }
    for result in results {
        let place = format!("{}:{}", result.file, result.line);
        if result.problems.is_empty() {
            if !super::quiet() {
                outln!("ok    {} ({place})", result.name);
            }
        } else {
            outln!("FAIL  {} ({place})", result.name);
            for line in &result.problems {
                outln!("      {line}");
            }
        }
    }
    if let (Some(filter), true) = (&args.filter, results.is_empty()) {
        outln!("no test case matches `{filter}`");
    }
    outln!("{passed} passed, {failed} failed");
}

fn json(
    results: &[Result1],
    problems: &[Diagnostic],
    sources: &SourceMap,
    passed: usize,
    failed: usize,
) {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name,
                "file": r.file,
                "line": r.line,
                "passed": r.problems.is_empty(),
                "problems": r.problems.iter().take_while(|l| !l.is_empty()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let diagnostics: serde_json::Value =
        serde_json::from_str(&diagnostics::json::render_all(problems, sources))
            .unwrap_or(serde_json::Value::Null);
    let document = serde_json::json!({
        "cases": cases,
        "diagnostics": diagnostics.get("diagnostics").cloned().unwrap_or_default(),
        "passed": passed,
        "failed": failed,
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_default()
    );
}

fn junit(results: &[Result1], file_errors: &[Diagnostic], sources: &SourceMap, failed: usize) {
    let total = results.len() + file_errors.len();
    outln!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    outln!("<testsuites name=\"dxmap test\" tests=\"{total}\" failures=\"{failed}\">");
    outln!("  <testsuite name=\"dxmap test\" tests=\"{total}\" failures=\"{failed}\">");
    for result in results {
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
            xml(&result.name),
            xml(&result.file),
            xml(&result.file),
            result.line
        );
        match result.problems.first() {
            None => outln!("{open}/>"),
            Some(first) => {
                outln!("{open}>");
                outln!(
                    "      <failure message=\"{}\">{}</failure>",
                    xml(first),
                    xml(&result.problems.join("\n"))
                );
                outln!("    </testcase>");
            }
        }
    }
    for problem in file_errors {
        let span = problem.primary.span;
        let (file, line) = sources.get(span.file).map_or_else(
            || (String::new(), 0),
            |f| (f.name.clone(), f.line_col(span.start).0),
        );
        outln!(
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\">",
            xml(&format!("{file} does not read as test cases")),
            xml(&file),
            xml(&file)
        );
        outln!(
            "      <failure message=\"{}\">{}</failure>",
            xml(&problem.message),
            xml(&problem.message)
        );
        outln!("    </testcase>");
    }
    outln!("  </testsuite>");
    outln!("</testsuites>");
}
