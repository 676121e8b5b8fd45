//! Hostile and broken inputs at the command line: corrupted and truncated
//! tables, unreadable files, directories where files belong, `release`
//! paths that escape the rules tree, a 100 MB rules file, 100,000 levels of
//! nesting, files that are not UTF-8, wrong capacity files, and every other
//! exit-1 and exit-2 path of `src/cli/` that `tests/cli.rs` and
//! `tests/diff.rs` do not already take. Each must end with the documented
//! exit code and a message that names the problem and the file or
//! argument; none may panic (exit 101), die of a signal (a stack overflow
//! aborts) or run for a minute (the run is killed and the test fails).
//! Regression inputs found by fuzzing (`fuzz/`, docs/book/src/development.md, "Fuzzing") are in
//! `fixtures/fuzz/` and run here too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use support::cli::{
    assert_run, dxmap, git, good_tree, project, route_args, scratch, with_arg, Run, CATALOGUE,
    GOOD, ROUTE_CASE,
};

/// A file of `len` bytes of zeros, written sparsely: the test does not
/// write them, and the file system stores none.
fn sparse_file(path: &Path, len: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    file.set_len(len).unwrap();
}

/// Whether file permissions bind this process: not as root, who reads a
/// file with mode 000 anyway.
#[cfg(unix)]
fn permissions_bind(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let probe = dir.join(".permission-probe");
    std::fs::write(&probe, b"x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let binds = std::fs::read(&probe).is_err();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&probe).unwrap();
    binds
}

/// The shipped rules compiled by `dxmap build`: the artifact's text, built
/// once per test binary.
fn built_table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let dir = scratch("built-table", &[] as &[(&str, &[u8])]);
        let path = dir.join("table.dxt");
        let run = dxmap(
            &project(),
            &["build", "rules", "-o", path.to_str().unwrap()],
        );
        assert_run(&run, 0, &["built "]);
        std::fs::read(path).unwrap()
    })
}

/// Writes `bytes` as `table.dxt` in a scratch directory and routes the
/// valid case through it.
fn route_table(name: &str, bytes: &[u8]) -> (Run, String) {
    let dir = scratch(name, &[("table.dxt", bytes)]);
    let run = dxmap(&dir, &route_args(&["--table", "table.dxt"], &[]));
    (run, "table.dxt".to_owned())
}

// ------------------------------------------------------------ SHA-256

/// SHA-256 from the standard crate (RustCrypto `sha2`), to write tables
/// whose body matches its header but is not a valid table. Checked against
/// the header `dxmap build` writes.
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A table file whose header matches `body`.
fn artifact_for(body: &[u8]) -> Vec<u8> {
    let mut artifact = format!("dxmap-table v4 sha256={}\n", sha256_hex(body)).into_bytes();
    artifact.extend_from_slice(body);
    artifact
}

/// The body of a table file: what follows the header line.
fn body_of(table: &[u8]) -> &[u8] {
    let header_end = table.iter().position(|b| *b == b'\n').unwrap();
    &table[header_end + 1..]
}

#[test]
fn sha256_matches_the_standard_and_dxmap_build() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let table = built_table();
    assert_eq!(artifact_for(body_of(table)), table);
}

// ------------------------------------------------------------- tables

#[test]
fn a_table_with_one_byte_changed_is_refused_naming_the_file() {
    let table = built_table();
    let header_end = table.iter().position(|b| *b == b'\n').unwrap();

    // A letter in the middle of the body: the hash no longer matches.
    let mut middle = (header_end + table.len()) / 2;
    while !table[middle].is_ascii_lowercase() {
        middle += 1;
    }
    let mut changed = table.to_vec();
    changed[middle] = if table[middle] == b'z' {
        b'y'
    } else {
        table[middle] + 1
    };
    let (run, file) = route_table("table-body-byte", &changed);
    assert_run(&run, 2, &["altered after it was built", &file]);

    // A digit of the hash in the header.
    let mut changed = table.to_vec();
    let digit = header_end - 1;
    changed[digit] = if table[digit] == b'0' { b'1' } else { b'0' };
    let (run, file) = route_table("table-hash-byte", &changed);
    assert_run(&run, 2, &["altered after it was built", &file]);

    // The magic word and the version.
    let mut changed = table.to_vec();
    changed[0] = b'D';
    let (run, file) = route_table("table-magic-byte", &changed);
    assert_run(&run, 2, &["not a dxmap table", &file]);
    assert!(table.starts_with(b"dxmap-table v4 "));
    let mut changed = table.to_vec();
    changed[13] = b'7';
    let (run, file) = route_table("table-version-byte", &changed);
    assert_run(&run, 2, &["table format v7", "dxmap build", &file]);

    // A byte that is not UTF-8 in the header, then in the (binary) body.
    let mut changed = table.to_vec();
    changed[3] = 0xff;
    let (run, file) = route_table("table-header-not-utf8", &changed);
    assert_run(&run, 2, &["not a dxmap table", &file]);
    let mut changed = table.to_vec();
    changed[middle] = 0xff;
    let (run, file) = route_table("table-body-0xff", &changed);
    assert_run(&run, 2, &["altered after it was built", &file]);

    // A table of format v1 (JSON), as dxmap wrote before the binary body.
    let (run, file) = route_table(
        "table-format-v1",
        b"dxmap-table v1 sha256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n{}\n",
    );
    assert_run(
        &run,
        2,
        &["table format v1", "reads v4", "dxmap build", &file],
    );
}

#[test]
fn a_truncated_table_is_refused_naming_the_file() {
    let table = built_table();
    let header_end = table.iter().position(|b| *b == b'\n').unwrap();
    for (name, cut, problem) in [
        ("table-half", table.len() / 2, "altered after it was built"),
        (
            "table-last-byte",
            table.len() - 1,
            "altered after it was built",
        ),
        ("table-header-only", header_end, "not a dxmap table"),
        ("table-mid-header", 20, "not a dxmap table"),
        ("table-empty", 0, "not a dxmap table"),
    ] {
        let (run, file) = route_table(name, &table[..cut]);
        assert_run(&run, 2, &[problem, &file]);
    }
}

