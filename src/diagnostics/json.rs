//! JSON rendering: one object per diagnostic with its code, severity,
//! message, location (file, one-based line and column, byte offsets), help
//! and labels, and for an analysis' finding the case that shows it
//! (`witness`: layer, dx, channel, sex, ages in days, `units`, `codes` and
//! `hours` for reach and hours findings and, for a coverage
//! gap, every uncovered cell; `null` for other diagnostics). A finding
//! silenced by `// dxmap: allow` also has `"allowed": true` and
//! `"allowed_because"`. Field names are a contract for CI tools.
//!
//! Imports: `super`, `crate::source`, serde_json.

use serde_json::{json, Value};

use super::{Counts, Diagnostic, Findings, Head, Label, Visit, Witness};
use crate::source::SourceMap;

fn location(label: &Label, sources: &SourceMap) -> Value {
    let span = label.span;
    let (line, column, end_line, end_column) =
        sources.get(span.file).map_or((0, 0, 0, 0), |file| {
            let (line, column) = file.line_col(span.start);
            let (end_line, end_column) = file.line_col(span.end);
            (line, column, end_line, end_column)
        });
    json!({
        "file": sources.name(span.file),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "start": span.start,
        "end": span.end,
        "message": label.message,
    })
}

fn ages(ages: dxmap_runtime::space::Ages) -> Value {
    json!({ "min_days": ages.min_days, "max_days": ages.max_days })
}

/// A witness case as a JSON value (also SARIF's `properties.witness`).
pub fn witness(witness: &Witness) -> Value {
    let mut value = json!({
        "layer": witness.layer,
        "dx": witness.dx,
        "channel": witness.channel.as_str(),
        "sex": witness.sex.as_str(),
        "ages": ages(witness.ages),
        "cells": witness.cells.iter().map(|cell| json!({
            "channel": cell.channel.as_str(),
            "sex": cell.sex.map(dxmap_runtime::CaseSex::as_str),
            "ages": ages(cell.ages),
        })).collect::<Vec<_>>(),
    });
    let places = &witness.places;
    if let Some(object) = value.as_object_mut() {
        for (key, list) in [
            ("units", &places.units),
            ("codes", &places.codes),
            ("hours", &places.hours),
        ] {
            if !list.is_empty() {
                object.insert(key.to_owned(), json!(list));
            }
        }
    }
    value
}

/// One diagnostic as a JSON value.
pub fn to_value(diagnostic: &Diagnostic, sources: &SourceMap) -> Value {
    let primary = location(&diagnostic.primary, sources);
    let mut value = json!({
        "code": diagnostic.code.id(),
        "name": diagnostic.code.name(),
        "severity": diagnostic.severity().as_str(),
        "message": diagnostic.message,
        "file": primary.get("file"),
        "line": primary.get("line"),
        "column": primary.get("column"),
        "help": diagnostic.help,
        "labels": std::iter::once(&diagnostic.primary)
            .chain(&diagnostic.secondary)
            .map(|label| location(label, sources))
            .collect::<Vec<_>>(),
        "witness": diagnostic.witness.as_deref().map(witness),
    });
    // Only an allowed finding has these, so other output is unchanged.
    if let (Some(reason), Some(object)) = (&diagnostic.allowed, value.as_object_mut()) {
        object.insert("allowed".to_owned(), Value::Bool(true));
        object.insert("allowed_because".to_owned(), Value::String(reason.clone()));
    }
    value
}

/// The most findings of one code `check --format json` writes; the rest are
/// counted under `elided`.
pub const MAX_PER_CODE: usize = 1000;

/// The whole run: `{ "diagnostics": [...], "errors": n, "warnings": n }`,
/// with `"elided": {CODE: n}` when some code had more than
/// [`MAX_PER_CODE`] findings.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut listing = Listing::new(sources);
    for diagnostic in diagnostics {
        listing.visit(Head::of(diagnostic), Some(diagnostic));
    }
    listing.finish(Counts::of(diagnostics))
}

/// [`render_all`] for a run's findings: only those listed are made whole.
pub fn render_findings(findings: &Findings, sources: &SourceMap) -> String {
    let mut listing = Listing::new(sources);
    findings.visit(&mut listing);
    listing.finish(findings.counts())
}

/// [`render_all`]'s walk: the findings listed, and how many of each code.
struct Listing<'a> {
    sources: &'a SourceMap,
    per_code: std::collections::BTreeMap<&'static str, usize>,
    listed: Vec<Value>,
}

impl<'a> Listing<'a> {
    fn new(sources: &'a SourceMap) -> Listing<'a> {
        Listing {
            sources,
            per_code: std::collections::BTreeMap::new(),
            listed: Vec::new(),
        }
    }

    fn finish(self, counts: Counts) -> String {
        let value = json!({
            "diagnostics": self.listed,
            "errors": counts.errors,
            "warnings": counts.warnings,
        });
        let mut value = value;
        if counts.allowed > 0 {
            if let Some(object) = value.as_object_mut() {
                object.insert("allowed".to_owned(), json!(counts.allowed));
            }
        }
        let elided: serde_json::Map<String, Value> = self
            .per_code
            .into_iter()
            .filter(|(_, count)| *count > MAX_PER_CODE)
            .map(|(code, count)| (code.to_owned(), json!(count - MAX_PER_CODE)))
            .collect();
        if !elided.is_empty() {
            if let Some(object) = value.as_object_mut() {
                object.insert("elided".to_owned(), Value::Object(elided));
            }
        }
        serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned())
    }
}

impl Visit for Listing<'_> {
    fn wants(&self, head: &Head) -> bool {
        self.per_code.get(head.code.id()).copied().unwrap_or(0) < MAX_PER_CODE
    }

    fn visit(&mut self, head: Head, full: Option<&Diagnostic>) {
        // At most MAX_PER_CODE findings of one code are written; how many
        // more there were is under `elided`, by code.
        let count = self.per_code.entry(head.code.id()).or_insert(0);
        *count += 1;
        if let Some(diagnostic) = full.filter(|_| *count <= MAX_PER_CODE) {
            self.listed.push(to_value(diagnostic, self.sources));
        }
    }
}
