//! `dxmap check [DIR] [--release NAME|FILE] [--format human|json|sarif|github] [--deny-warnings]`.
//!
//! Imports: `crate::load`, `crate::diagnostics`, `super`.

use std::path::PathBuf;

use super::{default_dir, usage_error, use_color, CheckFormat, Exit};
use crate::diagnostics::{self, Counts};
use crate::load;

/// Arguments of `dxmap check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory.
    dir: Option<PathBuf>,
    /// A bundled release name or a catalogue file, replacing the tree's `release` line.
    #[arg(long)]
    release: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// Runs `dxmap check`.
pub fn run(args: Args) -> Exit {
    let dir = args.dir.unwrap_or_else(default_dir);
    let checked = match load::check_tree(&dir, args.release.as_deref()) {
        Ok(checked) => checked,
        Err(error) => return usage_error(error),
    };
    let output = match args.format {
        CheckFormat::Human => {
            diagnostics::human::render_all(&checked.diagnostics, &checked.sources, use_color())
        }
        CheckFormat::Json => diagnostics::json::render_all(&checked.diagnostics, &checked.sources),
        CheckFormat::Sarif => {
            diagnostics::sarif::render_all(&checked.diagnostics, &checked.sources)
        }
        CheckFormat::Github => {
            diagnostics::github::render_all(&checked.diagnostics, &checked.sources)
        }
    };
    outln!("{}", output.trim_end());
    let counts = Counts::of(&checked.diagnostics);
    if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
