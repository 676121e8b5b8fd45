//! The coverage heatmaps: per layer, one row per disposition of the
//! release and one cell per channel the catalogue gives it, coloured and
//! labelled by how the layer answers it (the coverage analysis's
//! [`Answer`]), linked to the rule that answers it and to the finding
//! about it.
//!
//! The baseline's heatmap has every disposition; an overlay's has only the
//! dispositions where some cell differs from the layer it extends, each
//! differing cell marked, and says that the rest are as in that layer (a
//! link to its heatmap). A national tree of forty overlays that each
//! change a few codes is then forty short tables, not forty copies of the
//! baseline. A cell lists at most a few of the rules that answer it and a
//! few findings ([`MOST_FLAGS`]), each linked.
//!
//! Imports: `super` (and its `findings`), `crate::{check, catalogue, coverage}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dxmap_runtime::Channel;

use super::findings::Listing;
use super::{esc, finding_cells, rule_anchor, slug, Input};
use crate::check::analysis::{Answer, CoverageRow};
use crate::check::model;
use crate::coverage::LayerCoverage;

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

/// At most this many findings are linked from one cell; a last link
/// counts the rest.
const MOST_FLAGS: usize = 3;

/// A layer's rows by (disposition, channel).
type ByCell<'r> = BTreeMap<(u32, Channel), &'r CoverageRow>;

/// Writes the heatmap of every layer: `matrices` holds each layer's
/// coverage ([`crate::coverage::matrices`]), in the model's layer order.
pub(super) fn heatmaps(
    input: &Input<'_>,
    matrices: &[LayerCoverage],
    listing: &Listing,
    out: &mut String,
) {
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
         <span class=\"changed-mark\">Δ</span> marks a cell that differs from the layer the overlay extends. \
         An overlay's table shows only the dispositions it answers differently; the others are as in the layer it extends.</p>\n\
         <div class=\"filter\" hidden><label>Find a code or title <input type=\"search\" id=\"cov-filter\"></label> \
         <label><input type=\"checkbox\" id=\"cov-problems\"> only gaps, partial cells and changes from the parent</label></div>\n",
    );
    let found = Found {
        by_cell: &findings,
        by_rule: &about_rule,
        listing,
    };
    for (layer, matrix) in model.layers.iter().zip(matrices) {
        let before: ByCell<'_> = matrix
            .before
            .iter()
            .map(|r| ((r.dx.0, r.channel), r))
            .collect();
        let parent = layer
            .parent
            .map(|p| (super::layer_name(model, p), matrix.unchanged, &before));
        heatmap(input, &layer.name, parent, matrix, &found, out);
    }
    out.push_str("</section>\n");
}

/// The findings a cell links to: by the cell, or by the rules answering it.
struct Found<'a> {
    by_cell: &'a BTreeMap<(String, String, Channel), Vec<usize>>,
    by_rule: &'a BTreeMap<model::RuleId, Vec<usize>>,
    listing: &'a Listing,
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

    /// The links to the findings about a cell: the first [`MOST_FLAGS`],
    /// then one that counts the rest.
    fn flags(&self, layer: &str, code: &str, row: &CoverageRow, out: &mut String) {
        let all = self.of(layer, code, row);
        for n in all.iter().take(MOST_FLAGS) {
            let _ = write!(
                out,
                " <a class=\"flag\" href=\"#{}\">F{n}</a>",
                self.listing.anchor(*n)
            );
        }
        if let Some(next) = all.get(MOST_FLAGS) {
            let _ = write!(
                out,
                " <a class=\"flag\" href=\"#{}\">+{} more</a>",
                self.listing.anchor(*next),
                all.len() - MOST_FLAGS
            );
        }
    }
}

/// Whether `row` differs from the same cell of the parent layer, whose
/// rows of the same dispositions are `before`.
fn differs(before: &ByCell<'_>, row: &CoverageRow) -> bool {
    before.get(&(row.dx.0, row.channel)) != Some(&row)
}

/// The layer an overlay extends: its name, how many of the overlay's
/// cells are as there, and its rows of the dispositions the overlay
/// changes.
type Parent<'a, 'r> = (&'a str, usize, &'a ByCell<'r>);

fn heatmap(
    input: &Input<'_>,
    layer: &str,
    parent: Option<Parent<'_, '_>>,
    matrix: &LayerCoverage,
    findings: &Found<'_>,
    out: &mut String,
) {
    let model = input.model;
    let totals = matrix.totals;
    let _ = write!(
        out,
        "<h3 id=\"coverage-{}\">Layer {}</h3>\n<p>{} of {} required dispositions covered, {} partly covered, {} not covered{}.</p>\n",
        slug(layer),
        esc(layer),
        totals.covered,
        totals.required,
        totals.partial,
        totals.uncovered,
        parent.map_or_else(String::new, |(p, _, _)| format!("; extends {}", esc(p)))
    );
    // An overlay's rows are those of the codes where some cell differs
    // from its parent.
    let mut by_code: BTreeMap<u32, Vec<&CoverageRow>> = BTreeMap::new();
    for row in &matrix.rows {
        by_code.entry(row.dx.0).or_default().push(row);
    }
    if let Some((parent_name, same, _)) = parent {
        let link = format!(
            "<a href=\"#coverage-{}\">{}</a>",
            slug(parent_name),
            esc(parent_name)
        );
        if by_code.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"as-in\">Every cell ({same}) is answered as in {link}.</p>"
            );
        } else {
            let _ = writeln!(
                out,
                "<p class=\"as-in\">The other {same} cell{} answered as in {link}, and not shown here.</p>",
                if same == 1 { " is" } else { "s are" }
            );
        }
        if by_code.is_empty() {
            return;
        }
    }
    let _ = write!(
        out,
        "<table class=\"heatmap\" data-layer=\"{}\">\n<caption>Coverage of layer {}: disposition × channel{}</caption>\n\
         <thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Disposition</th>",
        esc(layer),
        esc(layer),
        if parent.is_some() { ", where it differs from the layer it extends" } else { "" }
    );
    for channel in Channel::ALL {
        let _ = write!(out, "<th scope=\"col\">{}</th>", channel.as_str());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
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
            let changed = parent.is_some_and(|(_, _, before)| differs(before, row));
            problem |= changed || matches!(row.answer, Answer::Partial | Answer::Uncovered);
            let text = esc(&crate::coverage::describe(
                model,
                row,
                &crate::coverage::PROSE,
            ));
            let link = row.rules.first().map_or_else(
                || format!("<span>{}</span>", esc(label)),
                |rule| format!("<a href=\"#{}\">{}</a>", rule_anchor(*rule), esc(label)),
            );
            let mut flags = String::new();
            if changed {
                flags.push_str(" <span class=\"changed-mark\" title=\"differs from the parent layer\">Δ</span>");
            }
            findings.flags(layer, code, row, &mut flags);
            let _ = write!(
                line,
                "<td id=\"{}\" class=\"cell {class}\" data-cell=\"{}\" title=\"{text}\">{link}{flags}<span class=\"sr\">: {text}</span></td>",
                cell_anchor(layer, code, channel),
                channel.as_str(),
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
