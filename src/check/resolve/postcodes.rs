//! Named sets of postcode units (`postcodes NAME = …`): their names, the
//! sets they name (and cycles of them), their district ranges, and set
//! names where units are listed (`catchment`, `area`). A service's
//! `postcode` is parsed with the runtime's postcode parser.
//!
//! Ranges are checked here only as far as the text allows (both ends
//! districts of one area, lowest first); which districts exist between
//! them is the geography's to say.
//!
//! Imports: `super`, `super::super::{model, graph}`, `crate::diagnostics`,
//! `crate::source`, `crate::syntax::ast`; `dxmap_runtime::postcode`.

use super::super::graph::NameGraph;
use super::super::model;
use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl Resolver {
    /// Declares the `postcodes` sets, checks their ranges and cycles, and
    /// expands the sets they name.
    pub(super) fn postcode_sets(&mut self, sets: &[&ast::PostcodeSet]) {
        let mut declared: Vec<&ast::PostcodeSet> = Vec::new();
        for set in sets {
            if let Err(diagnostic) = self.set_names.define(&set.name, declared.len()) {
                self.push(diagnostic);
                continue;
            }
            declared.push(set);
        }
        let mut graph = NameGraph::new(declared.len());
        for (idx, set) in declared.iter().enumerate() {
            for item in &set.items {
                match item {
                    ast::PostcodeRef::Set(name) => {
                        let found = self.set_names.resolve(name, || {
                            format!("declare it: `postcodes {} = …`", name.node)
                        });
                        if let Some(target) = self.ok(found) {
                            graph.add_edge(idx, target, name.span);
                        }
                    }
                    ast::PostcodeRef::Range(range) => {
                        if let Some(diagnostic) = check_range(range) {
                            self.push(diagnostic);
                        }
                    }
                    ast::PostcodeRef::Unit(_) => {}
                }
            }
        }
        let mut in_cycle = vec![false; declared.len()];
        for cycle in graph.cycles() {
            let name = |n: &usize| declared.get(*n).map_or("?", |s| s.name.node.as_str());
            let names: Vec<&str> = cycle.nodes.iter().map(name).collect();
            let chain = names
                .iter()
                .chain(names.first())
                .copied()
                .collect::<Vec<_>>()
                .join(" -> ");
            let Some(first) = cycle.nodes.first().and_then(|n| declared.get(*n)) else {
                continue;
            };
            let mut diagnostic = Diagnostic::new(
                Code::PostcodeSetCycle,
                first.name.span,
                format!("postcode sets contain each other in a cycle: {chain}"),
            )
            .with_help("break the cycle: one of these sets must not name the other");
            for (node, edge) in cycle.nodes.iter().zip(&cycle.edges) {
                if let Some(flag) = in_cycle.get_mut(*node) {
                    *flag = true;
                }
                diagnostic =
                    diagnostic.with_secondary(*edge, format!("`{}` names this set", name(node)));
            }
            self.push(diagnostic);
        }
        // Expand, dependencies first; a set in a cycle keeps its own units.
        let order = graph
            .dependencies_first()
            .unwrap_or_else(|| (0..declared.len()).collect());
        let mut expanded: Vec<Option<Vec<model::UnitOrRange>>> = vec![None; declared.len()];
        for idx in order {
            let Some(set) = declared.get(idx) else {
                continue;
            };
            let cyclic = in_cycle.get(idx).copied().unwrap_or(false);
            let mut items = Vec::new();
            for item in &set.items {
                match item {
                    ast::PostcodeRef::Unit(unit) => {
                        items.push(model::UnitOrRange::Unit(unit_of(unit)));
                    }
                    ast::PostcodeRef::Range(range) => items.push(model::UnitOrRange::Range {
                        start: unit_of(&range.start),
                        end: unit_of(&range.end),
                        span: range.span,
                    }),
                    ast::PostcodeRef::Set(name) if !cyclic => {
                        let nested = self
                            .set_names
                            .get(&name.node)
                            .and_then(|target| expanded.get(target))
                            .and_then(Option::as_ref);
                        items.extend(nested.into_iter().flatten().cloned());
                    }
                    ast::PostcodeRef::Set(_) => {}
                }
            }
            if let Some(slot) = expanded.get_mut(idx) {
                *slot = Some(items);
            }
        }
        for (set, items) in declared.iter().zip(expanded) {
            self.model.postcode_sets.push(model::PostcodeSet {
                name: set.name.node.clone(),
                items: items.unwrap_or_default(),
                span: set.span,
            });
        }
    }

    /// The units listed by a `catchment` or an `area`, sets expanded. A
    /// unit that comes from a set carries the span where the set is named,
    /// so that findings about it lie in the item that names the set.
    pub(super) fn units(&mut self, refs: &[ast::PostcodeRef]) -> Vec<model::PostcodeUnit> {
        let mut units = Vec::new();
        for item in refs {
            match item {
                ast::PostcodeRef::Unit(unit) => units.push(unit_of(unit)),
                ast::PostcodeRef::Range(range) => {
                    // The grammar allows ranges in sets only.
                    units.extend(expand_district_range_without_geography(
                        &unit_of(&range.start),
                        &unit_of(&range.end),
                        range.span,
                    ));
                }
                ast::PostcodeRef::Set(name) => {
                    let found = self.set_names.resolve(name, || {
                        format!(
                            "declare it: `postcodes {} = …`, or list postcode units",
                            name.node
                        )
                    });
                    let Some(idx) = self.ok(found) else {
                        continue;
                    };
                    let Some(set) = self.model.postcode_sets.get(idx) else {
                        continue;
                    };
                    for member in &set.items {
                        match member {
                            model::UnitOrRange::Unit(unit) => units.push(model::PostcodeUnit {
                                text: unit.text.clone(),
                                span: name.span,
                            }),
                            model::UnitOrRange::Range { start, end, .. } => units.extend(
                                expand_district_range_without_geography(start, end, name.span),
                            ),
                        }
                    }
                }
            }
        }
        units
    }

    /// A service's `postcode`, normalised; a malformed one is reported.
    pub(super) fn service_postcode(&mut self, text: &ast::Name) -> Option<String> {
        match dxmap_runtime::postcode::Postcode::parse(&text.node) {
            Some(postcode) => Some(postcode.text),
            None => {
                self.push(
                    Diagnostic::new(
                        Code::MalformedPostcode,
                        text.span,
                        format!("`{}` is not a full postcode", text.node),
                    )
                    .with_help("write the full postcode of the service's address, e.g. `TR1 3LJ`"),
                );
                None
            }
        }
    }
}