#[test]
fn a_table_whose_body_matches_its_hash_but_is_not_a_table_is_refused() {
    let built = body_of(built_table());
    let mut longer = built.to_vec();
    longer.push(0);
    // The release name (a length byte, then the name), then a count of
    // 4 billion dispositions and nothing behind it: refused, not allocated.
    let mut huge_count = built[..=usize::from(built[0])].to_vec();
    huge_count.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    for (name, body, problem) in [
        (
            "table-body-json",
            b"[]".to_vec(),
            "table content is not valid",
        ),
        (
            "table-body-json-cut",
            b"{\"release\": ".to_vec(),
            "table content is not valid",
        ),
        ("table-body-empty", Vec::new(), "table content is not valid"),
        (
            "table-body-deep",
            b"[".repeat(100_000),
            "table content is not valid",
        ),
        (
            "table-body-deep-maps",
            b"{\"a\":".repeat(100_000),
            "table content is not valid",
        ),
        // A real table's body, cut short or with a byte more, and the
        // header recomputed: the decoder refuses what the hash allows.
        (
            "table-body-cut",
            built[..built.len() - 1].to_vec(),
            "the table ends in the middle of a value",
        ),
        ("table-body-longer", longer, "1 bytes left over"),
        (
            "table-body-huge-count",
            huge_count,
            "table content is not valid",
        ),
    ] {
        let (run, file) = route_table(name, &artifact_for(&body));
        assert_run(&run, 2, &[problem, &file]);
    }

    // A well-formed table whose indexes point outside it. Read whole (as
    // `dxmap serve`, `diff` and `report` read a table), every such table
    // is refused; `route --table` decodes only the parts its case needs,
    // so the faults are planted in those: the layer the case is routed
    // in, and the service that answers it and its opening hours.
    let table = dxmap_runtime::Table::from_artifact(built_table()).unwrap();
    let (answered, _) = route_table("table-good", built_table());
    assert_run(&answered, 0, &[]);
    let answering = table
        .services
        .iter()
        .position(|service| answered.stdout.contains(&service.id))
        .expect("the case is answered by a service of the table");
    let mut bad_rule = table.clone();
    let first = bad_rule.layers[0].rules_by_dx.values_mut().next().unwrap();
    first[0] = u32::MAX;
    let mut no_layers = table.clone();
    no_layers.layers.clear();
    let mut six_days = table.clone();
    let hours = six_days.services[answering].hours as usize;
    six_days.hours[hours].weekly.pop();
    let mut renamed = table.clone();
    renamed.services[0].id.push('X');
    let mut not_a_number = table.clone();
    not_a_number.services[answering].location = Some([f64::NAN, 0.0]);
    let mut bad_hours = table.clone();
    bad_hours.services[answering].hours = u32::try_from(bad_hours.hours.len()).unwrap();
    let mut bad_area = table;
    *bad_area.area_index.values_mut().next().unwrap() = 99;
    for (name, bad, problem, routed) in [
        (
            "table-bad-rule-index",
            bad_rule,
            "a rule index points outside the table",
            true,
        ),
        (
            "table-no-layers",
            no_layers,
            "the table has no layers",
            true,
        ),
        (
            "table-six-days",
            six_days,
            "weekly hours do not have seven days",
            true,
        ),
        (
            "table-renamed-service",
            renamed,
            "the service id index names a service by another id",
            false,
        ),
        (
            "table-nan-location",
            not_a_number,
            "location is not a finite latitude and longitude",
            true,
        ),
        (
            "table-bad-hours",
            bad_hours,
            "an opening hours index points outside the table",
            true,
        ),
        (
            "table-bad-area",
            bad_area,
            "an area index points outside the table",
            true,
        ),
    ] {
        let artifact = bad.to_artifact();
        let whole = dxmap_runtime::Table::from_artifact(&artifact).unwrap_err();
        assert!(whole.to_string().contains(problem), "{name}: {whole}");
        if routed {
            let (run, file) = route_table(name, &artifact);
            assert_run(&run, 2, &[problem, &file]);
        }
    }
}

#[test]
fn a_missing_huge_or_directory_table_is_refused_naming_it() {
    let dir = scratch("table-paths", &[("tables/.keep", "")]);
    let run = dxmap(&dir, &route_args(&["--table", "missing.dxt"], &[]));
    assert_run(&run, 2, &["cannot read `missing.dxt`"]);
    let run = dxmap(&dir, &route_args(&["--table", "tables"], &[]));
    assert_run(&run, 2, &["cannot read `tables`"]);
    // 100 MB of zeros (sparse): read, found not to be a table.
    // Tables over 256 MiB are refused before they are read (see below).
    sparse_file(&dir.join("huge.dxt"), 100_000_000);
    let run = dxmap(&dir, &route_args(&["--table", "huge.dxt"], &[]));
    assert_run(&run, 2, &["not a dxmap table", "huge.dxt"]);
    sparse_file(&dir.join("huger.dxt"), 300_000_000);
    let run = dxmap(&dir, &route_args(&["--table", "huger.dxt"], &[]));
    assert_run(
        &run,
        2,
        &["huger.dxt", "more than the 268435456 bytes dxmap reads"],
    );
    // `--rules` and `--table` together: a usage error.
    let run = dxmap(
        &dir,
        &route_args(&["--table", "x.dxt", "--rules", "rules"], &[]),
    );
    assert_run(&run, 2, &["--table", "--rules"]);
}

// ---------------------------------------------------- unreadable files

