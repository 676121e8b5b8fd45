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
        support::snapshot_settings(path).bind(|| {
            insta::assert_snapshot!("syntax", support::document(path, &rendered));
        });
    });
}
