//! Graph checks with petgraph: cycles among groups and among overlays'
//! `extends`, and the order in which overlays are flattened. Hierarchy
//! contradictions (the union of all queue orders must be acyclic) belong
//! here too, with the analysis issue.
//!
//! Imports: `crate::source`, `crate::diagnostics`, petgraph.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// A directed graph of named nodes whose edges were written at a span.
pub struct NameGraph {
    graph: DiGraph<(), Span>,
}

/// One cycle: the nodes in order (the first repeats at the end implicitly)
/// and the span of each edge `nodes[i] -> nodes[i + 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Nodes in cycle order, starting from the smallest index.
    pub nodes: Vec<usize>,
    /// The edge leaving each node, in the same order.
    pub edges: Vec<Span>,
}

impl Cycle {
    /// The diagnostic of a cycle of declarations: `message` with the chain
    /// (`a -> b -> a`) at the first node's name, each edge labelled by
    /// `edge(name of the node it leaves)`. `named(node)` gives a node's
    /// name and span; `None` when the node is unknown (no diagnostic then).
    pub fn diagnostic<'a>(
        &self,
        code: Code,
        named: impl Fn(usize) -> Option<(&'a str, Span)>,
        message: &str,
        help: &str,
        edge: impl Fn(&str) -> String,
    ) -> Option<Diagnostic> {
        let name = |node: &usize| named(*node).map_or("?", |(name, _)| name);
        let names: Vec<&str> = self.nodes.iter().map(name).collect();
        let chain = names
            .iter()
            .chain(names.first())
            .copied()
            .collect::<Vec<_>>()
            .join(" -> ");
        let (_, first) = named(*self.nodes.first()?)?;
        let mut diagnostic =
            Diagnostic::new(code, first, format!("{message}: {chain}")).with_help(help);
        for (node, span) in self.nodes.iter().zip(&self.edges) {
            diagnostic = diagnostic.with_secondary(*span, edge(name(node)));
        }
        Some(diagnostic)
    }
}

impl NameGraph {
    /// A graph with `n_nodes` nodes and no edges.
    pub fn new(n_nodes: usize) -> NameGraph {
        let mut graph = DiGraph::with_capacity(n_nodes, n_nodes);
        for _ in 0..n_nodes {
            graph.add_node(());
        }
        NameGraph { graph }
    }

    /// Adds the edge `from -> to`, written at `span`.
    pub fn add_edge(&mut self, from: usize, to: usize, span: Span) {
        self.graph
            .add_edge(NodeIndex::new(from), NodeIndex::new(to), span);
    }

    /// One cycle per strongly connected component that has one, sorted by
    /// their smallest node.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles = Vec::new();
        for component in tarjan_scc(&self.graph) {
            let mut members: Vec<usize> = component.iter().map(|n| n.index()).collect();
            members.sort_unstable();
            let Some(&start) = members.first() else {
                continue;
            };
            let self_loop = self
                .graph
                .edges_connecting(NodeIndex::new(start), NodeIndex::new(start))
                .next()
                .map(|edge| *edge.weight());
            if members.len() == 1 {
                if let Some(span) = self_loop {
                    cycles.push(Cycle {
                        nodes: vec![start],
                        edges: vec![span],
                    });
                }
                continue;
            }
            if let Some(cycle) = self.cycle_through(start, &members) {
                cycles.push(cycle);
            }
        }
        cycles.sort_by_key(|cycle| cycle.nodes.first().copied());
        cycles
    }

    /// A shortest path from `start` back to itself inside `members`
    /// (breadth first, smallest neighbours first, so the result is stable).
    fn cycle_through(&self, start: usize, members: &[usize]) -> Option<Cycle> {
        let n = self.graph.node_count();
        let mut previous: Vec<Option<(usize, Span)>> = vec![None; n];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut seen = vec![false; n];
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<(usize, Span)> = self
                .graph
                .edges(NodeIndex::new(node))
                .map(|edge| {
                    (
                        petgraph::visit::EdgeRef::target(&edge).index(),
                        *edge.weight(),
                    )
                })
                .filter(|(target, _)| members.binary_search(target).is_ok())
                .collect();
            next.sort_by_key(|(target, span)| (*target, *span));
            for (target, span) in next {
                if target == start {
                    // Walk back from `node` to `start`.
                    let mut nodes = vec![node];
                    let mut edges = vec![span];
                    let mut current = node;
                    while current != start {
                        let (prev, prev_span) = (*previous.get(current)?)?;
                        nodes.push(prev);
                        edges.push(prev_span);
                        current = prev;
                    }
                    // Reversed, `edges[i]` is the edge leaving `nodes[i]`.
                    nodes.reverse();
                    edges.reverse();
                    return Some(Cycle { nodes, edges });
                }
                if !*seen.get(target)? {
                    if let Some(flag) = seen.get_mut(target) {
                        *flag = true;
                    }
                    if let Some(slot) = previous.get_mut(target) {
                        *slot = Some((node, span));
                    }
                    queue.push_back(target);
                }
            }
        }
        None
    }

    /// The nodes in an order where every edge's target comes before its
    /// source (dependencies first), or `None` if there is a cycle.
    pub fn dependencies_first(&self) -> Option<Vec<usize>> {
        let order = toposort(&self.graph, None).ok()?;
        Some(order.iter().rev().map(|n| n.index()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn span(n: u32) -> Span {
        Span::new(FileId(0), n, n + 1)
    }

    #[test]
    fn finds_a_two_node_cycle_with_its_edges() {
        let mut graph = NameGraph::new(3);
        graph.add_edge(0, 1, span(10));
        graph.add_edge(1, 0, span(20));
        graph.add_edge(1, 2, span(30));
        let cycles = graph.cycles();
        assert_eq!(
            cycles,
            vec![Cycle {
                nodes: vec![0, 1],
                edges: vec![span(10), span(20)]
            }]
        );
    }

    #[test]
    fn labels_each_edge_of_a_three_node_cycle_with_its_source() {
        let mut graph = NameGraph::new(3);
        graph.add_edge(0, 1, span(10));
        graph.add_edge(1, 2, span(20));
        graph.add_edge(2, 0, span(30));
        assert_eq!(
            graph.cycles(),
            vec![Cycle {
                nodes: vec![0, 1, 2],
                edges: vec![span(10), span(20), span(30)]
            }]
        );
    }

    #[test]
    fn finds_self_loops_and_orders_acyclic_graphs() {
        let mut graph = NameGraph::new(2);
        graph.add_edge(1, 1, span(5));
        assert_eq!(graph.cycles().len(), 1);
        assert_eq!(graph.dependencies_first(), None);
        let mut graph = NameGraph::new(3);
        graph.add_edge(2, 1, span(1));
        graph.add_edge(1, 0, span(2));
        assert_eq!(graph.cycles(), vec![]);
        let order = graph.dependencies_first().unwrap();
        let position = |n| order.iter().position(|&x| x == n).unwrap();
        assert!(position(0) < position(1) && position(1) < position(2));
    }
}