#[cfg(unix)]
#[test]
fn an_unreadable_rules_file_exits_2_naming_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = good_tree("unreadable", &[]);
    if !permissions_bind(&dir) {
        // Running as root: a file with mode 000 is readable, so there is
        // nothing to test here.
        eprintln!("skipped: file permissions do not bind this user (root)");
        return;
    }
    let path = dir.join("rules/national.dxm");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_run(
        &run,
        2,
        &["cannot read `rules/national.dxm`", "ermission denied"],
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_test_or_capacity_file_exits_2_naming_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = good_tree(
        "unreadable-tests",
        &[
            ("rules/tests/cases.yaml", b"[]\n"),
            ("capacity.yaml", b"GPOOH-SO: red\n"),
        ],
    );
    if !permissions_bind(&dir) {
        eprintln!("skipped: file permissions do not bind this user (root)");
        return;
    }
    for path in ["rules/tests/cases.yaml", "capacity.yaml"] {
        std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let tests = dxmap(&dir, &["test", "rules"]);
    let capacity = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "capacity.yaml"]),
    );
    for path in ["rules/tests/cases.yaml", "capacity.yaml"] {
        std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    assert_run(&tests, 2, &["cannot read `rules/tests/cases.yaml`"]);
    assert_run(&capacity, 2, &["cannot read `capacity.yaml`"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_tests_directory_or_fmt_input_exits_2_naming_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = good_tree(
        "unreadable-tests-dir",
        &[
            ("rules/tests/cases.yaml", b"[]\n"),
            ("fmt/a.dxm", b"has a\n"),
        ],
    );
    if !permissions_bind(&dir) {
        eprintln!("skipped: file permissions do not bind this user (root)");
        return;
    }
    let mode = |path: &str, mode: u32| {
        std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(mode)).unwrap();
    };
    mode("rules/tests", 0o000);
    mode("fmt/a.dxm", 0o000);
    let tests = dxmap(&dir, &["test", "rules"]);
    let fmt = dxmap(&dir, &["fmt", "fmt/a.dxm"]);
    mode("rules/tests", 0o755);
    mode("fmt/a.dxm", 0o644);
    assert_run(&tests, 2, &["cannot read `rules/tests"]);
    assert_run(&fmt, 2, &["cannot read `fmt/a.dxm`"]);
}

#[test]
fn a_directory_where_a_file_belongs_exits_2_naming_it() {
    let dir = good_tree(
        "directories",
        &[("capacity.d/.keep", b""), ("release.yaml/.keep", b"")],
    );
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "capacity.d"]),
    );
    assert_run(&run, 2, &["cannot read `capacity.d`"]);
    let run = dxmap(&dir, &["check", "rules", "--release", "release.yaml"]);
    assert_run(&run, 2, &["cannot read `release.yaml`"]);

    // The `release` line names a directory inside the tree.
    let national = GOOD.replace("\"catalogue.yaml\"", "\"catalogue.d/\"");
    let dir = scratch(
        "release-directory",
        &[
            ("rules/national.dxm", national.as_bytes()),
            ("rules/catalogue.d/.keep", b""),
        ],
    );
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(
        &run,
        2,
        &["cannot read `rules/catalogue.d", "rules/catalogue.d"],
    );

    // A file given as the rules directory.
    let dir = good_tree("file-as-directory", &[]);
    let run = dxmap(&dir, &["check", "rules/national.dxm"]);
    assert_run(
        &run,
        2,
        &["`rules/national.dxm` is a file, not a rules directory"],
    );
}

// ---------------------------------------- release paths out of the tree

#[test]
fn a_release_path_escaping_the_tree_by_dot_dot_is_dx0011() {
    let national = GOOD.replace("\"catalogue.yaml\"", "\"../outside.yaml\"");
    let dir = scratch(
        "release-dot-dot",
        &[
            ("rules/national.dxm", national.as_str()),
            ("outside.yaml", CATALOGUE),
        ],
    );
    for command in ["check", "build"] {
        let run = dxmap(&dir, &[command, "rules"]);
        assert_run(
            &run,
            1,
            &[
                "DX0011",
                "rules/national.dxm",
                "`../outside.yaml` is outside the rules directory",
            ],
        );
    }
    // Out and back in again stays inside.
    let national = GOOD.replace("\"catalogue.yaml\"", "\"../rules/catalogue.yaml\"");
    let dir = good_tree(
        "release-dot-dot-back",
        &[("rules/national.dxm", national.as_bytes())],
    );
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(&run, 0, &["no problems found"]);
}

#[cfg(unix)]
#[test]
fn a_release_path_escaping_the_tree_by_a_symbolic_link_is_dx0011() {
    // A link to a catalogue outside the tree.
    let dir = scratch(
        "release-symlink-file",
        &[
            ("rules/national.dxm", GOOD),
            ("elsewhere/catalogue.yaml", CATALOGUE),
        ],
    );
    std::os::unix::fs::symlink(
        dir.join("elsewhere/catalogue.yaml"),
        dir.join("rules/catalogue.yaml"),
    )
    .unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(
        &run,
        1,
        &[
            "DX0011",
            "rules/national.dxm",
            "`catalogue.yaml` is outside the rules directory",
        ],
    );

    // A link to a directory outside the tree, named in the path.
    let national = GOOD.replace("\"catalogue.yaml\"", "\"shared/catalogue.yaml\"");
    let dir = scratch(
        "release-symlink-dir",
        &[
            ("rules/national.dxm", national.as_str()),
            ("elsewhere/catalogue.yaml", CATALOGUE),
        ],
    );
    std::os::unix::fs::symlink("../elsewhere", dir.join("rules/shared")).unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(
        &run,
        1,
        &[
            "DX0011",
            "rules/national.dxm",
            "`shared/catalogue.yaml` is outside the rules directory",
        ],
    );
}

// -------------------------------------------------------- size limits

