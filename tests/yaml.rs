//! Test and capacity files are read strictly, as a DoS lead would want a
//! careful colleague to read them: a name given twice is an error (not
//! "the last one wins"), a status is one word (`[red]` is not red), a
//! test's location is checked as `route --location` checks one, a test
//! without `expect` fails, and every error names the file, the line and
//! the column where the problem is, with BOMs, CRLF and lone CR line
//! endings counted right.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::Path;

use support::cli::{assert_run, dxmap, good_tree, Run};

/// `dxmap route` of a Dx05 case in the small good tree, with `capacity`
/// as its capacity file.
fn route_with_capacity(name: &str, capacity: &str) -> Run {
    let dir = good_tree(name, &[("capacity.yaml", capacity.as_bytes())]);
    route(&dir, &["--capacity", "capacity.yaml"])
}

fn route(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "route",
        "--rules",
        "rules",
        "--dx",
        "Dx05",
        "--channel",
        "111",
        "--age",
        "40",
        "--postcode",
        "SO16 7AB",
        "--at",
        "2020-05-08T15:00:00+01:00",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    dxmap(dir, &args)
}

/// `dxmap test` of the small good tree with `tests` as its one test file.
fn test_file(name: &str, tests: &str) -> Run {
    let dir = good_tree(name, &[("rules/tests/cases.yaml", tests.as_bytes())]);
    dxmap(&dir, &["test", "rules"])
}

/// A case the small good tree routes to `GPOOH-SO`, as test YAML.
const CASE: &str = r#"{ dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }"#;

#[test]
fn a_capacity_file_naming_a_service_twice_is_refused_at_the_second() {
    let run = route_with_capacity(
        "capacity-twice",
        "GPOOH-SO: green\nOTHER: red\nGPOOH-SO: red\n",
    );
    assert_run(
        &run,
        1,
        &[
            "capacity.yaml:3:1",
            "`GPOOH-SO` is given a second time here: give each name once",
        ],
    );
    // The same name quoted is the same service.
    let run = route_with_capacity(
        "capacity-twice-quoted",
        "GPOOH-SO: green\n\"GPOOH-SO\": red\n",
    );
    assert_run(
        &run,
        1,
        &["capacity.yaml:2:1", "`GPOOH-SO` is given a second time"],
    );
}

#[test]
fn a_capacity_status_is_one_word_not_a_list() {
    let run = route_with_capacity("capacity-list", "# today\nGPOOH-SO: [red]\n");
    assert_run(
        &run,
        1,
        &[
            "capacity.yaml:2:11",
            "`GPOOH-SO` has a list for its status: write one word, red, amber or green",
        ],
    );
    let run = route_with_capacity("capacity-list-full", "GPOOH-SO: { status: [red] }\n");
    assert_run(&run, 1, &["capacity.yaml:1:21", "the status of `GPOOH-SO`"]);
    // One word is read, and the red service is not offered.
    let run = route_with_capacity("capacity-word", "GPOOH-SO: red\n");
    assert_run(&run, 0, &[]);
    assert!(!run.stdout.contains("\"GPOOH-SO\""), "{}", run.stdout);
}

#[test]
fn capacity_errors_are_reported_at_their_own_lines() {
    let run = route_with_capacity(
        "capacity-lines",
        "# Capacity at 15:00\nOTHER: red\nGPOOH-SO: purple\nTHIRD:\n  status: amber\n  until: soon\n",
    );
    assert_run(
        &run,
        1,
        &[
            "capacity.yaml:3:11",
            "`GPOOH-SO` has unknown status `purple` (use red, amber or green)",
            "capacity.yaml:6:10",
            "`THIRD`: `until` `soon` is not a time",
            "2 errors",
        ],
    );
    assert!(
        !run.output().contains("capacity.yaml:1:"),
        "{}",
        run.output()
    );
}

