//! The parts of the report about whether the tree does what it should:
//! the test results (each case of `tests/*.yaml` run through
//! [`crate::testing`]) and, against a base revision, the behavioural diff
//! ([`crate::diff`]): which patients' routes change, before → after,
//! deletions and new gaps first.
//!
//! Imports: `super`, `crate::{testing, diff, cases}`, `dxmap_runtime`.

use std::fmt::Write as _;

use dxmap_runtime::Router;

use super::{esc, place, Base, Input};
use crate::diff::{plural, AreaChange, CellChange, Diff, ItemChanges, OverlaySummary};
use crate::testing::{self, Outcome};

/// How one test ended, as the report shows it.
#[derive(Debug, Clone)]
pub(super) struct TestResult {
    name: String,
    place: String,
    /// `None`: passed; otherwise what went wrong, one line per difference.
    problems: Option<Vec<String>>,
}

/// The results of every test, in file order.
#[derive(Debug, Clone, Default)]
pub(super) struct Results {
    results: Vec<TestResult>,
    /// Why no test could run, if the router refused the table.
    refused: Option<String>,
}

impl Results {
    pub(super) fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.problems.is_none()).count()
    }

    pub(super) fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// Runs the input's test cases on its table.
pub(super) fn run_tests(input: &Input<'_>) -> Results {
    let router = match Router::new(input.table.clone()) {
        Ok(router) => router,
        Err(error) => {
            return Results {
                results: Vec::new(),
                refused: Some(error.to_string()),
            }
        }
    };
    let results = input
        .tests
        .iter()
        .map(|test| {
            let problems = match testing::run(&router, test) {
                Outcome::Passed => None,
                Outcome::WrongCase(problem) => Some(vec![format!("the case is wrong: {problem}")]),
                Outcome::Failed { mismatches, .. } => {
                    Some(mismatches.iter().map(ToString::to_string).collect())
                }
            };
            TestResult {
                name: test.name.clone(),
                place: place(input.sources, test.span),
                problems,
            }
        })
        .collect();
    Results {
        results,
        refused: None,
    }
}

