//! `fmt` over every `ok` fixture and the shipped rules: the output parses to
//! the same tree (spans aside), keeps every comment, and formatting it again
//! changes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::Path;

use dxmap::source::FileId;
use dxmap::syntax;

fn comments(text: &str) -> usize {
    text.lines().filter(|line| line.contains("//")).count()
}

fn assert_fmt_ok(name: &str, text: &str) {
    let (parsed, found) = syntax::parse(FileId(0), text);
    assert!(found.is_empty(), "{name} does not parse cleanly: {found:?}");
    let once = syntax::fmt::format(text, &parsed);
    let (reparsed, found) = syntax::parse(FileId(0), &once);
    assert!(
        found.is_empty(),
        "{name}: formatted text does not parse: {found:?}\n{once}"
    );
    assert_eq!(
        syntax::erase_spans(&parsed),
        syntax::erase_spans(&reparsed),
        "{name}: formatting changed the meaning"
    );
    assert_eq!(
        comments(text),
        comments(&once),
        "{name}: a comment was lost\n{once}"
    );
    let twice = syntax::fmt::format(&once, &reparsed);
    assert_eq!(once, twice, "{name}: fmt is not idempotent");
}

#[test]
fn fmt_is_idempotent_and_meaning_preserving_on_ok_fixtures() {
    for dir in ["../fixtures/syntax/ok", "../fixtures/check/ok"] {
        insta::glob!(dir, "*.dxm", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            for (name, body) in support::split_fixture(path, &text) {
                if name.ends_with(".dxm") {
                    assert_fmt_ok(&format!("{}: {name}", path.display()), &body);
                }
            }
        });
    }
}

#[test]
fn fmt_is_idempotent_and_meaning_preserving_on_shipped_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let files = dxmap::load::rules_files(&root).unwrap();
    assert!(files.len() >= 5, "the shipped rules tree is missing files");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_fmt_ok(&path.display().to_string(), &text);
    }
}

#[test]
fn shipped_rules_are_in_canonical_form() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for path in dxmap::load::rules_files(&root).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (parsed, _) = syntax::parse(FileId(0), &text);
        assert_eq!(
            syntax::fmt::format(&text, &parsed),
            text,
            "{} is not formatted: run `dxmap fmt rules`",
            path.display()
        );
    }
}
