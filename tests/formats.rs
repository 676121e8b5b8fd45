//! The CI output formats of `dxmap check` (`--format sarif`, `--format
//! github`) and `dxmap graph hierarchy`, run through the built binary on
//! small trees written to a scratch directory (relative paths, as a CI job
//! runs it) and on the shipped `rules/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use support::cli::{dxmap, project, route_args, scratch, CATALOGUE, GOOD};

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The shared two-code catalogue and a third code, `Dx07`, that the
/// broken trees route by a second rule.
fn catalogue() -> String {
    format!("{CATALOGUE}  - {{ code: Dx07, title: \"Primary care 12h\", section: 1, status: in_use, timeframe_minutes: 720 }}\n")
}

/// The shared good tree, its rule covering `Dx07` too.
fn good() -> String {
    GOOD.replace("dx in (Dx05, Dx06)", "dx in (Dx05, Dx06, Dx07)")
}

/// Errors in two files (one with a secondary label), a warning, and a
/// message holding `%`, `:` and `,`; the second file's name has a comma.
fn broken_tree(name: &str) -> PathBuf {
    let national = good()
        .replace("Dx06,", "Dx0006,")
        .replace("route gp_ooh", "route gp_oh")
        .replace("hours { all_hours }", "hours { bank_holiday closed }")
        + "rule \"Primary care\" {\n  when dx = Dx07\n  route gp_ooh\n}\n";
    let overlay = "overlay dorset extends national {\n  area DT\n  remove rule \"50%: fast, slow\" because \"gone\"\n}\n";
    scratch(
        name,
        &[
            ("rules/national.dxm", national.as_str()),
            ("rules/overlays/dorset,west.dxm", overlay),
            ("rules/catalogue.yaml", catalogue().as_str()),
        ],
    )
}

