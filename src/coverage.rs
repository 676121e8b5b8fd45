//! The totals of a coverage matrix: how many dispositions of a layer are
//! required, covered, partly covered, not covered, answered "no search" or
//! not used, each code counted once across its channels.
//!
//! The matrix itself is the coverage analysis's ([`crate::check::analysis::coverage`]);
//! [`matrices`] gives it for every layer, each overlay as what it changes:
//! the rows of the dispositions it answers differently from the layer it
//! extends, with those rows as they were there. An overlay that changes
//! nothing costs a count, so two thousand trivial overlays hold no more
//! than the baseline's matrix (and the matrices of the layers still to be
//! extended). `dxmap coverage` and the report print them with these
//! totals.
//!
//! Imports: `crate::check::{analysis, model}`.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::analysis::{self, Answer, CoverageRow};
use crate::check::model;

/// One layer's coverage: the baseline's in full, an overlay's as what it
/// changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerCoverage {
    /// The layer.
    pub layer: model::LayerId,
    /// The totals of its whole matrix.
    pub totals: Totals,
    /// The baseline: every row. An overlay: every row of each disposition
    /// where some row differs from the layer it extends.
    pub rows: Vec<CoverageRow>,
    /// An overlay: the same dispositions' rows in the layer it extends
    /// (empty for the baseline).
    pub before: Vec<CoverageRow>,
    /// An overlay: how many rows are as in the layer it extends, and so
    /// not listed.
    pub unchanged: usize,
}

/// The coverage of every layer of `model`, in layer order (parents
/// first). A layer's whole matrix is held only until the last layer that
/// extends it has been compared with it.
pub fn matrices(model: &model::Model) -> Vec<LayerCoverage> {
    let n = model.layers.len();
    // How many layers still to come extend each layer.
    let mut children: Vec<usize> = vec![0; n];
    for layer in &model.layers {
        if let Some(count) = layer.parent.and_then(|p| children.get_mut(p.index())) {
            *count += 1;
        }
    }
    let mut held: Vec<Option<Vec<CoverageRow>>> = vec![None; n];
    let mut out = Vec::with_capacity(n);
    for (idx, layer) in model.layers.iter().enumerate() {
        let id = model::LayerId::from_index(idx);
        let rows = analysis::coverage(model, id);
        let totals = totals(&rows);
        let parent_rows = layer
            .parent
            .and_then(|p| held.get(p.index()))
            .and_then(Option::as_ref);
        let entry = match parent_rows {
            None => LayerCoverage {
                layer: id,
                totals,
                rows: rows.clone(),
                before: Vec::new(),
                unchanged: 0,
            },
            Some(parent) => changes(id, totals, &rows, parent),
        };
        if let Some(p) = layer.parent {
            if let Some(count) = children.get_mut(p.index()) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    if let Some(slot) = held.get_mut(p.index()) {
                        *slot = None;
                    }
                }
            }
        }
        if children.get(idx).copied().unwrap_or(0) > 0 {
            if let Some(slot) = held.get_mut(idx) {
                *slot = Some(rows);
            }
        }
        out.push(entry);
    }
    out
}

/// An overlay's coverage as what changes from its parent's `parent` rows.
fn changes(
    id: model::LayerId,
    totals: Totals,
    rows: &[CoverageRow],
    parent: &[CoverageRow],
) -> LayerCoverage {
    let before: BTreeMap<(u32, model::Channel), &CoverageRow> =
        parent.iter().map(|r| ((r.dx.0, r.channel), r)).collect();
    let mut codes: BTreeSet<u32> = rows
        .iter()
        .filter(|row| before.get(&(row.dx.0, row.channel)) != Some(row))
        .map(|row| row.dx.0)
        .collect();
    // A row of the parent's that the overlay no longer has.
    let now: BTreeSet<(u32, model::Channel)> = rows.iter().map(|r| (r.dx.0, r.channel)).collect();
    codes.extend(
        parent
            .iter()
            .filter(|r| !now.contains(&(r.dx.0, r.channel)))
            .map(|r| r.dx.0),
    );
    let changed: Vec<CoverageRow> = rows
        .iter()
        .filter(|row| codes.contains(&row.dx.0))
        .cloned()
        .collect();
    LayerCoverage {
        layer: id,
        totals,
        unchanged: rows.len() - changed.len(),
        before: parent
            .iter()
            .filter(|row| codes.contains(&row.dx.0))
            .cloned()
            .collect(),
        rows: changed,
    }
}

/// The totals of one layer's coverage matrix, in dispositions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Codes the layer must cover (on some channel).
    pub required: usize,
    /// Required codes routed in full, or answered "no search", wherever
    /// they are used.
    pub covered: usize,
    /// Codes left uncovered on some channel or for some cases.
    pub partial: usize,
    /// Required codes that nothing routes on any channel.
    pub uncovered: usize,
    /// Codes answered "no search" on every channel.
    pub no_search: usize,
    /// Codes neither required nor routed.
    pub not_used: usize,
}

impl Totals {
    /// Whether every required code is fully covered.
    pub fn complete(&self) -> bool {
        self.partial == 0 && self.uncovered == 0
    }
}

