//! Analyses of the checked model: the place for decision-table verification.
//!
//! This is where the deeper checks of DESIGN.md "Static checks" live:
//! overlapping rules under UNIQUE or equal priorities (with a witness case),
//! rules shadowed by higher priorities, coverage gaps per layer, routes to
//! service types slower than a disposition's timeframe or needing a skill the
//! layer lacks, codes the catalogue marks unused, hierarchy contradictions
//! and unreachable services. They run on the model only, after resolution,
//! so each analysis sees ids, expanded groups and flattened layers.
//!
//! Today it holds the hierarchy checks that need no routing: a code repeated
//! in one hierarchy. The others arrive with the analysis issue.
//!
//! Imports: `super::model`, `crate::diagnostics`.

use std::collections::BTreeMap;

use super::model;
use crate::diagnostics::{Code, Diagnostic};

/// Runs every analysis on a resolved model.
pub fn analyse(model: &model::Model) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    hierarchy_repeats(model, &mut found);
    found
}

/// A hierarchy that names a code twice has no single order for it.
fn hierarchy_repeats(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for hierarchy in &model.hierarchies {
        let mut seen = BTreeMap::new();
        for (code, span) in &hierarchy.codes {
            if let Some(first) = seen.get(code) {
                found.push(
                    Diagnostic::new(
                        Code::Duplicate,
                        *span,
                        format!(
                            "`{}` appears twice in hierarchy `{}`",
                            model.catalogue.code(*code),
                            hierarchy.name
                        ),
                    )
                    .with_secondary(*first, "first here")
                    .with_help("a hierarchy is a total order: name each code once"),
                );
            } else {
                seen.insert(*code, *span);
            }
        }
    }
}
