//! `dxmap report` in a real browser: headless Debian Chromium renders the
//! report of the shipped rules and of a `--base` change from a `file://`
//! URL; the rendered DOM (`--dump-dom`) has one heatmap cell per
//! (disposition, channel) and lists the changed cells, a 1280×800
//! screenshot and an A4 PDF are written, and the browser logs no uncaught
//! error and no Content-Security-Policy violation.
//!
//! Without `/usr/bin/chromium` the test says so and passes, unless `CI` is
//! set: `.ci/run` installs Chromium, so in CI it always runs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::cli::{dxmap, project, scratch};
use support::report::expected_cells;
use support::trees::repository;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Longest one browser run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

/// Whether the browser is there; without it, fails in CI and passes
/// (saying why) elsewhere.
fn chromium_present() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing and CI is set: `.ci/run` installs it (apt-get install chromium fonts-dejavu-core)"
    );
    eprintln!("note: {CHROMIUM} is missing; the browser test is skipped outside CI");
    false
}

/// What one headless run printed.
struct Rendered {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `extra` arguments, a fresh
/// profile under `dir`, logging to standard error; kills it after
/// [`BROWSER_TIMEOUT`].
fn chromium(dir: &Path, page: &Path, name: &str, extra: &[String]) -> Rendered {
    let profile = dir.join(format!("profile-{name}"));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let url = format!("file://{}", page.display());
    let stdout_path = dir.join(format!("{name}.stdout"));
    let stderr_path = dir.join(format!("{name}.stderr"));
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium ({name}) ran for more than {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let rendered = Rendered {
        stdout: std::fs::read_to_string(&stdout_path).unwrap(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap(),
    };
    assert!(
        status.success(),
        "chromium ({name}) failed: {status}\n{}",
        rendered.stderr
    );
    let _ = std::fs::remove_dir_all(&profile);
    rendered
}

/// Asserts the browser logged no uncaught error, no CSP violation and no
/// refused or failed load for the page.
fn assert_quiet(rendered: &Rendered, what: &str) {
    for line in rendered.stderr.lines() {
        let lower = line.to_lowercase();
        assert!(
            !(line.contains("Uncaught")
                || lower.contains("content security policy")
                || lower.contains("violates the following")
                || lower.contains("content-security-policy")
                || lower.contains("refused to")
                || lower.contains("net::err_")),
            "{what}: the browser logged: {line}"
        );
    }
}

/// Renders `page` three ways: the DOM after scripts ran, a screenshot at
/// 1280×800 and an A4 PDF; returns the DOM.
fn render_all(dir: &Path, page: &Path, name: &str) -> String {
    let dom = chromium(
        dir,
        page,
        &format!("{name}-dom"),
        &["--dump-dom".to_owned()],
    );
    assert_quiet(&dom, name);

    let png = dir.join(format!("{name}.png"));
    let shot = chromium(
        dir,
        page,
        &format!("{name}-png"),
        &[
            "--window-size=1280,800".to_owned(),
            format!("--screenshot={}", png.display()),
        ],
    );
    assert_quiet(&shot, name);
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "{name}: not a PNG");
    assert!(
        bytes.len() > 20_000,
        "{name}: a screenshot of {} bytes is blank",
        bytes.len()
    );

    let pdf = dir.join(format!("{name}.pdf"));
    let printed = chromium(
        dir,
        page,
        &format!("{name}-pdf"),
        &[
            "--no-pdf-header-footer".to_owned(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    assert_quiet(&printed, name);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{name}: not a PDF");
    assert!(
        bytes.len() > 20_000,
        "{name}: a PDF of {} bytes",
        bytes.len()
    );
    dom.stdout
}

/// The number of cells of each rendered heatmap.
fn heatmap_cells(dom: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for part in dom.split("<table class=\"heatmap\" data-layer=\"").skip(1) {
        let layer = &part[..part.find('"').unwrap()];
        let table = &part[..part.find("</table>").unwrap()];
        out.push((layer.to_owned(), table.matches(" data-cell=\"").count()));
    }
    out
}

fn write_report(dir: &Path, rules: &str, out: &Path, extra: &[&str]) -> PathBuf {
    let out_text = out.to_string_lossy().into_owned();
    let mut args = vec![
        "report",
        "--rules",
        rules,
        "-o",
        &out_text,
        "--week",
        "2020-05-08",
    ];
    args.extend_from_slice(extra);
    let run = dxmap(dir, &args);
    assert_eq!(run.code, 0, "{}", run.output());
    out.join("index.html")
}

#[test]
fn chromium_renders_the_report_and_the_diff_report() {
    if !chromium_present() {
        return;
    }
    let dir = scratch("browser", &[] as &[(&str, &[u8])]);

    // The log is read as it should be: a page that breaks its policy and
    // throws is caught.
    let bad = dir.join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>\
         <img src=\"https://example.invalid/x.png\"><script>nosuchfunction();</script></body></html>",
    )
    .unwrap();
    let logged = chromium(&dir, &bad, "bad", &["--dump-dom".to_owned()]);
    assert!(
        std::panic::catch_unwind(|| assert_quiet(&logged, "bad")).is_err(),
        "a page with an uncaught error and a blocked request passed:\n{}",
        logged.stderr
    );

    // The shipped rules.
    let page = write_report(&project(), "rules", &dir.join("shipped"), &[]);
    let dom = render_all(&dir, &page, "shipped");
    // The baseline's heatmap has a cell per (disposition, channel); an
    // overlay's, a cell per (disposition, channel) of each disposition it
    // answers differently from the layer it extends.
    let expected = expected_cells(&project().join("rules"));
    let shown: Vec<(String, usize)> = expected.iter().filter(|(_, n)| *n > 0).cloned().collect();
    assert_eq!(heatmap_cells(&dom), shown);
    assert!(expected[0].1 > 100);
    assert_eq!(
        dom.matches("<p class=\"as-in\">").count(),
        expected.len() - 1,
        "an overlay does not say which cells are as in the layer it extends"
    );
    // The filtering script ran: its controls are shown.
    assert!(
        dom.contains("<div class=\"filter\">"),
        "the filter script did not run"
    );
    assert!(dom.contains("50 passed, 0 failed"));

    // A change against a base revision.
    let repo = repository("browser-base");
    let page = write_report(&repo, "rules", &dir.join("change"), &["--base", "main"]);
    let dom = render_all(&dir, &page, "change");
    let changed = dom.matches(" data-change=\"dorset/").count();
    assert!(changed > 0, "the rendered diff lists no changed cell");
    assert_eq!(changed, dom.matches(" data-change=\"").count());
    assert!(dom.contains("Changes since <code>main</code>"));
    for code in ["Dx17", "Dx19", "Dx118"] {
        assert!(
            dom.contains(&format!("data-change=\"dorset/{code}/111\"")),
            "{code} on 111 is not listed as changed"
        );
    }
}
