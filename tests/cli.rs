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

mod support;

use support::cli::{dxmap, good_tree, project, route_args, scratch, with_arg, CATALOGUE, GOOD};

#[test]
fn check_passes_on_the_shipped_rules() {
    let output = dxmap(&project(), &["check", "rules"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    // The findings the overlays accept (Cornwall's slower route for Dx05,
    // the services a region still lacks, maternity for female patients
    // only) are allowed, each with its reason.
    assert_eq!(
        output.stdout.trim(),
        "no problems found; 29 findings allowed by `// dxmap: allow` (see `--format json`)"
    );
    // `rules` is the default directory.
    let output = dxmap(&project(), &["check"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
}

#[test]
fn check_reports_rule_errors_with_exit_1_and_json_locations() {
    let broken = GOOD
        .replace("Dx06", "Dx0006")
        .replace("route gp_ooh", "route gp_oh");
    let dir = scratch(
        "broken",
        &[
            ("rules/national.dxm", broken.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--format", "json"]);
    assert_eq!(output.code, 1);
    insta::assert_snapshot!("check_json_errors", output.stdout);
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(output.code, 1);
    let human = output.stdout;
    assert!(human.contains("rules/national.dxm:4:21"), "{human}");
    assert!(human.contains("did you mean `Dx06`?"), "{human}");
    assert!(human.contains("2 errors"), "{human}");
}

#[test]
fn warnings_pass_unless_denied() {
    let warned = GOOD.replace("hours { all_hours }", "hours { bank_holiday closed }");
    let dir = scratch(
        "warned",
        &[
            ("rules/national.dxm", warned.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    assert!(output.stdout.contains("1 warning"));
    let output = dxmap(&dir, &["check", "rules", "--deny-warnings"]);
    assert_eq!(output.code, 1);
}

#[test]
fn usage_and_io_errors_exit_2_and_name_the_problem() {
    let dir = scratch(
        "usage",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "no-such-dir"]);
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("`no-such-dir` does not exist"),
        "{}",
        output.stderr
    );

    let output = dxmap(&dir, &["check", "rules", "--release", "pathways-2051"]);
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("unknown release `pathways-2051`"));
    assert!(output.stderr.contains("pathways-2015"));

    let output = dxmap(
        &dir,
        &["check", "rules", "--release", "missing/catalogue.yaml"],
    );
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("missing/catalogue.yaml"));

    let output = dxmap(&dir, &["check", "rules", "--format", "xml"]);
    assert_eq!(output.code, 2);

    let output = dxmap(&dir, &["frobnicate"]);
    assert_eq!(output.code, 2);

    let empty = scratch("empty", &[("rules/readme.txt", b"no rules here")]);
    let output = dxmap(&empty, &["check", "rules"]);
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("no `.dxm` files under `rules`"));
}

#[test]
fn release_flag_replaces_the_release_line() {
    let catalogue = "release: tiny\ndispositions:\n  - code: Dx05\n    title: \"Primary care within 2 hours\"\n    section: 1\n    status: in_use\n    timeframe_minutes: 120\n";
    let dir = scratch(
        "release-flag",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("tiny.yaml", catalogue.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--release", "tiny.yaml"]);
    assert_eq!(output.code, 1);
    let text = output.stdout;
    assert!(
        text.contains("unknown disposition `Dx06` in release `tiny`"),
        "{text}"
    );

    let broken = "release: tiny\ndispositions:\n  - code: Dx05\n    title: t\n    section: 1\n    status: in_usee\n";
    let dir = scratch(
        "release-broken",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("broken.yaml", broken.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--release", "broken.yaml"]);
    assert_eq!(output.code, 1);
    let text = output.stdout;
    assert!(text.contains("DX0010"), "{text}");
    assert!(text.contains("broken.yaml:6:13"), "{text}");
}

#[test]
fn unreadable_inputs_are_diagnostics_with_the_file_name() {
    let mut latin1 = GOOD.as_bytes().to_vec();
    latin1.extend_from_slice(b"// caf\xe9\n");
    let dir = scratch(
        "latin1",
        &[
            ("rules/national.dxm", latin1.as_slice()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(output.code, 1);
    let text = output.stdout;
    assert!(
        text.contains("DX0003") && text.contains("rules/national.dxm"),
        "{text}"
    );

    let huge = vec![b' '; dxmap::syntax::MAX_FILE_BYTES + 1];
    let dir = scratch(
        "huge",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("rules/zz_huge.dxm", huge.as_slice()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules"]);
    assert_eq!(output.code, 1);
    let text = output.stdout;
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
    assert_eq!(output.code, 1);
    assert_eq!(output.stdout.trim(), "would reformat rules/a.dxm");
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap(),
        messy
    );

    let output = dxmap(&dir, &["fmt", "rules/a.dxm"]);
    assert_eq!(output.code, 0);
    let formatted = std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap();
    insta::assert_snapshot!("fmt_rewrites", formatted);
    let output = dxmap(&dir, &["fmt", "--check"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let broken = "rule \"A\" { when dx = route gp_ooh }\n";
    let dir = scratch("fmt-broken", &[("rules/a.dxm", broken.as_bytes())]);
    let output = dxmap(&dir, &["fmt"]);
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("rules/a.dxm:1:22"),
        "{}",
        output.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap(),
        broken
    );
}

#[test]
fn explain_prints_a_code_doc() {
    let output = dxmap(&project(), &["explain", "DX0201"]);
    assert_eq!(output.code, 0);
    let text = output.stdout;
    assert!(
        text.contains("unknown-disposition") && text.contains("**Fix.**"),
        "{text}"
    );
    let output = dxmap(&project(), &["explain", "unknown-disposition"]);
    assert_eq!(output.code, 0);
    let output = dxmap(&project(), &["explain", "DX9999"]);
    assert_eq!(output.code, 2);
    let output = dxmap(&project(), &["explain"]);
    assert_eq!(output.code, 0);
    assert!(output.stdout.lines().count() >= 40);
}

#[test]
fn route_json_has_the_contract_fields() {
    let output = dxmap(
        &project(),
        &route_args(&["--rules", "rules"], &["--format", "json"]),
    );
    assert_eq!(output.code, 0, "{}", output.stderr);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    for field in [
        "dx",
        "channel",
        "overlay",
        "rule",
        "no_search",
        "catch_all",
        "services",
    ] {
        assert!(value.get(field).is_some(), "missing `{field}` in {value}");
    }
    assert_eq!(value["dx"], "Dx28");
    assert_eq!(value["channel"], "111");
    assert_eq!(value["overlay"], "hampshire");
    assert!(value.get("trace").is_none(), "trace without --explain");
    let first = &value["services"][0];
    for field in ["id", "name", "type", "capacity"] {
        assert!(first.get(field).is_some(), "missing `{field}` in {first}");
    }
    let output = dxmap(
        &project(),
        &route_args(&["--rules", "rules"], &["--format", "json", "--explain"]),
    );
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let trace = value["trace"].as_array().unwrap();
    assert_eq!(trace[0]["step"], "overlay");
    assert!(trace.iter().any(
        |step| step["step"] == "rule" && step["source"].as_str().unwrap().starts_with("rules/")
    ));
}

#[test]
fn route_human_explains_the_answer() {
    let output = dxmap(&project(), &route_args(&[], &["--explain"]));
    assert_eq!(output.code, 0, "{}", output.stderr);
    let text = output.stdout;
    assert!(text.contains("overlay  hampshire"), "{text}");
    assert!(
        text.contains("rule     \"Pharmacy, adults\" (rules/"),
        "{text}"
    );
    assert!(text.contains("explanation:"), "{text}");
}

#[test]
fn built_tables_answer_as_the_rules_do_and_refuse_tampering() {
    let dir = scratch("build", &[] as &[(&str, &str)]);
    std::fs::create_dir_all(&dir).unwrap();
    let table = dir.join("table.dxt");
    let table_arg = table.to_str().unwrap();
    let output = dxmap(&project(), &["build", "rules", "-o", table_arg]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(output.stdout.starts_with("built "), "{}", output.stdout);
    let explain = ["--format", "json", "--explain"];
    let from_rules = dxmap(&project(), &route_args(&["--rules", "rules"], &explain));
    let from_table = dxmap(&project(), &route_args(&["--table", table_arg], &explain));
    assert_eq!(from_table.code, 0, "{}", from_table.stderr);
    assert_eq!(from_rules.stdout, from_table.stdout);

    let built = std::fs::read(&table).unwrap();
    // The first `Dx05` of the body (a length byte 4, then the code)
    // becomes `Dx06`.
    let mut altered = built.clone();
    let at = built.windows(5).position(|w| w == b"\x04Dx05").unwrap();
    altered[at + 4] = b'6';
    std::fs::write(&table, &altered).unwrap();
    let output = dxmap(&project(), &route_args(&["--table", table_arg], &[]));
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("altered after it was built"),
        "{}",
        output.stderr
    );

    assert!(built.starts_with(b"dxmap-table v4 "));
    let mut v5 = built.clone();
    v5[13] = b'5';
    std::fs::write(&table, &v5).unwrap();
    let output = dxmap(&project(), &route_args(&["--table", table_arg], &[]));
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("table format v5"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_failed_build_writes_nothing() {
    let broken = GOOD.replace("route gp_ooh", "route gp_oh");
    let dir = scratch(
        "build-broken",
        &[
            ("rules/national.dxm", broken.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("table.dxt", b"previous"),
        ],
    );
    let output = dxmap(&dir, &["build", "rules", "-o", "table.dxt"]);
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("unknown service type `gp_oh`"),
        "{}",
        output.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("table.dxt")).unwrap(),
        "previous"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn route_rejects_wrong_cases_with_exit_1() {
    let valid = route_args(&[], &[]);
    let output = dxmap(&project(), &valid);
    assert_eq!(output.code, 0, "{}", output.stderr);
    for (flag, value, problem) in [
        ("--dx", "Dx0005", "unknown disposition `Dx0005`"),
        ("--postcode", "SO16", "`SO16` is not a full UK postcode"),
        ("--postcode", "TR99 1AA", "no district `TR99`"),
        ("--channel", "112", "`112` is not a channel"),
        ("--age", "forty", "`forty` is not an age"),
    ] {
        let output = dxmap(&project(), &with_arg(&valid, flag, value));
        assert_eq!(output.code, 1, "{flag} {value}: {}", output.stderr);
        assert!(
            output.stderr.contains(problem),
            "{flag} {value}: {}",
            output.stderr
        );
    }
    // --age and --postcode are required: a usage error.
    let without_age: Vec<&str> = valid
        .iter()
        .copied()
        .filter(|arg| !["--age", "40"].contains(arg))
        .collect();
    let output = dxmap(&project(), &without_age);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(output.stderr.contains("--age"), "{}", output.stderr);
}

#[test]
fn capacity_files_are_checked() {
    let dir = scratch(
        "capacity",
        &[
            ("unknown.yaml", "FXX01: red\nNOPE1: amber\n"),
            ("status.yaml", "FXX01: purple\n"),
            ("good.yaml", "FXX01: red\n"),
        ],
    );
    let rules = project().join("rules");
    let rules_arg = rules.to_str().unwrap();
    let output = dxmap(
        &dir,
        &route_args(&["--rules", rules_arg], &["--capacity", "unknown.yaml"]),
    );
    assert_eq!(output.code, 1);
    assert!(output.stderr.contains("`NOPE1`"), "{}", output.stderr);
    let output = dxmap(
        &dir,
        &route_args(&["--rules", rules_arg], &["--capacity", "status.yaml"]),
    );
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("status.yaml") && output.stdout.contains("purple"),
        "{}",
        output.stdout
    );
    let output = dxmap(
        &dir,
        &route_args(
            &["--rules", rules_arg],
            &["--capacity", "good.yaml", "--format", "json"],
        ),
    );
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        !output.stdout.contains("\"FXX01\""),
        "a red service was returned"
    );
    let output = dxmap(
        &dir,
        &route_args(&["--rules", rules_arg], &["--capacity", "missing.yaml"]),
    );
    assert_eq!(output.code, 2);
}

#[test]
fn test_reports_failing_cases_by_name() {
    let tests = r#"
- name: "primary care goes to the GP out of hours"
  case: { dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }
  expect: { services: [GPOOH-SO], rule: "Primary care" }
- name: "a wrong expectation"
  case: { dx: Dx06, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }
  expect: { services: [] }
"#;
    let dir = scratch(
        "test-cmd",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("rules/tests/cases.yaml", tests.as_bytes()),
        ],
    );
    let output = dxmap(&dir, &["test", "rules"]);
    assert_eq!(output.code, 1);
    let text = output.stdout;
    assert!(
        text.contains("ok    primary care goes to the GP out of hours"),
        "{text}"
    );
    assert!(
        text.contains("FAIL  a wrong expectation (rules/tests/cases.yaml:5)"),
        "{text}"
    );
    assert!(
        text.contains("services: expected [], got [GPOOH-SO]"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("1 passed, 1 failed"), "{text}");

    let dir = scratch(
        "test-cmd-yaml",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            (
                "rules/tests/cases.yaml",
                b"- name: x\n  case: { dx: Dx05 }\n",
            ),
        ],
    );
    let output = dxmap(&dir, &["test", "rules"]);
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("rules/tests/cases.yaml:2"),
        "{}",
        output.stdout
    );
}

#[test]
fn queue_orders_codes_by_the_hierarchy() {
    let output = dxmap(
        &project(),
        &[
            "queue",
            "--rules",
            "rules",
            "--hierarchy",
            "clinician_queue_order",
            "Dx328",
            "Dx32",
            "Dx05",
            "Dx321",
        ],
    );
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(output.stdout, "Dx321\nDx32\nDx328\nDx05\n");
    assert!(output.stderr.contains("`Dx05` is not in hierarchy"));
    let output = dxmap(
        &project(),
        &["queue", "--hierarchy", "clinician_queue_ordr", "Dx32"],
    );
    assert_eq!(output.code, 2);
    assert!(output
        .stderr
        .contains("did you mean `clinician_queue_order`?"));
    let output = dxmap(
        &project(),
        &["queue", "--hierarchy", "clinician_queue_order", "Dx3200"],
    );
    assert_eq!(output.code, 1);
}

#[test]
fn queue_and_graph_use_the_hierarchy_in_force_in_an_overlay() {
    let queue = |place: &[&str]| {
        let mut args = vec!["queue", "--rules", "rules"];
        args.extend_from_slice(place);
        args.extend_from_slice(&["--hierarchy", "clinician_queue_order", "Dx321", "Dx32"]);
        let output = dxmap(&project(), &args);
        assert_eq!(output.code, 0, "{}", output.stderr);
        output.stdout
    };
    // The baseline takes Dx321 first; Cornwall overrides it to take Dx32 first.
    assert_eq!(queue(&[]), "Dx321\nDx32\n");
    assert_eq!(queue(&["--overlay", "national"]), "Dx321\nDx32\n");
    assert_eq!(queue(&["--overlay", "cornwall"]), "Dx32\nDx321\n");
    assert_eq!(queue(&["--postcode", "tr1 3lj"]), "Dx32\nDx321\n");
    assert_eq!(queue(&["--postcode", "SO16 7AB"]), "Dx321\nDx32\n");

    let graph = |place: &[&str]| {
        let mut args = vec!["graph", "hierarchy", "--rules", "rules"];
        args.extend_from_slice(place);
        args.push("clinician_queue_order");
        let output = dxmap(&project(), &args);
        assert_eq!(output.code, 0, "{}", output.stderr);
        output.stdout
    };
    assert!(graph(&["--overlay", "cornwall"]).contains("\"Dx32\" -> \"Dx321\";"));
    assert!(graph(&[]).contains("\"Dx321\" -> \"Dx32\";"));
    // Every hierarchy, once: the override takes the national one's place.
    let output = dxmap(
        &project(),
        &[
            "graph",
            "hierarchy",
            "--rules",
            "rules",
            "--overlay",
            "cornwall",
        ],
    );
    assert_eq!(
        output.stdout.matches("subgraph").count(),
        1,
        "{}",
        output.stdout
    );

    let output = dxmap(
        &project(),
        &[
            "queue",
            "--overlay",
            "cornwal",
            "--hierarchy",
            "clinician_queue_order",
            "Dx32",
        ],
    );
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("did you mean `cornwall`?"),
        "{}",
        output.stderr
    );
    let output = dxmap(
        &project(),
        &[
            "queue",
            "--postcode",
            "nonsense",
            "--hierarchy",
            "clinician_queue_order",
            "Dx32",
        ],
    );
    assert_eq!(output.code, 2);
    let output = dxmap(
        &project(),
        &[
            "queue",
            "--overlay",
            "cornwall",
            "--postcode",
            "TR1 3LJ",
            "--hierarchy",
            "clinician_queue_order",
            "Dx32",
        ],
    );
    assert_eq!(output.code, 2);
}

#[test]
fn coverage_shows_remaps_and_lists_types_as_a_case_meets_them() {
    let overlays = br#"service_type pod "Assessment POD" { responds_within 1h }
overlay validated extends national {
  area PO
  remap Dx06 -> Dx05 because "Validation: earlier primary care contact"
}
overlay pods extends national {
  area BH
  add rule "POD first" {
    when dx = Dx05 and channel = 111
    route pod
    priority 5
  }
}
"#;
    let dir = good_tree("coverage-remap", &[("rules/overlays.dxm", overlays)]);
    let output = dxmap(&dir, &["coverage", "rules"]);
    assert_eq!(output.code, 0, "{}{}", output.stdout, output.stderr);
    let text = &output.stdout;
    let validated = text
        .split("\n\n")
        .find(|part| part.starts_with("validated"))
        .unwrap();
    assert!(
        !validated.contains("every line as in the layer it extends"),
        "{validated}"
    );
    assert!(
        validated.contains("Dx06    111 999 ooh remapped to Dx05, then \"Primary care\" -> gp_ooh"),
        "{validated}"
    );
    // The winning rule's type first, then the rule a case falls back to.
    assert!(
        text.contains("Dx05    111         \"POD first\", \"Primary care\" -> pod, gp_ooh"),
        "{text}"
    );

    let output = dxmap(&dir, &["coverage", "rules", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let rows = |layer: &str| -> Vec<serde_json::Value> {
        value["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["layer"] == layer)
            .unwrap()["rows"]
            .as_array()
            .unwrap()
            .clone()
    };
    for row in rows("validated") {
        let expected = if row["dx"] == "Dx06" {
            "Dx05".into()
        } else {
            serde_json::Value::Null
        };
        assert_eq!(row["remapped_to"], expected, "{row}");
    }
    let pod = rows("pods")
        .into_iter()
        .find(|r| r["dx"] == "Dx05" && r["channel"] == "111")
        .unwrap();
    assert_eq!(pod["types"], serde_json::json!(["pod", "gp_ooh"]));
    assert_eq!(
        pod["rules"],
        serde_json::json!(["POD first", "Primary care"])
    );
}
