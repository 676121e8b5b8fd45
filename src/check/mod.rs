//! Semantic checks: syntax trees and a release catalogue to the checked model.
//!
//! [`check`] is the phase's entry point ([`check_after`] when the tree has
//! diagnostics of its own already). It runs name resolution and the
//! structural checks ([`resolve`]), then the analyses of the model
//! ([`analysis`]), and returns the model with every diagnostic found, sorted.
//! The model is returned even when there are errors (what could not be
//! resolved is left out), so that tools can show as much as they can; the
//! compiler only accepts a model without errors. Findings that a
//! `// dxmap: allow` comment silences are marked allowed here, where every
//! diagnostic of the phase is at hand.
//!
//! The findings of the reach and hours analysis, millions in a large tree,
//! are kept pending ([`diagnostics::Findings`]) until they are shown.
//!
//! Imports: `crate::syntax::ast`, `crate::catalogue`, `crate::diagnostics`,
//! `crate::source`; submodules as listed.

pub mod analysis;
mod graph;
mod hours;
pub mod model;
mod resolve;

use crate::catalogue::Catalogue;
use crate::diagnostics::{self, Code, Diagnostic, Findings};
use crate::syntax::ast;

/// Checks the files of one rules tree against `catalogue`.
pub fn check(files: &[ast::File], catalogue: Catalogue) -> (model::Model, Vec<Diagnostic>) {
    check_after(files, catalogue, Vec::new())
}

/// [`check`], its diagnostics sorted with `earlier` ones (of reading and
/// parsing the tree, which no allow silences).
pub fn check_after(
    files: &[ast::File],
    catalogue: Catalogue,
    earlier: Vec<Diagnostic>,
) -> (model::Model, Vec<Diagnostic>) {
    let (model, findings) = check_findings(files, catalogue, earlier);
    (model, findings.all())
}

/// [`check_after`], the findings of the reach and hours analysis kept
/// pending until they are shown: a large tree's findings, counted in
/// millions, are mostly allowed or never listed.
pub fn check_findings(
    files: &[ast::File],
    catalogue: Catalogue,
    earlier: Vec<Diagnostic>,
) -> (model::Model, Findings) {
    let (model, found) = resolve::resolve(files, catalogue);
    let allows: Vec<ast::Allow> = files.iter().flat_map(|f| f.allows.clone()).collect();
    analyse(model, found, &allows, earlier)
}

/// [`check_findings`], dropping the syntax trees once the model is built:
/// a large tree's are a hundred megabytes the analyses do not read.
pub fn check_owned(
    files: Vec<ast::File>,
    catalogue: Catalogue,
    earlier: Vec<Diagnostic>,
) -> (model::Model, Findings) {
    let (model, found) = resolve::resolve(&files, catalogue);
    let allows: Vec<ast::Allow> = files.into_iter().flat_map(|f| f.allows).collect();
    analyse(model, found, &allows, earlier)
}

/// The analyses of a resolved model and the allows, after resolution's
/// findings `found`.
fn analyse(
    model: model::Model,
    mut found: Vec<Diagnostic>,
    allows: &[ast::Allow],
    mut earlier: Vec<Diagnostic>,
) -> (model::Model, Findings) {
    // The analyses judge what the rules mean; with names unresolved they
    // would report gaps and unreachable services that are only echoes of
    // those errors. Fix resolution first. An unknown postcode unit is the
    // exception: it is left out of the model, where it would have matched
    // nobody anyway, so what the analyses say about the rest still holds
    // (and a reach finding it causes is worth seeing with it).
    let analysed = !found
        .iter()
        .any(|d| d.is_error() && d.code != Code::UnknownPostcodeUnit);
    let mut pending = Vec::new();
    let mut expand = None;
    if analysed {
        expand = Some(analysis::analyse_pending(&model, &mut found, &mut pending));
    }
    let reasons = allow(allows, &mut found, &mut pending, analysed);
    earlier.append(&mut found);
    (model, Findings::new(earlier, pending, reasons, expand))
}

/// Marks the findings that `// dxmap: allow` comments silence: those whose
/// primary span lies in the allow's item and whose code it names (the
/// syntax layer has refused codes that may not be allowed). An allow that
/// silences nothing is a warning, once the analyses have run (before, its
/// findings may just not have been looked for). Pending findings are
/// marked with the index of their allow's reason in the list returned.
fn allow(
    allows: &[ast::Allow],
    found: &mut Vec<Diagnostic>,
    pending: &mut [diagnostics::Pending],
    analysed: bool,
) -> Vec<String> {
    // The findings of each file by where they start: an allow looks only at
    // those that start inside its item, not at every finding of the tree
    // (a large tree has millions, and as many allows as overlays). Whole
    // findings are numbered first, then pending ones.
    let whole = found.len();
    let mut by_file: std::collections::HashMap<crate::source::FileId, Vec<(u32, u32)>> =
        std::collections::HashMap::new();
    let spans = found
        .iter()
        .map(|d| d.primary.span)
        .chain(pending.iter().map(|p| p.span));
    for (idx, span) in spans.enumerate() {
        by_file
            .entry(span.file)
            .or_default()
            .push((span.start, u32::try_from(idx).unwrap_or(u32::MAX)));
    }
    for starts in by_file.values_mut() {
        starts.sort_unstable();
    }
    let mut reasons = Vec::new();
    let mut unused = Vec::new();
    for allow in allows {
        let starts = by_file
            .get(&allow.target.file)
            .map_or(&[][..], Vec::as_slice);
        let first = starts.partition_point(|(start, _)| *start < allow.target.start);
        let inside = starts
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|(start, _)| *start <= allow.target.end);
        let inside: Vec<usize> = inside.map(|(_, idx)| *idx as usize).collect();
        // This allow's reason, for pending findings, once it silences one.
        let mut reason: Option<u32> = None;
        for code in &allow.codes {
            let Some(known) = Code::lookup(&code.node) else {
                continue;
            };
            let mut used = false;
            for idx in &inside {
                if let Some(diagnostic) = found.get_mut(*idx) {
                    if diagnostic.code == known
                        && known.allowable()
                        && allow.target.contains(diagnostic.primary.span)
                    {
                        diagnostic.allowed = Some(allow.because.node.clone());
                        used = true;
                    }
                } else if let Some(finding) =
                    idx.checked_sub(whole).and_then(|at| pending.get_mut(at))
                {
                    if finding.code == known
                        && known.allowable()
                        && allow.target.contains(finding.span)
                    {
                        let at = *reason.get_or_insert_with(|| {
                            reasons.push(allow.because.node.clone());
                            u32::try_from(reasons.len() - 1).unwrap_or(u32::MAX)
                        });
                        finding.allowed = Some(at);
                        used = true;
                    }
                }
            }
            if !used && analysed {
                unused.push(
                    Diagnostic::new(
                        Code::UnusedAllow,
                        code.span,
                        format!("no `{}` finding in this item to allow", code.node),
                    )
                    .with_secondary(allow.target, "the item this allow is attached to")
                    .with_help("remove the code from the allow, or the allow"),
                );
            }
        }
    }
    found.extend(unused);
    reasons
}
