//! Dispositions and groups: codes against the catalogue, group members,
//! group cycles and expansion, and lists of codes and groups.
//!
//! Imports: `super`, `super::super::{model, graph}`, `crate::catalogue`,
//! `crate::diagnostics`, `crate::source`, `crate::syntax::ast`.

use std::collections::{BTreeMap, BTreeSet};

use super::super::graph::NameGraph;
use super::super::model;
use super::{Decls, Resolver};
use crate::catalogue::DispositionId;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

impl Resolver {
    // ------------------------------------------------------------ groups

    pub(super) fn groups(&mut self, decls: &Decls<'_>) {
        // Declare first, so that members may name groups declared later.
        let mut declared: Vec<&ast::Group> = Vec::new();
        for group in &decls.groups {
            let id = model::GroupId::from_index(declared.len());
            if let Err(diagnostic) = self.group_names.define(&group.name, id) {
                self.push(diagnostic);
                continue;
            }
            declared.push(group);
        }
        // Direct members, and the group graph.
        let mut direct: Vec<BTreeSet<DispositionId>> = Vec::with_capacity(declared.len());
        let mut graph = NameGraph::new(declared.len());
        let mut nested: Vec<Vec<usize>> = Vec::with_capacity(declared.len());
        for (idx, group) in declared.iter().enumerate() {
            let mut codes = BTreeSet::new();
            let mut children = Vec::new();
            self.check_repeats(&group.members);
            for member in &group.members {
                match member {
                    ast::DxRef::Code(code) => {
                        if let Some(id) = self.disposition(code) {
                            codes.insert(id);
                        }
                    }
                    ast::DxRef::Group(name) => {
                        if let Some(child) = self.group(name) {
                            graph.add_edge(idx, child.index(), name.span);
                            children.push(child.index());
                        }
                    }
                }
            }
            direct.push(codes);
            nested.push(children);
        }
        let cycles = graph.cycles();
        let mut in_cycle = vec![false; declared.len()];
        for cycle in &cycles {
            for node in &cycle.nodes {
                if let Some(flag) = in_cycle.get_mut(*node) {
                    *flag = true;
                }
            }
            let named = |n: usize| declared.get(n).map(|g| (g.name.node.as_str(), g.name.span));
            if let Some(diagnostic) = cycle.diagnostic(
                Code::GroupCycle,
                named,
                "groups contain each other in a cycle",
                "break the cycle: one of these groups must not contain the other",
                |from| format!("`{from}` contains this group"),
            ) {
                self.push(diagnostic);
            }
        }
        // Expand, dependencies first; members of cycles keep their direct codes.
        let order = graph
            .dependencies_first()
            .unwrap_or_else(|| (0..declared.len()).collect());
        let mut expanded: Vec<BTreeSet<DispositionId>> = direct.clone();
        for idx in order {
            if in_cycle.get(idx).copied().unwrap_or(false) {
                continue;
            }
            let mut codes = direct.get(idx).cloned().unwrap_or_default();
            for child in nested.get(idx).into_iter().flatten() {
                if let Some(child_codes) = expanded.get(*child) {
                    codes.extend(child_codes.iter().copied());
                }
            }
            if let Some(slot) = expanded.get_mut(idx) {
                *slot = codes;
            }
        }
        for (group, dispositions) in declared.iter().zip(expanded) {
            self.model.groups.push(model::Group {
                name: group.name.node.clone(),
                dispositions,
                span: group.span,
            });
        }
    }

    /// The group called `name`, or an "unknown group" diagnostic; a group
    /// spelt like a code (`dx05`) gets help on how codes are written.
    fn group(&mut self, name: &ast::Name) -> Option<model::GroupId> {
        let found = self
            .group_names
            .resolve(name, || format!("declare it: `group {} = Dx…`", name.node));
        let as_code = name
            .node
            .strip_prefix("dx")
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .map(|digits| format!("Dx{digits}"));
        let found = match (found, as_code) {
            (Err(diagnostic), Some(code)) => Err(Box::new(
                (*diagnostic).with_help(format!("disposition codes are written `{code}`")),
            )),
            (found, _) => found,
        };
        self.ok(found)
    }

    /// Reports a code or group named twice in one list.
    fn check_repeats(&mut self, refs: &[ast::DxRef]) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for member in refs {
            let (ast::DxRef::Code(name) | ast::DxRef::Group(name)) = member;
            if let Some(first) = seen.get(name.node.as_str()) {
                let diagnostic = Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("`{}` is listed twice", name.node),
                )
                .with_secondary(*first, "first listed here")
                .with_help("remove the repeat");
                self.push(diagnostic);
            } else {
                seen.insert(&name.node, name.span);
            }
        }
    }

    pub(super) fn disposition(&mut self, code: &ast::Name) -> Option<DispositionId> {
        if let Some(id) = self.model.catalogue.lookup(&code.node) {
            return Some(id);
        }
        let release = self.model.catalogue.release.clone();
        let suggestions = self.model.catalogue.suggestions(&code.node);
        let help = if suggestions.is_empty() {
            format!("`{release}` has no such code; check the code or the `release` line")
        } else {
            let quoted: Vec<String> = suggestions.iter().map(|c| format!("`{c}`")).collect();
            let list = match quoted.as_slice() {
                [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                _ => quoted.concat(),
            };
            format!("did you mean {list}? codes are exact: leading zeros count")
        };
        self.push(
            Diagnostic::new(
                Code::UnknownDisposition,
                code.span,
                format!("unknown disposition `{}` in release `{release}`", code.node),
            )
            .with_help(help),
        );
        None
    }

    pub(super) fn dx_refs(&mut self, refs: &[ast::DxRef]) -> BTreeSet<DispositionId> {
        self.check_repeats(refs);
        let mut out = BTreeSet::new();
        for dx_ref in refs {
            match dx_ref {
                ast::DxRef::Code(code) => {
                    if let Some(id) = self.disposition(code) {
                        out.insert(id);
                    }
                }
                ast::DxRef::Group(name) => {
                    if let Some(group) = self
                        .group(name)
                        .and_then(|id| self.model.groups.get(id.index()))
                    {
                        out.extend(group.dispositions.iter().copied());
                    }
                }
            }
        }
        out
    }
}
