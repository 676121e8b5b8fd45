//! `dxmap test [DIR]`: run the cases of `DIR/tests/*.yaml` against the rules
//! tree under `DIR` and report each failing case by name, with what was
//! expected, what was answered, and the explanation.
//!
//! Imports: `crate::{load, cases, testing, diagnostics, source}`,
//! `dxmap_runtime`, `super::route`.

use dxmap_runtime::Router;

use super::{compile_tree, usage_error, use_color, Exit};
use crate::cases::TestCase;
use crate::source::SourceMap;
use crate::testing::{self, Outcome};
use crate::{cases, diagnostics, load};

/// Arguments of `dxmap test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    tree: super::TreeArgs,
}

/// Runs `dxmap test`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let table = match compile_tree(&dir, args.tree.release()) {
        Ok(table) => table,
        Err(exit) => return exit,
    };
    let router = match Router::new(table) {
        Ok(router) => router,
        Err(error) => return usage_error(error),
    };
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
    diagnostics::sort(&mut problems);
    if !problems.is_empty() {
        out!(
            "{}",
            diagnostics::human::render_all(&problems, &sources, use_color())
        );
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for test in &tests {
        let place = sources
            .get(test.span.file)
            .map_or_else(String::new, |file| {
                format!("{}:{}", file.name, file.line_col(test.span.start).0)
            });
        let outcome = match testing::run(&router, test) {
            Outcome::Passed => Ok(()),
            Outcome::WrongCase(problem) => Err(vec![format!("the case is wrong: {problem}")]),
            Outcome::Failed {
                case,
                decision,
                mismatches,
            } => {
                let mut lines: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
                lines.push(String::new());
                lines.extend(
                    super::route::render(&decision, case, true)
                        .lines()
                        .map(str::to_owned),
                );
                Err(lines)
            }
        };
        match outcome {
            Ok(()) => {
                passed += 1;
                if !super::quiet() {
                    outln!("ok    {} ({place})", test.name);
                }
            }
            Err(lines) => {
                failed += 1;
                outln!("FAIL  {} ({place})", test.name);
                for line in lines {
                    outln!("      {line}");
                }
            }
        }
    }
    if files.is_empty() {
        outln!("no test files in {}", dir.join("tests").display());
    }
    outln!("{passed} passed, {failed} failed");
    if failed > 0 || problems.iter().any(diagnostics::Diagnostic::is_error) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
