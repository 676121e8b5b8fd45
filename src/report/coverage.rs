//! The coverage heatmaps: per layer, one row per disposition of the
//! release and one cell per channel the catalogue gives it, coloured and
//! labelled by how the layer answers it (the coverage analysis's
//! [`Answer`]), linked to the rule that answers it and to the finding
//! about it. Overlays say which cells differ from the layer they extend.
//!
//! Imports: `super`, `crate::{check, catalogue, coverage}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dxmap_runtime::Channel;

use super::{esc, finding_anchor, finding_cells, rule_anchor, slug, Input};
use crate::check::analysis::{self, Answer, CoverageRow};
use crate::check::model;

/// The class and the words of an answer: colour is never the only signal.
fn answer_label(answer: &Answer) -> (&'static str, &'static str) {
    match answer {
        Answer::Routed => ("a-routed", "routed"),
        Answer::Partial => ("a-partial", "partial"),
        Answer::Uncovered => ("a-gap", "GAP"),
        Answer::NoSearch(_) => ("a-nosearch", "no search"),
        Answer::NotUsed => ("a-unused", "not used"),
    }
}

/// The anchor of a heatmap cell.
fn cell_anchor(layer: &str, dx: &str, channel: Channel) -> String {
    format!("cell-{}-{}-{}", slug(layer), slug(dx), channel.as_str())
}

/// Writes the heatmap of every layer.
pub(super) fn heatmaps(input: &Input<'_>, out: &mut String) {
    let model = input.model;
    // Findings by (layer, code, channel), from their witnesses.
    let mut findings: BTreeMap<(String, String, Channel), Vec<usize>> = BTreeMap::new();
    // Findings about a rule (a slow route, a rule that never fires), by
    // the rule whose text they point into.
    let mut about_rule: BTreeMap<model::RuleId, Vec<usize>> = BTreeMap::new();
    for (n, diagnostic) in input.diagnostics.iter().enumerate() {
        for key in finding_cells(diagnostic) {
            findings.entry(key).or_default().push(n);
        }
        if diagnostic.witness.is_none() {
            let span = diagnostic.primary.span;
            if let Some(idx) = model.rules.iter().position(|rule| rule.span.contains(span)) {
                about_rule
                    .entry(model::RuleId::from_index(idx))
                    .or_default()
                    .push(n);
            }
        }
    }
    out.push_str(
        "<section id=\"coverage\">\n<h2>Coverage</h2>\n\
         <p>For each layer, every disposition of the release on every channel it is used on: \
         <span class=\"a-routed key\">routed</span> by rules, \
         <span class=\"a-partial key\">partial</span> (some ages or sexes are not covered), \
         <span class=\"a-gap key\">GAP</span> (required, nothing routes it), \
         <span class=\"a-nosearch key\">no search</span> (answered without a DoS search), \
         <span class=\"a-unused key\">not used</span> (not required here). \
         A cell links to the rule that answers it; <span class=\"flag\">F3</span> links to a finding; \
         <span class=\"changed-mark\">Δ</span> marks a cell that differs from the layer the overlay extends.</p>\n\
         <div class=\"filter\" hidden><label>Find a code or title <input type=\"search\" id=\"cov-filter\"></label> \
         <label><input type=\"checkbox\" id=\"cov-problems\"> only gaps, partial cells and changes from the parent</label></div>\n",
    );
    let mut per_layer: Vec<Vec<CoverageRow>> = Vec::with_capacity(model.layers.len());
    for (idx, layer) in model.layers.iter().enumerate() {
        let rows = analysis::coverage(model, model::LayerId::from_index(idx));
        let parent = layer.parent.and_then(|p| per_layer.get(p.index()));
        let parent_name = layer.parent.map(|p| super::layer_name(model, p));
        let found = Found {
            by_cell: &findings,
            by_rule: &about_rule,
        };
        heatmap(input, &layer.name, parent_name, &rows, parent, &found, out);
        per_layer.push(rows);
    }
    out.push_str("</section>\n");
}

