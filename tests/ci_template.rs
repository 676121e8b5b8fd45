//! The CI template for commissioners, `docs/ci/github-actions.yml`, run as
//! GitHub Actions would run it, copied unchanged: its steps in order in a
//! scratch git repository holding a pull request (the shipped rules on
//! `main`, a Dorset change on the checked-out branch), each `run:` script
//! through bash with the runner's shell options, `if:` conditions and
//! `continue-on-error` read as GitHub reads them, and the built `dxmap` on
//! the PATH. Steps that `uses:` an action are not run; the test checks
//! what they would be given (the SARIF log, the report). The install step
//! runs against a stand-in `cargo` that records what it was asked, and
//! must not call it when the cached binary is the pinned version.
//!
//! Three pull requests: a clean one, one whose check has a warning, and
//! one whose check has an error. In every one, the SARIF log is uploaded
//! and is a non-empty SARIF document naming files from the repository's
//! root (`uriBaseId`) with a fingerprint per result; the test cases and
//! the behavioural difference run and the difference is in the job
//! summary; the job fails exactly when a check failed.
//!
//! The template's `run:` scripts are bash, as on GitHub's Ubuntu runners:
//! this test runs where bash is (Unix).
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use serde_yaml::Value as Yaml;
use support::cli::{git, project};
use support::trees::repository;

