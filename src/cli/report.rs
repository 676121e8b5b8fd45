//! `dxmap report [--rules DIR] [--base REV] [-o DIR] [--week DATE]`: the
//! HTML report for commissioners, written to `DIR/index.html` (default
//! `report/index.html`).
//!
//! Reads and checks the tree, compiles it (a tree whose only errors are the
//! analyses' findings, such as coverage gaps, is still reported: showing
//! them is the point), reads its test cases, and with `--base` compiles the
//! same path at that git revision and diffs the two. The page itself is
//! [`crate::report`]'s. Exit 0 when the report is written and the tree has
//! no open error and no failing test; 1 when the report is written but the
//! tree has errors or failing tests, or when the tree cannot be compiled
//! (nothing written); 2 for usage and I/O problems.
//!
//! Imports: `crate::{load, check, compile, cases, diagnostics, diff, report, source}`,
//! `super` (and its `git` for `--base`).

use std::path::PathBuf;

use super::{compile_tree_with, default_dir, usage_error, use_color, Exit};
use crate::cases::TestCase;
use crate::diagnostics::{self, Family};
use crate::{cases, compile, diff, load, report};

/// Arguments of `dxmap report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory (an alias of `--rules`).
    #[arg(conflicts_with = "rules")]
    dir: Option<PathBuf>,
    /// The rules directory.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// A bundled release name or a catalogue file, replacing the tree's `release` line.
    #[arg(long)]
    release: Option<String>,
    /// A git revision to compare with: the tree at the same path in that revision.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// The directory to write `index.html` into.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "report"
    )]
    output: PathBuf,
    /// A date of the week the opening-hours strips show (YYYY-MM-DD); default: this week, in Europe/London.
    #[arg(long, value_name = "DATE")]
    week: Option<String>,
}

fn this_week() -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Europe/London").unwrap_or(jiff::tz::TimeZone::UTC);
    dxmap_runtime::hours::local_date(&tz, jiff::Timestamp::now())
}

/// Runs `dxmap report`.
pub fn run(args: Args) -> Exit {
    let dir = args.rules.or(args.dir).unwrap_or_else(default_dir);
    let week = match &args.week {
        None => this_week(),
        Some(text) => match text.parse::<jiff::civil::Date>() {
            Ok(date) => date,
            Err(_) => {
                return usage_error(format!("`--week {text}` is not a date, e.g. `2020-05-11`"))
            }
        },
    };
    let mut checked = match load::check_tree(&dir, args.release.as_deref()) {
        Ok(checked) => checked,
        Err(error) => return usage_error(error),
    };
    let blocking = checked
        .diagnostics
        .select(|d| d.is_error() && d.code.family() != Family::Analysis);
    let model = match checked.model.take() {
        Some(model) if blocking.is_empty() => model,
        _ => {
            out!(
                "{}",
                diagnostics::human::render_all(&blocking, &checked.sources, use_color())
            );
            errln!(
                "error: the rules under `{}` have errors; run `dxmap check`",
                dir.display()
            );
            return Exit::Rules;
        }
    };
    let table = compile::compile(&model, &checked.sources);

    let files = match load::test_files(&dir) {
        Ok(files) => files,
        Err(error) => return usage_error(error),
    };
    let mut found = Vec::new();
    let mut tests: Vec<TestCase> = Vec::new();
    for path in &files {
        let (file, text) = match load::read_source(&mut checked.sources, path, &mut found) {
            Ok(Some(read)) => read,
            Ok(None) => continue,
            Err(error) => return usage_error(error),
        };
        let (parsed, problems) = cases::parse_tests(file, &text);
        tests.extend(parsed);
        found.extend(problems);
    }
    // The report lists at most 20 findings of a kind, but counts them all.
    let mut all = std::mem::take(&mut checked.diagnostics).all();
    all.extend(found);
    diagnostics::sort(&mut all);

    let difference = match &args.base {
        None => None,
        Some(rev) => {
            let scratch = match tempfile::Builder::new().prefix("dxmap-report-").tempdir() {
                Ok(scratch) => scratch,
                Err(error) => {
                    return usage_error(format!("cannot make a scratch directory: {error}"))
                }
            };
            let base_dir = scratch.path().join("base");
            if let Err(problem) = super::git::checkout(rev, &dir, &base_dir) {
                return usage_error(problem);
            }
            let old = match compile_tree_with(&base_dir, args.release.as_deref(), true) {
                Ok(old) => old,
                Err(exit) => return exit,
            };
            drop(scratch);
            Some(diff::diff(&old, &table))
        }
    };

    let input = report::Input {
        model: &model,
        sources: &checked.sources,
        diagnostics: &all,
        table: &table,
        tests: &tests,
        week,
        base: args
            .base
            .as_deref()
            .zip(difference.as_ref())
            .map(|(rev, diff)| report::Base { rev, diff }),
    };
    let rendered = report::render(&input);
    if let Err(error) = std::fs::create_dir_all(&args.output) {
        return usage_error(format!(
            "cannot create `{}`: {error}",
            args.output.display()
        ));
    }
    let path = args.output.join("index.html");
    if let Err(error) = load::write_file(&path, rendered.html.as_bytes()) {
        return usage_error(format!("cannot write `{}`: {error}", path.display()));
    }
    outln!("wrote {}", path.display());
    if all.iter().any(diagnostics::Diagnostic::is_error) || rendered.failed_tests > 0 {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
