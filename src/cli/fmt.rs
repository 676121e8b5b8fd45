//! `dxmap fmt [--check | --diff] [PATH...]`: rewrite rules files in canonical
//! form, list those that would change (`--check`), or show the change as a
//! unified diff (`--diff`).
//!
//! A file with syntax errors is reported and left alone. Before writing,
//! the formatted text is parsed again and must mean exactly what the
//! original meant; files are written atomically (temporary file, then
//! rename), so an interrupted run never leaves half a file.
//!
//! Imports: `crate::{syntax, load, diagnostics, source}`, `super`, similar.

use std::path::PathBuf;

use super::{default_dir, usage_error, use_color, Exit};
use crate::diagnostics::{self, Diagnostic};
use crate::load;
use crate::source::SourceMap;
use crate::syntax;

/// Arguments of `dxmap fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report files that are not in canonical form; change nothing.
    #[arg(long, conflicts_with = "diff")]
    check: bool,
    /// Show the change each file would get as a unified diff; change nothing.
    #[arg(long)]
    diff: bool,
    /// Files or directories (default `rules`).
    paths: Vec<PathBuf>,
}

fn targets(paths: &[PathBuf]) -> Result<Vec<PathBuf>, load::LoadError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(load::rules_files(path)?);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(load::LoadError::Io {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file or directory",
                ),
            });
        }
    }
    Ok(files)
}

/// Runs `dxmap fmt`.
pub fn run(args: Args) -> Exit {
    let paths = if args.paths.is_empty() {
        vec![default_dir()]
    } else {
        args.paths
    };
    let files = match targets(&paths) {
        Ok(files) => files,
        Err(error) => return usage_error(error),
    };
    let mut sources = SourceMap::new();
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut changed = Vec::new();
    for path in &files {
        let (file, text) = match load::read_source(&mut sources, path, &mut found) {
            Ok(Some(read)) => read,
            Ok(None) => continue,
            Err(error) => return usage_error(error),
        };
        let (formatted, problems) = syntax::reformat(file, &text);
        found.extend(problems);
        let Some(formatted) = formatted else {
            continue;
        };
        if formatted != text {
            changed.push(path.clone());
            if args.diff {
                let shown = path.display().to_string();
                let (old, new) = if path.is_absolute() {
                    (shown.clone(), shown.clone())
                } else {
                    (format!("a/{shown}"), format!("b/{shown}"))
                };
                out!(
                    "{}",
                    similar::TextDiff::from_lines(text.as_str(), formatted.as_str())
                        .unified_diff()
                        .context_radius(3)
                        .header(&old, &new)
                );
            } else if !args.check {
                if let Err(error) = load::write_file(path, &formatted) {
                    return usage_error(format!("cannot write `{}`: {error}", path.display()));
                }
            }
        }
    }
    diagnostics::sort(&mut found);
    if !found.is_empty() {
        out!(
            "{}",
            diagnostics::human::render_all(&found, &sources, use_color())
        );
    }
    for path in &changed {
        if args.diff {
            continue;
        } else if args.check {
            outln!("would reformat {}", path.display());
        } else {
            outln!("formatted {}", path.display());
        }
    }
    if found.iter().any(Diagnostic::is_error) || ((args.check || args.diff) && !changed.is_empty())
    {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
