//! `dxmap release-diff OLD NEW [--rules DIR] [--format human|json]`: what a
//! new Pathways release changes — codes added, retired and changed — and,
//! with `--rules`, its impact on a rules tree: new codes the tree does not
//! cover, rules that name retired codes, routes too slow for a changed
//! timeframe. Exit 1 when `--rules` finds an impact to act on.
//!
//! Imports: `crate::{catalogue, check, load}`, `super`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::json;

use super::{usage_error, use_color, Exit, Format};
use crate::catalogue::{self, Catalogue};
use crate::check::rules;
use crate::diagnostics::{self, Diagnostic};
use crate::load;
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

/// The impact of the new release on a tree.
#[derive(Default)]
struct Impact {
    /// (layer, code, witness) for new codes not covered.
    uncovered: Vec<(String, String, String)>,
    /// (rule, layer, codes) for rules naming retired codes.
    retired_rules: Vec<(String, String, Vec<String>)>,
    /// (rule, code, type, timeframe, responds_within) for too-slow routes.
    too_slow: Vec<(String, String, String, u32, u32)>,
}

fn impact(
    dir: &std::path::Path,
    old: &str,
    new: &str,
    diff: &catalogue::ReleaseDiff,
) -> Result<Impact, Exit> {
    let mut impact = Impact::default();
    let checked_new = load::check_tree(dir, Some(new)).map_err(usage_error)?;
    let checked_old = load::check_tree(dir, Some(old)).map_err(usage_error)?;
    let added: BTreeSet<&str> = diff.added.iter().map(String::as_str).collect();
    let retired: BTreeSet<&str> = diff.retired.iter().map(String::as_str).collect();
    let changed_timeframe: BTreeSet<&str> = diff
        .changed
        .iter()
        .filter(|(_, fields)| fields.iter().any(|f| f.starts_with("timeframe")))
        .map(|(code, _)| code.as_str())
        .collect();
    if let Some(model) = &checked_new.model {
        for gap in rules::gaps(model) {
            let code = model.catalogue.code(gap.witness.dx);
            if added.contains(code) {
                let layer = model
                    .layer(gap.witness.layer)
                    .map_or_else(String::new, |l| l.name.clone());
                impact.uncovered.push((
                    layer,
                    code.to_owned(),
                    rules::witness_text(model, &gap.witness),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for layer in &model.layers {
            for rule_id in &layer.rules {
                let Some(rule) = model.rule(*rule_id) else {
                    continue;
                };
                for code in &rule.dispositions {
                    let Some(d) = model.catalogue.get(*code) else {
                        continue;
                    };
                    let (Some(timeframe), true) = (
                        d.timeframe_minutes,
                        changed_timeframe.contains(d.code.as_str()),
                    ) else {
                        continue;
                    };
                    for type_id in &rule.route {
                        let Some(t) = model.service_type(*type_id) else {
                            continue;
                        };
                        if t.responds_within_minutes > timeframe
                            && seen.insert((*rule_id, *code, *type_id))
                        {
                            impact.too_slow.push((
                                rule.name.clone(),
                                d.code.clone(),
                                t.name.clone(),
                                timeframe,
                                t.responds_within_minutes,
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(model) = &checked_old.model {
        for rule in &model.rules {
            let codes: Vec<String> = rule
                .dispositions
                .iter()
                .map(|d| model.catalogue.code(*d).to_owned())
                .filter(|c| retired.contains(c.as_str()))
                .collect();
            if !codes.is_empty() {
                let layer = model
                    .layer(rule.layer)
                    .map_or_else(String::new, |l| l.name.clone());
                impact.retired_rules.push((rule.name.clone(), layer, codes));
            }
        }
    }
    Ok(impact)
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
                        "uncovered": impact.uncovered.iter().map(|(layer, dx, case)| json!({"layer": layer, "dx": dx, "witness": case})).collect::<Vec<_>>(),
                        "rules_naming_retired_codes": impact.retired_rules.iter().map(|(rule, layer, codes)| json!({"rule": rule, "layer": layer, "codes": codes})).collect::<Vec<_>>(),
                        "routes_too_slow": impact.too_slow.iter().map(|(rule, dx, t, timeframe, within)| json!({"rule": rule, "dx": dx, "type": t, "timeframe_minutes": timeframe, "responds_within_minutes": within})).collect::<Vec<_>>(),
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
                for (layer, _, case) in &impact.uncovered {
                    let _ = writeln!(out, "    {case} in `{layer}`");
                }
                let _ = writeln!(
                    out,
                    "  rules naming retired codes ({})",
                    impact.retired_rules.len()
                );
                for (rule, layer, codes) in &impact.retired_rules {
                    let _ = writeln!(out, "    \"{rule}\" ({layer}): {}", codes.join(", "));
                }
                let _ = writeln!(
                    out,
                    "  routes too slow for a changed timeframe ({})",
                    impact.too_slow.len()
                );
                for (rule, dx, t, timeframe, within) in &impact.too_slow {
                    let _ = writeln!(
                        out,
                        "    \"{rule}\": {dx} now within {timeframe} min, but {t} responds within {within} min"
                    );
                }
            }
            out!("{out}");
        }
    }
    match impact {
        Some(impact)
            if !impact.uncovered.is_empty()
                || !impact.retired_rules.is_empty()
                || !impact.too_slow.is_empty() =>
        {
            Exit::Rules
        }
        _ => Exit::Ok,
    }
}
