//! One consistent command line (the DoS lead's day): `--rules` and
//! `--release` wherever a tree is read, exit codes and an example at the
//! end of every `--help`, the sorted `explain` list, completions, `init`,
//! `fmt --diff`, `--color`, `--quiet`, and local times for `--at`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on an unexpected answer"
)]

mod support;

use support::cli::{assert_run, dxmap, good_tree, project, route_args, scratch};

/// Every subcommand, as `--help` lists it.
const COMMANDS: &[&str] = &[
    "check",
    "build",
    "route",
    "test",
    "queue",
    "graph",
    "coverage",
    "diff",
    "release-diff",
    "fmt",
    "explain",
    "serve",
    "init",
    "completions",
];

#[test]
fn every_help_ends_with_exit_codes_and_an_example() {
    for command in COMMANDS {
        let run = dxmap(&project(), &[command, "--help"]);
        assert_eq!(run.code, 0, "{command}");
        let tail: Vec<&str> = run.stdout.trim_end().lines().rev().take(4).collect();
        let tail = tail.join("\n");
        assert!(tail.contains("Exit codes: 0"), "{command} --help:\n{tail}");
        assert!(tail.contains("Example:"), "{command} --help:\n{tail}");
        assert!(tail.contains("  dxmap "), "{command} --help:\n{tail}");
    }
    let run = dxmap(&project(), &["graph", "hierarchy", "--help"]);
    assert!(run.stdout.contains("--rules <DIR>") && run.stdout.contains("--release"));
}

#[test]
fn every_command_reading_a_tree_takes_rules_and_release() {
    for command in [
        "check", "build", "test", "coverage", "queue", "route", "serve",
    ] {
        let run = dxmap(&project(), &[command, "--help"]);
        assert!(
            run.stdout.contains("--rules <DIR>"),
            "{command}:\n{}",
            run.stdout
        );
        assert!(run.stdout.contains("--release <NAME|FILE>"), "{command}");
    }
    let dir = project();
    for args in [
        &["check", "--rules", "rules"][..],
        &["check", "rules"],
        &["check", "--rules", "rules", "--release", "pathways-2020"],
        &["coverage", "--rules", "rules"],
        &["test", "--rules", "rules", "--quiet"],
        &[
            "queue",
            "--rules",
            "rules",
            "--release",
            "pathways-2020",
            "--hierarchy",
            "clinician_queue_order",
            "Dx32",
        ],
        &[
            "graph",
            "hierarchy",
            "--rules",
            "rules",
            "--release",
            "pathways-2020",
        ],
    ] {
        let run = dxmap(&dir, args);
        assert_eq!(run.code, 0, "{args:?}\n{}", run.output());
    }
    let table = std::env::temp_dir().join(format!("dxmap-cl-{}.dxt", std::process::id()));
    let table = table.to_str().unwrap();
    let run = dxmap(
        &dir,
        &[
            "build",
            "--rules",
            "rules",
            "--release",
            "pathways-2020",
            "-o",
            table,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.output());
    let _ = std::fs::remove_file(table);
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules", "--release", "pathways-2020"], &[]),
    );
    assert_eq!(run.code, 0, "{}", run.output());
    // A release the tree does not check against is used: its codes are unknown.
    let run = dxmap(
        &dir,
        &["check", "--rules", "rules", "--release", "pathways-2015"],
    );
    assert_run(&run, 1, &["Dx1112"]);
    // The positional and the option together are a usage error.
    let run = dxmap(&dir, &["check", "rules", "--rules", "rules"]);
    assert_eq!(run.code, 2);
}

#[test]
fn explain_lists_codes_in_order() {
    let run = dxmap(&project(), &["explain"]);
    let ids: Vec<&str> = run.stdout.lines().map(|l| &l[..6]).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = dxmap(&project(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("dxmap") && run.stdout.contains("release-diff"),
            "{shell}"
        );
    }
    assert_eq!(dxmap(&project(), &["completions", "tcsh"]).code, 2);
}

#[test]
fn init_makes_a_tree_that_checks_clean_with_a_passing_test() {
    let dir = scratch::<&[u8]>("init", &[]);
    let run = dxmap(&dir, &["init", "my-rules"]);
    assert_run(&run, 0, &["created my-rules"]);
    let run = dxmap(&dir, &["check", "--rules", "my-rules", "--deny-warnings"]);
    assert_run(&run, 0, &["no problems found"]);
    let run = dxmap(&dir, &["test", "--rules", "my-rules"]);
    assert_run(&run, 0, &["1 passed, 0 failed"]);
    let run = dxmap(&dir, &["fmt", "--check", "my-rules"]);
    assert_eq!(run.code, 0, "{}", run.output());
    // Never over an existing tree.
    let run = dxmap(&dir, &["init", "my-rules"]);
    assert_run(&run, 2, &["not empty"]);
}

