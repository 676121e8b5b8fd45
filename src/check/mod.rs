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
//! Imports: `crate::syntax::ast`, `crate::catalogue`, `crate::diagnostics`,
//! `crate::source`; submodules as listed.

pub mod analysis;
mod graph;
mod hours;
pub mod model;
mod resolve;

use crate::catalogue::Catalogue;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::syntax::ast;

/// Checks the files of one rules tree against `catalogue`.
pub fn check(files: &[ast::File], catalogue: Catalogue) -> (model::Model, Vec<Diagnostic>) {
    check_after(files, catalogue, Vec::new())
}

/// [`check`], its diagnostics sorted with `earlier` ones (of reading and
/// parsing the tree, which no allow silences): a large tree's findings,
/// counted in millions, are not copied from one list to another.
pub fn check_after(
    files: &[ast::File],
    catalogue: Catalogue,
    earlier: Vec<Diagnostic>,
) -> (model::Model, Vec<Diagnostic>) {
    let (model, mut found) = resolve::resolve(files, catalogue);
    // The analyses judge what the rules mean; with names unresolved they
    // would report gaps and unreachable services that are only echoes of
    // those errors. Fix resolution first. An unknown postcode unit is the
    // exception: it is left out of the model, where it would have matched
    // nobody anyway, so what the analyses say about the rest still holds
    // (and a reach finding it causes is worth seeing with it).
    let analysed = !found
        .iter()
        .any(|d| d.is_error() && d.code != Code::UnknownPostcodeUnit);
    if analysed {
        analysis::analyse_into(&model, &mut found);
    }
    allow(files, &mut found, analysed);
    found.splice(0..0, earlier);
    diagnostics::sort(&mut found);
    (model, found)
}

/// Marks the findings that `// dxmap: allow` comments silence: those whose
/// primary span lies in the allow's item and whose code it names (the
/// syntax layer has refused codes that may not be allowed). An allow that
/// silences nothing is a warning, once the analyses have run (before, its
/// findings may just not have been looked for).
fn allow(files: &[ast::File], found: &mut Vec<Diagnostic>, analysed: bool) {
    // The findings of each file by where they start: an allow looks only at
    // those that start inside its item, not at every finding of the tree
    // (a large tree has hundreds of thousands, and as many allows as
    // overlays).
    let mut by_file: std::collections::HashMap<crate::source::FileId, Vec<(u32, usize)>> =
        std::collections::HashMap::new();
    for (idx, diagnostic) in found.iter().enumerate() {
        let span = diagnostic.primary.span;
        by_file
            .entry(span.file)
            .or_default()
            .push((span.start, idx));
    }
    for starts in by_file.values_mut() {
        starts.sort_unstable();
    }
    let mut unused = Vec::new();
    for allow in files.iter().flat_map(|file| &file.allows) {
        let starts = by_file
            .get(&allow.target.file)
            .map_or(&[][..], Vec::as_slice);
        let first = starts.partition_point(|(start, _)| *start < allow.target.start);
        let inside = starts
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|(start, _)| *start <= allow.target.end);
        let inside: Vec<usize> = inside.map(|(_, idx)| *idx).collect();
        for code in &allow.codes {
            let Some(known) = Code::lookup(&code.node) else {
                continue;
            };
            let mut used = false;
            for idx in &inside {
                let Some(diagnostic) = found.get_mut(*idx) else {
                    continue;
                };
                if diagnostic.code == known
                    && known.allowable()
                    && allow.target.contains(diagnostic.primary.span)
                {
                    diagnostic.allowed = Some(allow.because.node.clone());
                    used = true;
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
}
