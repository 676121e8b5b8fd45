//! Decision-table verification of the checked model, layer by layer: rule
//! overlaps under UNIQUE and equal priorities, rules shadowed by higher
//! priorities, coverage gaps, routes slower than a disposition's timeframe
//! or needing a skill the layer lacks, codes the catalogue marks unused,
//! hierarchy contradictions, unreachable services and types without services.
//!
//! Everything here is exact, not sampled. A case is a point of a small
//! product domain — disposition × channel (3) × sex (female, male, not
//! given) × age in days — and every rule is a box in it. Work is indexed by
//! disposition: for one layer and one code only the rules naming that code
//! are looked at. Within one (code, channel, sex) cell, coverage is a union
//! of age intervals. Rules of one code are not compared pair by pair:
//! rules that never fire are found by a sweep from the highest priority
//! down, keeping per cell the union of the ages higher priorities take, and
//! overlaps through an index of age ranges per priority and cell, so that
//! thousands of rules of one code (distinct priorities, or one priority
//! with disjoint age bands) cost n log n, not n². An overlay is analysed as
//! changes to its parent: pairs of rules it inherits are not compared
//! again, and only rules naming a code whose rules it changes are judged
//! again for never firing.
//!
//! A checked tree is analysed on two threads (`analyse_pending`): one runs
//! the analyses in order, the other prepares the reach and hours one,
//! whose overlays both then judge, a few layers at a time; each analysis
//! adds its findings as it would alone and the reach and hours findings
//! are put back in layer order, so the output is the same on any machine.
//!
//! Findings are reported once: a pair of rules, a gap or a bad route found
//! in a layer is not reported again in the overlays that inherit it
//! unchanged. Each finding carries a witness case that routing confirms
//! (see `tests/analysis.rs`).
//!
//! One family of analyses per module: [`overlap`], [`never_fire`],
//! [`coverage`] (gaps and the coverage matrix), `timeframe` (slow routes,
//! skills, unused and clinician-only codes), `hierarchy`, `reach`
//! (unreachable services, types without services) and `overrides`
//! (identical overrides, useless suspensions), [`reach_units`] (cases
//! no service covers in an overlay's area, and gaps in urgent services'
//! hours; `reach_offers` judges what a unit's services offer a case,
//! once per thread, `reach_found` keeps its findings small until shown),
//! `won` (the cases each rule of a layer wins, for them), `remap` (remap
//! chains and risky remaps); [`common`] holds what they share. What a rule
//! matches, how ages convert, what a sex admits and how `same_as` and
//! `no_search` resolve are the runtime's (`dxmap_runtime::space`): the
//! analyses call it and decide none of it again.
//!
//! Imports: `crate::check::model`, `crate::diagnostics`; submodules as
//! listed.

pub mod common;
pub mod coverage;
mod hierarchy;
pub mod never_fire;
pub mod overlap;
mod overrides;
mod reach;
mod reach_found;
mod reach_offers;
pub mod reach_units;
mod remap;
mod timeframe;
mod won;

#[cfg(test)]
mod tests;

pub use common::{witness_text, Witness};
pub use coverage::{coverage, gaps, Answer, Cell, CoverageRow, Gap};
pub use never_fire::never_fire;
pub use overlap::{overlaps, Overlap};
pub use reach::unit_within;

use crate::check::model;
use crate::diagnostics::{self, Diagnostic};

/// Runs every analysis on a resolved model without errors.
pub fn analyse(model: &model::Model) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    analyse_into(model, &mut found);
    found
}

/// [`analyse`], adding to `found`: a large tree's findings are not copied
/// from one list to another.
pub fn analyse_into(model: &model::Model, found: &mut Vec<Diagnostic>) {
    before_reach(model, found);
    reach_found::diagnostics(model, found);
    after_reach(model, found);
}

/// [`analyse_into`], the reach and hours findings (millions in a large
/// tree) kept pending in `pending`, with what renders them.
pub fn analyse_pending(
    model: &model::Model,
    found: &mut Vec<Diagnostic>,
    pending: &mut Vec<diagnostics::Pending>,
) -> Box<dyn diagnostics::Expand> {
    // Two threads: one runs the other analyses while the other prepares
    // the reach and hours one, then both judge its layers. Each analysis
    // adds its findings as it would alone, and the reach and hours parts
    // are put back in layer order, so the output does not depend on how
    // the work was shared.
    let work = std::sync::OnceLock::new();
    let prepare = || reach_found::Work::new(model);
    let (mine, theirs) = std::thread::scope(|scope| {
        let others = scope.spawn(|| {
            before_reach(model, found);
            after_reach(model, found);
            work.get_or_init(prepare).help()
        });
        let mine = work.get_or_init(prepare).help();
        (mine, others.join())
    });
    let theirs = theirs.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    Box::new(reach_found::finish(model, vec![mine, theirs], pending))
}

/// The analyses run before the reach and hours one (`reach_units`).
fn before_reach(model: &model::Model, found: &mut Vec<Diagnostic>) {
    overlap::diagnostics(model, found);
    never_fire::diagnostics(model, found);
    coverage::diagnostics(model, found);
    timeframe::diagnostics(model, found);
    hierarchy::diagnostics(model, found);
    reach::diagnostics(model, found);
}

/// The analyses run after the reach and hours one.
fn after_reach(model: &model::Model, found: &mut Vec<Diagnostic>) {
    overrides::diagnostics(model, found);
    remap::diagnostics(model, found);
}
