//! `dxmap build [--rules DIR] [--release NAME|FILE] [-o FILE]`: compile a rules tree to a table file.
//!
//! The file is written as `load::write_file` writes: atomically for a
//! regular file (a failed build never leaves a partial table, an existing
//! one keeps its permissions), through a symbolic link to its target,
//! straight into a FIFO or device, and never over a read-only file.
//!
//! Imports: `crate::load`, `super`.

use std::path::PathBuf;

use super::{compile_tree, usage_error, Exit};
use crate::load;

/// Arguments of `dxmap build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    tree: super::TreeArgs,
    /// Where to write the table.
    #[arg(short = 'o', long = "output", default_value = "table.dxt")]
    output: PathBuf,
}

/// Runs `dxmap build`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let table = match compile_tree(&dir, args.tree.release()) {
        Ok(table) => table,
        Err(exit) => return exit,
    };
    if let Err(error) = load::write_file(&args.output, table.to_artifact()) {
        return usage_error(format!("cannot write `{}`: {error}", args.output.display()));
    }
    if super::quiet() {
        return Exit::Ok;
    }
    outln!(
        "built {} ({} rules, {} services, {} layers, release {})",
        args.output.display(),
        table.rules.len(),
        table.services.len(),
        table.layers.len(),
        table.release
    );
    Exit::Ok
}
