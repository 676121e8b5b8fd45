//! `dxmap release-diff OLD NEW [--rules DIR] [--format human|json]`: what a
//! new Pathways release changes — codes added, retired and changed — and,
//! with `--rules`, its impact on a rules tree: new codes the tree does not
//! cover, rules that name retired codes, routes too slow for a changed
//! timeframe. Exit 1 when `--rules` finds an impact to act on.
//!
//! Imports: `crate::{catalogue, release_impact, load, diagnostics, source}`,
//! `super`.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::json;

use super::{usage_error, use_color, Exit, Format};
use crate::catalogue::{self, Catalogue};
use crate::diagnostics::{self, Diagnostic};
use crate::load;
use crate::release_impact::{self, Impact};
use crate::source::SourceMap;

/// Arguments of `dxmap release-diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The release in force: a bundled name or a catalogue file.
    old: String,
    /// The new release: a bundled name or a catalogue file.
    new: String,
    /// A rules tree to assess the impact on.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

fn catalogue(arg: &str) -> Result<Catalogue, Exit> {
    let mut sources = SourceMap::new();
    let mut found: Vec<Diagnostic> = Vec::new();
    match load::release_from_arg(arg, &mut sources, &mut found) {
        Ok(Some(catalogue)) if !found.iter().any(Diagnostic::is_error) => Ok(catalogue),
        Ok(_) => {
            out!(
                "{}",
                diagnostics::human::render_all(&found, &sources, use_color())
            );
            Err(Exit::Rules)
        }
        Err(error) => Err(usage_error(error)),
    }
}

/// Checks the tree under `dir` against both releases and assesses the
/// impact of `diff` on it.
fn impact(
    dir: &std::path::Path,
    old: &str,
    new: &str,
    diff: &catalogue::ReleaseDiff,
) -> Result<Impact, Exit> {
    let checked_new = load::check_tree(dir, Some(new)).map_err(usage_error)?;
    let checked_old = load::check_tree(dir, Some(old)).map_err(usage_error)?;
    Ok(release_impact::assess(
        checked_old.model.as_ref(),
        checked_new.model.as_ref(),
        diff,
    ))
}

/// Runs `dxmap release-diff`.
pub fn run(args: Args) -> Exit {
    let (old, new) = match (catalogue(&args.old), catalogue(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(exit), _) | (_, Err(exit)) => return exit,
    };
    let diff = catalogue::compare(&old, &new);
    let impact = match &args.rules {
        Some(dir) => match impact(dir, &args.old, &args.new, &diff) {
            Ok(impact) => Some(impact),
            Err(exit) => return exit,
        },
        None => None,
    };
    let title = |catalogue: &Catalogue, code: &str| {
        catalogue
            .lookup(code)
            .and_then(|id| catalogue.get(id))
            .map_or_else(String::new, |d| d.title.clone())
    };
    match args.format {
        Format::Json => {
            let mut value = json!({
                "old": old.release,
                "new": new.release,
                "added": diff.added.iter().map(|c| json!({"dx": c, "title": title(&new, c)})).collect::<Vec<_>>(),
                "retired": diff.retired.iter().map(|c| json!({"dx": c, "title": title(&old, c)})).collect::<Vec<_>>(),
                "changed": diff.changed.iter().map(|(c, fields)| json!({"dx": c, "changes": fields})).collect::<Vec<_>>(),
            });
            if let (Some(impact), Some(object)) = (&impact, value.as_object_mut()) {
                object.insert(
                    "impact".to_owned(),
                    json!({
                        "uncovered": impact.uncovered.iter().map(|u| json!({"layer": u.layer, "dx": u.dx, "witness": u.witness})).collect::<Vec<_>>(),
                        "rules_naming_retired_codes": impact.retired_rules.iter().map(|r| json!({"rule": r.rule, "layer": r.layer, "codes": r.codes})).collect::<Vec<_>>(),
                        "routes_too_slow": impact.too_slow.iter().map(|s| json!({"rule": s.rule, "dx": s.dx, "type": s.service_type, "timeframe_minutes": s.timeframe_minutes, "responds_within_minutes": s.responds_within_minutes})).collect::<Vec<_>>(),
                    }),
                );
            }
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(out, "{} -> {}", old.release, new.release);
            let _ = writeln!(out, "added ({})", diff.added.len());
            for code in &diff.added {
                let _ = writeln!(out, "  + {code:<7} {}", title(&new, code));
            }
            let _ = writeln!(out, "retired ({})", diff.retired.len());
            for code in &diff.retired {
                let _ = writeln!(out, "  - {code:<7} {}", title(&old, code));
            }
            let _ = writeln!(out, "changed ({})", diff.changed.len());
            for (code, fields) in &diff.changed {
                let _ = writeln!(out, "  ~ {code:<7} {}", fields.join("; "));
            }
            if let Some(impact) = &impact {
                let _ = writeln!(out, "impact on the rules:");
                let _ = writeln!(out, "  new codes not covered ({})", impact.uncovered.len());
                for uncovered in &impact.uncovered {
                    let _ = writeln!(out, "    {} in `{}`", uncovered.witness, uncovered.layer);
                }
                let _ = writeln!(
                    out,
                    "  rules naming retired codes ({})",
                    impact.retired_rules.len()
                );
                for retired in &impact.retired_rules {
                    let _ = writeln!(
                        out,
                        "    \"{}\" ({}): {}",
                        retired.rule,
                        retired.layer,
                        retired.codes.join(", ")
                    );
                }
                let _ = writeln!(
                    out,
                    "  routes too slow for a changed timeframe ({})",
                    impact.too_slow.len()
                );
                for slow in &impact.too_slow {
                    let _ = writeln!(
                        out,
                        "    \"{}\": {} now within {} min, but {} responds within {} min",
                        slow.rule,
                        slow.dx,
                        slow.timeframe_minutes,
                        slow.service_type,
                        slow.responds_within_minutes
                    );
                }
            }
            out!("{out}");
        }
    }
    match impact {
        Some(impact) if !impact.is_empty() => Exit::Rules,
        _ => Exit::Ok,
    }
}
