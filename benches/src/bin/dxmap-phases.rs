//! `dxmap-phases`: times each phase of checking and compiling one tree, to
//! find where the time goes.
//!
//! ```text
//! dxmap-phases [--scale national|N] [--seed N] [--runs N]
//! dxmap-phases --dir DIR [--runs N]
//! ```
//!
//! Prints, for the median of `--runs` runs (default 3): parse, check
//! (release, resolution and analyses), the analyses alone (`analyse` on
//! the checked model) and the `gaps`, `overlaps` and `never_fire` analyses
//! among them, compile, writing the artifact and loading it. Exit codes:
//! 0 done, 1 the tree has errors, 2 usage or I/O error.
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_bench`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dxmap::load::{self, Tree};
use dxmap_bench::Params;

const USAGE: &str = "usage: dxmap-phases [--scale national|N] [--seed N] [--dir DIR] [--runs N]";

use dxmap_bench::measure::{median, timed as time};

fn texts_of(dir: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let paths = load::rules_files(dir).map_err(|e| e.to_string())?;
    let mut texts = Vec::new();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path
            .strip_prefix(dir)
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
        texts.push((name, text));
    }
    Ok(texts)
}

fn run() -> Result<bool, String> {
    let mut args = std::env::args().skip(1);
    let mut params = Params::national();
    let mut dir: Option<PathBuf> = None;
    let mut runs = 3usize;
    let mut seed = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scale" => {
                let value = args.next().ok_or(USAGE)?;
                params = match value.as_str() {
                    "national" => Params::national(),
                    n => Params::shipped_scale(n.trim_end_matches('x').parse().map_err(|_| USAGE)?),
                };
            }
            "--seed" => {
                seed = Some(
                    args.next()
                        .ok_or(USAGE)?
                        .parse::<u64>()
                        .map_err(|_| USAGE)?,
                )
            }
            "--dir" => dir = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            "--runs" => {
                runs = args
                    .next()
                    .ok_or(USAGE)?
                    .parse::<usize>()
                    .map_err(|_| USAGE)?
                    .max(1)
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    if let Some(seed) = seed {
        params.seed = seed;
    }
    let (texts, what) = match &dir {
        Some(dir) => (texts_of(dir)?, dir.display().to_string()),
        None => (dxmap_bench::generate(&params), format!("{params:?}")),
    };
    let root = dir.clone().unwrap_or_else(|| PathBuf::from("generated"));
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{what}: {} files, {bytes} bytes; median of {runs} runs",
        texts.len()
    );
    let names = [
        "parse",
        "check",
        "  analyses",
        "    gaps",
        "    overlaps",
        "    never_fire",
        "compile",
        "to_artifact",
        "table load",
    ];
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    let mut clean = true;
    for _ in 0..runs {
        let (tree, parse) = time(|| Tree::from_texts(&root, texts.clone()));
        let (checked, check) = time(|| load::check_loaded(tree, None));
        let checked = checked.map_err(|e| e.to_string())?;
        let errors = checked.diagnostics.counts().errors;
        if errors > 0 {
            clean = false;
        }
        let Some(model) = checked.model.as_ref() else {
            return Err(format!("no model: {errors} errors"));
        };
        let (_, analyses) = time(|| dxmap::check::analysis::analyse(model));
        let (_, gaps) = time(|| dxmap::check::analysis::gaps(model));
        let (_, overlaps) = time(|| dxmap::check::analysis::overlaps(model));
        let (_, never_fire) = time(|| dxmap::check::analysis::never_fire(model));
        let (table, compile) = time(|| dxmap::compile::compile(model, &checked.sources));
        let (artifact, to_artifact) = time(|| table.to_artifact());
        let (loaded, load) = time(|| dxmap_runtime::Table::from_artifact(&artifact));
        loaded.map_err(|e| e.to_string())?;
        for (slot, value) in samples.iter_mut().zip([
            parse,
            check,
            analyses,
            gaps,
            overlaps,
            never_fire,
            compile,
            to_artifact,
            load,
        ]) {
            slot.push(value);
        }
        if samples.first().is_some_and(|s| s.len() == 1) {
            println!(
                "{} diagnostics ({errors} errors); artifact {} bytes",
                checked.diagnostics.len(),
                artifact.len()
            );
        }
    }
    for (name, values) in names.iter().zip(samples) {
        println!(
            "{name:<16} {:>12.3} ms",
            median(values).as_secs_f64() * 1000.0
        );
    }
    Ok(clean)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("dxmap-phases: {message}");
            ExitCode::from(2)
        }
    }
}
