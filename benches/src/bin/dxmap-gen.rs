//! `dxmap-gen`: writes a generated rules tree to a directory.
//!
//! ```text
//! dxmap-gen --out DIR [--scale national|N] [--seed N] [--force]
//! ```
//!
//! `--scale N` is N times the shipped tree (`rules/`); `national` (the
//! default) is 40 overlays, 20,000 services and 2,000 rules. The directory
//! is created; a directory that exists and is not empty is refused unless
//! `--force` is given: then the tree's files are overwritten and the other
//! `.dxm` files under it (a previous tree's) are removed, so that the
//! directory holds exactly one tree; other files are left alone. Exit
//! codes: 0 written, 2 usage or I/O error.
//!
//! Imports: `dxmap_bench`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dxmap_bench::Params;

const USAGE: &str = "usage: dxmap-gen --out DIR [--scale national|1|10|100|N] [--seed N] [--force]";

struct Args {
    out: PathBuf,
    params: Params,
    force: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = None;
    let mut scale = "national".to_owned();
    let mut seed = None;
    let mut force = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" | "-o" => {
                out = Some(PathBuf::from(args.next().ok_or("--out needs a directory")?))
            }
            "--scale" => scale = args.next().ok_or("--scale needs a value")?,
            "--seed" => {
                let value = args.next().ok_or("--seed needs a number")?;
                seed = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| format!("--seed: `{value}` is not a number"))?,
                );
            }
            "--force" => force = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let mut params = match scale.as_str() {
        "national" => Params::national(),
        n => match n.trim_end_matches('x').parse::<usize>() {
            Ok(factor) if factor >= 1 => Params::shipped_scale(factor),
            _ => {
                return Err(format!(
                    "--scale: `{scale}` is not `national` or a factor such as 1, 10, 100"
                ))
            }
        },
    };
    if let Some(seed) = seed {
        params.seed = seed;
    }
    let out = out.ok_or("--out DIR is required")?;
    Ok(Args { out, params, force })
}

fn write(dir: &Path, files: &[(String, String)], force: bool) -> Result<(), String> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        if entries.next().is_some() && !force {
            return Err(format!(
                "`{}` is not empty (use --force to write into it)",
                dir.display()
            ));
        }
    }
    if force && dir.exists() {
        let keep: Vec<PathBuf> = files.iter().map(|(name, _)| dir.join(name)).collect();
        let stale = dxmap::load::rules_files(dir).map_err(|e| e.to_string())?;
        for path in stale.into_iter().filter(|p| !keep.contains(p)) {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove `{}`: {e}", path.display()))?;
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("dxmap-gen: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let files = dxmap_bench::generate(&args.params);
    if let Err(message) = write(&args.out, &files, args.force) {
        eprintln!("dxmap-gen: {message}");
        return ExitCode::from(2);
    }
    let counts = dxmap_bench::count(&files);
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    println!(
        "wrote {} files ({} bytes) to {}: {} overlays, {} services, {} rules (seed {})",
        files.len(),
        bytes,
        args.out.display(),
        counts.overlays,
        counts.services,
        counts.rules,
        args.params.seed
    );
    ExitCode::SUCCESS
}
