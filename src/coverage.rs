//! The totals of a coverage matrix: how many dispositions of a layer are
//! required, covered, partly covered, not covered, answered "no search" or
//! not used, each code counted once across its channels.
//!
//! The matrix itself is the coverage analysis's ([`crate::check::analysis::coverage`]);
//! `dxmap coverage` prints it with these totals.
//!
//! Imports: `crate::check::{analysis, model}`.

use std::collections::BTreeMap;

use crate::check::analysis::{Answer, CoverageRow};
use crate::check::model;

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
}

/// `dxmap coverage`'s words.
pub const TERMINAL: Wording = Wording {
    arrow: "->",
    not_covered: "NOT COVERED",
    uncovered: "NOT COVERED",
    not_used: "not used",
};

/// The report's words.
pub const PROSE: Wording = Wording {
    arrow: "→",
    not_covered: "not covered",
    uncovered: "not covered: nothing routes it",
    not_used: "not used here",
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
        let rules: Vec<String> = row
            .rules
            .iter()
            .filter_map(|id| model.rule(*id))
            .map(|r| format!("\"{}\"", r.name))
            .collect();
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
