//! Semantic checks: syntax trees and a release catalogue to the checked model.
//!
//! [`check`] is the phase's one entry point. It runs name resolution and the
//! structural checks ([`resolve`]), then the analyses of the model
//! ([`analysis`]), and returns the model with every diagnostic found, sorted.
//! The model is returned even when there are errors (what could not be
//! resolved is left out), so that tools can show as much as they can; the
//! compiler only accepts a model without errors.
//!
//! Imports: `crate::syntax::ast`, `crate::catalogue`, `crate::diagnostics`,
//! `crate::source`; submodules as listed.

pub mod analysis;
mod graph;
mod hours;
pub mod model;
mod resolve;

use crate::catalogue::Catalogue;
use crate::diagnostics::{self, Diagnostic};
use crate::syntax::ast;

/// Checks the files of one rules tree against `catalogue`.
pub fn check(files: &[ast::File], catalogue: Catalogue) -> (model::Model, Vec<Diagnostic>) {
    let (model, mut found) = resolve::resolve(files, catalogue);
    // The analyses judge what the rules mean; with names unresolved they
    // would report gaps and unreachable services that are only echoes of
    // those errors. Fix resolution first.
    if !found.iter().any(Diagnostic::is_error) {
        found.extend(analysis::analyse(&model));
    }
    diagnostics::sort(&mut found);
    (model, found)
}
