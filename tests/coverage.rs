//! `dxmap coverage` at scale: what an overlay costs is what it changes.
//! Over 2,000 trivial overlays, flat (each extends the baseline) and in a
//! chain of `extends`, every overlay that changes nothing is held as a
//! count and no row, and an overlay that changes one disposition holds
//! that disposition's rows only, with the rows it had in the layer it
//! extends; the JSON and human output say the same.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::path::{Path, PathBuf};

use support::cli::{dxmap, good_tree, project};

const OVERLAYS: usize = 2_000;

/// `n` postcode districts of the bundled geography.
fn districts(n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(project().join("fixtures/geo/units.tsv")).unwrap();
    let out: Vec<String> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split('\t').next())
        .filter(|unit| !unit.contains(' ') && unit.chars().any(|c| c.is_ascii_digit()))
        .take(n)
        .map(str::to_owned)
        .collect();
    assert_eq!(out.len(), n, "the geography has fewer than {n} districts");
    out
}

/// The overlay that changes one disposition: Dx05 on 111 goes to its own
/// rule first.
const CHANGED: usize = 7;

/// A tree of the small good tree and [`OVERLAYS`] overlays `o0`, `o1`, …;
/// `parent(n)` names what overlay `n` extends. Overlay [`CHANGED`] adds a
/// rule for Dx05; the others change nothing.
fn tree(name: &str, parent: impl Fn(usize) -> String) -> PathBuf {
    let dir = good_tree(name, &[]);
    let mut text = String::new();
    for (n, district) in districts(OVERLAYS).iter().enumerate() {
        let change = if n == CHANGED {
            "  add rule \"Dx05 first\" {\n    when dx = Dx05 and channel = 111\n    route gp_ooh\n    priority 5\n  }\n"
        } else {
            ""
        };
        text.push_str(&format!(
            "overlay o{n} extends {} {{\n  // dxmap: allow DX0516, DX0517, DX0518 because \"no services of its own\"\n  area {district}\n{change}}}\n",
            parent(n)
        ));
    }
    std::fs::write(dir.join("rules/overlays.dxm"), text).unwrap();
    dir
}

/// Checks the structure of the coverage of `rules`: the baseline in full,
/// overlay [`CHANGED`] (and nothing else) holding its Dx05 rows.
fn assert_proportional(rules: &Path) {
    let checked = dxmap::load::check_tree(rules, None).unwrap();
    let model = checked.model.unwrap();
    let matrices = dxmap::coverage::matrices(&model);
    assert_eq!(matrices.len(), OVERLAYS + 1);
    let national = &matrices[0];
    let full = dxmap::check::analysis::coverage(&model, national.layer);
    assert_eq!(national.rows, full, "the baseline's matrix is not in full");
    assert_eq!(national.unchanged, 0);
    for matrix in &matrices[1..] {
        let name = &model.layer(matrix.layer).unwrap().name;
        let all = dxmap::check::analysis::coverage(&model, matrix.layer);
        if *name == format!("o{CHANGED}") {
            let dx05: Vec<_> = all
                .iter()
                .filter(|row| model.catalogue.code(row.dx) == "Dx05")
                .cloned()
                .collect();
            assert!(!dx05.is_empty());
            assert_eq!(matrix.rows, dx05, "{name} holds more than what it changes");
            assert_eq!(matrix.before.len(), dx05.len());
            assert_ne!(matrix.before, matrix.rows);
            assert_eq!(matrix.unchanged, all.len() - dx05.len());
        } else {
            assert!(
                matrix.rows.is_empty() && matrix.before.is_empty(),
                "{name} changes nothing but holds {} rows",
                matrix.rows.len() + matrix.before.len()
            );
            assert_eq!(matrix.unchanged, all.len(), "{name}");
        }
        // Its totals are still those of its whole matrix.
        assert_eq!(matrix.totals, dxmap::coverage::totals(&all), "{name}");
    }
}

#[test]
fn two_thousand_flat_overlays_cost_what_they_change() {
    let dir = tree("flat", |_| "national".to_owned());
    assert_proportional(&dir.join("rules"));

    let run = dxmap(&dir, &["coverage", "rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.output());
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let layers = value["layers"].as_array().unwrap();
    assert_eq!(layers.len(), OVERLAYS + 1);
    let national_rows = layers[0]["rows"].as_array().unwrap().len();
    assert!(national_rows > 0);
    assert_eq!(layers[0]["unchanged"], 0);
    for layer in &layers[1..] {
        let rows = layer["rows"].as_array().unwrap();
        if layer["layer"] == format!("o{CHANGED}") {
            assert!(rows.iter().all(|row| row["dx"] == "Dx05"), "{layer}");
            assert_eq!(
                rows.len() + layer["unchanged"].as_u64().unwrap() as usize,
                national_rows
            );
        } else {
            assert!(rows.is_empty(), "{layer}");
            assert_eq!(layer["unchanged"], national_rows, "{}", layer["layer"]);
        }
    }

    let run = dxmap(&dir, &["coverage", "rules"]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert_eq!(
        run.stdout
            .matches("(every line as in the layer it extends)")
            .count(),
        OVERLAYS - 1
    );
    assert!(run.stdout.contains(&format!(
        "o{CHANGED}, extends national: 2 of 2 required dispositions covered (0 by no_search), 0 partly covered, 0 not covered, 0 not used\n  lines that differ from the layer it extends:\n  Dx05    111         \"Dx05 first\", \"Primary care\" -> gp_ooh\n"
    )), "{}", &run.stdout[..run.stdout.len().min(3000)]);
}

#[test]
fn a_chain_of_two_thousand_extends_costs_what_it_changes() {
    let dir = tree("chain", |n| {
        if n == 0 {
            "national".to_owned()
        } else {
            format!("o{}", n - 1)
        }
    });
    assert_proportional(&dir.join("rules"));
    // The overlays after the one that changes Dx05 inherit the change:
    // they are as in the layer they extend.
    let run = dxmap(&dir, &["coverage", "rules"]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert_eq!(
        run.stdout
            .matches("(every line as in the layer it extends)")
            .count(),
        OVERLAYS - 1
    );
}
