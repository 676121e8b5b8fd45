//! The report for commissioners (`dxmap report`): one self-contained HTML
//! page of a rules tree, and of a change to it, for people who do not read
//! `.dxm` files.
//!
//! [`render`] takes what the command line has read and checked (the model,
//! its diagnostics, the compiled table, the test cases, and with a base
//! revision the behavioural diff) and returns the page as a string; it
//! reads nothing and writes nothing. The page carries its styles and
//! graphics inline and a Content-Security-Policy that forbids every
//! request; it reads without JavaScript (a few lines of it only filter
//! the heatmaps) and prints on A4. Its bytes depend only on the input:
//! no clock is read (the week the opening strips show is an input), and
//! everything is listed in a fixed order.
//!
//! Sections, summary first: the overview (release, layers, counts), the
//! change against the base (deletions and new gaps first), the findings
//! with the accepted ones as a hazard log ([`findings`]), the coverage
//! heatmaps ([`coverage`]), who is open for urgent dispositions and the services'
//! hours ([`hours`]), the queue hierarchies ([`hierarchy`]), the rules and
//! the test results ([`changes`]).
//!
//! Imports: `crate::{check, coverage, diagnostics, diff, cases, testing, source}`,
//! `dxmap_runtime`; submodules `coverage`, `findings`, `hours`, `hierarchy`,
//! `changes`.

mod changes;
mod coverage;
mod findings;
mod hierarchy;
mod hours;

use std::fmt::Write as _;

use crate::cases::TestCase;
use crate::check::model;
use crate::coverage::LayerCoverage;
use crate::diagnostics::Diagnostic;
use crate::diff::Diff;
use crate::source::{SourceMap, Span};

/// Everything the report shows, read and checked by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The checked model of the tree.
    pub model: &'a model::Model,
    /// Every file read (rules, catalogues, tests), for `file:line`.
    pub sources: &'a SourceMap,
    /// Every diagnostic of the tree and its test files, sorted.
    pub diagnostics: &'a [Diagnostic],
    /// The tree compiled.
    pub table: &'a dxmap_runtime::Table,
    /// The test cases of the tree's `tests/*.yaml`.
    pub tests: &'a [TestCase],
    /// A day of the week the opening-hours strips show (Monday to Sunday).
    pub week: jiff::civil::Date,
    /// With a base revision: its name and the behavioural diff from it.
    pub base: Option<Base<'a>>,
}

/// The revision a change is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Base<'a> {
    /// The revision as the user named it.
    pub rev: &'a str,
    /// The behavioural difference, base to this tree.
    pub diff: &'a Diff,
}

/// The page's Content-Security-Policy: nothing may be fetched; inline
/// styles, inline scripts and `data:` images only.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'";

const STYLE: &str = include_str!("style.css");

const SCRIPT: &str = include_str!("filter.js");

/// `text` with the five characters that mean something in HTML escaped.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A fragment for an `id` attribute: ASCII letters and digits kept, every
/// other character `-` (layer names, codes and service ids are short and
/// mostly ASCII already).
pub(crate) fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// `file:line` of a span.
pub(crate) fn place(sources: &SourceMap, span: Span) -> String {
    sources.get(span.file).map_or_else(String::new, |file| {
        format!("{}:{}", file.name, file.line_col(span.start).0)
    })
}

/// The anchor of a rule of the model.
pub(crate) fn rule_anchor(id: model::RuleId) -> String {
    format!("rule-{}", id.index())
}

/// The anchor of the `n`th finding.
pub(crate) fn finding_anchor(n: usize) -> String {
    format!("finding-{n}")
}

/// The name of a layer of the model.
pub(crate) fn layer_name(model: &model::Model, id: model::LayerId) -> &str {
    model.layer(id).map_or("", |layer| layer.name.as_str())
}

/// The report: the page, and what the command line's exit code needs.
#[derive(Debug, Clone)]
pub struct Report {
    /// The HTML page.
    pub html: String,
    /// How many test cases failed (or could not be routed).
    pub failed_tests: usize,
}