#[test]
fn a_100_mb_rules_file_is_refused_quickly_naming_it() {
    let dir = good_tree("huge-rules", &[]);
    sparse_file(&dir.join("rules/zz_huge.dxm"), 100_000_000);
    for args in [
        &["check", "rules"][..],
        &["build", "rules", "-o", "t.dxt"],
        &["fmt", "--check", "rules/zz_huge.dxm"],
    ] {
        let run = dxmap(&dir, args);
        assert_run(&run, 1, &["DX0002", "rules/zz_huge.dxm", "100000000 bytes"]);
        // The size is checked before the file is read.
        assert!(
            run.elapsed < Duration::from_secs(20),
            "took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn huge_catalogues_test_files_and_capacity_files_are_refused_naming_them() {
    let national = GOOD.replace("\"catalogue.yaml\"", "\"huge.yaml\"");
    let dir = scratch(
        "huge-others",
        &[
            ("rules/national.dxm", GOOD),
            ("rules/catalogue.yaml", CATALOGUE),
            ("line/national.dxm", &national),
        ],
    );
    for path in ["huge.yaml", "line/huge.yaml", "rules/tests/huge.yaml"] {
        sparse_file(&dir.join(path), 100_000_000);
    }
    let run = dxmap(&dir, &["check", "rules", "--release", "huge.yaml"]);
    assert_run(&run, 1, &["DX0002", "huge.yaml"]);
    let run = dxmap(&dir, &["check", "line"]);
    assert_run(&run, 1, &["DX0002", "line/huge.yaml"]);
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(&run, 1, &["DX0002", "rules/tests/huge.yaml"]);
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "huge.yaml"]),
    );
    assert_run(&run, 1, &["DX0002", "huge.yaml"]);
}

// ------------------------------------------------------ many rules

/// Found by hardening, fixed in 1a33eda (each rule is reported once, with
/// the first earlier rule it meets). `check::analysis::overlaps` compared
/// every pair of rules of a code with equal priority and
/// `overlap_diagnostics` reported every overlapping pair: n rules with the
/// same conditions gave n(n-1)/2 `DX0501` errors. 200 such rules (7 KB) print 19,988 errors (40 MB) in
/// 26 s; 4,000 rules (175 KB) take 30 s and 8 million diagnostics in a
/// release build before anything is printed; the 8 MiB a file may hold
/// would exhaust memory. The output must grow with the rules, not with
/// their pairs. Regression input: `fixtures/fuzz/rule-overlap-pairs.dxm`.
#[test]
fn many_overlapping_rules_are_reported_without_one_error_per_pair() {
    let mut text = String::from(
        "release \"pathways-2015\"\nservice_type t \"T\" { responds_within 0m }\nservice \"S\" id \"S1\" {\n  type t\n  catchment SO\n  hours { all_hours }\n}\n",
    );
    for rule in 0..1_000 {
        text.push_str(&format!(
            "rule \"r{rule}\" {{\n  when dx = Dx05\n  route t\n}}\n"
        ));
    }
    let dir = scratch(
        "overlapping-rules",
        &[("rules/national.dxm", text.as_str())],
    );
    let run = dxmap(&dir, &["check", "rules", "--format", "json"]);
    assert_run(&run, 1, &["DX0501", "rules/national.dxm"]);
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
    let overlaps = run.stdout.matches("\"DX0501\"").count();
    assert!(
        overlaps <= 1_000,
        "{overlaps} overlap errors for 1,000 rules"
    );
}

/// The tree of [`GOOD`] with `Dx05` taken out of its rule and `rules`
/// added, written by `rule(i)` for `i` in `0..count`.
fn many_rules_tree(name: &str, count: usize, rule: impl Fn(usize) -> String) -> PathBuf {
    let mut text = GOOD.replace("dx in (Dx05, Dx06)", "dx = Dx06");
    for i in 0..count {
        text.push_str(&rule(i));
    }
    scratch(
        name,
        &[
            ("rules/national.dxm", text.as_str()),
            ("rules/catalogue.yaml", CATALOGUE),
        ],
    )
}

/// `check::analysis::never_fire` compared each rule with every rule of higher
/// priority naming its code, and `overlaps` every pair of rules of one
/// code: 8,000 rules of `Dx05` with distinct priorities (520 KB) took 4–7 s
/// to check in a release build, and the 135,000 that three files of 50,000
/// items may hold hundreds of times longer; printing their 7,999 warnings
/// took 16–25 s in all, as each excerpt was read by scanning the file from
/// the top (`diagnostics::human`). Now a sweep in priority order, excerpts
/// read from the line index, and 0.26 s in all.
#[test]
fn many_rules_of_one_code_are_checked_in_bounded_time() {
    let dir = many_rules_tree("many-rules-of-one-code", 8_000, |i| {
        format!(
            "rule \"r{i}\" {{\n  when dx = Dx05\n  priority {}\n  route gp_ooh\n}}\n",
            i + 1
        )
    });
    let run = dxmap(&dir, &["check", "rules"]);
    // Every rule but the one of the highest priority never fires: a
    // warning, so the check passes.
    assert_run(
        &run,
        0,
        &[
            "rule `r0` can never fire",
            // Folded: five in full, 45 on a line each, then a count.
            "… and 7949 more like this (DX0502",
            "rules/national.dxm",
            "7999 warnings",
        ],
    );
    // Five in full, 45 on one line each, the rest counted; all 7,999 in
    // the summary by code.
    assert_eq!(run.stdout.matches("[rule-never-fires]").count(), 5);
    assert_eq!(
        run.stdout.matches("  DX0502 rules/national.dxm:").count(),
        45
    );
    assert!(run.stdout.contains("  DX0502 rule-never-fires: 7999"));
    assert!(!run.output().contains("rule `r7999` can never fire"));
}

/// 8,000 rules of `Dx05` at one priority with disjoint age bands of one day
/// each: no two meet, and finding that must not compare every pair. One
/// more rule meets two of them, and is reported once, with the first.
#[test]
fn many_rules_of_one_priority_are_checked_in_bounded_time() {
    let dir = many_rules_tree("many-rules-of-one-priority", 8_000, |i| {
        format!("rule \"r{i}\" {{\n  when dx = Dx05 and age in {i}d..{i}d\n  route gp_ooh\n}}\n")
    });
    let mut text = std::fs::read_to_string(dir.join("rules/national.dxm")).unwrap();
    text.push_str("rule \"older\" {\n  when dx = Dx05 and age >= 8000d\n  route gp_ooh\n}\n");
    std::fs::write(dir.join("rules/national.dxm"), &text).unwrap();
    let run = dxmap(&dir, &["check", "rules"]);
    assert_run(&run, 0, &["no problems found"]);

    text.push_str("rule \"late\" {\n  when dx = Dx05 and age in 4000d..4001d\n  route gp_ooh\n}\n");
    std::fs::write(dir.join("rules/national.dxm"), &text).unwrap();
    let run = dxmap(&dir, &["check", "rules", "--format", "json"]);
    assert_run(
        &run,
        1,
        &[
            "rules `r4000` and `late` both match `Dx05` on `111` for age 4000–4000 days",
            "rules/national.dxm",
        ],
    );
    assert_eq!(run.stdout.matches("\"DX0501\"").count(), 1);
}

