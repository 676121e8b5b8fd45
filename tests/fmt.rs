//! `fmt` over every `ok` fixture and the shipped rules: the output parses to
//! the same tree (spans aside), keeps every comment (found by
//! `support::comments`, outside strings), and formatting it again changes
//! nothing.

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

#[test]
fn comments_are_found_outside_strings_only() {
    let text = "release \"http://x\" // the release\nrule \"a \\\" // b\" { // c \"d\"\n}\n// last";
    assert_eq!(
        support::comments(text),
        ["// the release", "// c \"d\"", "// last"]
    );
    assert!(support::comments("service \"a//b\" id \"c\\\\\" {}").is_empty());
    // An escaped backslash ends the string at the next quote.
    assert_eq!(support::comments("id \"c\\\\\" // real"), ["// real"]);
}

#[test]
fn fmt_is_idempotent_and_meaning_preserving_on_ok_fixtures() {
    for dir in ["../fixtures/syntax/ok", "../fixtures/check/ok"] {
        insta::glob!(dir, "*.dxm", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            for (name, body) in support::split_fixture(path, &text) {
                if name.ends_with(".dxm") {
                    support::assert_fmt_preserves(&format!("{}: {name}", path.display()), &body);
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
        support::assert_fmt_preserves(&path.display().to_string(), &text);
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
