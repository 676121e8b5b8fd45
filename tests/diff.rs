//! Change management from the command line: `diff` reports exactly the
//! routing cells an overlay change touches (exit 3 with `--exit-code`) and
//! nothing for identical trees (exit 0), also between git revisions;
//! `release-diff` lists exactly what a release adds and what it leaves
//! uncovered; `coverage` shows the shipped rules fully covered. (The CI
//! template's commands are run in `tests/ci_template.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use support::cli::{dxmap, project, scratch};
use support::trees::{change_dorset, copy_rules, repository};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn scratch_dir(name: &str) -> PathBuf {
    scratch(name, &[] as &[(&str, &[u8])])
}

/// The codes of group `dental` in the shipped rules.
fn dental_codes() -> BTreeSet<String> {
    let checked = dxmap::load::check_tree(&project().join("rules"), None).unwrap();
    let model = checked.model.unwrap();
    let group = model.groups.iter().find(|g| g.name == "dental").unwrap();
    group
        .dispositions
        .iter()
        .map(|d| model.catalogue.code(*d).to_owned())
        .collect()
}

#[test]
fn diff_reports_exactly_the_cells_an_override_changes() {
    let dir = scratch_dir("override");
    copy_rules(&dir.join("old"), &[]);
    copy_rules(&dir.join("new"), &[]);
    change_dorset(&dir.join("new"));
    let output = dxmap(
        &dir,
        &["diff", "old", "new", "--format", "json", "--exit-code"],
    );
    assert_eq!(output.code, 3, "{}", output.stdout);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(value["equal"], false);
    let cells: BTreeSet<(String, String, String)> = value["routing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            assert_eq!(cell["sex"], "any", "{cell}");
            assert_eq!(
                (cell["min_age_days"].as_u64(), cell["max_age_days"].as_u64()),
                (Some(0), None),
                "{cell}"
            );
            assert_eq!(
                cell["new"]["types"],
                serde_json::json!(["dental", "emergency_department"])
            );
            (
                cell["layer"].as_str().unwrap().to_owned(),
                cell["dx"].as_str().unwrap().to_owned(),
                cell["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = dental_codes()
        .into_iter()
        .flat_map(|code| {
            ["111", "999", "ooh"]
                .into_iter()
                .map(move |channel| ("dorset".to_owned(), code.clone(), channel.to_owned()))
        })
        .collect();
    assert_eq!(cells, expected);
    for kind in ["services", "service_types", "layers"] {
        for part in ["added", "removed", "changed"] {
            assert_eq!(value[kind][part], serde_json::json!([]), "{kind}.{part}");
        }
    }
    let human = dxmap(&dir, &["diff", "old", "new"]).stdout;
    assert!(human.contains("layer dorset"), "{human}");
    assert!(
        human.contains("\"Dental\" -> dental  =>  \"Dental\" -> dental, emergency_department"),
        "{human}"
    );
}

#[test]
fn diff_of_identical_trees_is_empty() {
    let dir = scratch_dir("identical");
    copy_rules(&dir.join("a"), &[]);
    copy_rules(&dir.join("b"), &[]);
    let output = dxmap(&dir, &["diff", "a", "b", "--exit-code"]);
    assert_eq!(output.code, 0);
    assert_eq!(output.stdout.trim(), "no behavioural difference");
}

#[test]
fn diff_reports_services_added_removed_and_changed() {
    let dir = scratch_dir("services");
    copy_rules(&dir.join("old"), &[]);
    copy_rules(&dir.join("new"), &[]);
    let path = dir.join("new/services/primary_care.dxm");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen(
            "    mon-fri 00:00-08:00, 18:30-24:00\n",
            "    mon-fri 00:00-08:00, 18:00-24:00\n",
            1,
        ),
    )
    .unwrap();
    let output = dxmap(
        &dir,
        &["diff", "old", "new", "--format", "json", "--exit-code"],
    );
    assert_eq!(output.code, 3);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(
        value["routing"],
        serde_json::json!([]),
        "hours are not routing cells"
    );
    assert_eq!(
        value["services"]["changed"][0]["fields"],
        serde_json::json!(["hours"])
    );
}

#[test]
fn diff_between_git_revisions() {
    let dir = repository("git");
    let output = dxmap(&dir, &["diff", "--git", "main..change", "--exit-code"]);
    assert_eq!(output.code, 3, "{}", output.stdout);
    assert!(output.stdout.contains("layer dorset"));
    let output = dxmap(&dir, &["diff", "--git", "main..main", "--exit-code"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    let output = dxmap(&dir, &["diff", "--git", "main..nosuchrev"]);
    assert_eq!(output.code, 2);
    // One revision: against the working tree, which has `change` checked
    // out.
    let output = dxmap(&dir, &["diff", "--git", "main", "--exit-code"]);
    assert_eq!(output.code, 3, "{}", output.stdout);
    assert!(output.stdout.contains("layer dorset"));
}

#[test]
fn release_diff_lists_exactly_the_added_codes() {
    let output = dxmap(
        &project(),
        &[
            "release-diff",
            "pathways-2015",
            "pathways-2020",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.code, 0);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let added: Vec<&str> = value["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["dx"].as_str().unwrap())
        .collect();
    assert_eq!(
        added,
        ["Dx1112", "Dx1113", "Dx1114", "Dx1115", "Dx1116", "Dx1117"]
    );
    assert_eq!(value["retired"], serde_json::json!([]));
    assert_eq!(value["changed"], serde_json::json!([]));
    // The reverse retires them.
    let output = dxmap(
        &project(),
        &[
            "release-diff",
            "pathways-2020",
            "pathways-2015",
            "--format",
            "json",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(value["retired"].as_array().unwrap().len(), 6);
}

#[test]
fn release_diff_shows_the_impact_on_a_tree() {
    let dir = scratch_dir("release-impact");
    copy_rules(&dir.join("rules"), &["covid_ccas.dxm"]);
    let output = dxmap(
        &dir,
        &[
            "release-diff",
            "pathways-2015",
            "pathways-2020",
            "--rules",
            "rules",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.code, 1, "{}", output.stdout);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let uncovered: BTreeSet<&str> = value["impact"]["uncovered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["dx"].as_str().unwrap())
        .collect();
    assert_eq!(
        uncovered,
        BTreeSet::from(["Dx1112", "Dx1113", "Dx1114", "Dx1115", "Dx1116", "Dx1117"])
    );
    // The shipped tree covers them.
    let output = dxmap(
        &project(),
        &[
            "release-diff",
            "pathways-2015",
            "pathways-2020",
            "--rules",
            "rules",
        ],
    );
    assert_eq!(output.code, 0, "{}", output.stdout);
    assert!(output.stdout.contains("new codes not covered (0)"));
}

#[test]
fn coverage_of_the_shipped_rules_is_complete() {
    let output = dxmap(&project(), &["coverage", "rules"]);
    assert_eq!(output.code, 0, "{}", output.stdout);
    assert!(output
        .stdout
        .contains("every required disposition is covered in every layer"));
    let output = dxmap(&project(), &["coverage", "rules", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let layers = value["layers"].as_array().unwrap();
    assert!(layers.len() >= 4);
    for layer in layers {
        assert_eq!(layer["totals"]["uncovered"], 0, "{}", layer["layer"]);
        assert_eq!(layer["totals"]["partial"], 0, "{}", layer["layer"]);
        assert_eq!(
            layer["totals"]["required"], layer["totals"]["covered"],
            "{}",
            layer["layer"]
        );
    }
    // A tree with a gap exits 1 and names it.
    let dir = scratch_dir("coverage-gap");
    copy_rules(&dir.join("rules"), &["covid_ccas.dxm"]);
    let output = dxmap(&dir, &["coverage", "rules", "--release", "pathways-2020"]);
    assert_eq!(output.code, 1);
    assert!(output.stdout.contains("Dx1112") && output.stdout.contains("NOT COVERED"));
}

/// The shipped rules in `dir/old` and `dir/new`, each with the release
/// catalogue copied in beside them (so that a test can change it).
fn two_trees_with_their_catalogue(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    for side in ["old", "new"] {
        let rules = dir.join(side);
        copy_rules(&rules, &[]);
        let national = rules.join("national.dxm");
        let text = std::fs::read_to_string(&national)
            .unwrap()
            .replace("release \"pathways-2020\"", "release \"catalogue.yaml\"");
        std::fs::write(national, text).unwrap();
        std::fs::copy(
            project().join("fixtures/releases/pathways-2020.yaml"),
            rules.join("catalogue.yaml"),
        )
        .unwrap();
    }
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn diff_reports_a_bank_holiday_removed_from_the_calendar() {
    // Without the Spring bank holiday, Dx05 on 111 at 2020-05-25 12:00 no
    // longer finds the GP out-of-hours service's bank-holiday session.
    let dir = two_trees_with_their_catalogue("calendar");
    let calendar = dir.join("new/calendar.dxm");
    let text = std::fs::read_to_string(&calendar).unwrap();
    let line = text
        .lines()
        .find(|line| line.contains("2020-05-25"))
        .unwrap()
        .to_owned();
    edit(&calendar, &format!("{line}\n"), "");
    let output = dxmap(&dir, &["diff", "old", "new", "--exit-code"]);
    assert_eq!(output.code, 3, "{}{}", output.stdout, output.stderr);
    assert!(
        output.stdout.contains("calendar\n  - 2020-05-25"),
        "{}",
        output.stdout
    );
    let json = dxmap(&dir, &["diff", "old", "new", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["equal"], false);
    assert_eq!(
        value["calendar"]["removed"][0].as_str().unwrap().get(..10),
        Some("2020-05-25")
    );
}

#[test]
fn diff_reports_a_timeframe_changed_in_the_trees_own_catalogue() {
    let dir = two_trees_with_their_catalogue("timeframe");
    let catalogue = dir.join("new/catalogue.yaml");
    let text = std::fs::read_to_string(&catalogue).unwrap();
    let start = text.find("code: Dx05\n").unwrap();
    let field = text[start..].find("timeframe_minutes: 120").unwrap() + start;
    let mut changed = text.clone();
    changed.replace_range(
        field..field + "timeframe_minutes: 120".len(),
        "timeframe_minutes: 60",
    );
    std::fs::write(&catalogue, changed).unwrap();
    let output = dxmap(&dir, &["diff", "old", "new", "--exit-code"]);
    assert_eq!(output.code, 3, "{}{}", output.stdout, output.stderr);
    assert!(
        output
            .stdout
            .contains("dispositions\n  ~ Dx05: timeframe 120 min -> 60 min"),
        "{}",
        output.stdout
    );
}

/// The services the Cornwall overlay declares.
const CORNWALL_SERVICES: [&str; 6] = [
    "AMB-SWAST",
    "CAS-KERNOW",
    "ED-DER",
    "ED-RCH",
    "GPOOH-TR",
    "UTC-TR1",
];

#[test]
fn a_new_overlay_is_one_line_with_its_area_and_what_it_changes_there() {
    let dir = scratch_dir("new-overlay");
    copy_rules(&dir.join("old"), &["overlays/cornwall.dxm"]);
    copy_rules(&dir.join("new"), &[]);
    let output = dxmap(&dir, &["diff", "old", "new", "--exit-code"]);
    assert_eq!(output.code, 3, "{}{}", output.stdout, output.stderr);
    // Instead of a line per cell of the new layer, one line: Cornwall's
    // only rule of its own sends Dx05 on 111 to the UTC, and its six
    // services are in force there.
    assert!(
        !output.stdout.contains("no such layer"),
        "{}",
        output.stdout
    );
    assert!(
        !output.stdout.contains("layer cornwall"),
        "{}",
        output.stdout
    );
    assert!(
        output.stdout.contains(
            "layers\n  + cornwall (new overlay, extends national): area EX23, PL10..PL15, PL17, PL18, PL22..PL35, TR \
             — 1 code routed differently there than by national before, 6 services added\n"
        ),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains("0 routing cells differ (and 1 in the areas of new or removed overlays)"),
        "{}",
        output.stdout
    );
    let json = dxmap(
        &dir,
        &["diff", "old", "new", "--format", "json", "--exit-code"],
    );
    assert_eq!(json.code, 3);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["layers"]["added"], serde_json::json!(["cornwall"]));
    let summary = &value["overlays"][0];
    assert_eq!(value["overlays"].as_array().unwrap().len(), 1);
    assert_eq!(summary["layer"], "cornwall");
    assert_eq!(summary["change"], "added");
    assert_eq!(summary["extends"], "national");
    assert_eq!(summary["compared_with"], serde_json::json!(["national"]));
    assert_eq!(summary["codes"], serde_json::json!(["Dx05"]));
    assert_eq!(summary["cells"], 1);
    assert_eq!(
        summary["services_with"],
        serde_json::json!(CORNWALL_SERVICES)
    );
    assert_eq!(summary["services_without"], serde_json::json!([]));
    let area: Vec<&str> = summary["area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| unit.as_str().unwrap())
        .collect();
    assert_eq!(area.len(), 24, "{area:?}");
    assert_eq!((area[0], area[1], area[23]), ("EX23", "PL10", "TR"));
    // The cells are still in `routing`, as before.
    assert!(value["routing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|cell| cell["layer"] == "cornwall" && cell["old"]["layer_exists"] == false));

    // Removed, the other way round.
    let output = dxmap(&dir, &["diff", "new", "old", "--exit-code"]);
    assert_eq!(output.code, 3);
    assert!(
        output.stdout.contains(
            "  - cornwall (overlay removed, extends national): area EX23, PL10..PL15, PL17, PL18, PL22..PL35, TR \
             — 1 code routed differently there, by national now, 6 services no longer in force\n"
        ),
        "{}",
        output.stdout
    );
    let json = dxmap(&dir, &["diff", "new", "old", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["overlays"][0]["change"], "removed");
    assert_eq!(value["overlays"][0]["codes"], serde_json::json!(["Dx05"]));
    assert_eq!(
        value["overlays"][0]["services_with"],
        serde_json::json!(CORNWALL_SERVICES)
    );
}

#[test]
fn an_area_change_names_the_units_claimed_and_given_up() {
    let dir = scratch_dir("area-units");
    copy_rules(&dir.join("old"), &[]);
    copy_rules(&dir.join("new"), &[]);
    edit(
        &dir.join("new/overlays/cornwall.dxm"),
        "postcodes east_cornwall = PL10..PL15, PL17, PL18, PL22..PL35",
        "postcodes east_cornwall = PL11..PL19, PL22..PL35",
    );
    let output = dxmap(&dir, &["diff", "old", "new", "--exit-code"]);
    assert_eq!(output.code, 3, "{}{}", output.stdout, output.stderr);
    assert!(
        output
            .stdout
            .contains("layers\n  ~ cornwall: area +PL16, +PL19, -PL10\n"),
        "{}",
        output.stdout
    );
    let json = dxmap(&dir, &["diff", "old", "new", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["layers"]["changed"],
        serde_json::json!([{"id": "cornwall", "fields": ["area"]}])
    );
    assert_eq!(
        value["areas"],
        serde_json::json!([{"layer": "cornwall", "added": ["PL16", "PL19"], "removed": ["PL10"]}])
    );
    assert_eq!(value["overlays"], serde_json::json!([]));
}

#[test]
fn diff_reports_a_catch_all_distance_changed() {
    let dir = scratch_dir("catch-all-within");
    copy_rules(&dir.join("old"), &[]);
    copy_rules(&dir.join("new"), &[]);
    edit(
        &dir.join("new/overlays/cornwall.dxm"),
        "catch_all emergency_department within 60km",
        "catch_all emergency_department within 30km",
    );
    let output = dxmap(&dir, &["diff", "old", "new", "--exit-code"]);
    assert_eq!(output.code, 3, "{}{}", output.stdout, output.stderr);
    assert!(
        output.stdout.contains("layers\n  ~ cornwall: catch_all\n"),
        "{}",
        output.stdout
    );
}

#[test]
fn diff_git_works_from_any_folder_of_the_repository_without_rules() {
    let dir = repository("git-anywhere");
    for folder in ["rules", "rules/overlays", "rules/tests"] {
        let output = dxmap(
            &dir.join(folder),
            &["diff", "--git", "main..change", "--exit-code"],
        );
        assert_eq!(
            output.code, 3,
            "{folder}: {}{}",
            output.stdout, output.stderr
        );
        assert!(output.stdout.contains("layer dorset"), "{}", output.stdout);
        // One revision: against the working tree, which has `change`.
        let output = dxmap(&dir.join(folder), &["diff", "--git", "main", "--exit-code"]);
        assert_eq!(
            output.code, 3,
            "{folder}: {}{}",
            output.stdout, output.stderr
        );
        assert!(output.stdout.contains("layer dorset"), "{}", output.stdout);
        let output = dxmap(
            &dir.join(folder),
            &["diff", "--git", "change", "--exit-code"],
        );
        assert_eq!(
            output.code, 0,
            "{folder}: {}{}",
            output.stdout, output.stderr
        );
    }
    // Any other path is kept as given: from inside `rules/`, `nowhere` is
    // `rules/nowhere`, which no revision has.
    let output = dxmap(
        &dir.join("rules"),
        &["diff", "--git", "main..change", "--rules", "nowhere"],
    );
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.contains("`nowhere` does not exist"),
        "{}",
        output.stderr
    );
}