// --------------------------------------------------------- catalogues

/// Found by the `catalogue_yaml` fuzz target, fixed in 1a33eda: a
/// disposition whose `code` is empty (`code: ''`, or `code:` with no
/// value) made `catalogue::entry_span` (src/catalogue/mod.rs) loop
/// forever, at 100% CPU: `rest.find("")` matched at the start of the
/// search, `search_from = end` did not move, and `parse` computed the
/// span before `is_code` could reject the code. Any catalogue file was
/// enough: `--release FILE` or a tree's `release "FILE"` line. Regression
/// input: `fixtures/fuzz/empty-code.catalogue.yaml`.
#[test]
fn a_catalogue_entry_with_an_empty_code_is_an_error_not_a_hang() {
    let flow = "release: x\ndispositions: [{code: '', title: t, section: 1, status: in_use}]\n";
    let block =
        "release: x\ndispositions:\n  - code:\n    title: t\n    section: 1\n    status: in_use\n";
    let national = GOOD.replace("\"catalogue.yaml\"", "\"block.yaml\"");
    let dir = good_tree(
        "empty-code",
        &[
            ("flow.yaml", flow.as_bytes()),
            ("line/national.dxm", national.as_bytes()),
            ("line/block.yaml", block.as_bytes()),
        ],
    );
    let runs = [
        (
            dxmap(&dir, &["check", "rules", "--release", "flow.yaml"]),
            "flow.yaml",
        ),
        (dxmap(&dir, &["check", "line"]), "line/block.yaml"),
        (
            dxmap(&dir, &["release-diff", "pathways-2015", "flow.yaml"]),
            "flow.yaml",
        ),
    ];
    for (run, file) in runs {
        assert_run(&run, 1, &["DX0010", file, "is not a disposition code"]);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "took {:?}",
            run.elapsed
        );
    }
}

// ------------------------------------------------------------ nesting

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let braces = format!("rule \"A\" {}\n", "{".repeat(100_000));
    let parens = format!("rule \"A\" {{\n  when dx in {}\n}}\n", "(".repeat(100_000));
    let closing = format!("rule \"A\" {{ {}\n", "}".repeat(100_000));
    for (name, text) in [
        ("braces", &braces),
        ("parens", &parens),
        ("closing", &closing),
    ] {
        let dir = good_tree(
            &format!("nesting-{name}"),
            &[("rules/deep.dxm", text.as_bytes())],
        );
        for args in [
            &["check", "rules"][..],
            &["fmt", "--check", "rules/deep.dxm"],
        ] {
            let run = dxmap(&dir, args);
            assert_run(&run, 1, &["DX0101", "rules/deep.dxm"]);
        }
    }
}

#[test]
fn deep_yaml_sequences_are_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let dir = good_tree(
        "nesting-yaml-sequences",
        &[
            ("deep.yaml", deep.as_bytes()),
            ("rules/tests/deep.yaml", deep.as_bytes()),
        ],
    );
    let run = dxmap(&dir, &["check", "rules", "--release", "deep.yaml"]);
    assert_run(&run, 1, &["DX0010", "deep.yaml"]);
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "deep.yaml"]),
    );
    assert_run(&run, 1, &["DX0020", "deep.yaml"]);
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(&run, 1, &["DX0020", "rules/tests/deep.yaml"]);
}

/// Found by this test (it ran past its 60 s guard), fixed in 1a33eda
/// (flow nesting over 64 is refused before the YAML is scanned). Nested
/// YAML flow mappings (`{a: {a: …`) take time quadratic in their depth: the YAML scanner
/// (`unsafe_libyaml::scanner::yaml_parser_fetch_more_tokens` and
/// `yaml_parser_stale_simple_keys`, under `serde_yaml::from_str` in
/// `catalogue::parse`, `cases::parse_tests` and `cases::parse_capacity`)
/// walks every open level's possible simple key at each token. 40,000
/// levels (160 KB) take 20 s in a release build; the 8 MiB a file may hold
/// would take hours. serde_yaml's recursion limit (128) applies only once
/// the whole document has been scanned. Regression input:
/// `fixtures/fuzz/yaml-flow-mapping-nesting.catalogue.yaml`.
#[test]
fn deep_yaml_flow_mappings_are_refused_quickly() {
    assert_deep_yaml_refused_quickly("mappings", &"{a: ".repeat(100_000));
}

/// `deep` as the release catalogue, a capacity file and a case file: each
/// refused with its code and file, in under 10 s.
fn assert_deep_yaml_refused_quickly(name: &str, deep: &str) {
    let dir = good_tree(
        &format!("nesting-yaml-{name}"),
        &[
            ("deep.yaml", deep.as_bytes()),
            ("rules/tests/deep.yaml", deep.as_bytes()),
        ],
    );
    let runs = [
        (
            dxmap(&dir, &["check", "rules", "--release", "deep.yaml"]),
            "DX0010",
            "deep.yaml",
        ),
        (
            dxmap(
                &dir,
                &route_args(&["--rules", "rules"], &["--capacity", "deep.yaml"]),
            ),
            "DX0020",
            "deep.yaml",
        ),
        (
            dxmap(&dir, &["test", "rules"]),
            "DX0020",
            "rules/tests/deep.yaml",
        ),
    ];
    for (run, code, file) in runs {
        assert_run(&run, 1, &[code, file]);
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{name}: took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn yaml_alias_bombs_are_refused_quickly() {
    // Nine levels of ten aliases each: a billion strings if expanded.
    let mut levels = vec![String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]")];
    for level in 1..9 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        levels.push(format!("a{level}: &a{level} [{refs}]"));
    }
    let bomb = levels.join(", ");
    let capacity = format!("FXX01: {{{bomb}}}\n");
    let tests = format!(
        "- name: bomb\n  case: {{ dx: Dx05, channel: {{{bomb}}}, age: 40, postcode: SO16 7AB, at: \"2020-05-08T15:00:00Z\" }}\n"
    );
    let catalogue = format!("release: bomb\ndispositions: [{{{bomb}}}]\n");
    let dir = good_tree(
        "yaml-alias-bomb",
        &[
            ("capacity.yaml", capacity.as_bytes()),
            ("rules/tests/bomb.yaml", tests.as_bytes()),
            ("catalogue.yaml", catalogue.as_bytes()),
        ],
    );
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "capacity.yaml"]),
    );
    assert_run(&run, 1, &["DX0020", "capacity.yaml"]);
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(&run, 1, &["DX0020", "rules/tests/bomb.yaml"]);
    let run = dxmap(&dir, &["check", "rules", "--release", "catalogue.yaml"]);
    assert_run(&run, 1, &["DX0010", "catalogue.yaml"]);
}

