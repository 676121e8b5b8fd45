//! `dxmap diff OLD NEW | --git REV1..REV2|REV [--rules DIR] [--format human|json] [--exit-code]`:
//! the behavioural difference between two rules trees.
//!
//! With `--git`, the two trees are read from git revisions of the repository
//! the current directory is in (through `git` on the PATH), at the path of
//! `--rules` (default `rules`: the folder here, else the repository's
//! top-level one, so that any folder of the repository will do), into
//! temporary directories that are removed afterwards. Exit 0 (or, with `--exit-code`, 0 when equal and 3 when they
//! differ), 1 when a tree has errors, 2 for usage and I/O problems.
//!
//! Human output lists the changed cells of each layer in both trees; an
//! overlay added or removed is one line instead (its area, the codes it
//! routes differently there, the services in force only with it), and an
//! area change names the units claimed (`+`) and given up (`-`). JSON has
//! every cell, and the same summaries under `overlays` and `areas`.
//!
//! Imports: `crate::{diff, load}`, `super` (and its `git` for checkouts).

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{compile_tree_with, usage_error, Exit, Format};
use crate::diff::{self, plural, CellChange, Diff, OverlayChange, OverlaySummary};

/// Arguments of `dxmap diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old rules directory.
    #[arg(conflicts_with = "git", requires = "new")]
    old: Option<PathBuf>,
    /// The new rules directory.
    #[arg(conflicts_with = "git")]
    new: Option<PathBuf>,
    /// Two git revisions, `REV1..REV2`, of the repository in the current
    /// directory; `REV` (or `REV..`) compares REV with the working tree.
    #[arg(long, value_name = "REV1..REV2|REV")]
    git: Option<String>,
    /// With `--git`: the rules directory inside the repository (`rules`:
    /// the folder here, else the one at the top of the repository).
    #[arg(long, default_value = "rules")]
    rules: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 3 when the trees differ, 0 when they are equal.
    #[arg(long)]
    exit_code: bool,
}

fn ages(cell: &CellChange) -> String {
    cell.ages().to_string()
}

fn sex(cell: &CellChange) -> String {
    cell.sex
        .map_or_else(String::new, |sex| format!(", {}", sex.describe()))
}

/// One line for an overlay added or removed.
fn overlay_line(summary: &OverlaySummary) -> String {
    let sign = match summary.change {
        OverlayChange::Added => "+",
        OverlayChange::Removed => "-",
    };
    format!("  {sign} {}", summary.describe())
}

fn render(diff: &Diff) -> String {
    let mut out = String::new();
    if let Some((old, new)) = &diff.release {
        let _ = writeln!(out, "release {old} -> {new}");
    }
    // The cells of an overlay added or removed are read against a layer
    // that does not exist: its summary line says what they change instead.
    let mut current_layer = "";
    let mut listed = 0;
    for cell in diff.listed_cells() {
        listed += 1;
        if cell.layer != current_layer {
            let _ = writeln!(out, "layer {}", cell.layer);
            current_layer = &cell.layer;
        }
        let _ = writeln!(
            out,
            "  {} on {}, {}{}: {}  =>  {}",
            cell.dx,
            cell.channel.as_str(),
            ages(cell),
            sex(cell),
            cell.old,
            cell.new
        );
    }
    for (title, changes, is_layers) in [
        ("layers", &diff.layers, true),
        ("dispositions", &diff.dispositions, false),
        ("calendar", &diff.calendar, false),
        ("hierarchies", &diff.hierarchies, false),
        ("service types", &diff.service_types, false),
        ("services", &diff.services, false),
    ] {
        if changes.added.is_empty() && changes.removed.is_empty() && changes.changed.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        let summary = |item: &str| diff.overlays.iter().find(|s| is_layers && s.layer == item);
        for item in changes.added.iter().chain(&changes.removed) {
            let sign = if changes.added.contains(item) {
                "+"
            } else {
                "-"
            };
            match summary(item) {
                Some(summary) => {
                    let _ = writeln!(out, "{}", overlay_line(summary));
                }
                None => {
                    let _ = writeln!(out, "  {sign} {item}");
                }
            }
        }
        for item in &changes.changed {
            let fields: Vec<String> = item
                .fields
                .iter()
                .map(|field| {
                    let area = diff
                        .areas
                        .iter()
                        .find(|area| is_layers && field == "area" && area.layer == item.id);
                    match area {
                        Some(area) => area.describe(),
                        None => field.clone(),
                    }
                })
                .collect();
            let _ = writeln!(out, "  ~ {}: {}", item.id, fields.join(", "));
        }
    }
    let _ = writeln!(
        out,
        "{}",
        if diff.is_empty() {
            "no behavioural difference".to_owned()
        } else {
            let mut summary = if listed == 1 {
                "1 routing cell differs".to_owned()
            } else {
                format!("{listed} routing cells differ")
            };
            let in_overlays: usize = diff.overlays.iter().map(|s| s.cells).sum();
            if in_overlays > 0 {
                let _ = write!(
                    summary,
                    " (and {in_overlays} in the areas of new or removed overlays)"
                );
            }
            let _ = write!(
                summary,
                "; {} added, {} removed, {} changed",
                plural(diff.services.added.len(), "service", "services"),
                diff.services.removed.len(),
                diff.services.changed.len()
            );
            for (one, many, changes) in [
                ("layer", "layers", &diff.layers),
                ("disposition", "dispositions", &diff.dispositions),
                ("bank holiday", "bank holidays", &diff.calendar),
                ("hierarchy", "hierarchies", &diff.hierarchies),
                ("service type", "service types", &diff.service_types),
            ] {
                let count = changes.added.len() + changes.removed.len() + changes.changed.len();
                if count > 0 {
                    let _ = write!(summary, "; {} changed", plural(count, one, many));
                }
            }
            summary
        }
    );
    out
}