/// The findings a cell links to: by the cell, or by the rules answering it.
struct Found<'a> {
    by_cell: &'a BTreeMap<(String, String, Channel), Vec<usize>>,
    by_rule: &'a BTreeMap<model::RuleId, Vec<usize>>,
}

impl Found<'_> {
    fn of(&self, layer: &str, code: &str, row: &CoverageRow) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .by_cell
            .get(&(layer.to_owned(), code.to_owned(), row.channel))
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for rule in &row.rules {
            out.extend(self.by_rule.get(rule).into_iter().flatten());
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn heatmap(
    input: &Input<'_>,
    layer: &str,
    parent_name: Option<&str>,
    rows: &[CoverageRow],
    parent: Option<&Vec<CoverageRow>>,
    findings: &Found<'_>,
    out: &mut String,
) {
    let model = input.model;
    let totals = crate::coverage::totals(rows);
    let _ = write!(
        out,
        "<h3 id=\"coverage-{}\">Layer {}</h3>\n<p>{} of {} required dispositions covered, {} partly covered, {} not covered{}.</p>\n",
        slug(layer),
        esc(layer),
        totals.covered,
        totals.required,
        totals.partial,
        totals.uncovered,
        parent_name.map_or_else(String::new, |p| format!("; extends {}", esc(p)))
    );
    let _ = write!(
        out,
        "<table class=\"heatmap\" data-layer=\"{}\">\n<caption>Coverage of layer {}: disposition × channel</caption>\n\
         <thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Disposition</th>",
        esc(layer),
        esc(layer)
    );
    for channel in Channel::ALL {
        let _ = write!(out, "<th scope=\"col\">{}</th>", channel.as_str());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut by_code: BTreeMap<u32, Vec<&CoverageRow>> = BTreeMap::new();
    for row in rows {
        by_code.entry(row.dx.0).or_default().push(row);
    }
    for (dx, cells) in by_code {
        let code = model.catalogue.code(crate::catalogue::DispositionId(dx));
        let title = model
            .catalogue
            .get(crate::catalogue::DispositionId(dx))
            .map_or("", |d| d.title.as_str());
        let mut line = String::new();
        let mut problem = false;
        for channel in Channel::ALL {
            let Some(row) = cells.iter().find(|r| r.channel == channel) else {
                line.push_str(
                    "<td class=\"na\">–<span class=\"sr\"> not on this channel</span></td>",
                );
                continue;
            };
            let (class, label) = answer_label(&row.answer);
            let changed = parent.is_some_and(|parent| {
                parent
                    .iter()
                    .find(|p| p.dx == row.dx && p.channel == row.channel)
                    .is_none_or(|p| p.answer != row.answer || p.rules != row.rules)
            });
            problem |= changed || matches!(row.answer, Answer::Partial | Answer::Uncovered);
            let text = crate::coverage::describe(model, row, &crate::coverage::PROSE);
            let link = row.rules.first().map_or_else(
                || format!("<span>{}</span>", esc(label)),
                |rule| format!("<a href=\"#{}\">{}</a>", rule_anchor(*rule), esc(label)),
            );
            let mut flags = String::new();
            if changed {
                flags.push_str(" <span class=\"changed-mark\" title=\"differs from the parent layer\">Δ</span>");
            }
            for n in findings.of(layer, code, row) {
                let _ = write!(
                    flags,
                    " <a class=\"flag\" href=\"#{}\">F{n}</a>",
                    finding_anchor(n)
                );
            }
            let _ = write!(
                line,
                "<td id=\"{}\" class=\"cell {class}\" data-cell=\"{}\" title=\"{}\">{link}{flags}<span class=\"sr\">: {}</span></td>",
                cell_anchor(layer, code, channel),
                channel.as_str(),
                esc(&text),
                esc(&text)
            );
        }
        let _ = writeln!(
            out,
            "<tr data-code=\"{}\"{}><th scope=\"row\">{}</th><td class=\"title\">{}</td>{line}</tr>",
            esc(code),
            if problem { " data-problem=\"1\"" } else { "" },
            esc(code),
            esc(title)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}