/// Found by hardening the fix above (1a33eda), fixed in 07880e7: the
/// depth check (`diagnostics::yaml_nesting_beyond`) treated every `#` as
/// the start of a comment and every `'` or `"` as the start of a quoted
/// scalar, but in YAML a `#` starts a comment only at the start of a line
/// or after white space, and a quote opens a quoted scalar only where a
/// scalar starts. Inside a plain scalar (`{a#: …`, `{a': …`) they are
/// ordinary characters: the check skipped the rest of the line, or the
/// rest of the file, and counted no nesting there, while the YAML scanner
/// nested as deep as before (20,000 levels, 100 KB: 22 s in a debug
/// build).
///
/// Fixed after 07880e7: a quote still opens after any
/// `:`, but in a flow collection a `:` not followed by a space is part of
/// a plain scalar: `{a:'b: ` is the key `a:'b`, and the check skips the
/// rest of the file as quoted. 40,000 levels behind it (160 KB) take
/// 9.6 s in a release build, quadratic as before. Counting every `{` and
/// `[` of the file, quoted or not, and refusing more than a few thousand,
/// would need no YAML lexing to be right. Regression inputs:
/// `fixtures/fuzz/yaml-nesting-after-hash.catalogue.yaml`,
/// `fixtures/fuzz/yaml-nesting-after-quote.cases.yaml`,
/// `fixtures/fuzz/yaml-nesting-after-colon-quote.catalogue.yaml`.
#[test]
fn yaml_nesting_behind_a_hash_or_a_quote_is_refused_quickly() {
    let after_hash = "{a#: ".repeat(100_000);
    let after_quote = format!("{{a': {}", "{a: ".repeat(100_000));
    let after_colon_quote = format!("{{a:'b: {}", "{a: ".repeat(100_000));
    for (name, deep) in [
        ("hash", after_hash),
        ("quote", after_quote),
        ("colon-quote", after_colon_quote),
    ] {
        assert_deep_yaml_refused_quickly(name, &deep);
    }
}

// ------------------------------------------------------- not UTF-8

#[test]
fn files_that_are_not_utf8_exit_1_naming_them() {
    let latin1: &[u8] = b"FXX01: red # caf\xe9\n";
    let mut rules = GOOD.as_bytes().to_vec();
    rules.extend_from_slice(b"// caf\xe9\n");
    let national = GOOD.replace("\"catalogue.yaml\"", "\"latin1.yaml\"");
    let dir = scratch(
        "latin1-everywhere",
        &[
            ("rules/national.dxm", GOOD.as_bytes()),
            ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
            ("rules/tests/latin1.yaml", latin1),
            ("latin1.yaml", latin1),
            ("line/national.dxm", national.as_bytes()),
            ("line/latin1.yaml", latin1),
            ("fmt/latin1.dxm", &rules),
        ],
    );
    let run = dxmap(
        &dir,
        &route_args(&["--rules", "rules"], &["--capacity", "latin1.yaml"]),
    );
    assert_run(&run, 1, &["DX0003", "latin1.yaml"]);
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(&run, 1, &["DX0003", "rules/tests/latin1.yaml"]);
    let run = dxmap(&dir, &["check", "rules", "--release", "latin1.yaml"]);
    assert_run(&run, 1, &["DX0003", "latin1.yaml"]);
    let run = dxmap(&dir, &["check", "line"]);
    assert_run(&run, 1, &["DX0003", "line/latin1.yaml"]);
    let run = dxmap(&dir, &["fmt", "fmt/latin1.dxm"]);
    assert_run(&run, 1, &["DX0003", "fmt/latin1.dxm"]);
    let run = dxmap(&dir, &["build", "fmt", "-o", "t.dxt"]);
    assert_run(&run, 1, &["DX0003", "fmt/latin1.dxm"]);
    assert!(!dir.join("t.dxt").exists());
}

// ------------------------------------------------------------ capacity

#[test]
fn capacity_with_unknown_services_or_statuses_exits_1_naming_them() {
    let dir = scratch(
        "capacity-names",
        &[
            ("ids.yaml", "FXX01: red\nNOPE1: amber\nNOPE2: { status: red }\n"),
            (
                "statuses.yaml",
                "FXX01: purple\nFXX02: { status: blue }\nFXX03: { status: red, until: soon }\nFXX04: RED\n",
            ),
            ("list.yaml", "- FXX01\n- red\n"),
            ("field.yaml", "FXX01: { status: red, why: closed }\n"),
            ("yaml.yaml", "FXX01: [red\n"),
        ],
    );
    let rules = project().join("rules");
    let rules = rules.to_str().unwrap();
    let run = dxmap(
        &dir,
        &route_args(&["--rules", rules], &["--capacity", "ids.yaml"]),
    );
    assert_run(&run, 1, &["unknown services", "`NOPE1`", "`NOPE2`"]);
    assert!(!run.output().contains("`FXX01`"), "{}", run.output());
    let run = dxmap(
        &dir,
        &route_args(&["--rules", rules], &["--capacity", "statuses.yaml"]),
    );
    assert_run(
        &run,
        1,
        &[
            "statuses.yaml",
            "`FXX01` has unknown status `purple`",
            "`FXX02` has unknown status `blue`",
            "`FXX03`",
            "`soon`",
            "`FXX04` has unknown status `RED`",
        ],
    );
    for file in ["list.yaml", "field.yaml", "yaml.yaml"] {
        let run = dxmap(
            &dir,
            &route_args(&["--rules", rules], &["--capacity", file]),
        );
        assert_run(&run, 1, &["DX0020", file]);
    }
    // The same through a built table.
    std::fs::write(dir.join("table.dxt"), built_table()).unwrap();
    let run = dxmap(
        &dir,
        &route_args(&["--table", "table.dxt"], &["--capacity", "ids.yaml"]),
    );
    assert_run(&run, 1, &["`NOPE1`", "`NOPE2`"]);
}

