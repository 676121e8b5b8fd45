//! `dxmap report`: the page for the shipped rules is a snapshot and the
//! same bytes every time; it has one heatmap cell per (disposition,
//! channel) of every layer, the Content-Security-Policy, and nothing it
//! would fetch; with `--base` it lists the cells a change reroutes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::cli::{dxmap, project, scratch};
use support::report::expected_cells;
use support::trees::repository;

/// The week the snapshot's opening strips show: the week of VE Day 2020
/// (Friday 8 May, a bank holiday).
const WEEK: &str = "2020-05-08";

/// Writes the report of `rules` (relative to `dir`) with `extra`
/// arguments into `dir/out` and returns the page.
fn report(dir: &Path, rules: &str, out: &Path, extra: &[&str]) -> String {
    let out_text = out.to_string_lossy().into_owned();
    let mut args = vec!["report", "--rules", rules, "-o", &out_text, "--week", WEEK];
    args.extend_from_slice(extra);
    let run = dxmap(dir, &args);
    assert_eq!(run.code, 0, "{}", run.output());
    assert!(run.stdout.contains("index.html"), "{}", run.output());
    std::fs::read_to_string(out.join("index.html")).unwrap()
}

/// The attribute values of `name="…"` in `html`.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// Each heatmap's layer and the number of its cells.
fn heatmap_cells(html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for part in html.split("<table class=\"heatmap\" data-layer=\"").skip(1) {
        let layer = &part[..part.find('"').unwrap()];
        let table = &part[..part.find("</table>").unwrap()];
        out.push((layer.to_owned(), table.matches(" data-cell=\"").count()));
    }
    out
}

#[test]
fn the_report_of_the_shipped_rules_is_a_snapshot_and_the_same_bytes_every_time() {
    let dir = scratch("shipped", &[] as &[(&str, &[u8])]);
    let first = report(&project(), "rules", &dir.join("a"), &[]);
    let second = report(&project(), "rules", &dir.join("b"), &[]);
    assert!(first == second, "two runs wrote different pages");
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("report_shipped_rules", first);
    });
}

#[test]
fn the_report_has_one_heatmap_cell_per_disposition_and_channel_and_fetches_nothing() {
    let dir = scratch("structure", &[] as &[(&str, &[u8])]);
    let html = report(&project(), "rules", &dir.join("out"), &[]);

    // The baseline's heatmap in full; each overlay's where it differs
    // from the layer it extends, and a line for the rest.
    let expected = expected_cells(&project().join("rules"));
    let shown: Vec<(String, usize)> = expected.iter().filter(|(_, n)| *n > 0).cloned().collect();
    assert_eq!(heatmap_cells(&html), shown);
    assert!(expected[0].1 > 100);
    assert!(expected[1..].iter().all(|(_, n)| *n < expected[0].1));
    assert_eq!(
        html.matches("<p class=\"as-in\">").count(),
        expected.len() - 1
    );

    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; \
         style-src &#39;unsafe-inline&#39;; img-src data:; script-src &#39;unsafe-inline&#39;\">"
    ));
    for name in ["src", "href", "action", "srcset", "poster", "data"] {
        for value in attributes(&html, name) {
            assert!(
                value.starts_with('#') || value.starts_with("data:"),
                "{name}=\"{value}\" would be fetched"
            );
        }
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("url(http") && !html.contains("@import"));

    // Every link inside the page lands on an element of it.
    let ids: BTreeSet<&str> = attributes(&html, "id").into_iter().collect();
    for target in attributes(&html, "href") {
        let target = target.trim_start_matches('#');
        assert!(
            ids.contains(target),
            "a link to `#{target}`, which is not on the page"
        );
    }
    // Colour is never the only signal: every cell says its answer in words.
    for cell in html.split("class=\"cell a-").skip(1) {
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(
            ["routed", "partial", "GAP", "no search", "not used"]
                .iter()
                .any(|word| cell.contains(&format!(">{word}<"))),
            "a cell without its answer in words: {cell}"
        );
    }
    for section in [
        "overview",
        "findings",
        "hazards",
        "coverage",
        "urgent",
        "hierarchies",
        "services",
        "rules",
        "tests",
    ] {
        assert!(ids.contains(section), "no section `{section}`");
    }
    assert!(html.contains("50 passed, 0 failed"));
    assert!(html.contains("@media print"));
}

