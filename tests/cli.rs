//! The command line as scripts use it: exit codes (0 ok, 1 rules wrong,
//! 2 usage or I/O), output formats, and the error paths that must name the
//! problem and the file. No run may panic (exit 101).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dxmap(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_dxmap"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    assert_ne!(
        output.status.code(),
        Some(101),
        "dxmap panicked: {output:?}"
    );
    output
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A scratch directory holding `rules/` with the given files.
fn scratch(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("dxmap-cli-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (path, body) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    dir
}

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const GOOD: &str = r#"release "pathways-2015"
service_type gp_ooh "GP Out of Hours" { responds_within 1h }
rule "Primary care" {
  when dx in (Dx05, Dx06)
  route gp_ooh
}
service "Southampton GP Out of Hours" id "GPOOH-SO" {
  type gp_ooh
  catchment SO
  hours { all_hours }
}
"#;

#[test]
fn check_passes_on_the_shipped_rules() {
    let output = dxmap(&project(), &["check", "rules"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert_eq!(stdout(&output).trim(), "no problems found");
    // `rules` is the default directory.
    let output = dxmap(&project(), &["check"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
}

#[test]
fn check_reports_rule_errors_with_exit_1_and_json_locations() {
    let broken = GOOD
        .replace("Dx06", "Dx0006")
        .replace("route gp_ooh", "route gp_oh");
    let dir = scratch("broken", &[("rules/national.dxm", broken.as_bytes())]);
    let output = dxmap(&dir, &["check", "rules", "--format", "json"]);
    assert_eq!(code(&output), 1);
    insta::assert_snapshot!("check_json_errors", stdout(&output));
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(code(&output), 1);
    let human = stdout(&output);
    assert!(human.contains("rules/national.dxm:4:21"), "{human}");
    assert!(human.contains("did you mean `Dx06`?"), "{human}");
    assert!(human.contains("2 errors"), "{human}");
}

#[test]
fn warnings_pass_unless_denied() {
    let warned = GOOD.replace("hours { all_hours }", "hours { bank_holiday closed }");
    let dir = scratch("warned", &[("rules/national.dxm", warned.as_bytes())]);
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).contains("1 warning"));
    let output = dxmap(&dir, &["check", "rules", "--deny-warnings"]);
    assert_eq!(code(&output), 1);
}

#[test]
fn usage_and_io_errors_exit_2_and_name_the_problem() {
    let dir = scratch("usage", &[("rules/national.dxm", GOOD.as_bytes())]);
    let output = dxmap(&dir, &["check", "no-such-dir"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("`no-such-dir` does not exist"),
        "{}",
        stderr(&output)
    );

    let output = dxmap(&dir, &["check", "rules", "--release", "pathways-2051"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("unknown release `pathways-2051`"));
    assert!(stderr(&output).contains("pathways-2015"));

    let output = dxmap(
        &dir,
        &["check", "rules", "--release", "missing/catalogue.yaml"],
    );
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("missing/catalogue.yaml"));

    let output = dxmap(&dir, &["check", "rules", "--format", "xml"]);
    assert_eq!(code(&output), 2);

    let output = dxmap(&dir, &["frobnicate"]);
    assert_eq!(code(&output), 2);

    let empty = scratch("empty", &[("rules/readme.txt", b"no rules here")]);
    let output = dxmap(&empty, &["check", "rules"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("no `.dxm` files under `rules`"));
}

#[test]
fn release_flag_replaces_the_release_line() {
    let catalogue = "release: tiny\ndispositions:\n  - code: Dx05\n    title: \"Primary care within 2 hours\"\n    section: 1\n    status: in_use\n    timeframe_minutes: 120\n";
    let dir = scratch(
        "release-flag",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("tiny.yaml", catalogue.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--release", "tiny.yaml"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(
        text.contains("unknown disposition `Dx06` in release `tiny`"),
        "{text}"
    );

    let broken = "release: tiny\ndispositions:\n  - code: Dx05\n    title: t\n    section: 1\n    status: in_usee\n";
    let dir = scratch(
        "release-broken",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("broken.yaml", broken.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--release", "broken.yaml"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(text.contains("DX0010"), "{text}");
    assert!(text.contains("broken.yaml:6:13"), "{text}");
}

#[test]
fn unreadable_inputs_are_diagnostics_with_the_file_name() {
    let mut latin1 = GOOD.as_bytes().to_vec();
    latin1.extend_from_slice(b"// caf\xe9\n");
    let dir = scratch("latin1", &[("rules/national.dxm", &latin1)]);
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(
        text.contains("DX0003") && text.contains("rules/national.dxm"),
        "{text}"
    );

    let huge = vec![b' '; dxmap::syntax::MAX_FILE_BYTES + 1];
    let dir = scratch(
        "huge",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/zz_huge.dxm", &huge),
        ],
    );
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert!(
        text.contains("DX0002") && text.contains("rules/zz_huge.dxm"),
        "{text}"
    );
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let messy = "release \"pathways-2015\"\nrule   \"A\"{when dx=Dx05 and age>=16 route gp_ooh} // keep me\n";
    let dir = scratch("fmt", &[("rules/a.dxm", messy.as_bytes())]);
    let output = dxmap(&dir, &["fmt", "--check", "rules"]);
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output).trim(), "would reformat rules/a.dxm");
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap(),
        messy
    );

    let output = dxmap(&dir, &["fmt", "rules/a.dxm"]);
    assert_eq!(code(&output), 0);
    let formatted = std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap();
    insta::assert_snapshot!("fmt_rewrites", formatted);
    let output = dxmap(&dir, &["fmt", "--check"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let broken = "rule \"A\" { when dx = route gp_ooh }\n";
    let dir = scratch("fmt-broken", &[("rules/a.dxm", broken.as_bytes())]);
    let output = dxmap(&dir, &["fmt"]);
    assert_eq!(code(&output), 1);
    assert!(
        stdout(&output).contains("rules/a.dxm:1:22"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap(),
        broken
    );
}

#[test]
fn explain_prints_a_code_doc() {
    let output = dxmap(&project(), &["explain", "DX0201"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    assert!(
        text.contains("unknown-disposition") && text.contains("**Fix.**"),
        "{text}"
    );
    let output = dxmap(&project(), &["explain", "unknown-disposition"]);
    assert_eq!(code(&output), 0);
    let output = dxmap(&project(), &["explain", "DX9999"]);
    assert_eq!(code(&output), 2);
    let output = dxmap(&project(), &["explain"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).lines().count() >= 40);
}
