//! `dxmap check [--rules DIR] [--release NAME|FILE] [--format human|json|sarif|github] [--deny-warnings]`.
//!
//! Imports: `crate::load`, `crate::diagnostics`, `super`.

use super::{usage_error, use_color, CheckFormat, Exit};
use crate::diagnostics::{self, Counts};
use crate::load;

/// Arguments of `dxmap check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    tree: super::TreeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// Runs `dxmap check`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let checked = match load::check_tree(&dir, args.tree.release()) {
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
    // Quiet and clean prints nothing; a human summary of findings that are
    // all allowed is a clean pass too (JSON and SARIF still list them).
    let clean = checked.diagnostics.is_empty()
        || (args.format == CheckFormat::Human
            && checked.diagnostics.iter().all(|d| d.is_allowed()));
    if !(super::quiet() && clean) {
        outln!("{}", output.trim_end());
    }
    let counts = Counts::of(&checked.diagnostics);
    if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
