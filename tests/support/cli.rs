//! Running the built `dxmap` binary from tests: how a run ended (exit code,
//! output, time), scratch directories to run it in, and the small valid
//! tree that the command-line tests start from.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a run may take before it is killed and the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A two-code catalogue, so that small trees can cover their release.
pub const CATALOGUE: &str = "release: tiny\ndispositions:\n  - { code: Dx05, title: \"Primary care 2h\", section: 1, status: in_use, timeframe_minutes: 120 }\n  - { code: Dx06, title: \"Primary care 6h\", section: 1, status: in_use, timeframe_minutes: 360 }\n";

/// A tree that checks cleanly against [`CATALOGUE`] (as `catalogue.yaml`
/// beside it).
pub const GOOD: &str = r#"release "catalogue.yaml"
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

/// A valid case of the shipped rules, as `dxmap route` arguments (no
/// `--at`).
pub const ROUTE_CASE: &[&str] = &[
    "--dx",
    "Dx28",
    "--channel",
    "111",
    "--age",
    "40",
    "--sex",
    "female",
    "--postcode",
    "so16 7ab",
];

/// The arguments of `dxmap route` for [`ROUTE_CASE`] at 15:00 on VE Day
/// 2020 (a bank holiday), after `source` (`--table FILE` or `--rules DIR`)
/// and before `extra`.
pub fn route_args<'a>(source: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["route"];
    args.extend_from_slice(source);
    args.extend_from_slice(ROUTE_CASE);
    args.extend_from_slice(&["--at", "2020-05-08T15:00:00+01:00"]);
    args.extend_from_slice(extra);
    args
}

/// `args` with the value that follows `flag` replaced by `value`.
pub fn with_arg<'a>(args: &[&'a str], flag: &str, value: &'a str) -> Vec<&'a str> {
    let at = args.iter().position(|arg| *arg == flag).unwrap() + 1;
    let mut args = args.to_vec();
    args[at] = value;
    args
}

/// The project root.
pub fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How one run of `dxmap` ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Both streams, for messages that may be printed on either.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `dxmap ARGS` in `dir`, without colour and with no standard input,
/// killing it after [`TIMEOUT`]. Fails the test on a timeout, a death by
/// signal (a stack overflow aborts), a panic (exit 101) or output that is
/// not UTF-8.
pub fn dxmap(dir: &Path, args: &[&str]) -> Run {
    let shown = format!("dxmap {}", args.join(" "));
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dxmap"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut bytes);
        bytes
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut bytes);
        bytes
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{shown}` ran for more than {TIMEOUT:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let text = |bytes: Vec<u8>, stream: &str| {
        String::from_utf8(bytes)
            .unwrap_or_else(|err| panic!("`{shown}` wrote {stream} that is not UTF-8: {err}"))
    };
    let stdout = text(stdout_reader.join().unwrap(), "a standard output");
    let stderr = text(stderr_reader.join().unwrap(), "a standard error");
    let Some(code) = status.code() else {
        panic!(
            "`{shown}` was killed by a signal ({status}): a stack overflow or an abort\n{stderr}"
        );
    };
    assert_ne!(code, 101, "`{shown}` panicked:\n{stderr}");
    Run {
        code,
        stdout,
        stderr,
        elapsed,
    }
}

/// An emptied scratch directory `NAME` for this test binary, holding `files`.
/// The binary's directory is the same from run to run (each directory is
/// emptied before use), so runs do not pile up in the temporary directory.
pub fn scratch<B: AsRef<[u8]>>(name: &str, files: &[(&str, B)]) -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let dir = std::env::temp_dir()
        .join(format!("dxmap-{binary}"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, body) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    dir
}

/// A scratch directory holding [`GOOD`] and [`CATALOGUE`] under `rules/`,
/// and `extra` files.
pub fn good_tree(name: &str, extra: &[(&str, &[u8])]) -> PathBuf {
    let mut files: Vec<(&str, &[u8])> = vec![
        ("rules/national.dxm", GOOD.as_bytes()),
        ("rules/catalogue.yaml", CATALOGUE.as_bytes()),
    ];
    files.extend_from_slice(extra);
    scratch(name, &files)
}

/// Runs `git ARGS` in `dir` as a fixed test user, without the machine's
/// global or system configuration (no signing, no hooks); fails the test
/// if git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=dxmap",
            "-c",
            "user.email=dxmap@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The output with the rendering's line wrapping undone: each line's
/// indentation and `│` gutter removed and the lines joined by spaces.
pub fn unwrapped(output: &str) -> String {
    output
        .lines()
        .map(|line| line.trim_start().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts the exit code and that the output names every one of `names`
/// (as printed, or across a line the rendering wrapped).
#[track_caller]
pub fn assert_run(run: &Run, code: i32, names: &[&str]) {
    assert_eq!(run.code, code, "exit code\n{}", run.output());
    let output = run.output();
    let joined = unwrapped(&output);
    for name in names {
        assert!(
            output.contains(name) || joined.contains(name),
            "`{name}` not named in:\n{output}"
        );
    }
}
