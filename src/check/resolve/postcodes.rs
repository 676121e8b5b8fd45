//! Named sets of postcode units (`postcodes NAME = …`): their names, the
//! sets they name (and cycles of them), their district ranges, and set
//! names where units are listed (`catchment`, `area`). A service's
//! `postcode` is parsed with the runtime's postcode parser.
//!
//! Every unit listed, each end of a range and the district of a service's
//! `postcode` must exist in the bundled geography (`crate::geo`); an
//! unknown one is reported once, where it is written, with a did-you-mean,
//! and left out of the model (it would match nobody). A range spans the
//! districts of its area that exist between its ends, in (number, suffix)
//! order.
//!
//! Imports: `super`, `super::super::{model, graph}`, `crate::diagnostics`,
//! `crate::geo`, `crate::source`, `crate::syntax::ast`;
//! `dxmap_runtime::postcode`.

use super::super::graph::NameGraph;
use super::super::model;
use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::geo::Geography;
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
                        self.known_unit(&range.start);
                        self.known_unit(&range.end);
                    }
                    ast::PostcodeRef::Unit(unit) => {
                        self.known_unit(unit);
                    }
                }
            }
        }
        let mut in_cycle = vec![false; declared.len()];
        for cycle in graph.cycles() {
            for node in &cycle.nodes {
                if let Some(flag) = in_cycle.get_mut(*node) {
                    *flag = true;
                }
            }
            let named = |n: usize| declared.get(n).map(|s| (s.name.node.as_str(), s.name.span));
            if let Some(diagnostic) = cycle.diagnostic(
                Code::PostcodeSetCycle,
                named,
                "postcode sets contain each other in a cycle",
                "break the cycle: one of these sets must not name the other",
                |from| format!("`{from}` names this set"),
            ) {
                self.push(diagnostic);
            }
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
                        if Geography::bundled().contains(&unit.text) {
                            items.push(model::UnitOrRange::Unit(unit_of(unit)));
                        }
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
                ast::PostcodeRef::Unit(unit) => {
                    if self.known_unit(unit) {
                        units.push(unit_of(unit));
                    }
                }
                ast::PostcodeRef::Range(range) => {
                    // The grammar allows ranges in sets only.
                    units.extend(district_range(
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
                            model::UnitOrRange::Range { start, end, .. } => {
                                units.extend(district_range(start, end, name.span));
                            }
                        }
                    }
                }
            }
        }
        units
    }

    /// Whether a unit exists; an unknown one is reported.
    fn known_unit(&mut self, unit: &ast::PostcodeUnit) -> bool {
        let geography = Geography::bundled();
        if geography.contains(&unit.text) {
            return true;
        }
        self.push(unknown_unit(
            geography,
            &unit.text,
            unit.span,
            "postcode unit",
        ));
        false
    }

    /// A service's `postcode`, normalised; a malformed one, or one whose
    /// district does not exist, is reported.
    pub(super) fn service_postcode(&mut self, text: &ast::Name) -> Option<String> {
        match dxmap_runtime::postcode::Postcode::parse(&text.node) {
            Some(postcode) => {
                let geography = Geography::bundled();
                let district = postcode.text.split(' ').next().unwrap_or_default();
                if geography.contains(district) {
                    Some(postcode.text)
                } else {
                    self.push(unknown_unit(
                        geography,
                        district,
                        text.span,
                        "postcode district",
                    ));
                    None
                }
            }
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

/// DX0217 for a unit the geography does not know, with its did-you-mean.
fn unknown_unit(geography: &Geography, text: &str, span: Span, what: &str) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::UnknownPostcodeUnit,
        span,
        format!("unknown {what} `{text}`: no postcode of Great Britain is in it"),
    );
    match geography.did_you_mean(text) {
        Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
        None => diagnostic
            .with_help("check the unit against the postcodes it should cover, or remove it"),
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

/// The districts of a range: those of its area that exist between its two
/// ends (inclusive), in (number, suffix) order. An end that does not exist
/// is reported where the range is written; the range still spans what lies
/// between.
pub(super) fn district_range(
    start: &model::PostcodeUnit,
    end: &model::PostcodeUnit,
    span: Span,
) -> Vec<model::PostcodeUnit> {
    let (Some((area, first_number, first_suffix)), Some((_, last_number, last_suffix))) =
        (district(&start.text), district(&end.text))
    else {
        return Vec::new();
    };
    let (first, last) = ((first_number, first_suffix), (last_number, last_suffix));
    Geography::bundled()
        .districts_of(area)
        .into_iter()
        .filter(|name| {
            district(name)
                .is_some_and(|(_, number, suffix)| (first..=last).contains(&(number, suffix)))
        })
        .map(|name| model::PostcodeUnit {
            text: name.to_owned(),
            span,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(text: &str) -> model::PostcodeUnit {
        model::PostcodeUnit {
            text: text.to_owned(),
            span: Span::default(),
        }
    }

    #[test]
    fn ranges_span_the_districts_that_exist() {
        let names = |a: &str, b: &str| -> Vec<String> {
            district_range(&unit(a), &unit(b), Span::default())
                .into_iter()
                .map(|u| u.text)
                .collect()
        };
        assert_eq!(
            names("PL10", "PL15"),
            ["PL10", "PL11", "PL12", "PL13", "PL14", "PL15"]
        );
        let ec = names("EC1A", "EC1V");
        assert_eq!(ec.first().map(String::as_str), Some("EC1A"));
        assert_eq!(ec.last().map(String::as_str), Some("EC1V"));
        assert!(!ec.iter().any(|d| d == "EC2A"));
        assert!(names("TR1", "TR99").iter().all(|d| d != "TR99"));
    }
}