fn template() -> Yaml {
    let text = std::fs::read_to_string(project().join("docs/ci/github-actions.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn text(value: &Yaml) -> String {
    match value {
        Yaml::String(text) => text.clone(),
        Yaml::Number(number) => number.to_string(),
        Yaml::Bool(flag) => flag.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// A mapping's entries as text.
fn entries(value: &Yaml) -> Vec<(String, String)> {
    value
        .as_mapping()
        .map(|mapping| {
            mapping
                .iter()
                .map(|(key, value)| (text(key), text(value)))
                .collect()
        })
        .unwrap_or_default()
}

/// How one step ended: `success`, `failure` or `skipped`, with what it
/// printed.
#[derive(Debug, Clone)]
struct Step {
    name: String,
    outcome: &'static str,
    output: String,
}

/// How the job ended.
#[derive(Debug)]
struct Job {
    steps: Vec<Step>,
    /// The job's conclusion: a step failed without `continue-on-error`.
    failed: bool,
    /// The job summary (`$GITHUB_STEP_SUMMARY`).
    summary: String,
    /// The SARIF log as the upload step would have read it.
    uploaded_sarif: Option<String>,
    /// Whether the report would have been uploaded.
    uploaded_report: bool,
    /// The arguments the install step gave `cargo`, if it called it.
    cargo: Option<String>,
}

impl Job {
    fn step(&self, id_or_name: &str) -> &Step {
        self.steps
            .iter()
            .find(|step| step.name == id_or_name)
            .unwrap_or_else(|| panic!("no step {id_or_name} in {:#?}", self.steps))
    }
}

/// A step's id, else its name, else what it uses.
fn step_name(step: &Yaml) -> String {
    ["id", "name", "uses"]
        .iter()
        .find_map(|key| step[*key].as_str())
        .unwrap()
        .to_owned()
}

/// The `${{ … }}` expressions of the template, as GitHub evaluates them
/// for a pull request against `main`; any other expression fails the test.
fn expand(text: &str, event: &str, env: &BTreeMap<String, String>, steps: &[Step]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        let expression = rest[start + 3..end].trim();
        out.push_str(&evaluate(expression, event, env, steps));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn evaluate(
    expression: &str,
    event: &str,
    env: &BTreeMap<String, String>,
    steps: &[Step],
) -> String {
    if let Some(name) = expression.strip_prefix("env.") {
        return env[name].clone();
    }
    if let Some(id) = expression
        .strip_prefix("steps.")
        .and_then(|rest| rest.strip_suffix(".outcome"))
    {
        return steps
            .iter()
            .find(|step| step.name == id)
            .map_or("", |step| step.outcome)
            .to_owned();
    }
    match expression {
        "github.base_ref" => "main".to_owned(),
        "github.event_name" => event.to_owned(),
        "runner.os" => "Linux".to_owned(),
        other => panic!("the test does not know the expression `{other}`"),
    }
}

/// Whether a step runs: its `if:` terms (joined by `&&`), with GitHub's
/// implicit `success()` unless a status function is named.
fn runs(condition: Option<&str>, event: &str, dir: &Path, job_failed: bool) -> bool {
    let Some(condition) = condition else {
        return !job_failed;
    };
    let mut status_named = false;
    let mut all = true;
    for term in condition.split("&&").map(str::trim) {
        let holds = if term == "always()" {
            status_named = true;
            true
        } else if let Some(value) = term.strip_prefix("github.event_name == ") {
            value.trim_matches('\'') == event
        } else if let Some(pattern) = term
            .strip_prefix("hashFiles('")
            .and_then(|rest| rest.strip_suffix("') != ''"))
        {
            // `hashFiles` gives a hash for any file that exists, empty or not.
            dir.join(pattern).is_file()
        } else {
            panic!("the test does not know the condition `{term}`")
        };
        all &= holds;
    }
    all && (status_named || !job_failed)
}

/// A stand-in for a program: a shell script.
fn stand_in(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a `run:` script as GitHub's bash shell does, in `dir`.
fn bash(script: &str, dir: &Path, runner: &Path, env: &BTreeMap<String, String>) -> (bool, String) {
    let file = runner.join("step.sh");
    std::fs::write(&file, script).unwrap();
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(dir)
        .envs(env)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Runs the template's job for `event` in the repository `dir`.
fn run_job(dir: &Path, event: &str) -> Job {
    // A fresh checkout: nothing a previous run wrote.
    git(dir, &["clean", "-q", "-f", "-d", "-x"]);
    let workflow = template();
    let runner = dir.with_extension("runner");
    let _ = std::fs::remove_dir_all(&runner);
    let (home, fake) = (runner.join("home"), runner.join("fake-bin"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&fake).unwrap();
    let cargo_args = runner.join("cargo-args");
    stand_in(
        &fake,
        "cargo",
        &format!("echo \"$@\" > '{}'", cargo_args.display()),
    );
    stand_in(&fake, "dxmap", "exit 127");
    let summary = runner.join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let binaries = Path::new(env!("CARGO_BIN_EXE_dxmap")).parent().unwrap();
    let path = std::env::var("PATH").unwrap_or_default();

    let workflow_env: BTreeMap<String, String> = entries(&workflow["env"]).into_iter().collect();
    let mut job = Job {
        steps: Vec::new(),
        failed: false,
        summary: String::new(),
        uploaded_sarif: None,
        uploaded_report: false,
        cargo: None,
    };
    for step in workflow["jobs"]["rules"]["steps"].as_sequence().unwrap() {
        let name = step_name(step);
        if !runs(step["if"].as_str(), event, dir, job.failed) {
            job.steps.push(Step {
                name,
                outcome: "skipped",
                output: String::new(),
            });
            continue;
        }
        let mut env = workflow_env.clone();
        for (key, value) in entries(&step["env"]) {
            let value = expand(&value, event, &workflow_env, &job.steps);
            env.insert(key, value);
        }
        let (ok, output) = if let Some(script) = step["run"].as_str() {
            let script = expand(script, event, &env, &job.steps);
            let installs = script.contains("cargo install");
            // The install step finds no dxmap (a cold cache) and calls the
            // stand-in `cargo`; every other step finds the built one.
            let first = if installs { &fake } else { binaries };
            env.insert("PATH".into(), format!("{}:{path}", first.display()));
            env.insert("HOME".into(), home.display().to_string());
            env.insert("GITHUB_STEP_SUMMARY".into(), summary.display().to_string());
            env.insert("GIT_CONFIG_GLOBAL".into(), "/dev/null".into());
            env.insert("GIT_CONFIG_NOSYSTEM".into(), "1".into());
            env.insert("NO_COLOR".into(), "1".into());
            let result = bash(&script, dir, &runner, &env);
            if installs {
                job.cargo = std::fs::read_to_string(&cargo_args)
                    .ok()
                    .map(|args| args.trim().to_owned());
                // A warm cache: the pinned version is on the PATH, and the
                // step must not build it again.
                std::fs::remove_file(&cargo_args).unwrap();
                env.insert("PATH".into(), format!("{}:{path}", binaries.display()));
                let warm = bash(&script, dir, &runner, &env);
                assert!(warm.0, "the install step with a warm cache: {}", warm.1);
                assert!(
                    !cargo_args.exists(),
                    "the install step rebuilt a cached dxmap of the pinned version"
                );
            }
            result
        } else {
            let uses = step["uses"].as_str().unwrap();
            if uses.starts_with("github/codeql-action/upload-sarif") {
                let file = dir.join(step["with"]["sarif_file"].as_str().unwrap());
                job.uploaded_sarif = Some(std::fs::read_to_string(file).unwrap());
            }
            if uses.starts_with("actions/upload-artifact") {
                let file = dir.join(step["with"]["path"].as_str().unwrap());
                job.uploaded_report = file.is_file();
            }
            (true, String::new())
        };
        if !ok && step["continue-on-error"].as_bool() != Some(true) {
            job.failed = true;
        }
        job.steps.push(Step {
            name,
            outcome: if ok { "success" } else { "failure" },
            output,
        });
    }
    job.summary = std::fs::read_to_string(&summary).unwrap();
    job
}

/// A pull request: the repository of `support::trees::repository` (the
/// Dorset change checked out), the base branch as `origin/main`, and
/// `extra` appended to `rules/national.dxm` in the pull request's commit.
fn pull_request(name: &str, extra: &str) -> PathBuf {
    let dir = repository(name);
    git(&dir, &["update-ref", "refs/remotes/origin/main", "main"]);
    if !extra.is_empty() {
        let path = dir.join("rules/national.dxm");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}{extra}")).unwrap();
        git(&dir, &["commit", "-q", "-am", "and one more thing"]);
    }
    dir
}

/// The uploaded log: SARIF 2.1.0, non-empty, every location named from the
/// repository's root with `%SRCROOT%`, every result fingerprinted. Returns
/// the results' rule ids.
fn assert_sarif(log: Option<&str>) -> Vec<String> {
    let log = log.expect("the SARIF log was not uploaded");
    assert!(!log.trim().is_empty(), "an empty SARIF log was uploaded");
    let value: Value = serde_json::from_str(log).unwrap();
    assert_eq!(value["version"], "2.1.0");
    let run = &value["runs"][0];
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object(), "{run}");
    let results = run["results"].as_array().unwrap();
    assert!(
        !results.is_empty(),
        "the shipped rules have allowed findings"
    );
    for result in results {
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        let uri = location["uri"].as_str().unwrap();
        assert!(uri.starts_with("rules/"), "{uri}");
        assert_eq!(location["uriBaseId"], "%SRCROOT%", "{result}");
        let fingerprint = result["partialFingerprints"]["dxmap/v1"].as_str().unwrap();
        assert_eq!(fingerprint.len(), 16, "{fingerprint}");
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    results
        .iter()
        .map(|result| result["ruleId"].as_str().unwrap().to_owned())
        .collect()
}

/// The summary holds the difference of the pull request (the Dorset
/// change), fenced.
fn assert_summary(job: &Job) {
    assert!(
        job.summary
            .starts_with("## Routing changes in this pull request\n\n```\n"),
        "{}",
        job.summary
    );
    assert!(job.summary.contains("layer dorset"), "{}", job.summary);
    assert!(job.summary.ends_with("```\n"), "{}", job.summary);
}

#[test]
fn the_template_pins_dxmap_caches_it_and_asks_for_the_permissions_it_needs() {
    let workflow = template();
    let env: BTreeMap<String, String> = entries(&workflow["env"]).into_iter().collect();
    assert_eq!(env["DXMAP_VERSION"], env!("CARGO_PKG_VERSION"));
    assert!(env["DXMAP_REPOSITORY"].starts_with("https://"));
    let permissions: BTreeMap<String, String> =
        entries(&workflow["permissions"]).into_iter().collect();
    assert_eq!(permissions["contents"], "read");
    assert_eq!(permissions["security-events"], "write");
    assert_eq!(permissions["pull-requests"], "read");
    let steps = workflow["jobs"]["rules"]["steps"].as_sequence().unwrap();
    let checkout = &steps[0];
    assert!(checkout["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/checkout@"));
    assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));
    let cache = steps
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .unwrap();
    assert!(cache["with"]["path"]
        .as_str()
        .unwrap()
        .contains("~/.cargo/bin/dxmap"));
    assert!(cache["with"]["key"]
        .as_str()
        .unwrap()
        .contains("${{ env.DXMAP_VERSION }}"));
}

#[test]
fn a_clean_pull_request_runs_every_step_in_order_and_passes() {
    let dir = pull_request("ci-clean", "");
    let job = run_job(&dir, "pull_request");
    let names: Vec<&str> = job.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "actions/checkout@v4",
            "Cache dxmap",
            "Install dxmap",
            "sarif",
            "Upload findings",
            "check",
            "tests",
            "diff",
            "Report for commissioners",
            "Upload the report",
            "Fail if a check, a test or the difference failed",
        ]
    );
    for step in &job.steps {
        assert_eq!(step.outcome, "success", "{step:#?}");
    }
    assert!(!job.failed);
    assert_eq!(
        job.cargo.as_deref(),
        Some(
            format!(
                "install --locked --git https://github.com/dxmap/dxmap --tag v{} dxmap",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    assert_sarif(job.uploaded_sarif.as_deref());
    assert_summary(&job);
    assert!(job.uploaded_report);
    let page = std::fs::read_to_string(dir.join("report/index.html")).unwrap();
    assert!(
        page.contains("data-change=\"dorset/"),
        "the report lists no change"
    );
    assert!(
        job.step("tests").output.contains("0 failed"),
        "{:?}",
        job.step("tests")
    );

    // On a push to main there is no difference to write, and no report.
    let pushed = run_job(&dir, "push");
    assert_eq!(pushed.step("diff").outcome, "skipped");
    assert!(!pushed.failed, "{:#?}", pushed.steps);
    assert!(pushed.summary.is_empty());
    assert!(!pushed.uploaded_report);
    assert_sarif(pushed.uploaded_sarif.as_deref());
}

#[test]
fn a_warning_fails_the_job_but_the_tests_and_the_difference_still_run() {
    let dir = pull_request(
        "ci-warning",
        "service_type walk_in \"Walk-in centre\" { responds_within 1h }\n",
    );
    let job = run_job(&dir, "pull_request");
    let outcome = |name: &str| job.step(name).outcome;
    assert_eq!(outcome("sarif"), "success");
    assert_eq!(outcome("check"), "failure", "{:#?}", job.step("check"));
    assert!(job
        .step("check")
        .output
        .contains("::warning file=rules/national.dxm"));
    assert_eq!(outcome("tests"), "success");
    assert_eq!(outcome("diff"), "success");
    assert_summary(&job);
    let ids = assert_sarif(job.uploaded_sarif.as_deref());
    assert!(ids.iter().any(|id| id == "DX0510"), "{ids:?}");
    let gate = job.step("Fail if a check, a test or the difference failed");
    assert_eq!(gate.outcome, "failure");
    assert_eq!(
        gate.output.trim(),
        "::error::dxmap check --deny-warnings failed"
    );
    assert!(job.failed);
}

#[test]
fn an_error_still_uploads_a_sarif_log_and_writes_the_summary() {
    let dir = pull_request(
        "ci-error",
        "rule \"Broken\" {\n  when dx = Dx9999\n  route gp_ooh\n}\n",
    );
    let job = run_job(&dir, "pull_request");
    assert_eq!(job.step("sarif").outcome, "failure");
    let ids = assert_sarif(job.uploaded_sarif.as_deref());
    assert!(ids.iter().any(|id| id == "DX0201"), "{ids:?}");
    assert_eq!(job.step("check").outcome, "failure");
    assert_eq!(job.step("tests").outcome, "failure");
    // The difference of a tree that does not resolve cannot be computed,
    // but the summary says so, fenced, rather than nothing.
    assert_eq!(job.step("diff").outcome, "failure");
    assert!(job
        .summary
        .starts_with("## Routing changes in this pull request\n\n```\n"));
    assert!(job.summary.ends_with("```\n"), "{}", job.summary);
    let gate = job.step("Fail if a check, a test or the difference failed");
    assert_eq!(gate.outcome, "failure");
    assert!(
        gate.output.contains("dxmap check failed"),
        "{}",
        gate.output
    );
    assert!(job.failed);
}
