//! Queue hierarchies as SVG graphs, laid out here: a hierarchy is a chain
//! of codes, highest first, so the layout is one layer per rank, placed
//! left to right and wrapped into rows of [`PER_ROW`], with an arrow from
//! each code to the next. The same order is listed as text beside it.
//!
//! Imports: `super`, `crate::check::model`.

use std::fmt::Write as _;

use super::{esc, slug, Input};
use crate::check::model;

/// Codes per row of the drawing.
const PER_ROW: usize = 6;
const NODE_W: usize = 120;
const NODE_H: usize = 44;
const GAP_X: usize = 36;
const GAP_Y: usize = 40;
const MARGIN: usize = 8;

/// Where a node of rank `rank` sits: its top-left corner.
fn position(rank: usize) -> (usize, usize) {
    let (row, col) = (rank / PER_ROW, rank % PER_ROW);
    (
        MARGIN + col * (NODE_W + GAP_X),
        MARGIN + row * (NODE_H + GAP_Y),
    )
}

/// The SVG of one chain of `(code, title)`, highest first.
pub(super) fn chain_svg(name: &str, codes: &[(String, String)]) -> String {
    let n = codes.len();
    let cols = n.clamp(1, PER_ROW);
    let rows = n.div_ceil(PER_ROW).max(1);
    let width = 2 * MARGIN + cols * NODE_W + (cols - 1) * GAP_X;
    let height = 2 * MARGIN + rows * NODE_H + (rows - 1) * GAP_Y;
    let mut svg = format!(
        "<svg class=\"graph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" \
         aria-label=\"Queue hierarchy {}, highest first: {}\">\
         <defs><marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>",
        esc(name),
        esc(&codes.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(" > ")),
        slug(name)
    );
    // Edges first, so that nodes are drawn over them.
    for rank in 1..n {
        let (x0, y0) = position(rank - 1);
        let (x1, y1) = position(rank);
        let path = if y0 == y1 {
            format!(
                "M{},{} L{},{}",
                x0 + NODE_W,
                y0 + NODE_H / 2,
                x1,
                y1 + NODE_H / 2
            )
        } else {
            // From the bottom of the row's last node to the top of the next row's first.
            let mid = y0 + NODE_H + GAP_Y / 2;
            format!(
                "M{},{} L{},{mid} L{},{mid} L{},{}",
                x0 + NODE_W / 2,
                y0 + NODE_H,
                x0 + NODE_W / 2,
                x1 + NODE_W / 2,
                x1 + NODE_W / 2,
                y1
            )
        };
        let _ = write!(
            svg,
            "<path d=\"{path}\" class=\"edge\" marker-end=\"url(#arrow-{})\"/>",
            slug(name)
        );
    }
    for (rank, (code, title)) in codes.iter().enumerate() {
        let (x, y) = position(rank);
        let _ = write!(
            svg,
            "<g class=\"node\"><title>{} (rank {}): {}</title><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\"/>\
             <text x=\"{}\" y=\"{}\" class=\"code\">{}</text><text x=\"{}\" y=\"{}\" class=\"rank\">rank {}</text></g>",
            esc(code),
            rank + 1,
            esc(title),
            x + NODE_W / 2,
            y + 19,
            esc(code),
            x + NODE_W / 2,
            y + 35,
            rank + 1
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Writes every queue hierarchy of the model.
pub(super) fn hierarchies(input: &Input<'_>, out: &mut String) {
    let model = input.model;
    out.push_str("<section id=\"hierarchies\">\n<h2>Queue hierarchies</h2>\n");
    if model.hierarchies.is_empty() {
        out.push_str("<p>The tree declares no queue hierarchy.</p>\n");
    }
    for (idx, hierarchy) in model.hierarchies.iter().enumerate() {
        let id = model::HierarchyId::from_index(idx);
        let codes: Vec<(String, String)> = hierarchy
            .codes
            .iter()
            .map(|(dx, _)| {
                (
                    model.catalogue.code(*dx).to_owned(),
                    model
                        .catalogue
                        .get(*dx)
                        .map_or_else(String::new, |d| d.title.clone()),
                )
            })
            .collect();
        let used_in: Vec<&str> = model
            .layers
            .iter()
            .filter(|layer| layer.hierarchies.contains(&id))
            .map(|layer| layer.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "<figure class=\"hierarchy\" id=\"hierarchy-{}-{}\">\n<figcaption><strong>{}</strong>, declared in {}; in force in {}. Highest first.</figcaption>\n{}\n<ol class=\"order\">{}</ol>\n</figure>",
            slug(super::layer_name(model, hierarchy.layer)),
            slug(&hierarchy.name),
            esc(&hierarchy.name),
            esc(super::layer_name(model, hierarchy.layer)),
            if used_in.is_empty() { "no layer".to_owned() } else { esc(&used_in.join(", ")) },
            chain_svg(&hierarchy.name, &codes),
            codes
                .iter()
                .map(|(code, title)| format!("<li><code>{}</code> {}</li>", esc(code), esc(title)))
                .collect::<String>()
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::chain_svg;

    #[test]
    fn a_chain_has_a_node_per_code_and_an_edge_between_neighbours() {
        let codes: Vec<(String, String)> = (0..8)
            .map(|i| (format!("Dx{i}"), format!("title {i}")))
            .collect();
        let svg = chain_svg("q", &codes);
        assert_eq!(svg.matches("<g class=\"node\">").count(), 8);
        assert_eq!(svg.matches("class=\"edge\"").count(), 7);
        assert!(svg.contains("aria-label=\"Queue hierarchy q, highest first: Dx0 &gt; Dx1"));
    }
}