/// Renders the report of `input` as one HTML page.
pub fn render(input: &Input<'_>) -> Report {
    let tests = changes::run_tests(input);
    // Each layer's coverage (an overlay's as what it changes), computed
    // once for the overview and the heatmaps.
    let matrices = crate::coverage::matrices(input.model);
    let listing = findings::Listing::new(input);
    let mut body = String::new();
    overview(input, &tests, &matrices, &mut body);
    if let Some(base) = &input.base {
        changes::diff(base, &mut body);
    }
    findings::findings(input, &listing, &mut body);
    coverage::heatmaps(input, &matrices, &listing, &mut body);
    hours::urgent(input, &mut body);
    hierarchy::hierarchies(input, &mut body);
    hours::services(input, &mut body);
    rules(input, &mut body);
    changes::tests(&tests, &mut body);

    let mut page = String::with_capacity(body.len() + STYLE.len() + 4096);
    let title = format!("dxmap report: {}", input.model.catalogue.release);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(CSP),
        esc(&title)
    );
    let _ = write!(
        page,
        "<header>\n<h1>{}</h1>\n<nav aria-label=\"Sections\"><ul>",
        esc(&title)
    );
    let mut sections = vec![("overview", "Overview")];
    if input.base.is_some() {
        sections.push(("changes", "Changes"));
    }
    sections.extend([
        ("findings", "Findings"),
        ("coverage", "Coverage"),
        ("urgent", "Urgent: who is open"),
        ("hierarchies", "Queue hierarchies"),
        ("services", "Services"),
        ("rules", "Rules"),
        ("tests", "Tests"),
    ]);
    for (id, name) in sections {
        let _ = write!(page, "<li><a href=\"#{id}\">{name}</a></li>");
    }
    page.push_str("</ul></nav>\n</header>\n<main>\n");
    page.push_str(&body);
    let _ = write!(
        page,
        "</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    Report {
        html: page,
        failed_tests: tests.failed(),
    }
}

