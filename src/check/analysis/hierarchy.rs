//! Queue hierarchies: a code repeated in one hierarchy (DX0210), and
//! hierarchies in force in one layer that contradict each other (DX0508),
//! found as cycles of the "above" relation.
//!
//! Imports: `crate::check::graph`, `crate::check::model`, `crate::catalogue`,
//! `crate::diagnostics`, `crate::source`.

use std::collections::BTreeMap;

use crate::catalogue::DispositionId;
use crate::check::graph::NameGraph;
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// Repeated codes in one hierarchy, and contradictions between the
/// hierarchies in force in each layer (an `override hierarchy` replaces the
/// named one for its overlay and those that extend it). A contradiction
/// that several layers inherit is the same diagnostic, reported once.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for hierarchy in &model.hierarchies {
        repeated_codes(model, hierarchy, found);
    }
    for layer in &model.layers {
        let in_force = layer
            .hierarchies
            .iter()
            .filter_map(|id| model.hierarchies.get(id.index()));
        contradictions(model, in_force, found);
    }
}

/// A code named twice in one hierarchy.
fn repeated_codes(model: &model::Model, hierarchy: &model::Hierarchy, found: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<DispositionId, Span> = BTreeMap::new();
    for (code, span) in &hierarchy.codes {
        if let Some(first) = seen.get(code) {
            found.push(
                Diagnostic::new(
                    Code::Duplicate,
                    *span,
                    format!(
                        "`{}` appears twice in hierarchy `{}`",
                        model.catalogue.code(*code),
                        hierarchy.name
                    ),
                )
                .with_secondary(*first, "first here")
                .with_help("a hierarchy is a total order: name each code once"),
            );
            continue;
        }
        seen.insert(*code, *span);
    }
}

/// Cycles of the union of the orders of `hierarchies`.
fn contradictions<'a>(
    model: &model::Model,
    hierarchies: impl Iterator<Item = &'a model::Hierarchy>,
    found: &mut Vec<Diagnostic>,
) {
    let n = model.catalogue.dispositions().len();
    let mut graph = NameGraph::new(n);
    let mut edge_sources: BTreeMap<(usize, usize), Vec<(Span, String)>> = BTreeMap::new();
    for hierarchy in hierarchies {
        let mut seen: BTreeMap<DispositionId, Span> = BTreeMap::new();
        let mut previous: Option<(DispositionId, Span)> = None;
        for (code, span) in &hierarchy.codes {
            if seen.contains_key(code) {
                continue;
            }
            seen.insert(*code, *span);
            if let Some((above, above_span)) = previous {
                let key = (
                    usize::try_from(above.0).unwrap_or(0),
                    usize::try_from(code.0).unwrap_or(0),
                );
                let edge_span = above_span.cover(*span);
                graph.add_edge(key.0, key.1, edge_span);
                edge_sources
                    .entry(key)
                    .or_default()
                    .push((edge_span, hierarchy.name.clone()));
            }
            previous = Some((*code, *span));
        }
    }
    for cycle in graph.cycles() {
        let codes: Vec<&str> = cycle
            .nodes
            .iter()
            .map(|n| {
                model
                    .catalogue
                    .code(DispositionId(u32::try_from(*n).unwrap_or(0)))
            })
            .collect();
        let chain = codes
            .iter()
            .chain(codes.first())
            .copied()
            .collect::<Vec<_>>()
            .join(" > ");
        let mut labels: Vec<(Span, String)> = Vec::new();
        for (idx, node) in cycle.nodes.iter().enumerate() {
            let next = cycle
                .nodes
                .get(idx + 1)
                .or(cycle.nodes.first())
                .copied()
                .unwrap_or(*node);
            if let Some(sources) = edge_sources.get(&(*node, next)) {
                for (span, name) in sources {
                    let above = model
                        .catalogue
                        .code(DispositionId(u32::try_from(*node).unwrap_or(0)));
                    let below = model
                        .catalogue
                        .code(DispositionId(u32::try_from(next).unwrap_or(0)));
                    labels.push((
                        *span,
                        format!("hierarchy `{name}`: `{above}` above `{below}`"),
                    ));
                }
            }
        }
        labels.sort();
        let Some((primary, primary_label)) = labels.first().cloned() else {
            continue;
        };
        let mut diagnostic = Diagnostic::new(
            Code::HierarchyContradiction,
            primary,
            format!("queue hierarchies contradict each other: {chain}"),
        )
        .with_label(primary_label)
        .with_help("make the hierarchies agree on the order of these codes");
        for (span, label) in labels.into_iter().skip(1) {
            diagnostic = diagnostic.with_secondary(span, label);
        }
        found.push(diagnostic);
    }
}
