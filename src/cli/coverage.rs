//! `dxmap coverage [DIR] [--release NAME|FILE] [--format human|json]`: the
//! coverage matrix a DoS lead asks for — for each layer, each disposition and
//! channel, what routes it or why nothing does — with totals.
//!
//! Human output prints the baseline in full and, for each overlay, only the
//! lines that differ from the layer it extends. JSON holds every row of the
//! baseline and, for each overlay, the rows of the dispositions it answers
//! differently, with a count of the rows as in the layer it extends (fields
//! documented in docs/book/src/cli.md): what an overlay costs is what it
//! changes ([`crate::coverage::matrices`]). Exit 1 when a required
//! disposition is not fully covered somewhere.
//!
//! Imports: `crate::{load, check, coverage, diagnostics}`, `super`, `dxmap_runtime`.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{usage_error, use_color, Exit, Format};
use crate::check::analysis::{Answer, CoverageRow};
use crate::check::model;
use crate::{diagnostics, load};
use dxmap_runtime::CaseSex;

/// Arguments of `dxmap coverage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    tree: super::TreeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

fn answer_name(answer: &Answer) -> &'static str {
    match answer {
        Answer::Routed => "routed",
        Answer::Partial => "partial",
        Answer::Uncovered => "uncovered",
        Answer::NoSearch(_) => "no_search",
        Answer::NotUsed => "not_used",
    }
}

/// Lines of one layer: one per code when all its channels agree.
fn lines(model: &model::Model, rows: &[CoverageRow]) -> BTreeMap<String, String> {
    let mut by_code: BTreeMap<&str, Vec<&CoverageRow>> = BTreeMap::new();
    for row in rows {
        if row.answer == Answer::NotUsed {
            continue;
        }
        by_code
            .entry(model.catalogue.code(row.dx))
            .or_default()
            .push(row);
    }
    let mut out = BTreeMap::new();
    for (code, rows) in by_code {
        let descriptions: Vec<String> = rows
            .iter()
            .map(|r| crate::coverage::describe(model, r, &crate::coverage::TERMINAL))
            .collect();
        if descriptions.windows(2).all(|w| w.first() == w.get(1)) {
            let channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
            out.insert(
                code.to_owned(),
                format!(
                    "{code:<7} {:<11} {}",
                    channels.join(" "),
                    descriptions.first().cloned().unwrap_or_default()
                ),
            );
        } else {
            let text: Vec<String> = rows
                .iter()
                .zip(descriptions)
                .map(|(r, d)| format!("{code:<7} {:<11} {d}", r.channel.as_str()))
                .collect();
            out.insert(code.to_owned(), text.join("\n  "));
        }
    }
    out
}

fn row_json(model: &model::Model, row: &CoverageRow) -> Value {
    let disposition = model.catalogue.get(row.dx);
    json!({
        "dx": model.catalogue.code(row.dx),
        "title": disposition.map(|d| d.title.clone()),
        "status": disposition.map(|d| d.status.as_str()),
        "channel": row.channel.as_str(),
        "required": row.required,
        "answer": answer_name(&row.answer),
        "same_as": row.via.map(|t| model.catalogue.code(t).to_owned()),
        "remapped_to": row.remapped_to.map(|t| model.catalogue.code(t).to_owned()),
        "no_search": match &row.answer { Answer::NoSearch(reason) => Some(reason.clone()), _ => None },
        "rules": row.rules.iter().filter_map(|id| model.rule(*id)).map(|r| r.name.clone()).collect::<Vec<_>>(),
        "types": row.types.iter().filter_map(|t| model.service_type(*t)).map(|t| t.name.clone()).collect::<Vec<_>>(),
        "gaps": row.gaps.iter().map(|(sex, ages)| json!({
            "sex": sex.and_then(CaseSex::sex).map(|s| s.as_str()).or(match sex { Some(CaseSex::NotGiven) => Some("not_given"), _ => None }),
            "min_age_days": ages.min_days,
            "max_age_days": ages.max_days,
            "ages": ages.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// Runs `dxmap coverage`.
pub fn run(args: Args) -> Exit {
    let dir = args.tree.dir();
    let checked = match load::check_tree(&dir, args.tree.release()) {
        Ok(checked) => checked,
        Err(error) => return usage_error(error),
    };
    // Coverage is meaningful once names resolve; gaps themselves are the
    // matrix's subject, so only other errors stop it.
    let blocking = checked
        .diagnostics
        .select(|d| d.is_error() && d.code != diagnostics::Code::CoverageGap);
    let Some(model) = checked.model.as_ref().filter(|_| blocking.is_empty()) else {
        out!(
            "{}",
            diagnostics::human::render_all(&blocking, &checked.sources, use_color())
        );
        errln!(
            "error: the rules under `{}` have errors; run `dxmap check`",
            dir.display()
        );
        return Exit::Rules;
    };
    let matrices = crate::coverage::matrices(model);
    let complete = matrices.iter().all(|m| m.totals.complete());
    match args.format {
        Format::Json => {
            let layers: Vec<Value> = matrices
                .iter()
                .map(|m| {
                    let layer = model.layer(m.layer);
                    let t = m.totals;
                    json!({
                        "layer": layer.map(|l| l.name.clone()),
                        "extends": layer.and_then(|l| l.parent).and_then(|p| model.layer(p)).map(|p| p.name.clone()),
                        "totals": {
                            "required": t.required, "covered": t.covered, "partial": t.partial,
                            "uncovered": t.uncovered, "no_search": t.no_search, "not_used": t.not_used,
                        },
                        "rows": m.rows.iter().map(|r| row_json(model, r)).collect::<Vec<_>>(),
                        "unchanged": m.unchanged,
                    })
                })
                .collect();
            let value = json!({ "release": model.catalogue.release, "layers": layers });
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Human => {
            let mut out = String::new();
            for m in &matrices {
                let Some(layer) = model.layer(m.layer) else {
                    continue;
                };
                let t = m.totals;
                let these = lines(model, &m.rows);
                let before = lines(model, &m.before);
                let shown: Vec<&String> = these
                    .iter()
                    .filter(|(code, line)| {
                        layer.parent.is_none() || before.get(*code) != Some(*line)
                    })
                    .map(|(_, line)| line)
                    .collect();
                let extends = layer
                    .parent
                    .and_then(|p| model.layer(p))
                    .map_or_else(String::new, |p| format!(", extends {}", p.name));
                let _ = writeln!(
                    out,
                    "{}{extends}: {} of {} required dispositions covered ({} by no_search), {} partly covered, {} not covered, {} not used",
                    layer.name, t.covered, t.required, t.no_search, t.partial, t.uncovered, t.not_used
                );
                if layer.parent.is_some() && shown.is_empty() {
                    let _ = writeln!(out, "  (every line as in the layer it extends)");
                } else if layer.parent.is_some() {
                    let _ = writeln!(out, "  lines that differ from the layer it extends:");
                }
                for line in shown {
                    let _ = writeln!(out, "  {line}");
                }
                let _ = writeln!(out);
            }
            let _ = writeln!(
                out,
                "{}",
                if complete {
                    "every required disposition is covered in every layer"
                } else {
                    "some required dispositions are not covered: see NOT COVERED above"
                }
            );
            out!("{out}");
        }
    }
    if complete {
        Exit::Ok
    } else {
        Exit::Rules
    }
}
