//! Remaps (DX0513, DX0514): a remap whose target the same layer remaps
//! again (a chain: routing takes one step only), and a remap to a code
//! with a longer timeframe, in another section, or not in use.
//!
//! A remap is judged in every layer where it is in force and reported once.
//! Timeframes are those the searches use: a `same_as` code without one of
//! its own takes its target's, as routing does.
//!
//! Imports: `crate::check::model`, `crate::catalogue`, `crate::diagnostics`,
//! `crate::source`.

use std::collections::BTreeSet;

use crate::catalogue::{DispositionId, Status};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// `2 h`, `30 min`, `no timeframe`.
fn timeframe_text(minutes: Option<u32>) -> String {
    match minutes {
        None => "no timeframe".to_owned(),
        Some(m) if m > 0 && m % 60 == 0 => format!("{} h", m / 60),
        Some(m) => format!("{m} min"),
    }
}

/// The timeframe a search for `dx` uses: its own, else, for a `same_as`
/// code, its target's (DESIGN, routing step 2; the router's `search`).
fn search_timeframe(model: &model::Model, dx: DispositionId) -> Option<u32> {
    let disposition = model.catalogue.get(dx)?;
    disposition
        .timeframe_minutes
        .or_else(|| model.catalogue.get(disposition.same_as?)?.timeframe_minutes)
}

/// What makes a remap from `from` to `to` risky, for people; empty if
/// nothing does. Timeframes are those the searches use, so a `same_as`
/// code without one of its own is as fast as its target.
pub(super) fn risks(model: &model::Model, from: DispositionId, to: DispositionId) -> Vec<String> {
    let (Some(source), Some(target)) = (model.catalogue.get(from), model.catalogue.get(to)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let slower = match (search_timeframe(model, from), search_timeframe(model, to)) {
        (Some(a), Some(b)) => b > a,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if slower {
        found.push("slower".to_owned());
    }
    if source.section != target.section {
        found.push(format!(
            "another section ({} -> {})",
            source.section, target.section
        ));
    }
    if target.status != Status::InUse {
        found.push(format!(
            "`{}` is not in use ({})",
            target.code,
            target.status.as_str()
        ));
    }
    found
}

pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let mut chains: BTreeSet<(Span, Span)> = BTreeSet::new();
    let mut risky: BTreeSet<Span> = BTreeSet::new();
    for layer in &model.layers {
        for (from, remap) in &layer.remaps {
            let code = |dx: DispositionId| model.catalogue.code(dx).to_owned();
            if let Some(next) = layer.remaps.get(&remap.to) {
                if chains.insert((remap.span, next.span)) {
                    found.push(
                        Diagnostic::new(
                            Code::RemapChain,
                            remap.span,
                            format!(
                                "`{}` is remapped to `{}`, which is remapped again to `{}`: remaps take one step",
                                code(*from),
                                code(remap.to),
                                code(next.to)
                            ),
                        )
                        .with_secondary(next.span, format!("`{}` is remapped here", code(remap.to)))
                        .with_help(format!(
                            "remap `{}` straight to the code whose services it should use, or remove one remap",
                            code(*from)
                        )),
                    );
                }
            }
            let reasons = risks(model, *from, remap.to);
            if !reasons.is_empty() && risky.insert(remap.span) {
                let timeframe = |dx: DispositionId| timeframe_text(search_timeframe(model, dx));
                found.push(
                    Diagnostic::new(
                        Code::RemapRisk,
                        remap.span,
                        format!(
                            "`{}` ({}) -> `{}` ({}): {}",
                            code(*from),
                            timeframe(*from),
                            code(remap.to),
                            timeframe(remap.to),
                            reasons.join(", ")
                        ),
                    )
                    .with_help("remap to a code of the same section and at most the same timeframe, or allow this with the clinical reason"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeframes_read_in_hours_or_minutes() {
        assert_eq!(timeframe_text(Some(120)), "2 h");
        assert_eq!(timeframe_text(Some(30)), "30 min");
        assert_eq!(timeframe_text(Some(0)), "0 min");
        assert_eq!(timeframe_text(None), "no timeframe");
    }
}
