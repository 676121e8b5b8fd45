//! Semantic checks: syntax trees and a release catalogue to the checked model.
//!
//! [`check`] is the phase's one entry point. It runs name resolution and the
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
        found.extend(analysis::analyse(&model));
    }
    allow(files, &mut found, analysed);
    diagnostics::sort(&mut found);
    (model, found)
}

/// Marks the findings that `// dxmap: allow` comments silence: those whose
/// primary span lies in the allow's item and whose code it names (the
/// syntax layer has refused codes that may not be allowed). An allow that
/// silences nothing is a warning, once the analyses have run (before, its
/// findings may just not have been looked for).
fn allow(files: &[ast::File], found: &mut Vec<Diagnostic>, analysed: bool) {
    let mut unused = Vec::new();
    for allow in files.iter().flat_map(|file| &file.allows) {
        for code in &allow.codes {
            let Some(known) = Code::lookup(&code.node) else {
                continue;
            };
            let mut used = false;
            for diagnostic in found.iter_mut() {
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
