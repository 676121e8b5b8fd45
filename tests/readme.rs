//! The README, followed line by line, works as shown: its shell sessions
//! (the first look, `check`, `test`, the DX0201 example) print what it
//! shows when run against the binary, its rules example gives the code it
//! names, its command table is one table naming every command, and it stays
//! a newcomer's page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a README that does not match the binary"
)]

mod support;

use support::cli::{dxmap, project};
use support::docs;

fn readme() -> String {
    std::fs::read_to_string(project().join("README.md")).unwrap()
}

#[test]
fn the_readme_sessions_print_what_the_binary_prints() {
    let text = readme();
    let blocks = docs::blocks("README.md", &text);
    let dir = docs::page_scratch("readme");
    let mut failures = Vec::new();
    let mut n_steps = 0;
    for block in &blocks {
        if let Some(path) = block.attr("file") {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, &block.body).unwrap();
        }
        if block.lang() == "console" && block.has("test") {
            for step in docs::steps(block) {
                n_steps += 1;
                failures.extend(docs::run_step(&dir, &block.place, &step));
            }
        }
    }
    assert!(n_steps >= 4, "the README's sessions are marked for testing");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_readme_first_look_is_the_route_with_its_explanation() {
    let text = readme();
    let first = docs::blocks("README.md", &text)
        .into_iter()
        .find(|b| b.lang() == "console" && b.has("test"))
        .unwrap();
    let steps = docs::steps(&first);
    assert!(steps[0].command.starts_with("dxmap route --dx Dx28"));
    assert!(steps[0].expected.iter().any(|l| l.contains("gapped")));
}

#[test]
fn the_readme_rules_examples_give_the_codes_they_name() {
    let shipped = docs::shipped_rules();
    let failures: Vec<String> = docs::blocks("README.md", &readme())
        .iter()
        .filter(|b| b.lang() == "dxm")
        .filter_map(|b| docs::check_dxm(b, &shipped))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_readme_command_table_is_one_table_naming_every_command() {
    let text = readme();
    let start = text.find("| command | what it does |").unwrap();
    let table: Vec<&str> = text[start..]
        .lines()
        .take_while(|l| l.starts_with('|'))
        .collect();
    let help = dxmap(&project(), &["--help"]).stdout;
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 12, "{help}");
    for command in commands {
        assert!(
            table
                .iter()
                .any(|row| row.contains(&format!("`dxmap {command}")))
                || table
                    .iter()
                    .any(|row| row.contains(&format!("`dxmap graph {command}"))),
            "the README's command table (one table, no blank line inside) lacks `{command}`"
        );
    }
}

#[test]
fn the_readme_is_short_defines_gapped_once_and_names_no_outside_file() {
    let text = readme();
    assert!(text.lines().count() <= 235, "the README is for newcomers");
    assert_eq!(
        text.matches("*gapped*").count(),
        1,
        "gapped is defined once"
    );
    assert!(!text.contains("DESIGN.md") && !text.contains("../shared"));
    assert!(text.contains("cargo install --path ."));
    assert!(text.contains("docs/book/"));
}