// -------------------------------------------------- other exit paths

#[test]
fn route_names_each_wrong_argument() {
    let rules = ["--rules", "rules"];
    for (flag, value, problem) in [
        ("--at", "8 May 2020", "`8 May 2020` is not a time"),
        (
            "--at",
            "2020-03-29T01:30:00",
            "`2020-03-29T01:30:00` does not exist in Europe/London",
        ),
        ("--location", "50.9", "`50.9` is not `LAT,LON`"),
        ("--location", "north,-1.4", "`north` is not a latitude"),
        ("--location", "50.9,west", "`west` is not a longitude"),
        (
            "--location",
            "91,-1.4",
            "`91,-1.4` is not a latitude and longitude",
        ),
        (
            "--location",
            "NaN,-1.4",
            "`NaN,-1.4` is not a latitude and longitude",
        ),
    ] {
        let mut args = vec!["route", "--rules", "rules"];
        args.extend_from_slice(ROUTE_CASE);
        args.extend_from_slice(&[flag, value]);
        let run = dxmap(&project(), &args);
        assert_run(&run, 1, &[problem]);
    }
    let args = route_args(&rules, &[]);
    let run = dxmap(&project(), &with_arg(&args, "--channel", "112"));
    assert_run(&run, 1, &["`112` is not a channel"]);
    let run = dxmap(&project(), &with_arg(&args, "--age", "999999y"));
    assert_run(&run, 1, &["`999999y` is not an age"]);
}

#[test]
fn commands_on_a_missing_or_broken_tree_name_it() {
    let broken = GOOD.replace("route gp_ooh", "route gp_oh");
    let dir = scratch(
        "broken-tree",
        &[
            ("rules/national.dxm", broken.as_str()),
            ("rules/catalogue.yaml", CATALOGUE),
            ("good/national.dxm", GOOD),
            ("good/catalogue.yaml", CATALOGUE),
        ],
    );
    let route = route_args(&["--rules", "DIR"], &[]);
    let runs: [&[&str]; 6] = [
        &["build", "DIR", "-o", "t.dxt"],
        &["test", "DIR"],
        &["queue", "--rules", "DIR", "--hierarchy", "h", "Dx05"],
        &["coverage", "DIR"],
        &route,
        &["diff", "DIR", "good"],
    ];
    for args in runs {
        let broken_args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "DIR" { "rules" } else { a })
            .collect();
        let run = dxmap(&dir, &broken_args);
        assert_run(
            &run,
            1,
            &[
                "unknown service type `gp_oh`",
                "rules/national.dxm",
                "the rules under `rules` have errors",
            ],
        );
        let missing: Vec<&str> = args
            .iter()
            .map(|a| if *a == "DIR" { "no-such-dir" } else { a })
            .collect();
        let run = dxmap(&dir, &missing);
        assert_run(&run, 2, &["rules directory `no-such-dir` does not exist"]);
    }
    // The second tree of a diff.
    let run = dxmap(&dir, &["diff", "good", "rules"]);
    assert_run(&run, 1, &["the rules under `rules` have errors"]);
    let run = dxmap(&dir, &["diff", "good", "no-such-dir"]);
    assert_run(&run, 2, &["`no-such-dir` does not exist"]);
    let run = dxmap(&dir, &["coverage", "good", "--release", "pathways-2051"]);
    assert_run(&run, 2, &["unknown release `pathways-2051`"]);
    assert!(!dir.join("t.dxt").exists());
}

#[test]
fn build_names_an_output_it_cannot_write() {
    let dir = good_tree("build-output", &[("occupied/.keep", b"")]);
    let run = dxmap(&dir, &["build", "rules", "-o", "no/such/dir/table.dxt"]);
    assert_run(&run, 2, &["cannot write `no/such/dir/table.dxt`"]);
    let run = dxmap(&dir, &["build", "rules", "-o", "occupied"]);
    assert_run(&run, 2, &["cannot write `occupied`"]);
}

