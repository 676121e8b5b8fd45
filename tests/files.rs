//! Files are never clobbered and closed streams never panic: `build -o`
//! and `fmt` keep what a path is (a FIFO stays a FIFO, a symbolic link
//! stays a link, a 0600 file stays 0600), refuse read-only files, and
//! leave no temporary file behind; every command ends with its documented
//! exit code when its standard error or output is closed, or its reader
//! stops early; `diff --git` reads any file
//! name git can hold and works from inside the rules folder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]
#![cfg(unix)]

mod support;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use support::cli::{assert_run, dxmap, git, good_tree, GOOD};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Names in `dir` that look like a temporary file of ours.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp") || name.starts_with(".dxmap"))
        .collect()
}

#[test]
fn build_writes_through_a_fifo_and_leaves_it_a_fifo() {
    let dir = good_tree("build-fifo", &[]);
    let fifo = dir.join("table.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // A reader, as a shell pipeline would have.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let run = dxmap(&dir, &["build", "rules", "-o", "table.fifo"]);
    assert_run(&run, 0, &["built"]);
    let bytes = reader.join().unwrap();
    assert!(
        bytes.starts_with(b"dxmap-table v"),
        "the reader got the table"
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn build_through_a_symbolic_link_replaces_its_target_and_keeps_the_link() {
    let dir = good_tree("build-link", &[]);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/real.dxt"), "old").unwrap();
    std::fs::set_permissions(
        dir.join("out/real.dxt"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("out/real.dxt", dir.join("table.dxt")).unwrap();
    let run = dxmap(&dir, &["build", "rules", "-o", "table.dxt"]);
    assert_run(&run, 0, &["built"]);
    let link = std::fs::symlink_metadata(dir.join("table.dxt")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is still a link");
    let table = std::fs::read(dir.join("out/real.dxt")).unwrap();
    assert!(table.starts_with(b"dxmap-table v"));
    assert_eq!(mode(&dir.join("out/real.dxt")), 0o600, "permissions kept");
    assert_eq!(leftovers(&dir.join("out")), Vec::<String>::new());
}

#[test]
fn build_refuses_a_read_only_output_and_leaves_it_alone() {
    let dir = good_tree("build-read-only", &[]);
    let out = dir.join("table.dxt");
    std::fs::write(&out, "keep me").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o444)).unwrap();
    let run = dxmap(&dir, &["build", "rules", "-o", "table.dxt"]);
    assert_run(&run, 2, &["table.dxt", "read-only"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn build_of_a_new_file_gives_it_the_usual_permissions() {
    let dir = good_tree("build-new", &[]);
    let run = dxmap(&dir, &["build", "rules", "-o", "table.dxt"]);
    assert_run(&run, 0, &["built"]);
    assert_eq!(mode(&dir.join("table.dxt")), 0o644);
}

/// `GOOD` with its layout spoilt, so that `fmt` rewrites it.
fn unformatted() -> String {
    GOOD.replace("  route gp_ooh", "      route   gp_ooh")
}

#[test]
fn fmt_keeps_a_files_mode_and_its_symbolic_link() {
    let text = unformatted();
    let dir = good_tree("fmt-mode", &[("elsewhere/real.dxm", text.as_bytes())]);
    let real = dir.join("elsewhere/real.dxm");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink("../elsewhere/real.dxm", dir.join("rules/linked.dxm")).unwrap();
    let run = dxmap(&dir, &["fmt", "rules/linked.dxm"]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert!(std::fs::symlink_metadata(dir.join("rules/linked.dxm"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        GOOD,
        "formatted in place"
    );
    assert_eq!(mode(&real), 0o700, "mode kept, executable bit too");
    assert_eq!(leftovers(&dir.join("elsewhere")), Vec::<String>::new());
}

#[test]
fn fmt_refuses_a_read_only_file() {
    let text = unformatted();
    let dir = good_tree("fmt-read-only", &[("rules/other.dxm", text.as_bytes())]);
    let path = dir.join("rules/other.dxm");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let run = dxmap(&dir, &["fmt", "rules/other.dxm"]);
    assert_run(&run, 2, &["other.dxm", "read-only"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Runs dxmap through `sh` with the streams of `closed` (`2>&-`, `>&-`)
/// closed; the exit code.
fn with_closed(dir: &Path, args: &str, closed: &str) -> i32 {
    let status = Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!("\"$0\" {args} {closed}"))
        .arg(env!("CARGO_BIN_EXE_dxmap"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    status.code().unwrap_or(-1)
}

#[test]
fn a_closed_standard_error_changes_no_exit_code() {
    let dir = good_tree("closed-stderr", &[]);
    for (args, code) in [
        (
            "route --rules rules --dx Dx99 --channel 111 --age 40 --postcode 'SO16 7AB'",
            1,
        ),
        (
            "route --rules rules --dx Dx05 --channel 112 --age 40 --postcode 'SO16 7AB'",
            1,
        ),
        (
            "route --table missing.dxt --dx Dx05 --channel 111 --age 40 --postcode 'SO16 7AB'",
            2,
        ),
        ("check missing", 2),
        ("build missing -o t.dxt", 2),
        ("diff missing other", 2),
        ("no-such-command", 2),
    ] {
        assert_eq!(with_closed(&dir, args, "2>&-"), code, "dxmap {args}");
    }
}

#[test]
fn a_closed_standard_output_or_a_reader_that_stops_changes_no_exit_code() {
    let dir = good_tree("closed-stdout", &[]);
    let route = "route --rules rules --channel 111 --age 40 --postcode 'SO16 7AB' --dx";
    for (args, code) in [
        (format!("{route} Dx05"), 0),
        (format!("{route} Dx99"), 1),
        ("check rules --format json".to_owned(), 0),
        ("coverage --rules rules".to_owned(), 0),
        ("check missing".to_owned(), 2),
    ] {
        for both in [false, true] {
            let closed = if both { ">&- 2>&-" } else { ">&-" };
            assert_eq!(with_closed(&dir, &args, closed), code, "dxmap {args}");
        }
    }
    // `dxmap … | head -c 1`: the reader goes away after one byte.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dxmap"))
        .current_dir(support::cli::project())
        .args(["coverage", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(
        status.code() == Some(0),
        "a reader that stops early: {status}"
    );
}

#[test]
fn diff_git_reads_any_file_name_and_works_from_inside_the_rules_folder() {
    let dir = good_tree("diff-git-names", &[]);
    git(&dir, &["init", "-q", "-b", "main"]);
    let welsh = "rules/Ynys Môn.dxm";
    std::fs::write(
        dir.join(welsh),
        "service \"Ysbyty Gwynedd\" id \"YG01\" {\n  type gp_ooh\n  catchment LL\n  hours { all_hours }\n}\n",
    )
    .unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "rules"]);
    let text = std::fs::read_to_string(dir.join(welsh)).unwrap();
    std::fs::write(
        dir.join(welsh),
        text.replace("catchment LL", "catchment LL, CH"),
    )
    .unwrap();
    git(&dir, &["commit", "-q", "-am", "Anglesey and Chester"]);
    let run = dxmap(&dir, &["diff", "--git", "HEAD~1..HEAD", "--exit-code"]);
    assert_run(&run, 3, &["YG01", "catchment"]);
    let inside = dxmap(
        &dir.join("rules"),
        &[
            "diff",
            "--git",
            "HEAD~1..HEAD",
            "--rules",
            ".",
            "--exit-code",
        ],
    );
    assert_run(&inside, 3, &["YG01", "catchment"]);
    let outside = dxmap(&dir, &["diff", "--git", "HEAD~1..HEAD", "--rules", "../x"]);
    assert_run(&outside, 2, &["outside the git repository"]);
}

#[test]
fn lone_carriage_returns_end_lines_and_comments() {
    // Old Mac line endings: a file that starts with a comment must not be
    // read as one long comment (its rule would vanish and check pass).
    let broken =
        "// Overlay with CR line endings\rrule \"Also\" {\r  when dx = Dx05\r  route gp_ooh\r}\r";
    let dir = good_tree("lone-cr", &[("rules/cr.dxm", broken.as_bytes())]);
    let run = dxmap(&dir, &["check", "rules"]);
    // The rule is read, and overlaps `Primary care` on Dx05.
    assert_run(&run, 1, &["DX0501", "Also"]);
    let crlf = GOOD.replace('\n', "\r\n");
    let dir = good_tree("crlf", &[]);
    std::fs::write(dir.join("rules/national.dxm"), crlf).unwrap();
    assert_run(&dxmap(&dir, &["check", "rules"]), 0, &[]);
}

#[test]
fn a_byte_order_mark_is_read_as_blank() {
    let dir = good_tree("bom", &[]);
    let with_bom = format!("\u{feff}{GOOD}");
    std::fs::write(dir.join("rules/national.dxm"), with_bom).unwrap();
    assert_run(&dxmap(&dir, &["check", "rules"]), 0, &[]);
}

#[test]
fn symbolic_links_to_rules_files_are_followed_inside_the_tree_and_refused_outside() {
    let also = "rule \"Also\" {\n  when dx = Dx05\n  route gp_ooh\n}\n";
    let dir = good_tree(
        "links",
        &[
            ("rules/real/also.txt", also.as_bytes()),
            ("outside.dxm", also.as_bytes()),
        ],
    );
    std::os::unix::fs::symlink("real/also.txt", dir.join("rules/also.dxm")).unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(&run, 1, &["DX0501", "Also"]);
    std::fs::remove_file(dir.join("rules/also.dxm")).unwrap();
    std::os::unix::fs::symlink("../outside.dxm", dir.join("rules/outside.dxm")).unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(&run, 2, &["outside.dxm", "outside the rules tree"]);
}

#[test]
fn reads_are_bounded_whatever_the_file_is() {
    let dir = good_tree("bounded", &[]);
    // A pipe that never ends: bounded, refused as too large.
    let run = |args: &str| {
        let output = Command::new("sh")
            .current_dir(&dir)
            .arg("-c")
            .arg(format!("yes 'FXX01: red' | \"$0\" {args}"))
            .arg(env!("CARGO_BIN_EXE_dxmap"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned()
                + &String::from_utf8_lossy(&output.stdout),
        )
    };
    let (code, output) = run(
        "route --rules rules --dx Dx05 --channel 111 --age 40 --postcode 'SO16 7AB' --capacity /dev/stdin",
    );
    assert!(code == 1 || code == 2, "exit {code}: {output}");
    assert!(output.contains("more than the 8388608 bytes"), "{output}");
    let (code, output) =
        run("route --table /dev/stdin --dx Dx05 --channel 111 --age 40 --postcode 'SO16 7AB'");
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("more than the 268435456 bytes"), "{output}");
    // A named pipe nobody writes to: an error after a wait, not a hang.
    let fifo = dir.join("nobody.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let started = std::time::Instant::now();
    let run = dxmap(
        &dir,
        &[
            "route",
            "--table",
            "nobody.fifo",
            "--dx",
            "Dx05",
            "--channel",
            "111",
            "--age",
            "40",
            "--postcode",
            "SO16 7AB",
        ],
    );
    assert_run(&run, 2, &["nobody.fifo", "named pipe"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn control_and_bidi_characters_are_escaped_when_echoed() {
    // A rule name with a terminal escape and a right-to-left override.
    // Named twice, so that the message quotes the name and the excerpt
    // shows its line.
    let rule =
        "rule \"Also\u{1b}[2J\u{202e}evil\" {\n  when dx = Dx05 and age < 1\n  route gp_oooh\n}\n";
    let hostile = format!("{rule}{rule}");
    let dir = good_tree("bidi", &[("rules/hostile.dxm", hostile.as_bytes())]);
    std::fs::write(dir.join("rules/hostile.dxm"), &hostile).unwrap();
    for format in ["human", "github"] {
        let run = dxmap(&dir, &["check", "rules", "--format", format]);
        assert_eq!(run.code, 1, "{}", run.output());
        let output = run.output();
        assert!(
            !output.contains('\u{1b}'),
            "an escape reached the terminal:\n{output}"
        );
        assert!(
            !output.contains('\u{202e}'),
            "a bidi override reached the terminal:\n{output}"
        );
        assert!(output.contains("gp_oooh"), "{output}");
        assert!(
            output.contains("evil"),
            "the name is still shown:\n{output}"
        );
    }
}

#[test]
fn repeated_findings_fold_and_long_lines_are_cut_around_the_label() {
    // 4,000 unknown codes on one 44 KB line: a few screens of output, not
    // each finding reprinting the whole line.
    let unknown: Vec<String> = (0..4000).map(|i| format!("Dx9{i:04}")).collect();
    let group = format!("group unknown = {}\n", unknown.join(", "));
    let dir = good_tree("fold", &[("rules/unknown.dxm", group.as_bytes())]);
    let run = dxmap(&dir, &["check", "rules"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.len() < 40_000,
        "{} bytes of output",
        run.stdout.len()
    );
    assert!(
        run.stdout.contains("… and 3950 more like this (DX0201"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  DX0201 unknown-disposition: 4000"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("unknown.dxm:1:26]"),
        "the label's column:\n{}",
        run.stdout
    );
    let json = dxmap(&dir, &["check", "rules", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["errors"], 4000);
    assert_eq!(value["diagnostics"].as_array().unwrap().len(), 1000);
    assert_eq!(value["elided"]["DX0201"], 3000);
}

#[test]
fn a_long_line_of_repeated_codes_checks_in_bounded_time() {
    // 20,000 repeats on one 120 KB line (the release-mode command in the
    // book's development chapter checks 200,000 on one 1.2 MB line).
    let group = format!("group many = {}\n", vec!["Dx05"; 20_000].join(", "));
    let dir = good_tree("long-line", &[("rules/many.dxm", group.as_bytes())]);
    let started = std::time::Instant::now();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_eq!(run.code, 1, "{}", run.output());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        run.stdout.len() < 20_000,
        "{} bytes of output",
        run.stdout.len()
    );
}

#[test]
fn diff_git_with_one_revision_compares_it_with_the_working_tree() {
    let dir = good_tree("diff-git-worktree", &[]);
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "rules"]);
    // An uncommitted change.
    let text = std::fs::read_to_string(dir.join("rules/national.dxm")).unwrap();
    std::fs::write(
        dir.join("rules/national.dxm"),
        text.replace("catchment SO", "catchment SO, PO"),
    )
    .unwrap();
    for range in ["HEAD", "HEAD.."] {
        let run = dxmap(&dir, &["diff", "--git", range, "--exit-code"]);
        assert_run(&run, 3, &["GPOOH-SO", "catchment"]);
    }
    let inside = dxmap(
        &dir.join("rules"),
        &["diff", "--git", "HEAD", "--rules", ".", "--exit-code"],
    );
    assert_run(&inside, 3, &["GPOOH-SO", "catchment"]);
    git(&dir, &["commit", "-q", "-am", "Portsmouth too"]);
    let run = dxmap(&dir, &["diff", "--git", "HEAD", "--exit-code"]);
    assert_run(&run, 0, &["no behavioural difference"]);
}

#[test]
fn explain_counts_skipped_candidates_per_reason_unless_full() {
    // Easter Sunday 2020 at 03:00 in Southampton: one pharmacy suspended
    // and closed, two gapped (closed only).
    let args = [
        "route",
        "--rules",
        "rules",
        "--dx",
        "Dx28",
        "--channel",
        "111",
        "--age",
        "40",
        "--sex",
        "male",
        "--postcode",
        "SO16 7AB",
        "--at",
        "2020-04-12T03:00:00+01:00",
    ];
    let project = support::cli::project();
    let mut summary: Vec<&str> = args.to_vec();
    summary.push("--explain");
    let run = dxmap(&project, &summary);
    assert_run(
        &run,
        0,
        &[
            "skipped  1 other: closed throughout the search window (1); suspended (1)",
            "gapped   FXX02",
        ],
    );
    let mut full: Vec<&str> = args.to_vec();
    full.push("--explain=full");
    let run = dxmap(&project, &full);
    assert_run(
        &run,
        0,
        &["skipped  FXX01", "suspended: COVID-19", "gapped   FXX02"],
    );
    assert!(!run.stdout.contains("1 other"));
}
