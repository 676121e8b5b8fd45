//! `dxmap check [--rules DIR] [--release NAME|FILE] [--format human|json|sarif|github] [--deny-warnings]`.
//!
//! Imports: `crate::load`, `crate::diagnostics`, `crate::source`, `super`.

use std::collections::BTreeMap;

use super::{usage_error, use_color, CheckFormat, Exit};
use crate::diagnostics;
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

/// The path from the repository's root of each file read, by the name it
/// was read under, for SARIF: the root is the nearest folder above the
/// rules directory that holds `.git` (the work tree code scanning reads
/// from), else the current directory. Paths are compared resolved, so any
/// way of typing the rules directory gives the same paths; a file outside
/// the root (or a bundled catalogue) has none.
fn paths_from_root(
    dir: &std::path::Path,
    sources: &crate::source::SourceMap,
) -> BTreeMap<String, String> {
    let root = std::fs::canonicalize(dir)
        .ok()
        .and_then(|dir| {
            dir.ancestors()
                .find(|folder| folder.join(".git").exists())
                .map(std::path::Path::to_path_buf)
        })
        .or_else(|| std::env::current_dir().and_then(std::fs::canonicalize).ok());
    let Some(root) = root else {
        return BTreeMap::new();
    };
    sources
        .iter()
        .filter_map(|(id, _)| {
            let name = sources.name(id);
            let path = std::fs::canonicalize(name).ok()?;
            let relative = path.strip_prefix(&root).ok()?;
            let parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            Some((name.to_owned(), parts.join("/")))
        })
        .collect()
}

/// Runs `dxmap check`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let mut checked = match load::check_tree(&dir, args.tree.release()) {
        Ok(checked) => checked,
        Err(error) => return usage_error(error),
    };
    // The findings render without the model: its room goes to the output
    // (tens of megabytes for a large tree).
    drop(checked.model.take());
    let found = &checked.diagnostics;
    let output = match args.format {
        CheckFormat::Human => {
            diagnostics::human::render_findings(found, &checked.sources, use_color())
        }
        CheckFormat::Json => diagnostics::json::render_findings(found, &checked.sources),
        CheckFormat::Sarif => {
            let paths = paths_from_root(&dir, &checked.sources);
            diagnostics::sarif::render_all(&found.all(), &checked.sources, &|name| {
                paths.get(name).cloned()
            })
        }
        CheckFormat::Github => diagnostics::github::render_findings(found, &checked.sources),
    };
    // Quiet and clean prints nothing; a human summary of findings that are
    // all allowed is a clean pass too (JSON and SARIF still list them).
    let clean = found.is_empty()
        || (args.format == CheckFormat::Human && found.heads().all(|head| head.allowed));
    if !(super::quiet() && clean) {
        // Written as it is, not copied into another string first.
        super::write_stdout(output.trim_end());
        super::write_stdout("\n");
    }
    let counts = found.counts();
    if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        Exit::Rules
    } else {
        Exit::Ok
    }
}