/// Writes the test results.
pub(super) fn tests(results: &Results, out: &mut String) {
    out.push_str("<section id=\"tests\">\n<h2>Tests</h2>\n");
    if let Some(refused) = &results.refused {
        let _ = writeln!(
            out,
            "<p class=\"bad\">No test ran: the table was refused ({}).</p>",
            esc(refused)
        );
    }
    let _ = writeln!(
        out,
        "<p>{} passed, {} failed, of the cases in the tree's <code>tests/*.yaml</code>.</p>",
        results.passed(),
        results.failed()
    );
    if results.results.is_empty() {
        out.push_str("<p>The tree has no test cases.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"tests\">\n<caption>Test cases and their results</caption>\n\
         <thead><tr><th scope=\"col\">Result</th><th scope=\"col\">Test</th><th scope=\"col\">Where</th>\
         <th scope=\"col\">What differs</th></tr></thead>\n<tbody>\n",
    );
    // Failures first, then in file order.
    let mut ordered: Vec<&TestResult> = results.results.iter().collect();
    ordered.sort_by_key(|r| r.problems.is_none());
    for result in ordered {
        let (class, label) = match &result.problems {
            None => ("ok", "pass"),
            Some(_) => ("bad", "FAIL"),
        };
        let details = result.problems.as_ref().map_or_else(String::new, |lines| {
            lines
                .iter()
                .map(|l| esc(l))
                .collect::<Vec<_>>()
                .join("<br>")
        });
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td><span class=\"tag {class}\">{label}</span></td><th scope=\"row\">{}</th><td><code>{}</code></td><td>{details}</td></tr>",
            esc(&result.name),
            esc(&result.place)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// What kind of change a cell is: a deletion or new gap first.
fn kind(cell: &CellChange) -> (u8, &'static str) {
    if cell.new.is_gap() && !cell.old.is_gap() {
        (0, "new gap or deletion")
    } else if cell.old.is_gap() && !cell.new.is_gap() {
        (2, "gap closed")
    } else {
        (1, "rerouted")
    }
}

/// Writes one kind of item changed. For the layers, `diff` gives an
/// overlay added or removed as its one-line summary, and an area change as
/// the units claimed and given up.
fn items(title: &str, changes: &ItemChanges, layers_of: Option<&Diff>, out: &mut String) {
    if changes.added.is_empty() && changes.removed.is_empty() && changes.changed.is_empty() {
        return;
    }
    let summary = |item: &str| {
        layers_of
            .and_then(|diff| diff.overlays.iter().find(|s| s.layer == item))
            .map_or_else(|| item.to_owned(), OverlaySummary::describe)
    };
    let _ = write!(out, "<h4>{}</h4>\n<ul class=\"items\">", esc(title));
    for item in &changes.removed {
        let _ = write!(
            out,
            "<li class=\"removed\"><span class=\"tag bad\">removed</span> {}</li>",
            esc(&summary(item))
        );
    }
    for item in &changes.changed {
        let fields: Vec<String> = item
            .fields
            .iter()
            .map(|field| {
                layers_of
                    .and_then(|diff| {
                        diff.areas
                            .iter()
                            .find(|area| field == "area" && area.layer == item.id)
                    })
                    .map_or_else(|| field.clone(), AreaChange::describe)
            })
            .collect();
        let _ = write!(
            out,
            "<li class=\"changed\"><span class=\"tag warn\">changed</span> {}: {}</li>",
            esc(&item.id),
            esc(&fields.join(", "))
        );
    }
    for item in &changes.added {
        let _ = write!(
            out,
            "<li class=\"added\"><span class=\"tag ok\">added</span> {}</li>",
            esc(&summary(item))
        );
    }
    out.push_str("</ul>\n");
}

/// Writes the behavioural diff against the base revision.
pub(super) fn diff(base: &Base<'_>, out: &mut String) {
    let diff = base.diff;
    let _ = writeln!(
        out,
        "<section id=\"changes\">\n<h2>Changes since <code>{}</code></h2>",
        esc(base.rev)
    );
    if diff.is_empty() {
        out.push_str("<p class=\"ok\">No behavioural difference: every patient is routed as before.</p>\n</section>\n");
        return;
    }
    if let Some((old, new)) = &diff.release {
        let _ = writeln!(out, "<p>Pathways release {} → {}.</p>", esc(old), esc(new));
    }
    // The cells of an overlay added or removed are read against a layer
    // that does not exist: its summary, under "Layers", says what they
    // change instead.
    let in_overlays: usize = diff.overlays.iter().map(|s| s.cells).sum();
    let mut cells: Vec<(u8, &'static str, &CellChange)> = diff
        .listed_cells()
        .map(|cell| {
            let (rank, label) = kind(cell);
            (rank, label, cell)
        })
        .collect();
    // Stable: within a kind, the diff's own order (layer, code, channel, sex, ages).
    cells.sort_by_key(|(rank, _, _)| *rank);
    let gaps = cells.iter().filter(|(rank, _, _)| *rank == 0).count();
    let overlays = if !diff.overlays.is_empty() {
        format!(
            " Not listed: the overlays added or removed, each summarised under Layers \
             ({} routed differently in their areas).",
            plural(in_overlays, "cell", "cells")
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<p>{} routing cells change ({gaps} new gaps or deletions first); each row is a group of patients: \
         layer, disposition, channel, ages and sex, routed before → after.{overlays}</p>",
        cells.len()
    );
    if !cells.is_empty() {
        out.push_str(
            "<table class=\"changes\">\n<caption>Patients whose route changes</caption>\n\
             <thead><tr><th scope=\"col\">Change</th><th scope=\"col\">Layer</th><th scope=\"col\">Disposition</th>\
             <th scope=\"col\">Channel</th><th scope=\"col\">Ages</th><th scope=\"col\">Sex</th>\
             <th scope=\"col\">Before</th><th scope=\"col\">After</th></tr></thead>\n<tbody>\n",
        );
        for (rank, label, cell) in cells {
            let class = match rank {
                0 => "bad",
                1 => "warn",
                _ => "ok",
            };
            let _ = writeln!(
                out,
                "<tr class=\"{class}\" data-change=\"{}/{}/{}\"><td><span class=\"tag {class}\">{label}</span></td><td>{}</td>\
                 <th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td class=\"before\">{}</td><td class=\"after\">→ {}</td></tr>",
                esc(&cell.layer),
                esc(&cell.dx),
                cell.channel.as_str(),
                esc(&cell.layer),
                esc(&cell.dx),
                cell.channel.as_str(),
                esc(&cell.ages().to_string()),
                cell.sex.map_or("any", |sex| sex.describe()),
                esc(&cell.old.to_string()),
                esc(&cell.new.to_string()),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    items("Layers", &diff.layers, Some(diff), out);
    for (title, changes) in [
        ("Dispositions", &diff.dispositions),
        ("Bank holidays", &diff.calendar),
        ("Queue hierarchies", &diff.hierarchies),
        ("Service types", &diff.service_types),
        ("Services", &diff.services),
    ] {
        items(title, changes, None, out);
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{diff, Base};
    use crate::diff::{CellChange, Diff, ItemChanges, Outcome, OverlayChange, OverlaySummary};
    use dxmap_runtime::Channel;

    fn outcome(rule: Option<&str>) -> Outcome {
        Outcome {
            remap: None,
            no_search: None,
            rule: rule.map(str::to_owned),
            types: vec!["gp_ooh".to_owned()],
            catch_all: Some("emergency_department".to_owned()),
            requery: None,
            layer_exists: true,
        }
    }

    fn cell(dx: &str, old: Option<&str>, new: Option<&str>) -> CellChange {
        CellChange {
            layer: "national".to_owned(),
            dx: dx.to_owned(),
            channel: Channel::Nhs111,
            sex: None,
            min_age_days: 0,
            max_age_days: None,
            old: outcome(old),
            new: outcome(new),
        }
    }

    /// The Changes section of a report against `main` with this difference.
    fn changes_of(difference: &Diff) -> String {
        let mut out = String::new();
        diff(
            &Base {
                rev: "main",
                diff: difference,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn deletions_and_new_gaps_come_first() {
        let difference = Diff {
            routing: vec![
                cell("Dx05", Some("A"), Some("B")),
                cell("Dx06", None, Some("B")),
                cell("Dx07", Some("A"), None),
            ],
            ..Diff::default()
        };
        let out = changes_of(&difference);
        let order: Vec<&str> = out
            .split("data-change=\"national/")
            .skip(1)
            .filter_map(|rest| rest.split('/').next())
            .collect();
        assert_eq!(order, ["Dx07", "Dx05", "Dx06"]);
        assert!(out.contains("new gap or deletion"));
        assert!(out.contains("gap closed"));
    }

    #[test]
    fn a_new_overlay_is_one_summary_not_cells_against_no_layer() {
        let mut new_overlay = cell("Dx05", Some("A"), Some("B"));
        new_overlay.layer = "cornwall".to_owned();
        new_overlay.old.layer_exists = false;
        let difference = Diff {
            routing: vec![new_overlay, cell("Dx06", Some("A"), Some("B"))],
            layers: ItemChanges {
                added: vec!["cornwall".to_owned()],
                ..ItemChanges::default()
            },
            overlays: vec![OverlaySummary {
                layer: "cornwall".to_owned(),
                change: OverlayChange::Added,
                extends: Some("national".to_owned()),
                area: ["PL10", "PL11", "PL12", "TR1"].map(str::to_owned).to_vec(),
                compared_with: vec!["national".to_owned()],
                codes: vec!["Dx05".to_owned()],
                cells: 1,
                services_with: vec!["truro-uccs".to_owned()],
                services_without: Vec::new(),
            }],
            ..Diff::default()
        };
        let out = changes_of(&difference);
        assert!(!out.contains("no such layer"), "{out}");
        assert!(!out.contains("data-change=\"cornwall/"), "{out}");
        assert!(out.contains("data-change=\"national/Dx06/"), "{out}");
        assert!(
            out.contains(
                "cornwall (new overlay, extends national): area PL10..PL12, TR1 — 1 code routed \
                 differently there than by national before, 1 service added"
            ),
            "{out}"
        );
        assert!(
            out.contains("Not listed: the overlays added or removed, each summarised under Layers (1 cell routed differently in their areas)"),
            "{out}"
        );
    }
}