#[test]
fn fmt_diff_shows_the_change_and_check_lists_files() {
    let messy = "rule \"A\" {\n  when dx = Dx05\n      route gp_ooh\n}\n";
    let dir = scratch("fmt-diff", &[("rules/a.dxm", messy)]);
    let run = dxmap(&dir, &["fmt", "--diff", "rules"]);
    assert_run(
        &run,
        1,
        &[
            "--- a/rules/a.dxm",
            "+++ b/rules/a.dxm",
            "-      route gp_ooh",
            "+  route gp_ooh",
        ],
    );
    let run = dxmap(&dir, &["fmt", "--check", "rules"]);
    assert_run(&run, 1, &["would reformat rules/a.dxm"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/a.dxm")).unwrap(),
        messy
    );
    assert_eq!(dxmap(&dir, &["fmt", "--check", "--diff", "rules"]).code, 2);
}

#[test]
fn color_and_quiet_are_global() {
    let dir = good_tree(
        "color",
        &[(
            "rules/bad.dxm",
            b"rule \"B\" { when dx = Dx0006 route gp_ooh }\n",
        )],
    );
    let always = dxmap(&dir, &["check", "--color", "always"]);
    assert!(always.stdout.contains('\u{1b}'), "{}", always.stdout);
    let never = dxmap(&dir, &["--color", "never", "check"]);
    assert!(!never.stdout.contains('\u{1b}'));
    assert_eq!(always.code, 1);
    let quiet = dxmap(&project(), &["check", "rules", "--quiet"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
    let quiet = dxmap(&project(), &["-q", "test", "rules"]);
    assert!(!quiet.stdout.contains("ok    "), "{}", quiet.stdout);
}

#[test]
fn at_takes_a_local_time() {
    let dir = project();
    let local = dxmap(
        &dir,
        &support::cli::with_arg(
            &route_args(&["--rules", "rules"], &[]),
            "--at",
            "2020-05-08T15:00",
        ),
    );
    let offset = dxmap(&dir, &route_args(&["--rules", "rules"], &[]));
    assert_eq!(local.code, 0, "{}", local.output());
    assert_eq!(local.stdout, offset.stdout);
    // 01:30 on 29 March 2020 does not exist: the clocks went forward at 01:00.
    let gap = dxmap(
        &dir,
        &support::cli::with_arg(
            &route_args(&["--rules", "rules"], &[]),
            "--at",
            "2020-03-29T01:30",
        ),
    );
    assert_run(
        &gap,
        1,
        &["does not exist in Europe/London", "clocks go forward"],
    );
    // 01:30 on 25 October 2020 happened twice: the first, still BST.
    let fold = dxmap(
        &dir,
        &support::cli::with_arg(
            &route_args(&["--rules", "rules"], &[]),
            "--at",
            "2020-10-25T01:30",
        ),
    );
    assert_run(&fold, 0, &["2020-10-25 01:30 BST"]);
}

/// `route --cases`: a test file (YAML) and JSON lines are answered one line
/// per case, in order, each as `route --format json` answers that case
/// alone; a wrong case gets an error on its line (with its number) and exit
/// 1, the others are still answered.
#[test]
fn route_cases_answers_each_case_as_route_does() {
    let root = project();
    let built = scratch("route-cases", &[("cases.jsonl", "")]);
    let table = built.join("rules.dxt");
    let build = dxmap(&root, &["build", "rules", "-o", table.to_str().unwrap()]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let table = table.to_str().unwrap();

    let run = dxmap(
        &root,
        &[
            "route",
            "--table",
            table,
            "--cases",
            "rules/tests/hampshire.yaml",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tests: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root.join("rules/tests/hampshire.yaml")).unwrap(),
    )
    .unwrap();
    let tests = tests.as_sequence().unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        tests.len(),
        "one line per case:\n{}",
        run.stdout
    );
    for (test, line) in tests.iter().zip(&lines) {
        let case = &test["case"];
        let text = |key: &str| match &case[key] {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            other => panic!("{key}: {other:?}"),
        };
        let mut args = vec![
            "route".to_owned(),
            "--table".to_owned(),
            table.to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ];
        for key in ["dx", "channel", "age", "sex", "postcode", "at"] {
            if !case[key].is_null() {
                args.extend([format!("--{key}"), text(key)]);
            }
        }
        if let Some([lat, lon]) = case["location"].as_sequence().map(Vec::as_slice) {
            args.extend([
                "--location".to_owned(),
                format!("{},{}", lat.as_f64().unwrap(), lon.as_f64().unwrap()),
            ]);
        }
        if !case["capacity"].is_null() {
            continue; // capacity comes from a file on the command line
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let alone = dxmap(&root, &args);
        assert_eq!(alone.code, 0, "{}", alone.stderr);
        let alone: serde_json::Value = serde_json::from_str(&alone.stdout).unwrap();
        let many: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(many, alone, "{}", test["name"].as_str().unwrap_or(""));
    }

    let cases = concat!(
        r#"{"dx":"Dx28","channel":"111","age":40,"sex":"female","postcode":"SO16 7AB","at":"2020-05-08T15:00:00+01:00"}"#,
        "\n\n",
        r#"{"dx":"Dx99999","channel":"111","age":40,"postcode":"SO16 7AB"}"#,
        "\nnot json\n",
        r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","colour":"red"}"#,
        "\n",
    );
    std::fs::write(built.join("cases.jsonl"), cases).unwrap();
    let run = dxmap(
        &built,
        &["route", "--table", table, "--cases", "cases.jsonl"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let answers: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "{}", run.stdout);
    assert_eq!(answers[0]["overlay"], "hampshire");
    assert!(!answers[0]["services"].as_array().unwrap().is_empty());
    for (answer, (number, line, code, field)) in answers[1..].iter().zip([
        (2, 3, "invalid_case", Some("dx")),
        (3, 4, "invalid_json", None),
        (4, 5, "unknown_field", Some("colour")),
    ]) {
        assert_eq!(answer["case"], number, "{answer}");
        assert_eq!(answer["line"], line, "{answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
        assert_eq!(answer["error"]["field"].as_str(), field, "{answer}");
    }

    // The single-case flags and `--cases` do not mix; a missing file is exit 2.
    let run = dxmap(
        &built,
        &[
            "route",
            "--table",
            table,
            "--cases",
            "cases.jsonl",
            "--dx",
            "Dx05",
        ],
    );
    assert_eq!(run.code, 2);
    let run = dxmap(
        &built,
        &["route", "--table", table, "--cases", "missing.jsonl"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.jsonl"), "{}", run.stderr);
}