#[test]
fn test_reports_wrong_cases_by_name_and_place() {
    let tests = r#"- name: "a channel that does not exist"
  case: { dx: Dx05, channel: "112", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }
  expect: { services: [GPOOH-SO] }
- name: "capacity for a service that does not exist"
  case: { dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }
  capacity: { NOPE1: red }
  expect: { services: [GPOOH-SO] }
- name: "a code the release lacks"
  case: { dx: Dx0005, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }
  expect: { services: [GPOOH-SO] }
- name: "a local time that does not exist"
  case: { dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-03-29T01:30:00" }
  expect: { services: [GPOOH-SO] }
"#;
    let dir = good_tree(
        "test-wrong-cases",
        &[("rules/tests/cases.yaml", tests.as_bytes())],
    );
    let run = dxmap(&dir, &["test", "rules"]);
    assert_run(
        &run,
        1,
        &[
            "FAIL  a channel that does not exist (rules/tests/cases.yaml:1)",
            "`112` is not a channel",
            "FAIL  capacity for a service that does not exist (rules/tests/cases.yaml:4)",
            "`NOPE1`",
            "FAIL  a code the release lacks (rules/tests/cases.yaml:8)",
            "unknown disposition `Dx0005`",
            "FAIL  a local time that does not exist (rules/tests/cases.yaml:11)",
            "does not exist in Europe/London",
            "0 passed, 4 failed",
        ],
    );
}

#[test]
fn queue_and_explain_name_what_is_unknown() {
    let run = dxmap(
        &project(),
        &[
            "queue",
            "--hierarchy",
            "clinician_queue_order",
            "Dx3200",
            "Dx32",
            "dx32",
        ],
    );
    assert_run(
        &run,
        1,
        &[
            "unknown disposition `Dx3200` in release",
            "unknown disposition `dx32`",
        ],
    );
    let run = dxmap(&project(), &["explain", "DX9999"]);
    assert_run(&run, 2, &["unknown diagnostic code `DX9999`"]);
}

#[test]
fn diff_names_what_is_wrong_with_its_arguments() {
    let dir = good_tree("diff-args", &[]);
    let run = dxmap(&dir, &["diff"]);
    assert_run(&run, 2, &["give two rules directories"]);
    let run = dxmap(&dir, &["diff", "rules"]);
    assert_eq!(run.code, 2, "{}", run.output());
    // Outside a git repository (the scratch directory is not one yet).
    let run = dxmap(&dir, &["diff", "--git", "HEAD..HEAD"]);
    assert_run(&run, 2, &["git"]);

    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "rules"]);
    // One revision compares it with the working tree.
    let run = dxmap(&dir, &["diff", "--git", "main"]);
    assert_run(&run, 0, &["no behavioural difference"]);
    let run = dxmap(&dir, &["diff", "--git", "..main"]);
    assert_run(&run, 2, &["names no revision"]);
    let run = dxmap(&dir, &["diff", "--git", "main..nosuchrev"]);
    assert_run(&run, 2, &["nosuchrev"]);
    let run = dxmap(
        &dir,
        &["diff", "--git", "main..main", "--rules", "elsewhere"],
    );
    assert_run(&run, 2, &["`elsewhere` does not exist at revision `main`"]);
}

#[test]
fn release_diff_names_each_release_it_cannot_use() {
    let broken = "release: broken\ndispositions:\n  - code: Dx05\n    title: t\n    section: 1\n    status: in_usee\n";
    let dir = good_tree("release-diff-args", &[("broken.yaml", broken.as_bytes())]);
    let run = dxmap(&dir, &["release-diff", "pathways-2015", "pathways-2051"]);
    assert_run(&run, 2, &["unknown release `pathways-2051`"]);
    let run = dxmap(&dir, &["release-diff", "missing.yaml", "pathways-2015"]);
    assert_run(&run, 2, &["cannot read `missing.yaml`"]);
    let run = dxmap(&dir, &["release-diff", "pathways-2015", "broken.yaml"]);
    assert_run(&run, 1, &["DX0010", "broken.yaml"]);
    let run = dxmap(
        &dir,
        &[
            "release-diff",
            "pathways-2015",
            "pathways-2020",
            "--rules",
            "no-such-dir",
        ],
    );
    assert_run(&run, 2, &["rules directory `no-such-dir` does not exist"]);
}

#[test]
fn fmt_names_a_path_that_does_not_exist() {
    let dir = good_tree("fmt-missing", &[]);
    let run = dxmap(&dir, &["fmt", "rules/missing.dxm"]);
    assert_run(
        &run,
        2,
        &[
            "cannot read `rules/missing.dxm`",
            "no such file or directory",
        ],
    );
}

#[cfg(unix)]
#[test]
fn fmt_names_a_file_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt as _;
    let messy = "release \"pathways-2015\"\nrule   \"A\"{when dx=Dx05 route gp_ooh}\n";
    let dir = scratch("fmt-readonly", &[("rules/a.dxm", messy)]);
    if !permissions_bind(&dir) {
        eprintln!("skipped: file permissions do not bind this user (root)");
        return;
    }
    let rules = dir.join("rules");
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = dxmap(&dir, &["fmt", "rules"]);
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_run(&run, 2, &["cannot write `rules/a.dxm`"]);
    assert_eq!(std::fs::read_to_string(rules.join("a.dxm")).unwrap(), messy);
}

// ------------------------------------------------ fuzzing regressions

/// Runs every input of `fixtures/fuzz/` the way its name says it is read:
/// `*.dxm` as a rules tree (`check`, `fmt --check`, `build`), a
/// `*.catalogue.yaml` as `--release`, a `*.cases.yaml` as a tree's test
/// file and as a capacity file, a `*.dxt` as `route --table`. Each must
/// end with exit 0, 1 or 2 within the timeout; a fixture's own test below
/// pins what it must say.
#[test]
fn every_fuzzing_regression_input_ends_with_a_documented_exit() {
    let fixtures = project().join("fixtures/fuzz");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext != "md"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", fixtures.display());
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&input).unwrap();
        let runs: Vec<Run> = if name.ends_with(".dxm") {
            let dir = scratch(&format!("fuzz-{name}"), &[("rules/input.dxm", &bytes)]);
            vec![
                dxmap(&dir, &["check", "rules"]),
                dxmap(&dir, &["fmt", "--check", "rules"]),
                dxmap(&dir, &["build", "rules", "-o", "t.dxt"]),
            ]
        } else if name.ends_with(".catalogue.yaml") {
            let dir = good_tree(&format!("fuzz-{name}"), &[("input.yaml", &bytes)]);
            vec![dxmap(&dir, &["check", "rules", "--release", "input.yaml"])]
        } else if name.ends_with(".cases.yaml") {
            let dir = good_tree(
                &format!("fuzz-{name}"),
                &[("rules/tests/input.yaml", &bytes), ("input.yaml", &bytes)],
            );
            vec![
                dxmap(&dir, &["test", "rules"]),
                dxmap(
                    &dir,
                    &route_args(&["--rules", "rules"], &["--capacity", "input.yaml"]),
                ),
            ]
        } else if name.ends_with(".dxt") {
            vec![route_table(&format!("fuzz-{name}"), &bytes).0]
        } else {
            panic!("{name}: not a kind of input this test knows");
        };
        for run in runs {
            assert!(
                (0..=2).contains(&run.code),
                "{name}: exit {}\n{}",
                run.code,
                run.output()
            );
        }
    }
}
