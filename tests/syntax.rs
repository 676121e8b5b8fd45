//! Syntax fixtures: `fixtures/syntax/ok` parse with no diagnostic,
//! `fixtures/syntax/err` with at least one error; the rendered diagnostics
//! of every fixture are snapshots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::Path;

fn settings(path: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(path);
    settings
}

#[test]
fn ok_fixtures_parse_without_diagnostics() {
    insta::glob!("../fixtures/syntax/ok", "*.dxm", |path| {
        let (rendered, found) = support::parse_fixture(path);
        assert!(found.is_empty(), "{}:\n{rendered}", path.display());
    });
}

#[test]
fn err_fixtures_report_syntax_errors() {
    insta::glob!("../fixtures/syntax/err", "*.dxm", |path| {
        let (rendered, found) = support::parse_fixture(path);
        assert!(
            found.iter().any(|d| d.is_error()),
            "{} parsed without error",
            path.display()
        );
        settings(path).bind(|| {
            insta::assert_snapshot!("syntax", support::document(path, &rendered));
        });
    });
}