fn unit_of(unit: &ast::PostcodeUnit) -> model::PostcodeUnit {
    model::PostcodeUnit {
        text: unit.text.clone(),
        span: unit.span,
    }
}

/// A district split into its area, number and suffix: `EC1A` is
/// (`EC`, 1, `Some('A')`). `None` for areas and sectors.
fn district(text: &str) -> Option<(&str, u32, Option<char>)> {
    if text.contains(' ') {
        return None;
    }
    let digits_at = text.find(|c: char| c.is_ascii_digit())?;
    let (area, rest) = text.split_at(digits_at);
    let suffix_at = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(suffix_at);
    let mut suffix_chars = suffix.chars();
    let suffix = suffix_chars.next();
    if suffix_chars.next().is_some() {
        return None;
    }
    Some((area, number.parse().ok()?, suffix))
}

/// What is wrong with a district range, if anything.
fn check_range(range: &ast::PostcodeRange) -> Option<Diagnostic> {
    let bad = |message: String, help: &str| {
        Some(Diagnostic::new(Code::BadPostcodeRange, range.span, message).with_help(help))
    };
    let (start, end) = (&range.start.text, &range.end.text);
    let (Some(first), Some(last)) = (district(start), district(end)) else {
        return bad(
            format!("`{start}..{end}` is not a range of districts"),
            "a range runs between two districts of one area, e.g. `PL10..PL15`; list areas and sectors on their own",
        );
    };
    if first.0 != last.0 {
        return bad(
            format!(
                "`{start}..{end}` runs from area `{}` to area `{}`",
                first.0, last.0
            ),
            "a range stays in one area: list the districts of the other area separately",
        );
    }
    if (first.1, first.2) > (last.1, last.2) {
        return bad(
            format!("`{start}..{end}` runs backwards"),
            "write the lower district first",
        );
    }
    None
}

/// The districts of a range, until the geography can say which exist: every
/// number from the first to the last, without suffix, and the ends as
/// written. A district that does not exist covers no case, so this is safe
/// for catchments and areas.
// TODO(geography): expand to the districts of the area that exist between
// the two ends, ordered by (number, suffix), and report an end that does
// not exist.
pub(super) fn expand_district_range_without_geography(
    start: &model::PostcodeUnit,
    end: &model::PostcodeUnit,
    span: Span,
) -> Vec<model::PostcodeUnit> {
    let (Some((area, first, _)), Some((_, last, _))) = (district(&start.text), district(&end.text))
    else {
        return Vec::new();
    };
    let mut units = vec![model::PostcodeUnit {
        text: start.text.clone(),
        span,
    }];
    for number in first..=last.min(first.saturating_add(1000)) {
        let text = format!("{area}{number}");
        if text != start.text && text != end.text {
            units.push(model::PostcodeUnit { text, span });
        }
    }
    if end.text != start.text {
        units.push(model::PostcodeUnit {
            text: end.text.clone(),
            span,
        });
    }
    units
}