#[test]
fn capacity_files_with_a_bom_crlf_or_lone_cr_are_read_with_lines_right() {
    for (name, text) in [
        ("bom", "\u{feff}# today\nOTHER: red\nGPOOH-SO: purple\n"),
        ("crlf", "# today\r\nOTHER: red\r\nGPOOH-SO: purple\r\n"),
        ("cr", "# today\rOTHER: red\rGPOOH-SO: purple\r"),
    ] {
        let run = route_with_capacity(&format!("capacity-{name}"), text);
        assert_run(&run, 1, &["capacity.yaml:3:11", "unknown status `purple`"]);
        let good = text
            .replace("purple", "red")
            .replace("OTHER: red", "# no other");
        let run = route_with_capacity(&format!("capacity-{name}-good"), &good);
        assert_run(&run, 0, &[]);
        assert!(
            !run.stdout.contains("\"GPOOH-SO\""),
            "{name}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_key_given_twice_in_a_test_is_a_located_failure() {
    let dx_twice = format!(
        "- name: twice\n  case: {}\n  expect: {{ services: [GPOOH-SO] }}\n",
        CASE.replace("{ dx: Dx05,", "{ dx: Dx05, dx: Dx06,")
    );
    let name_twice = format!(
        "- name: first\n  case: {CASE}\n  expect: {{ services: [GPOOH-SO] }}\n  name: second\n"
    );
    let expect_twice = format!(
        "- name: first\n  case: {CASE}\n  expect: {{ services: [] }}\n  expect: {{ services: [GPOOH-SO] }}\n"
    );
    let capacity_twice = format!(
        "- name: first\n  case: {CASE}\n  capacity: {{ GPOOH-SO: green, GPOOH-SO: red }}\n  expect: {{ services: [GPOOH-SO] }}\n"
    );
    let status_list = format!(
        "- name: first\n  case: {CASE}\n  capacity: {{ GPOOH-SO: [red] }}\n  expect: {{ services: [] }}\n"
    );
    for (name, text, expected) in [
        (
            "test-dx-twice",
            &dx_twice,
            &[
                "rules/tests/cases.yaml:2:21",
                "`dx` is given a second time here",
                "0 passed, 1 failed",
            ][..],
        ),
        (
            "test-name-twice",
            &name_twice,
            &[
                "rules/tests/cases.yaml:4:3",
                "`name` is given a second time",
            ],
        ),
        (
            "test-expect-twice",
            &expect_twice,
            &[
                "rules/tests/cases.yaml:4:3",
                "`expect` is given a second time",
            ],
        ),
        (
            "test-capacity-twice",
            &capacity_twice,
            &[
                "rules/tests/cases.yaml:3:32",
                "`GPOOH-SO` is given a second time",
            ],
        ),
        (
            "test-status-list",
            &status_list,
            &["rules/tests/cases.yaml:3:25", "`GPOOH-SO` has a list"],
        ),
    ] {
        let run = test_file(name, text);
        assert_run(&run, 1, expected);
    }
}

#[test]
fn a_tests_location_is_checked_as_the_command_lines() {
    let with_location = |location: &str| {
        let case = CASE.replace(" }", &format!(", location: {location} }}"));
        format!(
            "# Locations\n- name: located\n  case: {case}\n  expect: {{ services: [GPOOH-SO] }}\n"
        )
    };
    // On the globe: read, and routed.
    let run = test_file("location-good", &with_location("[50.92, -1.43]"));
    assert_run(&run, 0, &["1 passed, 0 failed"]);
    for (name, location, problem) in [
        (
            "far",
            "[1000, 0]",
            "`[1000, 0]` is not a latitude and longitude: the latitude 1000 is not from -90 to 90 degrees",
        ),
        (
            "nan",
            "[.nan, 0]",
            "`[NaN, 0]` is not a latitude and longitude: the latitude NaN is not from -90 to 90",
        ),
        (
            "inf",
            "[0, -.inf]",
            "the longitude -inf is not from -180 to 180 degrees",
        ),
        ("one", "[50.92]", "a location is two numbers, `[LAT, LON]`"),
        ("three", "[50.92, -1.43, 7]", "a location is two numbers"),
        ("words", "[north, west]", "expected f64"),
    ] {
        let run = test_file(&format!("location-{name}"), &with_location(location));
        assert_run(
            &run,
            1,
            &["rules/tests/cases.yaml:3:", problem, "0 passed, 1 failed"],
        );
    }
    // The command line says the same of the same place: one check.
    let dir = good_tree("location-cli", &[]);
    let run = route(&dir, &["--location", "1000,0"]);
    assert_run(
        &run,
        1,
        &["`1000,0` is not a latitude and longitude: the latitude 1000 is not from -90 to 90 degrees"],
    );
}

#[test]
fn a_test_without_expect_fails_where_it_starts() {
    let tests = format!(
        "- name: checked\n  case: {CASE}\n  expect: {{ services: [GPOOH-SO] }}\n- name: unchecked\n  case: {CASE}\n"
    );
    let run = test_file("no-expect", &tests);
    assert_run(
        &run,
        1,
        &[
            "rules/tests/cases.yaml:4:3",
            "this test has no `expect`: say what it expects",
            "0 passed, 1 failed",
        ],
    );
    let empty = format!("- name: checks nothing\n  case: {CASE}\n  expect: {{}}\n");
    let run = test_file("empty-expect", &empty);
    assert_run(
        &run,
        1,
        &[
            "rules/tests/cases.yaml:3:11",
            "`expect` checks nothing",
            "0 passed, 1 failed",
        ],
    );
    // JUnit counts it as a failure too, so CI fails.
    let dir = good_tree(
        "no-expect-junit",
        &[("rules/tests/cases.yaml", tests.as_bytes())],
    );
    let run = dxmap(&dir, &["test", "rules", "--format", "junit"]);
    assert_eq!(run.code, 1, "{}", run.output());
    assert!(run.stdout.contains("failures=\"1\""), "{}", run.stdout);
}

#[test]
fn tests_are_placed_at_their_own_lines_whatever_their_key_order_and_line_ends() {
    let tests = format!(
        "# Two tests\n- case: {CASE}\n  name: case first\n  expect: {{ services: [] }}\n\n-   name: indented\n    case: {CASE}\n    expect: {{ services: [] }}\n"
    );
    for (name, text) in [
        ("lf", tests.clone()),
        ("bom", format!("\u{feff}{tests}")),
        ("crlf", tests.replace('\n', "\r\n")),
        ("cr", tests.replace('\n', "\r")),
    ] {
        let run = test_file(&format!("places-{name}"), &text);
        assert_run(
            &run,
            1,
            &[
                "FAIL  case first (rules/tests/cases.yaml:2)",
                "FAIL  indented (rules/tests/cases.yaml:6)",
                "0 passed, 2 failed",
            ],
        );
    }
}

#[test]
fn a_character_yaml_refuses_is_reported_at_its_line() {
    // Found by the `cases_yaml` fuzz target: a control character was
    // reported at line 1, "at position 1385".
    let tests = format!(
        "# Tests\n- name: fine\n  case: {CASE}\n  expect: {{ services: [GPOOH-SO] }}\n- name: \"bell\u{7}\"\n"
    );
    for (name, text) in [("lf", tests.clone()), ("crlf", tests.replace('\n', "\r\n"))] {
        let run = test_file(&format!("control-{name}"), &text);
        assert_run(
            &run,
            1,
            &[
                "rules/tests/cases.yaml:5:",
                "control character U+0007 is not allowed in YAML",
            ],
        );
        assert!(!run.output().contains("at position"), "{}", run.output());
    }
}