/// Runs `dxmap diff`.
pub fn run(args: Args) -> Exit {
    // `diff --git`: both revisions in a fresh directory of ours (random
    // name, owner only), removed when this function returns, whatever
    // happens.
    let scratch = if args.git.is_some() {
        match tempfile::Builder::new().prefix("dxmap-diff-").tempdir() {
            Ok(dir) => Some(dir),
            Err(error) => return usage_error(format!("cannot make a scratch directory: {error}")),
        }
    } else {
        None
    };
    let (old_dir, new_dir) = match (&args.git, &args.old, &args.new, &scratch) {
        (Some(range), _, _, Some(scratch)) => {
            // `REV1..REV2`; `REV` or `REV..` compares REV with the working
            // tree (uncommitted changes included).
            let (rev1, rev2) = match range.split_once("..") {
                Some((rev1, rev2)) => (rev1, (!rev2.is_empty()).then_some(rev2)),
                None => (range.as_str(), None),
            };
            if rev1.is_empty() {
                return usage_error(format!(
                    "`--git {range}` names no revision: `REV1..REV2` or `REV`"
                ));
            }
            let rules = super::git::default_rules(&args.rules);
            let old_dir = scratch.path().join("old");
            if let Err(problem) = super::git::checkout(rev1, &rules, &old_dir) {
                return usage_error(problem);
            }
            let new_dir = match rev2 {
                Some(rev2) => {
                    let new_dir = scratch.path().join("new");
                    if let Err(problem) = super::git::checkout(rev2, &rules, &new_dir) {
                        return usage_error(problem);
                    }
                    new_dir
                }
                None => rules,
            };
            (old_dir, new_dir)
        }
        (None, Some(old), Some(new), _) => (old.clone(), new.clone()),
        _ => {
            return usage_error(
                "give two rules directories, `dxmap diff OLD NEW`, or `--git REV1..REV2`",
            )
        }
    };
    // A change that opens a gap is still a behavioural change worth showing:
    // only errors that stop the rules meaning anything stop the diff.
    let tables = compile_tree_with(&old_dir, None, true)
        .and_then(|old| Ok((old, compile_tree_with(&new_dir, None, true)?)));
    drop(scratch);
    let (old, new) = match tables {
        Ok(tables) => tables,
        Err(exit) => return exit,
    };
    let difference = diff::diff(&old, &new);
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&difference).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "equal".to_owned(),
                    serde_json::Value::Bool(difference.is_empty()),
                );
            }
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Human => out!("{}", render(&difference)),
    }
    if args.exit_code && !difference.is_empty() {
        Exit::Differs
    } else {
        Exit::Ok
    }
}
