//! `dxmap-route-count`: instructions per routed case, counted by callgrind,
//! the stable figure on a machine whose clock speed and neighbours vary.
//!
//! ```text
//! cargo build --release -p dxmap-bench --bin dxmap-route-count
//! target/release/dxmap-route-count [--table national.dxt] [--cases 2000]
//! ```
//!
//! It runs itself twice under `valgrind --tool=callgrind`, routing the same
//! stream of cases (`dxmap_bench::cases::stream`, `--explain` off) once and
//! three times after loading the table; the difference of the two totals,
//! over twice the number of cases, is what a case costs, without the load.
//! It does so for both ways of asking: `Router::route`, which returns a new
//! decision, and `Router::route_into`, which fills one decision reused from
//! case to case (what an integrator routing many cases calls).
//! Without `--table` the national tree is generated and compiled first
//! (outside valgrind) into a temporary file. Prints one markdown row.
//! Exit 1 if valgrind is missing or a run fails.
//!
//! `--write-cases FILE` writes the stream instead, as the JSON lines
//! `dxmap route --table T --cases FILE` reads, and counts nothing.
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_bench`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use dxmap::load::{self, Tree};
use dxmap_bench::Params;
use dxmap_runtime::{Router, Table};

/// The rounds of the two counted runs.
const ROUNDS: [usize; 2] = [1, 3];

/// The two ways of asking: their argument and their name.
const APIS: [(&str, &str); 2] = [
    ("route", "`Router::route`"),
    ("into", "`Router::route_into`"),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dxmap-route-count: {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<(), String> {
    let mut table: Option<PathBuf> = None;
    let mut cases = 2_000usize;
    let mut inner: Option<usize> = None;
    let mut write_cases: Option<PathBuf> = None;
    let mut api = "route".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--table" => table = Some(PathBuf::from(value()?)),
            "--write-cases" => write_cases = Some(PathBuf::from(value()?)),
            "--api" => api = value()?,
            "--cases" => cases = value()?.parse().map_err(|_| "--cases N".to_owned())?,
            "--inner-rounds" => {
                inner = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--inner-rounds N".to_owned())?,
                );
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let (Some(rounds), Some(table)) = (inner, &table) {
        return route(table, cases, rounds, &api);
    }
    if let (Some(out), Some(table)) = (&write_cases, &table) {
        let router = load(table)?;
        let lines: String =
            dxmap_bench::cases::stream(router.table().map_err(|e| e.to_string())?, cases, 7)
                .iter()
                .map(|case| dxmap_bench::cases::json_line(case) + "\n")
                .collect();
        return std::fs::write(out, lines).map_err(|e| format!("{}: {e}", out.display()));
    }
    let scratch = std::env::temp_dir().join(format!("dxmap-route-count-{}", std::process::id()));
    let table = match table {
        Some(table) => table,
        None => {
            let artifact = national()?;
            std::fs::write(&scratch, artifact).map_err(|e| format!("writing the table: {e}"))?;
            scratch.clone()
        }
    };
    let mut rows = Vec::new();
    for (api, name) in APIS {
        let counted: Result<Vec<u64>, String> = ROUNDS
            .iter()
            .map(|rounds| count(&table, cases, *rounds, api))
            .collect();
        rows.push((name, counted));
    }
    let _ = std::fs::remove_file(&scratch);
    println!(
        "| table | asked with | cases | instructions, {} rounds | instructions, {} rounds | per case |",
        ROUNDS[0], ROUNDS[1]
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, counted) in rows {
        let counted = counted?;
        let (Some(once), Some(thrice)) = (counted.first(), counted.get(1)) else {
            return Err("no count".to_owned());
        };
        let extra_rounds = ROUNDS.get(1).zip(ROUNDS.first()).map_or(2, |(b, a)| b - a);
        let per_case = thrice.saturating_sub(*once) as f64 / (extra_rounds * cases) as f64;
        println!(
            "| {} | {name} | {cases} | {once} | {thrice} | {per_case:.0} |",
            table
                .file_name()
                .map_or_else(|| "national".into(), |n| n.to_string_lossy())
        );
    }
    Ok(())
}

/// The national tree, compiled.
fn national() -> Result<Vec<u8>, String> {
    let texts = dxmap_bench::generate(&Params::national());
    let tree = Tree::from_texts(Path::new("generated"), texts);
    let checked = load::check_loaded(tree, None).map_err(|_| "the national tree does not load")?;
    let model = checked
        .model
        .as_ref()
        .filter(|_| !checked.has_errors())
        .ok_or("the national tree has errors")?;
    Ok(dxmap::compile::compile(model, &checked.sources).to_artifact())
}

/// The instructions of one run of this program routing `rounds` times.
fn count(table: &Path, cases: usize, rounds: usize, api: &str) -> Result<u64, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!("dxmap-route-count-{}.cg", std::process::id()));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&me)
        .arg("--table")
        .arg(table)
        .args([
            "--cases",
            &cases.to_string(),
            "--inner-rounds",
            &rounds.to_string(),
            "--api",
            api,
        ])
        .output()
        .map_err(|e| format!("valgrind: {e} (apt-get install valgrind)"))?;
    let _ = std::fs::remove_file(&out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("the counted run failed: {stderr}"));
    }
    // `==123== Collected : 456789`
    stderr
        .lines()
        .find_map(|line| {
            line.split_once("Collected :")
                .map(|(_, n)| n.trim().to_owned())
        })
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no count in valgrind's output: {stderr}"))
}

/// The counted work: load the table, make the cases, route them.
fn route(table: &Path, cases: usize, rounds: usize, api: &str) -> Result<(), String> {
    let router = load(table)?;
    let stream = dxmap_bench::cases::stream(router.table().map_err(|e| e.to_string())?, cases, 7);
    let mut answered = 0usize;
    let mut decision = dxmap_runtime::Decision::default();
    for _ in 0..rounds {
        for case in &stream {
            answered += usize::from(if api == "into" {
                std::hint::black_box(router.route_into(case, &mut decision)).is_ok()
            } else {
                std::hint::black_box(router.route(case)).is_ok()
            });
        }
    }
    println!("{answered}");
    Ok(())
}

/// The router of a table file.
fn load(table: &Path) -> Result<Router, String> {
    let bytes = std::fs::read(table).map_err(|e| format!("{}: {e}", table.display()))?;
    let table = Table::from_artifact(&bytes).map_err(|e| e.to_string())?;
    Router::new(table).map_err(|e| e.to_string())
}
