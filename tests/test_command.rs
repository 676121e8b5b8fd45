//! `dxmap test` as a DoS lead and CI use it: one file or one case
//! (`--filter`), JSON and JUnit reports, `searched_dx` and `gapped`
//! expectations, unknown ids and misspelt keys as located failures, and a
//! missing `tests/` folder as a clear error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on an unexpected answer"
)]

mod support;

use support::cli::{assert_run, dxmap};
use support::docs;

/// A scratch copy of the shipped rules with `extra` test files.
fn tree(name: &str, extra: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = support::cli::scratch::<&[u8]>(name, &[]);
    docs::copy_dir(&support::cli::project().join("rules"), &dir.join("rules"));
    for (path, body) in extra {
        std::fs::write(dir.join(path), body).unwrap();
    }
    dir
}

const VE_DAY: &str = r#"- name: "VE Day, searched code and gapped pharmacies"
  case: { dx: Dx28, channel: "111", age: 40, sex: female, postcode: "SO16 7AB",
          at: "2020-05-08T15:00" }
  expect:
    services: [FXX01, GPOOH-SO, HH01]
    searched_dx: Dx28
    gapped: [FXX05, FXX02]
- name: "VE Day, a wrong gapped list"
  case: { dx: Dx28, channel: "111", age: 40, sex: female, postcode: "SO16 7AB",
          at: "2020-05-08T15:00" }
  expect:
    gapped: [FXX02]
    searched_dx: Dx05
"#;

#[test]
fn searched_dx_and_gapped_are_expectations() {
    let dir = tree("searched-gapped", &[("rules/tests/zz.yaml", VE_DAY)]);
    let run = dxmap(&dir, &["test", "--rules", "rules", "--filter", "ve day, "]);
    assert_run(
        &run,
        1,
        &[
            "ok    VE Day, searched code and gapped pharmacies",
            "FAIL  VE Day, a wrong gapped list",
            "gapped: expected [FXX02] (any order), got [FXX02, FXX05]",
            "searched_dx: expected `Dx05`, got `Dx28`",
            "1 passed, 1 failed",
        ],
    );
}

#[test]
fn filter_runs_one_file_or_one_case() {
    let dir = tree("filter", &[]);
    let run = dxmap(&dir, &["test", "rules", "--filter", "dorset.yaml"]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert!(run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok"))
        .all(|l| l.contains("dorset.yaml")));
    let run = dxmap(
        &dir,
        &["test", "rules", "--filter", "no case is called this"],
    );
    assert_run(&run, 0, &["no test case matches", "0 passed, 0 failed"]);
}

#[test]
fn a_misspelt_key_is_a_located_failure_not_a_dropped_file() {
    let bad = "- name: \"misspelt\"\n  case: { dx: Dx28, channel: \"111\", age: 40, postcode: \"SO16 7AB\", at: \"2020-05-08T15:00:00+01:00\" }\n  expect:\n    servics: [FXX01]\n";
    let dir = tree("misspelt", &[("rules/tests/zz.yaml", bad)]);
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(
        &run,
        1,
        &[
            "unknown field `servics`",
            "rules/tests/zz.yaml:4:5",
            "50 passed, 1 failed",
        ],
    );
    let run = dxmap(&dir, &["test", "rules", "--format", "junit"]);
    assert_run(
        &run,
        1,
        &[
            "failures=\"1\"",
            "rules/tests/zz.yaml does not read as test cases",
        ],
    );
}

#[test]
fn an_unknown_id_in_expect_is_a_located_failure() {
    let bad = "- name: \"unknown id\"\n  case: { dx: Dx28, channel: \"111\", age: 40, postcode: \"SO16 7AB\", at: \"2020-05-08T15:00:00+01:00\" }\n  expect:\n    services: [FXX01, HH1]\n";
    let dir = tree("unknown-id", &[("rules/tests/zz.yaml", bad)]);
    let run = dxmap(&dir, &["test", "rules", "--filter", "unknown id"]);
    assert_run(
        &run,
        1,
        &[
            "unknown service `HH1`",
            "rules/tests/zz.yaml:4:23",
            "did you mean `HH01`?",
            "0 passed, 1 failed",
        ],
    );
}

#[test]
fn json_and_junit_reports() {
    let dir = tree("reports", &[("rules/tests/zz.yaml", VE_DAY)]);
    let run = dxmap(
        &dir,
        &["test", "rules", "--filter", "VE Day, ", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(json["cases"][1]["passed"], false);
    assert_eq!(json["cases"][1]["line"], 8);
    let run = dxmap(
        &dir,
        &["test", "rules", "--filter", "VE Day, ", "--format", "junit"],
    );
    assert!(run.stdout.starts_with("<?xml"));
    assert_run(
        &run,
        1,
        &[
            "<testsuites",
            "tests=\"2\" failures=\"1\"",
            "<failure message=\"searched_dx: expected `Dx05`",
        ],
    );
}

#[test]
fn a_missing_tests_folder_is_an_error_unless_allowed() {
    let dir = tree("no-tests", &[]);
    std::fs::remove_dir_all(dir.join("rules/tests")).unwrap();
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(
        &run,
        1,
        &["no `tests/` folder in `rules`", "--allow-no-tests"],
    );
    let run = dxmap(&dir, &["test", "rules", "--allow-no-tests"]);
    assert_run(&run, 0, &["warning: no `tests/` folder"]);
}
