//! What the report should show, recomputed from the library: the number
//! of heatmap cells per layer (`tests/report.rs`, `tests/report_browser.rs`).

use std::collections::BTreeSet;
use std::path::Path;

/// The number of heatmap cells each layer's table should have: every
/// (disposition, channel) row of the baseline's coverage; for an overlay,
/// every row of each disposition where some row differs from the layer it
/// extends (recomputed here from the analysis, row by row).
pub fn expected_cells(rules: &Path) -> Vec<(String, usize)> {
    let checked = dxmap::load::check_tree(rules, None).unwrap();
    let model = checked.model.unwrap();
    let full: Vec<_> = (0..model.layers.len())
        .map(|idx| {
            dxmap::check::analysis::coverage(&model, dxmap::check::model::LayerId::from_index(idx))
        })
        .collect();
    model
        .layers
        .iter()
        .zip(&full)
        .map(|(layer, rows)| {
            let Some(parent) = layer.parent.map(|p| &full[p.index()]) else {
                return (layer.name.clone(), rows.len());
            };
            let changed: BTreeSet<_> = rows
                .iter()
                .filter(|row| !parent.iter().any(|p| p == *row))
                .map(|row| row.dx)
                .collect();
            let cells = rows.iter().filter(|row| changed.contains(&row.dx)).count();
            (layer.name.clone(), cells)
        })
        .collect()
}