/// The JSON diagnostics of a tree, as `(code, file, line)`.
fn json_diagnostics(dir: &Path) -> Vec<(String, String, u64)> {
    let output = dxmap(dir, &["check", "rules", "--format", "json"]);
    let value: Value = serde_json::from_str(&output.stdout).unwrap();
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

#[test]
fn sarif_is_a_sarif_log_with_rules_results_and_locations() {
    let dir = broken_tree("sarif");
    let output = dxmap(&dir, &["check", "rules", "--format", "sarif"]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    let sarif = output.stdout;
    let log: Value = serde_json::from_str(&sarif).unwrap();

    assert_eq!(
        text(&log, "/$schema"),
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(text(&log, "/version"), "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(text(run, "/tool/driver/name"), "dxmap");
    assert_eq!(text(run, "/tool/driver/version"), env!("CARGO_PKG_VERSION"));
    assert!(
        run.pointer("/tool/driver/informationUri").is_none(),
        "no home address is set for dxmap"
    );

    // Rules: one per code that occurs, sorted by id, fully described.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| text(r, "/id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "rules sorted by id, each once");
    for rule in rules {
        assert!(text(rule, "/id").starts_with("DX"));
        assert!(!text(rule, "/name").is_empty());
        assert!(!text(rule, "/shortDescription/text").is_empty());
        assert!(!text(rule, "/fullDescription/text").is_empty());
        assert!(!text(rule, "/help/text").is_empty());
        assert!(text(rule, "/help/markdown").starts_with(&format!("## {}", text(rule, "/id"))));
        assert!(["error", "warning"].contains(&text(rule, "/defaultConfiguration/level")));
    }
    let unknown = rules.iter().find(|r| text(r, "/id") == "DX0201").unwrap();
    assert_eq!(text(unknown, "/name"), "unknown-disposition");
    assert_eq!(text(unknown, "/defaultConfiguration/level"), "error");
    let no_calendar = rules.iter().find(|r| text(r, "/id") == "DX0410").unwrap();
    assert_eq!(text(no_calendar, "/defaultConfiguration/level"), "warning");

    // Results: one per diagnostic, in the order of the JSON format.
    let results = run["results"].as_array().unwrap();
    let expected = json_diagnostics(&dir);
    assert_eq!(results.len(), expected.len());
    for (result, (id, file, line)) in results.iter().zip(&expected) {
        assert_eq!(text(result, "/ruleId"), id);
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(
            text(&rules[index], "/id"),
            id,
            "ruleIndex points at the rule"
        );
        assert_eq!(
            text(result, "/level"),
            text(&rules[index], "/defaultConfiguration/level")
        );
        assert!(!text(result, "/message/text").is_empty());
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = text(physical, "/artifactLocation/uri");
        assert_eq!(uri, file.replace(',', "%2C"), "relative, forward slashes");
        assert!(!uri.contains('\\') && !uri.starts_with('/'));
        let region = &physical["region"];
        assert_eq!(region["startLine"].as_u64(), Some(*line));
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
        }
    }
    // Help is part of the message; secondary labels are related locations.
    let unknown = results
        .iter()
        .find(|r| text(r, "/ruleId") == "DX0201")
        .unwrap();
    assert!(text(unknown, "/message/text").contains("did you mean `Dx06`?"));
    let duplicate = results
        .iter()
        .find(|r| text(r, "/ruleId") == "DX0210")
        .unwrap();
    let related = duplicate["relatedLocations"].as_array().unwrap();
    assert!(!related.is_empty());
    for location in related {
        assert!(!text(location, "/message/text").is_empty());
        assert!(
            location["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }

    let stable = sarif.replace(
        &format!("          \"version\": \"{}\",", env!("CARGO_PKG_VERSION")),
        "          \"version\": \"[version]\",",
    );
    insta::assert_snapshot!("check_sarif_errors", stable);

    // The same run twice gives the same bytes.
    let again = dxmap(&dir, &["check", "rules", "--format", "sarif"]);
    assert_eq!(again.stdout, sarif);
}

#[test]
fn sarif_keeps_the_exit_codes() {
    let dir = scratch(
        "sarif-clean",
        &[
            ("rules/national.dxm", good().as_str()),
            ("rules/catalogue.yaml", catalogue().as_str()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--format", "sarif"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    let log: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );

    let warned = good().replace("hours { all_hours }", "hours { bank_holiday closed }");
    let dir = scratch(
        "sarif-warned",
        &[
            ("rules/national.dxm", warned.as_str()),
            ("rules/catalogue.yaml", catalogue().as_str()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--format", "sarif"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    let log: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(text(&log, "/runs/0/results/0/level"), "warning");
    let output = dxmap(
        &dir,
        &["check", "rules", "--format", "sarif", "--deny-warnings"],
    );
    assert_eq!(output.code, 1);

    let output = dxmap(&dir, &["check", "no-such-dir", "--format", "sarif"]);
    assert_eq!(output.code, 2);
}

/// The `(uri, uriBaseId, fingerprint)` of each result's location.
fn sarif_locations(sarif: &str) -> Vec<(String, String, String)> {
    let log: Value = serde_json::from_str(sarif).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                text(artifact, "/uri").to_owned(),
                text(artifact, "/uriBaseId").to_owned(),
                text(result, "/partialFingerprints/dxmap~1v1").to_owned(),
            )
        })
        .collect()
}

#[test]
fn sarif_names_files_from_the_repository_root_however_the_rules_are_typed() {
    let dir = broken_tree("sarif-absolute");
    support::cli::git(&dir, &["init", "-q"]);
    let relative = dxmap(&dir, &["check", "rules", "--format", "sarif"]);
    assert_eq!(relative.code, 1, "{}", relative.stderr);
    let expected = sarif_locations(&relative.stdout);
    assert!(expected.len() >= 4);
    for (uri, base, _) in &expected {
        assert!(
            uri == "rules/national.dxm" || uri == "rules/overlays/dorset%2Cwest.dxm",
            "{uri}"
        );
        assert_eq!(base, "%SRCROOT%");
    }
    // An absolute path, from another directory; a path from inside the
    // rules folder: the same URIs and fingerprints, and no machine path.
    let absolute = dir.join("rules").display().to_string();
    let elsewhere = dir.parent().unwrap();
    let output = dxmap(
        elsewhere,
        &["check", "--rules", &absolute, "--format", "sarif"],
    );
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(sarif_locations(&output.stdout), expected);
    assert!(!output.stdout.contains("file://"), "{}", output.stdout);
    assert!(!output.stdout.contains(&absolute), "{}", output.stdout);
    let inside = dxmap(
        &dir.join("rules/overlays"),
        &["check", "--rules", "..", "--format", "sarif"],
    );
    assert_eq!(sarif_locations(&inside.stdout), expected);
}

#[test]
fn github_prints_one_escaped_annotation_per_diagnostic_and_a_summary() {
    let dir = broken_tree("github");
    let output = dxmap(&dir, &["check", "rules", "--format", "github"]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    let out = output.stdout;
    let lines: Vec<&str> = out.lines().collect();
    let expected = json_diagnostics(&dir);
    assert_eq!(lines.len(), expected.len() + 1, "{out}");
    for (line, (id, file, number)) in lines.iter().zip(&expected) {
        let (command, rest) = line.strip_prefix("::").unwrap().split_once(' ').unwrap();
        assert!(command == "error" || command == "warning", "{line}");
        let (properties, message) = rest.split_once("::").unwrap();
        assert!(!message.is_empty(), "{line}");
        let file = file.replace(',', "%2C");
        assert!(
            properties.starts_with(&format!("file={file},line={number},")),
            "{line}"
        );
        assert!(properties.contains(&format!(",title={id} ")), "{line}");
        // Every property value is escaped: no raw `:` inside the properties.
        assert!(!properties.contains(':'), "{line}");
    }
    assert_eq!(lines.last(), Some(&"4 errors, 1 warning"));

    // Shape of one annotation.
    assert!(
        lines.contains(
            &"::error file=rules/national.dxm,line=4,col=21,endLine=4,endColumn=27,title=DX0201 unknown-disposition::unknown disposition `Dx0006` in release `tiny` (did you mean `Dx06`? codes are exact: leading zeros count)"
        ),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("::warning ")
                && line.contains("title=DX0410 no-calendar::")),
        "{out}"
    );
    // Escaping: in the message `%` becomes `%25` and `:` and `,` stay; in
    // the file property `,` becomes `%2C`.
    let unknown_rule = lines
        .iter()
        .find(|line| line.contains("title=DX0209 "))
        .unwrap();
    assert!(
        unknown_rule.starts_with("::error file=rules/overlays/dorset%2Cwest.dxm,line=3,"),
        "{unknown_rule}"
    );
    assert!(
        unknown_rule.contains("::no rule `50%25: fast, slow` in `national`"),
        "{unknown_rule}"
    );
    insta::assert_snapshot!("check_github_errors", out);

    // A clean tree: only the summary, exit 0.
    let dir = scratch(
        "github-clean",
        &[
            ("rules/national.dxm", good().as_str()),
            ("rules/catalogue.yaml", catalogue().as_str()),
        ],
    );
    let output = dxmap(&dir, &["check", "rules", "--format", "github"]);
    assert_eq!(output.code, 0);
    assert_eq!(output.stdout, "no problems found\n");
}

#[test]
fn check_formats_are_not_route_formats() {
    let output = dxmap(&project(), &route_args(&[], &["--format", "sarif"]));
    assert_eq!(output.code, 2);
    assert!(output.stderr.contains("sarif"), "{}", output.stderr);
}

#[test]
fn graph_hierarchy_draws_the_shipped_queue_order() {
    let output = dxmap(&project(), &["graph", "hierarchy", "clinician_queue_order"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let dot = output.stdout;
    assert!(dot.starts_with("digraph "), "{dot}");
    assert!(dot.trim_end().ends_with('}'), "{dot}");
    assert!(dot.contains("\n  \"Dx321\" -> \"Dx32\";\n"), "{dot}");
    assert!(dot.contains("\n  \"Dx326\" -> \"Dx328\";\n"), "{dot}");
    assert!(
        dot.contains("\"Dx32\" [label=\"Dx32\\nSpeak to a Clinician"),
        "{dot}"
    );
    // Nine codes, eight edges.
    assert_eq!(dot.matches(" -> ").count(), 8, "{dot}");
    // Deterministic.
    let again = dxmap(&project(), &["graph", "hierarchy", "clinician_queue_order"]);
    assert_eq!(again.stdout, dot);

    // All hierarchies: one cluster each, node ids qualified by hierarchy.
    let output = dxmap(&project(), &["graph", "hierarchy", "--rules", "rules"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let dot = output.stdout;
    assert!(dot.starts_with("digraph "), "{dot}");
    assert!(
        dot.contains("subgraph \"cluster_clinician_queue_order\" {"),
        "{dot}"
    );
    assert!(
        dot.contains("\"clinician_queue_order/Dx321\" -> \"clinician_queue_order/Dx32\";"),
        "{dot}"
    );
}

#[test]
fn graph_hierarchy_errors() {
    let output = dxmap(&project(), &["graph", "hierarchy", "clinician_queue_ordr"]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("did you mean `clinician_queue_order`?"),
        "{}",
        output.stderr
    );
    assert!(output.stdout.is_empty());

    let dir = broken_tree("graph-broken");
    let output = dxmap(&dir, &["graph", "hierarchy"]);
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("unknown disposition `Dx0006`"),
        "{}",
        output.stdout
    );

    let output = dxmap(
        &project(),
        &["graph", "hierarchy", "--rules", "no-such-dir"],
    );
    assert_eq!(output.code, 2);
}

/// A tree whose only findings are analyses': `overlap` adds a second rule
/// for `Dx05`, `gap` leaves children uncovered.
fn analysed_tree(name: &str) -> PathBuf {
    let national = match name {
        "witness-overlap" => {
            GOOD.to_owned() + "rule \"Also\" {\n  when dx = Dx05\n  route gp_ooh\n}\n"
        }
        _ => GOOD.replace(
            "when dx in (Dx05, Dx06)",
            "when dx in (Dx05, Dx06) and age >= 16",
        ),
    };
    scratch(
        name,
        &[
            ("rules/national.dxm", national.as_str()),
            ("rules/catalogue.yaml", CATALOGUE),
        ],
    )
}

/// The one diagnostic with `code` in a run's JSON or SARIF output (`path`:
/// where the list is, `key`: where a diagnostic's code is).
fn finding(value: &Value, path: &str, key: &str, code: &str) -> Value {
    let found: Vec<&Value> = value
        .pointer(path)
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .filter(|d| d[key] == code)
        .collect();
    assert_eq!(found.len(), 1, "{value:#}");
    found[0].clone()
}

fn run(dir: &Path, format: &str) -> Value {
    let output = dxmap(dir, &["check", "rules", "--format", format]);
    serde_json::from_str(&output.stdout).unwrap()
}

#[test]
fn analyses_give_their_witness_case_as_data() {
    let overlap = analysed_tree("witness-overlap");
    let json = run(&overlap, "json");
    let diagnostic = finding(&json, "/diagnostics", "code", "DX0501");
    let witness = &diagnostic["witness"];
    assert_eq!(witness["layer"], "national", "{witness:#}");
    assert_eq!(witness["dx"], "Dx05");
    assert_eq!(witness["channel"], "111");
    assert_eq!(witness["sex"], "not_given");
    assert_eq!(witness["ages"]["min_days"], 0);
    assert_eq!(witness["ages"]["max_days"], Value::Null);
    assert_eq!(witness["cells"], serde_json::json!([]));
    let sarif = run(&overlap, "sarif");
    let result = finding(&sarif, "/runs/0/results", "ruleId", "DX0501");
    assert_eq!(result["properties"]["witness"], *witness);

    let gap = analysed_tree("witness-gap");
    let json = run(&gap, "json");
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let gaps: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "DX0503")
        .collect();
    assert_eq!(gaps.len(), 2, "one gap a code: {json:#}");
    let witness = &gaps[0]["witness"];
    assert_eq!(witness["dx"], "Dx05", "{witness:#}");
    assert_eq!(witness["channel"], "111");
    assert_eq!(witness["ages"]["min_days"], 0);
    assert_eq!(witness["ages"]["max_days"], 5844);
    let cells = witness["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3, "{witness:#}");
    for (cell, channel) in cells.iter().zip(["111", "999", "ooh"]) {
        assert_eq!(cell["channel"], channel);
        assert_eq!(cell["sex"], Value::Null, "all three sexes");
        assert_eq!(cell["ages"], witness["ages"]);
    }
    let sarif = run(&gap, "sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let sarif_gaps: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == "DX0503").collect();
    assert_eq!(sarif_gaps.len(), 2);
    assert_eq!(sarif_gaps[0]["properties"]["witness"], *witness);
    // Findings without a witness carry none.
    assert!(json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] != "DX0503")
        .all(|d| d["witness"].is_null()));
}
