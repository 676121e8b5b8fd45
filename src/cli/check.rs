//! `dxmap check [DIR] [--release NAME|FILE] [--format human|json] [--deny-warnings]`.
//!
//! Imports: `crate::load`, `crate::diagnostics`, `super`.

use std::path::PathBuf;

use super::{default_dir, usage_error, use_color, Exit, Format};
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
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
        Format::Human => {
            diagnostics::human::render_all(&checked.diagnostics, &checked.sources, use_color())
        }
        Format::Json => diagnostics::json::render_all(&checked.diagnostics, &checked.sources),
    };
    println!("{}", output.trim_end());
    let counts = Counts::of(&checked.diagnostics);
    if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