#[test]
fn a_report_against_a_base_revision_lists_the_changed_cells() {
    let dir = repository("base");
    let expected = dxmap(&dir, &["diff", "--git", "main..change", "--format", "json"]);
    assert_eq!(expected.code, 0, "{}", expected.output());
    let value: serde_json::Value = serde_json::from_str(&expected.stdout).unwrap();
    let cells: Vec<String> = value["routing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            format!(
                "{}/{}/{}",
                cell["layer"].as_str().unwrap(),
                cell["dx"].as_str().unwrap(),
                cell["channel"].as_str().unwrap()
            )
        })
        .collect();
    assert!(!cells.is_empty());

    let html = report(&dir, "rules", &dir.join("out"), &["--base", "main"]);
    let listed: Vec<&str> = attributes(&html, "data-change");
    let mut sorted_listed: Vec<&str> = listed.clone();
    sorted_listed.sort_unstable();
    let mut sorted_cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    sorted_cells.sort_unstable();
    assert_eq!(sorted_listed, sorted_cells);
    assert!(cells.iter().all(|cell| cell.starts_with("dorset/")));
    assert!(html.contains("Changes since <code>main</code>"));
    assert!(html.contains("&quot;Dental&quot; -&gt; dental, emergency_department"));

    // No change: the section says so.
    let same = report(&dir, "rules", &dir.join("same"), &["--base", "change"]);
    assert!(same.contains("No behavioural difference"));
    assert!(attributes(&same, "data-change").is_empty());

    // A revision that does not exist is a usage error.
    let run = dxmap(
        &dir,
        &[
            "report",
            "--rules",
            "rules",
            "-o",
            "x",
            "--base",
            "nosuchrev",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.output());
}

#[test]
fn a_tree_with_errors_writes_no_report_and_exits_1() {
    let dir = scratch(
        "broken",
        &[(
            "rules/national.dxm",
            "release \"pathways-2020\"\nrule \"x\" { when dx in nosuchgroup route nothing }\n",
        )],
    );
    let run = dxmap(&dir, &["report", "--rules", "rules", "-o", "out"]);
    assert_eq!(run.code, 1, "{}", run.output());
    assert!(!dir.join("out/index.html").exists());
    let run = dxmap(&dir, &["report", "--rules", "nosuchdir", "-o", "out"]);
    assert_eq!(run.code, 2, "{}", run.output());
    let run = dxmap(&dir, &["report", "--week", "someday"]);
    assert_eq!(run.code, 2, "{}", run.output());
}

const SMALL_TREE: &str = r#"release "catalogue.yaml"
service_type gp_ooh "GP Out of Hours" { responds_within 1h }
service_type pharmacy_cpcs "Pharmacy CPCS (24 hour)" { responds_within 1d }
// dxmap: allow DX0504 because "pharmacies agreed a 2-hour response"
rule "Primary care" {
  when dx in (Dx05, Dx06)
  route gp_ooh, pharmacy_cpcs
}
service "Southampton GP Out of Hours" id "GPOOH-SO" {
  type gp_ooh
  catchment SO
  hours { all_hours }
}
service "Shirley Pharmacy" id "FXX02" {
  type pharmacy_cpcs
  catchment SO
  hours { mon-sat 09:00-18:00 }
}
"#;

/// The text of the element with `id="…"`, up to its first closing tag `end`.
fn element<'a>(html: &'a str, id: &str, end: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap();
    let rest = &html[start..];
    &rest[..rest.find(end).unwrap()]
}

