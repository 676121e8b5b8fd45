//! Check fixtures: `fixtures/check/ok` check with no diagnostic at all
//! (findings silenced by `// dxmap: allow` aside);
//! `fixtures/check/err` with at least one error, except that a fixture
//! whose name ends in `-warn` gives at least one warning and no error (see
//! [`expected_severity`]). Every diagnostic code has an `err` fixture (see
//! `err_fixtures_report_errors_and_every_code_has_one`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use dxmap::diagnostics::{Code, Diagnostic, Severity};

#[test]
fn ok_fixtures_check_without_diagnostics() {
    insta::glob!("../fixtures/check/ok", "*.dxm", |path| {
        let (rendered, found) = support::check_fixture("check-ok", path);
        assert!(
            found.iter().all(Diagnostic::is_allowed),
            "{}:\n{rendered}",
            path.display()
        );
    });
}

/// Codes that no text fixture can trigger, and where each is tested instead.
const NOT_FROM_FIXTURES: &[(Code, &str)] = &[
    (Code::Internal, "a dxmap bug: never reachable from input"),
    (Code::FileTooLarge, "tests/cli.rs: an oversized rules file"),
    (Code::NotUtf8, "tests/cli.rs: a Latin-1 rules file"),
    (
        Code::TooManyItems,
        "needs a 50,000-item file; tested by syntax::tests::too_many_items_is_an_error",
    ),
    (
        Code::CatalogueInvalid,
        "src/catalogue unit tests and tests/cli.rs (--release FILE)",
    ),
    (Code::UnknownSameAs, "src/catalogue unit tests"),
    (
        Code::CaseInvalid,
        "src/cases unit tests and tests/cli.rs (`dxmap test`, `route --capacity`)",
    ),
];

/// What an `err` fixture must give, by its name: `NAME-warn.dxm` at least
/// one warning and no error, any other name at least one error.
fn expected_severity(path: &Path) -> Severity {
    let stem = path.file_stem().unwrap().to_string_lossy();
    if stem.ends_with("-warn") {
        Severity::Warning
    } else {
        Severity::Error
    }
}

#[track_caller]
fn assert_severity(path: &Path, found: &[Diagnostic], rendered: &str) {
    let n_errors = found.iter().filter(|d| d.is_error()).count();
    let n_allowed = found.iter().filter(|d| d.is_allowed()).count();
    let n_warnings = found.len() - n_errors - n_allowed;
    match expected_severity(path) {
        Severity::Error => assert!(
            n_errors > 0,
            "{} checked without error:\n{rendered}",
            path.display()
        ),
        Severity::Warning => assert!(
            n_warnings > 0 && n_errors == 0,
            "{} (a `-warn` fixture) gave {n_warnings} warnings and {n_errors} errors, \
             not at least one warning and no error:\n{rendered}",
            path.display()
        ),
    }
}

#[test]
fn fixture_names_say_what_they_must_give() {
    assert_eq!(
        expected_severity(Path::new("fixtures/check/err/no-calendar-warn.dxm")),
        Severity::Warning
    );
    // Only the suffix counts: a name that merely contains `warn` must error.
    assert_eq!(
        expected_severity(Path::new("fixtures/check/err/warning-text.dxm")),
        Severity::Error
    );
}

#[test]
fn err_fixtures_report_errors_and_every_code_has_one() {
    let seen = RefCell::new(BTreeSet::new());
    insta::glob!("../fixtures/check/err", "*.dxm", |path| {
        let (rendered, found) = support::check_fixture("check-err", path);
        assert_severity(path, &found, &rendered);
        seen.borrow_mut().extend(found.iter().map(|d| d.code));
        support::snapshot_settings(path).bind(|| {
            insta::assert_snapshot!("check", support::document(path, &rendered));
        });
    });
    insta::glob!("../fixtures/syntax/err", "*.dxm", |path| {
        let (_, found) = support::parse_fixture(path);
        seen.borrow_mut().extend(found.iter().map(|d| d.code));
    });
    let seen = seen.into_inner();
    let exempt: BTreeSet<Code> = NOT_FROM_FIXTURES.iter().map(|(code, _)| *code).collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| !seen.contains(code) && !exempt.contains(code))
        .map(|code| code.id())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an err fixture: {missing:?}"
    );
}

/// DESIGN.md's language sample is accepted as written: it parses and
/// resolves without error, and the only errors the analyses find are
/// coverage gaps (the sample routes a handful of codes, not a release).
#[test]
fn the_design_sample_has_only_coverage_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/syntax/ok/design_sample.dxm");
    let (rendered, found) = support::check_fixture("design-sample", &path);
    let errors: BTreeSet<Code> = found
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    // Its overlays' areas have none of the services some rules route to.
    assert_eq!(
        errors,
        BTreeSet::from([Code::CoverageGap, Code::UnreachableUrgent]),
        "{rendered}"
    );
}

/// The version 2 sample (DESIGN.md's sample with the version 2 additions,
/// as one tree) is accepted as written: it parses and resolves without
/// error, its allowed slow route fails nothing, and what the analyses find
/// is kept as a snapshot.
/// With the bundled geography, `cornwall` gives reach errors (its area has
/// none of the services the baseline's rules route to, e.g. no
/// `clinician_queue`).
#[test]
fn the_v2_design_sample_parses_and_checks_as_recorded() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/syntax/ok/design_sample_v2.dxm");
    let (rendered, found) = support::check_fixture("design-sample-v2", &path);
    let errors: BTreeSet<Code> = found
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect();
    assert_eq!(
        errors,
        BTreeSet::from([Code::CoverageGap, Code::UnreachableUrgent]),
        "{rendered}"
    );
    assert!(
        found.iter().any(|d| d.code == Code::UnreachableUrgent
            && d.message.contains("clinician_queue")
            && d.witness.as_ref().is_some_and(|w| w.layer == "cornwall")),
        "{rendered}"
    );
    let allowed: Vec<Code> = found
        .iter()
        .filter(|d| d.is_allowed())
        .map(|d| d.code)
        .collect();
    assert_eq!(allowed, vec![Code::RouteTooSlow], "{rendered}");
    support::snapshot_settings(&path).bind(|| {
        insta::assert_snapshot!("check-v2-sample", support::document(&path, &rendered));
    });
}
