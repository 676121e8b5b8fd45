//! The book (`docs/book/src/`) is checked: every ```` ```dxm ```` block
//! parses or checks as its fence says, every ```` ```console,test ````
//! session prints what the page shows when run against the binary, and the
//! command-line reference holds each command's `--help` as it is
//! (`UPDATE_DOCS=1 cargo test --test book` rewrites it). The fences are
//! described in `tests/support/docs.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken example"
)]

mod support;

use std::path::PathBuf;

use support::cli::{dxmap, project};
use support::docs;

/// The book's pages, sorted.
fn pages() -> Vec<PathBuf> {
    let dir = project().join("docs/book/src");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 3, "the book has pages");
    pages
}

fn page_name(path: &std::path::Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_dxm_example_in_the_book_checks_as_its_fence_says() {
    let shipped = docs::shipped_rules();
    let mut failures = Vec::new();
    let mut n_checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for block in docs::blocks(&page_name(&page), &text) {
            if block.lang() != "dxm" {
                continue;
            }
            n_checked += 1;
            failures.extend(docs::check_dxm(&block, &shipped));
        }
    }
    assert!(n_checked >= 15, "only {n_checked} dxm examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_shell_session_in_the_book_prints_what_the_page_shows() {
    let mut failures = Vec::new();
    for page in pages() {
        let name = page_name(&page);
        let text = std::fs::read_to_string(&page).unwrap();
        let blocks = docs::blocks(&name, &text);
        if !blocks.iter().any(|b| b.has("test")) {
            continue;
        }
        let dir = docs::page_scratch(name.trim_end_matches(".md"));
        for block in blocks {
            if let Some(path) = block.attr("file") {
                let target = dir.join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, &block.body).unwrap();
            }
            if block.lang() == "console" && block.has("test") {
                for step in docs::steps(&block) {
                    failures.extend(docs::run_step(&dir, &block.place, &step));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The commands whose `--help` the reference shows, in its order.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["check"],
    &["test"],
    &["route"],
    &["build"],
    &["coverage"],
    &["diff"],
    &["release-diff"],
    &["fmt"],
    &["queue"],
    &["graph", "hierarchy"],
    &["explain"],
    &["serve"],
];

/// The generated part of `cli.md`: each command's `--help`.
fn cli_reference() -> String {
    let mut text = String::new();
    for command in COMMANDS {
        let mut args: Vec<&str> = command.to_vec();
        args.push("--help");
        let run = dxmap(&project(), &args);
        assert_eq!(run.code, 0, "dxmap {args:?}");
        let title = if command.is_empty() {
            "dxmap".to_owned()
        } else {
            format!("dxmap {}", command.join(" "))
        };
        text.push_str(&format!(
            "### `{title}`\n\n```text\n{}\n```\n\n",
            run.stdout.trim_end()
        ));
    }
    text
}

const BEGIN: &str = "<!-- generated from `--help` by tests/book.rs: begin -->\n";
const END: &str = "<!-- generated: end -->\n";

#[test]
fn the_command_line_reference_is_the_help_of_each_command() {
    let path = project().join("docs/book/src/cli.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text.split_once(BEGIN).expect("cli.md has the begin marker");
    let (_, tail) = rest.split_once(END).expect("cli.md has the end marker");
    let expected = format!("{head}{BEGIN}\n{}{END}{tail}", cli_reference());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        text == expected,
        "docs/book/src/cli.md is stale: run `UPDATE_DOCS=1 cargo test --test book`"
    );
}

#[test]
fn the_summary_lists_every_page() {
    let summary = std::fs::read_to_string(project().join("docs/book/src/SUMMARY.md")).unwrap();
    for page in pages() {
        let name = page_name(&page);
        assert!(
            name == "SUMMARY.md" || summary.contains(&format!("({name})")),
            "SUMMARY.md does not list {name}"
        );
    }
    assert!(summary.contains("[Editors](editors.md)"));
}
