//! Running test cases: each case of a test file (`DIR/tests/*.yaml`) is
//! routed, and what its `expect:` block says is compared with the decision.
//!
//! Data in, data out: reading and parsing the files is [`crate::cases`]'s
//! and `load`'s job, printing the report is `dxmap test`'s.
//!
//! Imports: `crate::cases`, `dxmap_runtime`.

use std::fmt;

use dxmap_runtime::{Case, Decision, Router};

use crate::cases::{Expect, TestCase};

/// How one test case ended.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// The decision is what the test expects.
    Passed,
    /// The case cannot be routed: its values are wrong, or the router
    /// refuses it; the text says why.
    WrongCase(String),
    /// The decision differs from what the test expects.
    Failed {
        /// The case routed.
        case: &'a Case,
        /// The decision, explained (boxed: it is large, and rare here).
        decision: Box<Decision<'a>>,
        /// Each difference, in the order of the `expect:` fields.
        mismatches: Vec<Mismatch>,
    },
}

/// One difference between what a test expects and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Another overlay is in force.
    Overlay {
        /// Expected overlay.
        expected: String,
        /// The decision's overlay.
        got: String,
    },
    /// Another rule matched, or none.
    Rule {
        /// Expected rule.
        expected: String,
        /// The rule that matched, if any.
        got: Option<String>,
    },
    /// Other services, or in another order.
    Services {
        /// Expected service ids.
        expected: Vec<String>,
        /// The decision's service ids.
        got: Vec<String>,
    },
    /// The catch-all answered, or did not, against expectation.
    CatchAll {
        /// Expected.
        expected: bool,
        /// The decision's.
        got: bool,
    },
    /// "No search", or not, against expectation.
    NoSearch {
        /// Expected.
        expected: bool,
        /// The decision's.
        got: bool,
    },
    /// The search used another code.
    SearchedDx {
        /// Expected code.
        expected: String,
        /// The code searched.
        got: String,
    },
    /// Other services reported gapped (compared as sets).
    Gapped {
        /// Expected ids, sorted.
        expected: Vec<String>,
        /// The ids reported gapped, sorted.
        got: Vec<String>,
    },
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Overlay { expected, got } => {
                write!(f, "overlay: expected `{expected}`, got `{got}`")
            }
            Mismatch::Rule { expected, got } => write!(
                f,
                "rule: expected \"{expected}\", got {}",
                got.as_ref()
                    .map_or_else(|| "none".to_owned(), |r| format!("\"{r}\""))
            ),
            Mismatch::Services { expected, got } => write!(
                f,
                "services: expected {}, got {}",
                list(expected),
                list(got)
            ),
            Mismatch::SearchedDx { expected, got } => {
                write!(f, "searched_dx: expected `{expected}`, got `{got}`")
            }
            Mismatch::Gapped { expected, got } => write!(
                f,
                "gapped: expected {} (any order), got {}",
                list(expected),
                list(got)
            ),
            Mismatch::CatchAll { expected, got } => {
                write!(f, "catch_all: expected {expected}, got {got}")
            }
            Mismatch::NoSearch { expected, got } => {
                write!(f, "no_search: expected {expected}, got {got}")
            }
        }
    }
}

/// Routes `test`'s case with `router` (explaining) and compares the
/// decision with what the test expects.
pub fn run<'a>(router: &'a Router, test: &'a TestCase) -> Outcome<'a> {
    let case = match &test.case {
        Ok(case) => case,
        Err(problem) => return Outcome::WrongCase(problem.clone()),
    };
    match router.explain(case) {
        Err(error) => Outcome::WrongCase(error.to_string()),
        Ok(decision) => {
            let mismatches = mismatches(&test.expect, &decision);
            if mismatches.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failed {
                    case,
                    decision: Box::new(decision),
                    mismatches,
                }
            }
        }
    }
}

/// Differences between what a test expects and the decision; a field the
/// test leaves out is not compared.
pub fn mismatches(expect: &Expect, decision: &Decision<'_>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(overlay) = &expect.overlay {
        if *overlay != decision.overlay {
            out.push(Mismatch::Overlay {
                expected: overlay.clone(),
                got: decision.overlay.to_owned(),
            });
        }
    }
    if let Some(rule) = &expect.rule {
        if Some(rule.as_str()) != decision.rule {
            out.push(Mismatch::Rule {
                expected: rule.clone(),
                got: decision.rule.map(str::to_owned),
            });
        }
    }
    if let Some(services) = &expect.services {
        let got: Vec<String> = decision.services.iter().map(|s| s.id.to_owned()).collect();
        if *services != got {
            out.push(Mismatch::Services {
                expected: services.clone(),
                got,
            });
        }
    }
    if let Some(catch_all) = expect.catch_all {
        if catch_all != decision.catch_all {
            out.push(Mismatch::CatchAll {
                expected: catch_all,
                got: decision.catch_all,
            });
        }
    }
    if let Some(searched) = &expect.searched_dx {
        if searched != decision.searched_dx {
            out.push(Mismatch::SearchedDx {
                expected: searched.clone(),
                got: decision.searched_dx.to_owned(),
            });
        }
    }
    if let Some(gapped) = &expect.gapped {
        let mut expected = gapped.clone();
        expected.sort();
        expected.dedup();
        let mut got: Vec<String> = decision
            .trace
            .iter()
            .filter_map(|step| match step {
                dxmap_runtime::route::Step::Candidate {
                    id, gapped: true, ..
                } => Some(id.clone()),
                _ => None,
            })
            .collect();
        got.sort();
        got.dedup();
        if expected != got {
            out.push(Mismatch::Gapped { expected, got });
        }
    }
    if let Some(no_search) = expect.no_search {
        if no_search != decision.no_search.is_some() {
            out.push(Mismatch::NoSearch {
                expected: no_search,
                got: decision.no_search.is_some(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Mismatch;

    #[test]
    fn mismatches_read_as_expected_then_got() {
        let lines: Vec<String> = [
            Mismatch::Overlay {
                expected: "hampshire".to_owned(),
                got: "national".to_owned(),
            },
            Mismatch::Rule {
                expected: "Primary care".to_owned(),
                got: None,
            },
            Mismatch::Rule {
                expected: "Primary care".to_owned(),
                got: Some("Urgent".to_owned()),
            },
            Mismatch::Services {
                expected: vec!["ED-1".to_owned()],
                got: vec!["GP-1".to_owned(), "GP-2".to_owned()],
            },
            Mismatch::CatchAll {
                expected: true,
                got: false,
            },
            Mismatch::NoSearch {
                expected: false,
                got: true,
            },
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            lines,
            [
                "overlay: expected `hampshire`, got `national`",
                "rule: expected \"Primary care\", got none",
                "rule: expected \"Primary care\", got \"Urgent\"",
                "services: expected [ED-1], got [GP-1, GP-2]",
                "catch_all: expected true, got false",
                "no_search: expected false, got true",
            ]
        );
    }
}
