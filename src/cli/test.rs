//! `dxmap test [DIR]`: run the cases of `DIR/tests/*.yaml` against the rules
//! tree under `DIR` and report each failing case by name, with what was
//! expected, what was answered, and the explanation.
//!
//! Imports: `crate::{load, cases, diagnostics, source}`, `dxmap_runtime`, `super`.

use std::path::PathBuf;

use dxmap_runtime::{Decision, Router};

use super::{compile_tree, default_dir, usage_error, use_color, Exit};
use crate::cases::{Expect, TestCase};
use crate::source::SourceMap;
use crate::{cases, diagnostics, load};

/// Arguments of `dxmap test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory; its tests are in `DIR/tests/*.yaml`.
    dir: Option<PathBuf>,
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// Differences between what a test expects and the decision.
fn mismatches(expect: &Expect, decision: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(overlay) = &expect.overlay {
        if *overlay != decision.overlay {
            out.push(format!(
                "overlay: expected `{overlay}`, got `{}`",
                decision.overlay
            ));
        }
    }
    if let Some(rule) = &expect.rule {
        if Some(rule.as_str()) != decision.rule {
            out.push(format!(
                "rule: expected \"{rule}\", got {}",
                decision
                    .rule
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |r| format!("\"{r}\""))
            ));
        }
    }
    if let Some(services) = &expect.services {
        let got: Vec<String> = decision.services.iter().map(|s| s.id.to_owned()).collect();
        if *services != got {
            out.push(format!(
                "services: expected {}, got {}",
                list(services),
                list(&got)
            ));
        }
    }
    if let Some(catch_all) = expect.catch_all {
        if catch_all != decision.catch_all {
            out.push(format!(
                "catch_all: expected {catch_all}, got {}",
                decision.catch_all
            ));
        }
    }
    if let Some(no_search) = expect.no_search {
        if no_search != decision.no_search.is_some() {
            out.push(format!(
                "no_search: expected {no_search}, got {}",
                decision.no_search.is_some()
            ));
        }
    }
    out
}

/// Runs `dxmap test`.
pub fn run(args: Args) -> Exit {
    let dir = args.dir.unwrap_or_else(default_dir);
    let table = match compile_tree(&dir, None) {
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
        let outcome = match &test.case {
            Err(problem) => Err(vec![format!("the case is wrong: {problem}")]),
            Ok(case) => match router.explain(case) {
                Err(error) => Err(vec![format!("the case is wrong: {error}")]),
                Ok(decision) => {
                    let differences = mismatches(&test.expect, &decision);
                    if differences.is_empty() {
                        Ok(())
                    } else {
                        let mut lines = differences;
                        lines.push(String::new());
                        lines.extend(
                            super::route::render(&decision, case, true)
                                .lines()
                                .map(str::to_owned),
                        );
                        Err(lines)
                    }
                }
            },
        };
        match outcome {
            Ok(()) => {
                passed += 1;
                outln!("ok    {} ({place})", test.name);
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