/// The totals of `rows`, the coverage matrix of one layer
/// ([`crate::check::analysis::coverage`]).
pub fn totals(rows: &[CoverageRow]) -> Totals {
    let mut by_code: BTreeMap<u32, Vec<&CoverageRow>> = BTreeMap::new();
    for row in rows {
        by_code.entry(row.dx.0).or_default().push(row);
    }
    let mut totals = Totals::default();
    for rows in by_code.values() {
        let required = rows.iter().any(|r| r.required);
        if required {
            totals.required += 1;
        }
        if rows.iter().any(|r| r.answer == Answer::Uncovered)
            && rows.iter().all(|r| matches!(r.answer, Answer::Uncovered))
        {
            totals.uncovered += 1;
        } else if rows
            .iter()
            .any(|r| matches!(r.answer, Answer::Uncovered | Answer::Partial))
        {
            totals.partial += 1;
        } else if rows.iter().all(|r| matches!(r.answer, Answer::NoSearch(_))) {
            totals.no_search += 1;
            if required {
                totals.covered += 1;
            }
        } else if rows.iter().all(|r| r.answer == Answer::NotUsed) {
            totals.not_used += 1;
        } else if required {
            totals.covered += 1;
        }
    }
    totals
}

/// The words a row is described in: the command line's, or the report's.
#[derive(Debug, Clone, Copy)]
pub struct Wording {
    /// Between the rules and the types they route to.
    pub arrow: &'static str,
    /// Before the ages a partly covered code leaves out.
    pub not_covered: &'static str,
    /// A code nothing covers.
    pub uncovered: &'static str,
    /// A code the catalogue does not use on the channel.
    pub not_used: &'static str,
    /// At most this many rules are named; the rest are counted.
    pub most_rules: usize,
}

/// `dxmap coverage`'s words.
pub const TERMINAL: Wording = Wording {
    arrow: "->",
    not_covered: "NOT COVERED",
    uncovered: "NOT COVERED",
    not_used: "not used",
    most_rules: usize::MAX,
};

/// The report's words.
pub const PROSE: Wording = Wording {
    arrow: "→",
    not_covered: "not covered",
    uncovered: "not covered: nothing routes it",
    not_used: "not used here",
    most_rules: 3,
};

/// A row for people (without the code and channel): a remap, a `same_as`
/// target, the rules and the types they route to, the ages left out.
pub fn describe(model: &model::Model, row: &CoverageRow, wording: &Wording) -> String {
    // A remapped code is searched as its target first; the rest of the
    // description is the re-query with the original code.
    let remap = row
        .remapped_to
        .map(|target| format!("remapped to {}, then ", model.catalogue.code(target)))
        .unwrap_or_default();
    let via = row
        .via
        .map(|target| format!("{remap}as {}: ", model.catalogue.code(target)))
        .unwrap_or_else(|| remap.clone());
    let routed = || {
        let mut rules: Vec<String> = row
            .rules
            .iter()
            .take(wording.most_rules)
            .filter_map(|id| model.rule(*id))
            .map(|r| format!("\"{}\"", r.name))
            .collect();
        if let Some(more) = row
            .rules
            .len()
            .checked_sub(wording.most_rules)
            .filter(|more| *more > 0)
        {
            rules.push(format!("and {more} more"));
        }
        let types: Vec<&str> = row
            .types
            .iter()
            .filter_map(|t| model.service_type(*t))
            .map(|t| t.name.as_str())
            .collect();
        format!(
            "{via}{} {} {}",
            rules.join(", "),
            wording.arrow,
            types.join(", ")
        )
    };
    match &row.answer {
        Answer::Routed => routed(),
        Answer::Partial => {
            let gaps: Vec<String> = row
                .gaps
                .iter()
                .map(|(sex, ages)| match sex {
                    Some(sex) => format!("{ages} ({})", sex.describe()),
                    None => ages.to_string(),
                })
                .collect();
            format!("{}; {}: {}", routed(), wording.not_covered, gaps.join(", "))
        }
        Answer::Uncovered => format!("{remap}{}", wording.uncovered),
        Answer::NoSearch(reason) => format!("{via}no search: {reason}"),
        Answer::NotUsed => wording.not_used.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{totals, Totals};
    use crate::catalogue::DispositionId;
    use crate::check::analysis::{Answer, CoverageRow};
    use crate::check::model::Channel;

    fn row(dx: u32, channel: Channel, required: bool, answer: Answer) -> CoverageRow {
        CoverageRow {
            dx: DispositionId(dx),
            channel,
            required,
            answer,
            via: None,
            remapped_to: None,
            rules: Vec::new(),
            types: Vec::new(),
            gaps: Vec::new(),
        }
    }

    #[test]
    fn each_code_counts_once_across_its_channels() {
        let no_search = || Answer::NoSearch("999 handles it".to_owned());
        let rows = [
            // Routed on one channel, not on the other: partly covered.
            row(0, Channel::Nhs111, true, Answer::Routed),
            row(0, Channel::Ooh, true, Answer::Uncovered),
            // Routed everywhere.
            row(1, Channel::Nhs111, true, Answer::Routed),
            row(1, Channel::Ooh, true, Answer::Routed),
            // "No search" everywhere: covered, and counted as such.
            row(2, Channel::Nhs111, true, no_search()),
            row(2, Channel::Ooh, true, no_search()),
            // Nothing routes it anywhere.
            row(3, Channel::Nhs111, true, Answer::Uncovered),
            row(3, Channel::Ooh, true, Answer::Uncovered),
            // Not required, not routed.
            row(4, Channel::Nhs111, false, Answer::NotUsed),
        ];
        let found = totals(&rows);
        assert_eq!(
            found,
            Totals {
                required: 4,
                covered: 2,
                partial: 1,
                uncovered: 1,
                no_search: 1,
                not_used: 1,
            }
        );
        assert!(!found.complete());
        assert!(totals(&rows[2..3]).complete());
    }
}