#[test]
fn accepted_findings_are_a_hazard_log_and_cells_link_to_their_findings() {
    let dir = scratch(
        "hazards",
        &[
            ("rules/national.dxm", SMALL_TREE),
            ("rules/catalogue.yaml", support::cli::CATALOGUE),
        ],
    );
    let html = report(&dir, "rules", &dir.join("out"), &[]);
    let hazards = element(&html, "hazards", "</table>");
    assert!(hazards.contains("DX0504"), "{hazards}");
    assert!(hazards.contains("<strong>Accepted:</strong> pharmacies agreed a 2-hour response"));
    assert!(html.contains("<span class=\"n\">1</span> allowed findings"));
    let cell = element(&html, "cell-national-Dx05-111", "</td>");
    assert!(cell.contains("href=\"#rule-0\""), "{cell}");
    assert!(cell.contains("href=\"#finding-0\""), "{cell}");

    // A gap: the page is written, the cell says GAP and links to the
    // finding, and the run exits 1.
    let gap = SMALL_TREE.replace("when dx in (Dx05, Dx06)", "when dx = Dx05");
    std::fs::write(dir.join("rules/national.dxm"), gap).unwrap();
    let run = dxmap(
        &dir,
        &["report", "--rules", "rules", "-o", "gap", "--week", WEEK],
    );
    assert_eq!(run.code, 1, "{}", run.output());
    let html = std::fs::read_to_string(dir.join("gap/index.html")).unwrap();
    let cell = element(&html, "cell-national-Dx06-111", "</td>");
    assert!(cell.contains("a-gap") && cell.contains(">GAP<"), "{cell}");
    let finding = cell
        .split("href=\"#")
        .nth(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .unwrap();
    assert!(element(&html, finding, "</tr>").contains("DX0503"));
}

#[test]
fn the_report_scales_by_what_changes_and_counts_findings_past_twenty_of_a_kind() {
    // 25 rules that each overlap "Primary care": 25 findings of one code
    // about one layer. Six overlays that change nothing.
    let mut national = support::cli::GOOD.to_owned();
    for n in 0..25 {
        national.push_str(&format!(
            "rule \"Again {n}\" {{\n  when dx = Dx05\n  route gp_ooh\n}}\n"
        ));
    }
    let overlays: String = ["SO14", "SO15", "SO16", "SO17", "SO18", "SO19"]
        .iter()
        .enumerate()
        .map(|(n, district)| format!("overlay o{n} extends national {{\n  area {district}\n}}\n"))
        .collect();
    let dir = scratch(
        "scale",
        &[
            ("rules/national.dxm", national.as_str()),
            ("rules/overlays.dxm", overlays.as_str()),
            ("rules/catalogue.yaml", support::cli::CATALOGUE),
        ],
    );
    let run = dxmap(
        &dir,
        &["report", "--rules", "rules", "-o", "out", "--week", WEEK],
    );
    // The overlaps are errors: the report is written and the run exits 1.
    assert_eq!(run.code, 1, "{}", run.output());
    let html = std::fs::read_to_string(dir.join("out/index.html")).unwrap();

    // Twenty findings listed, the other five counted.
    let findings = element(&html, "findings", "</section>");
    assert_eq!(findings.matches("<tr id=\"finding-").count(), 20);
    assert!(
        findings.contains("… and 5 more <code>DX0501</code> findings about national"),
        "{findings}"
    );
    // The cell the 25 findings are about links to three and counts the rest.
    let cell = element(&html, "cell-national-Dx05-111", "</td>");
    assert_eq!(cell.matches("class=\"flag\"").count(), 4, "{cell}");
    assert!(cell.contains(">+22 more</a>"), "{cell}");
    // Every link lands on the page, counted findings on their count.
    let ids: BTreeSet<&str> = attributes(&html, "id").into_iter().collect();
    for target in attributes(&html, "href") {
        assert!(ids.contains(target.trim_start_matches('#')), "#{target}");
    }

    // Only the baseline has a heatmap: each overlay says it is as there.
    // Two codes on three channels.
    assert_eq!(heatmap_cells(&html), [("national".to_owned(), 6)]);
    assert_eq!(
        html.matches("<p class=\"as-in\">Every cell (6) is answered as in <a href=\"#coverage-national\">national</a>.</p>")
            .count(),
        6
    );
}