fn overview(
    input: &Input<'_>,
    tests: &changes::Results,
    matrices: &[LayerCoverage],
    out: &mut String,
) {
    let model = input.model;
    let (errors, warnings, allowed) = findings::counts(input.diagnostics);
    out.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"lead\">Pathways release <strong>{}</strong>; {} layer{}, {} rules, {} services.</p>",
        esc(&model.catalogue.release),
        model.layers.len(),
        if model.layers.len() == 1 { "" } else { "s" },
        model.rules.len(),
        model.services.len()
    );
    out.push_str("<ul class=\"counts\">");
    let badge = |out: &mut String, class: &str, count: usize, what: &str, href: &str| {
        let class = if count == 0 { "ok" } else { class };
        let _ = write!(
            out,
            "<li class=\"count {class}\"><a href=\"{href}\"><span class=\"n\">{count}</span> {what}</a></li>"
        );
    };
    badge(out, "bad", errors, "errors", "#findings");
    badge(out, "warn", warnings, "warnings", "#findings");
    badge(out, "info", allowed, "allowed findings", "#hazards");
    badge(out, "bad", tests.failed(), "tests failing", "#tests");
    let _ = write!(
        out,
        "<li class=\"count ok\"><a href=\"#tests\"><span class=\"n\">{}</span> tests passing</a></li>",
        tests.passed()
    );
    if let Some(base) = &input.base {
        let gaps = base
            .diff
            .listed_cells()
            .filter(|c| c.new.is_gap() && !c.old.is_gap())
            .count();
        badge(
            out,
            "warn",
            base.diff.listed_cells().count(),
            "changed cells",
            "#changes",
        );
        badge(out, "bad", gaps, "new gaps or deletions", "#changes");
        if !base.diff.overlays.is_empty() {
            badge(
                out,
                "warn",
                base.diff.overlays.len(),
                "overlays added or removed",
                "#changes",
            );
        }
    }
    out.push_str("</ul>\n");
    if let Some(base) = &input.base {
        let _ = writeln!(
            out,
            "<p>Compared with revision <code>{}</code>.</p>",
            esc(base.rev)
        );
    }
    out.push_str(
        "<table class=\"layers\">\n<caption>Layers: the national baseline and the regional overlays</caption>\n\
         <thead><tr><th scope=\"col\">Layer</th><th scope=\"col\">Extends</th><th scope=\"col\">Area</th>\
         <th scope=\"col\">Rules</th><th scope=\"col\">Services</th><th scope=\"col\">Required codes covered</th>\
         <th scope=\"col\">Partly covered</th><th scope=\"col\">Not covered</th></tr></thead>\n<tbody>\n",
    );
    let mut services_in: Vec<usize> = vec![0; model.layers.len()];
    for service in &model.services {
        if let Some(count) = services_in.get_mut(service.layer.index()) {
            *count += 1;
        }
    }
    for ((layer, matrix), services) in model.layers.iter().zip(matrices).zip(services_in) {
        let totals = matrix.totals;
        let area: Vec<&str> = layer.area.iter().map(|unit| unit.text.as_str()).collect();
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><a href=\"#coverage-{}\">{}</a></th><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{services}</td><td class=\"num\">{} of {}</td><td class=\"num {}\">{}</td><td class=\"num {}\">{}</td></tr>",
            slug(&layer.name),
            esc(&layer.name),
            layer
                .parent
                .map_or_else(|| "—".to_owned(), |p| esc(layer_name(model, p))),
            if area.is_empty() { "everywhere else".to_owned() } else { esc(&area.join(", ")) },
            layer.rules.len(),
            totals.covered,
            totals.required,
            if totals.partial > 0 { "warn" } else { "" },
            totals.partial,
            if totals.uncovered > 0 { "bad" } else { "" },
            totals.uncovered,
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The layer, code and channels a finding is about, from its witness.
pub(crate) fn finding_cells(
    diagnostic: &Diagnostic,
) -> Vec<(String, String, dxmap_runtime::Channel)> {
    let Some(witness) = &diagnostic.witness else {
        return Vec::new();
    };
    let mut out = vec![(witness.layer.clone(), witness.dx.clone(), witness.channel)];
    for cell in &witness.cells {
        let key = (witness.layer.clone(), witness.dx.clone(), cell.channel);
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// What a rule matches besides its codes, as people read it.
fn conditions(rule: &model::Rule) -> String {
    let mut parts = Vec::new();
    if rule.when.channels.len() < dxmap_runtime::Channel::ALL.len() {
        let channels: Vec<&str> = rule.when.channels.iter().map(|c| c.as_str()).collect();
        parts.push(format!("channel {}", channels.join(", ")));
    }
    if rule.when.ages != dxmap_runtime::space::Ages::ALL {
        parts.push(rule.when.ages.to_string());
    }
    if let Some(sex) = rule.when.sex {
        parts.push(format!("sex {}", sex.as_str()));
    }
    if parts.is_empty() {
        "every case".to_owned()
    } else {
        parts.join("; ")
    }
}

fn rules(input: &Input<'_>, out: &mut String) {
    let model = input.model;
    out.push_str(
        "<section id=\"rules\">\n<h2>Rules</h2>\n<table class=\"rules\">\n<caption>Every rule of every layer, in the order written</caption>\n\
         <thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Layer</th><th scope=\"col\">Dispositions</th>\
         <th scope=\"col\">When</th><th scope=\"col\">Routes to, in order</th><th scope=\"col\">Where</th></tr></thead>\n<tbody>\n",
    );
    for (idx, rule) in model.rules.iter().enumerate() {
        let id = model::RuleId::from_index(idx);
        let origin = match &rule.origin {
            model::RuleOrigin::Baseline => String::new(),
            model::RuleOrigin::Added => " <span class=\"tag\">added</span>".to_owned(),
            model::RuleOrigin::Override { replaces } => format!(
                " <span class=\"tag\">overrides <a href=\"#{}\">{}</a></span>",
                rule_anchor(*replaces),
                esc(model.rule(*replaces).map_or("", |r| r.name.as_str()))
            ),
        };
        let removed_in: Vec<&str> = model
            .layers
            .iter()
            .filter(|layer| layer.removed.iter().any(|(r, _, _)| *r == id))
            .map(|layer| layer.name.as_str())
            .collect();
        let removed = if removed_in.is_empty() {
            String::new()
        } else {
            format!(
                " <span class=\"tag warn\">removed in {}</span>",
                esc(&removed_in.join(", "))
            )
        };
        let codes: Vec<&str> = rule
            .dispositions
            .iter()
            .map(|d| model.catalogue.code(*d))
            .collect();
        let types: Vec<String> = rule
            .route
            .iter()
            .filter_map(|t| model.service_type(*t))
            .map(|t| esc(&t.name))
            .collect();
        let because = rule
            .because
            .as_ref()
            .map_or_else(String::new, |b| format!("<br><em>because</em> {}", esc(b)));
        let _ = writeln!(
            out,
            "<tr id=\"{}\"><th scope=\"row\">{}{origin}{removed}{because}</th><td>{}</td><td class=\"codes\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            rule_anchor(id),
            esc(&rule.name),
            esc(layer_name(model, rule.layer)),
            esc(&codes.join(" ")),
            esc(&conditions(rule)),
            types.join(" → "),
            esc(&place(input.sources, rule.name_span)),
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{esc, slug};

    #[test]
    fn text_is_escaped_and_anchors_are_plain() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(slug("Ynys Môn/Dx01"), "Ynys-M-n-Dx01");
    }
}
