//! What the server answers about a document, from its tree's analysis:
//! hover, go to definition, find references, the outline (document
//! symbols), formatting and quick fixes. Completion is in `complete`.
//!
//! Everything is read from the syntax trees (so it works while the tree
//! has errors) and, for dispositions, from the release catalogue in force.
//!
//! Imports: `super::{index, protocol, text, workspace}`,
//! `crate::{syntax, diagnostics, source}`.

use super::index::{At, Def, Index, Kind, Symbol};
use super::protocol::{Fix, Location, Outline};
use super::text::{LineIndex, Range};
use super::workspace::Analysis;
use crate::diagnostics::Code;
use crate::source::{FileId, Span};
use crate::syntax::{self, ast};

/// The span of a byte offset in a file (empty), for [`Index::at`].
fn point(file: FileId, offset: usize) -> Span {
    let at = u32::try_from(offset).unwrap_or(u32::MAX);
    Span::new(file, at, at)
}

/// The text of a span with runs of blanks (and line breaks) made one space.
fn written(analysis: &Analysis, span: Span) -> String {
    let text = analysis
        .sources
        .get(span.file)
        .map_or("", |f| f.slice(span));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A number of minutes as people say it: `30 minutes`, `12 hours`, `5 days`.
pub fn minutes(total: u64) -> String {
    let (value, unit) = if total > 0 && total % 1440 == 0 {
        (total / 1440, "day")
    } else if total > 0 && total % 60 == 0 {
        (total / 60, "hour")
    } else {
        (total, "minute")
    };
    let plural = if value == 1 { "" } else { "s" };
    format!("{value} {unit}{plural}")
}

/// The word (identifier or code) around byte `offset` of `text`.
fn word_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(idx, _)| idx);
    let after = text.get(offset..)?;
    let end = offset + after.find(|c: char| !is_word(c)).unwrap_or(after.len());
    text.get(start..end)
        .filter(|word| !word.is_empty())
        .map(|word| (start, word))
}

/// Hover: what the name or code under the cursor is.
pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<(String, Span)> {
    let index = Index::new(&analysis.files);
    match index.at(point(file, offset)) {
        Some(At::Code(code)) => Some((code_hover(analysis, &code.node)?, code.span)),
        Some(At::Name(occurrence)) => {
            let text = match index.definitions(&occurrence.symbol).find_map(|o| o.def) {
                Some(def) => def_hover(analysis, def),
                None => format!(
                    "unknown {} `{}`",
                    occurrence.symbol.kind.as_str(),
                    occurrence.symbol.name
                ),
            };
            Some((text, occurrence.span))
        }
        None => {
            // A code in a line that does not parse yet.
            let (start, word) = word_at(analysis.text(file), offset)?;
            let code = word.strip_prefix("Dx")?;
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let start = u32::try_from(start).ok()?;
            let end = start + u32::try_from(word.len()).ok()?;
            Some((code_hover(analysis, word)?, Span::new(file, start, end)))
        }
    }
}

/// A disposition: title, section, timeframe, `same_as`, status.
fn code_hover(analysis: &Analysis, code: &str) -> Option<String> {
    let catalogue = analysis.catalogue()?;
    let Some(id) = catalogue.lookup(code) else {
        return Some(format!("`{code}`: not in release `{}`", catalogue.release));
    };
    let disposition = catalogue.get(id)?;
    let mut lines = vec![
        format!("**{}** {}", disposition.code, disposition.title),
        format!(
            "section {} · `{}` in release `{}`",
            disposition.section,
            disposition.status.as_str(),
            catalogue.release
        ),
    ];
    lines.push(match disposition.timeframe_minutes {
        Some(total) => format!("timeframe: {}", minutes(u64::from(total))),
        None => "timeframe: none given".to_owned(),
    });
    if let Some(same) = disposition.same_as {
        lines.push(format!("same as `{}`", catalogue.code(same)));
    }
    Some(lines.join("\n\n"))
}

/// What a definition says, briefly.
fn def_hover(analysis: &Analysis, def: Def<'_>) -> String {
    let label = |label: &Option<ast::Name>| {
        label
            .as_ref()
            .map_or_else(String::new, |l| format!(" \"{}\"", l.node))
    };
    let layer =
        |layer: Option<&str>| layer.map_or_else(String::new, |l| format!(" (overlay `{l}`)"));
    match def {
        Def::Skill(skill) => format!("**skill** `{}`{}", skill.name.node, label(&skill.label)),
        Def::Calendar(calendar) => format!(
            "**calendar** `{}`: {} bank holidays",
            calendar.name.node,
            calendar.holidays.len()
        ),
        Def::ServiceType(service_type) => service_type_hover(service_type, &label),
        Def::Group(group) => {
            let members: Vec<String> = group
                .members
                .iter()
                .map(|member| written(analysis, member.span()))
                .collect();
            let mut text = format!("**group** `{}` = {}", group.name.node, members.join(", "));
            let resolved = analysis.model.as_ref().and_then(|model| {
                let group = model.groups.iter().find(|g| g.name == group.name.node)?;
                let codes: Vec<&str> = group
                    .dispositions
                    .iter()
                    .map(|id| model.catalogue.code(*id))
                    .collect();
                Some(codes.join(", "))
            });
            // The codes it stands for, where members name other groups.
            if let Some(codes) = resolved.filter(|codes| *codes != members.join(", ")) {
                text.push_str(&format!("\n\ncodes: {codes}"));
            }
            text
        }
        Def::Rule(rule, in_layer) => {
            let mut text = format!("**rule** \"{}\"{}", rule.name.node, layer(in_layer));
            for clause in &rule.clauses {
                text.push_str(&format!("\n\n`{}`", written(analysis, clause.span())));
            }
            text
        }
        Def::Hierarchy(hierarchy, in_layer) => {
            let codes: Vec<&str> = hierarchy.codes.iter().map(|c| c.node.as_str()).collect();
            format!(
                "**hierarchy** `{}`{}\n\n{}",
                hierarchy.name.node,
                layer(in_layer),
                codes.join(" > ")
            )
        }
        Def::PostcodeSet(set) => {
            let items: Vec<String> = set
                .items
                .iter()
                .map(|item| written(analysis, item.span()))
                .collect();
            format!("**postcodes** `{}` = {}", set.name.node, items.join(", "))
        }
        Def::Service(service, in_layer) => service_hover(analysis, service, layer(in_layer)),
        Def::Layer(overlay) => {
            let mut text = format!(
                "**overlay** `{}` extends `{}`",
                overlay.name.node,
                overlay
                    .extends
                    .as_ref()
                    .map_or("national", |parent| parent.node.as_str())
            );
            for item in &overlay.items {
                if let ast::OverlayItem::Area(area) = item {
                    text.push_str(&format!("\n\n`{}`", written(analysis, area.span)));
                }
            }
            text
        }
    }
}

fn service_type_hover(
    service_type: &ast::ServiceType,
    label: &dyn Fn(&Option<ast::Name>) -> String,
) -> String {
    let mut lines = vec![format!(
        "**service type** `{}`{}",
        service_type.name.node,
        label(&service_type.label)
    )];
    let mut channels = "channels: 111, 999, ooh (all)".to_owned();
    for clause in &service_type.clauses {
        match clause {
            ast::ServiceTypeClause::RespondsWithin(duration) => {
                let d = duration.node;
                let factor = match d.unit {
                    ast::DurationUnit::Minutes => 1,
                    ast::DurationUnit::Hours => 60,
                    ast::DurationUnit::Days => 1440,
                };
                lines.push(format!(
                    "responds within {} (`{}{}`)",
                    minutes(d.value.saturating_mul(factor)),
                    d.value,
                    d.unit.suffix()
                ));
            }
            ast::ServiceTypeClause::Channels(list) => {
                let names: Vec<&str> = list.node.iter().map(|c| c.node.as_str()).collect();
                channels = format!("channels: {}", names.join(", "));
            }
            ast::ServiceTypeClause::Requires(skill) => {
                lines.push(format!("requires `{}`", skill.node.node));
            }
            ast::ServiceTypeClause::Returns(count) => {
                lines.push(format!("returns at most {} per answer", count.node));
            }
        }
    }
    lines.insert(2.min(lines.len()), channels);
    lines.join("\n\n")
}

fn service_hover(analysis: &Analysis, service: &ast::Service, layer: String) -> String {
    let mut lines = vec![format!(
        "**service** \"{}\" id \"{}\"{layer}",
        service.name.node, service.id.node
    )];
    for clause in &service.clauses {
        match clause {
            ast::ServiceClause::Hours(hours) => {
                let summary: Vec<String> = hours
                    .lines
                    .iter()
                    .map(|line| written(analysis, line.span()))
                    .collect();
                lines.push(format!("hours: {}", summary.join("; ")));
            }
            ast::ServiceClause::Type(_)
            | ast::ServiceClause::Catchment(_)
            | ast::ServiceClause::Valid(_)
            | ast::ServiceClause::Ages(_)
            | ast::ServiceClause::Sexes(_) => {
                lines.push(format!("`{}`", written(analysis, clause.span())));
            }
            _ => {}
        }
    }
    lines.join("\n\n")
}

/// The symbol under the cursor.
fn symbol_at(index: &Index<'_>, file: FileId, offset: usize) -> Option<Symbol> {
    match index.at(point(file, offset))? {
        At::Name(occurrence) => Some(occurrence.symbol.clone()),
        At::Code(_) => None,
    }
}

/// Go to definition: where the name under the cursor is defined; for a
/// disposition code, its entry in a catalogue file.
pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Vec<Location> {
    let index = Index::new(&analysis.files);
    if let Some(At::Code(code)) = index.at(point(file, offset)) {
        let entry = analysis.catalogue().and_then(|catalogue| {
            let disposition = catalogue.get(catalogue.lookup(&code.node)?)?;
            analysis.location(disposition.span)
        });
        return entry.into_iter().collect();
    }
    let Some(symbol) = symbol_at(&index, file, offset) else {
        return Vec::new();
    };
    // A service is defined by its name and its id: go to the name.
    index
        .definitions(&symbol)
        .filter(|o| symbol.kind != Kind::Service || o.span == def_name(o.def))
        .filter_map(|o| analysis.location(o.span))
        .collect()
}

/// The span of a definition's name (a service's display name).
fn def_name(def: Option<Def<'_>>) -> Span {
    match def {
        Some(Def::Service(service, _)) => service.name.span,
        _ => Span::default(),
    }
}

/// Find references: every place the name under the cursor is written.
pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    declarations: bool,
) -> Vec<Location> {
    let index = Index::new(&analysis.files);
    if let Some(At::Code(code)) = index.at(point(file, offset)) {
        return index
            .codes
            .iter()
            .filter(|c| c.node == code.node)
            .filter_map(|c| analysis.location(c.span))
            .collect();
    }
    let Some(symbol) = symbol_at(&index, file, offset) else {
        return Vec::new();
    };
    index
        .references(&symbol)
        .filter(|o| declarations || o.def.is_none())
        .filter_map(|o| analysis.location(o.span))
        .collect()
}

/// The document's outline: its items, an overlay's inside it.
pub fn outline(analysis: &Analysis, file: FileId) -> Vec<Outline> {
    let Some(tree) = analysis.ast(file) else {
        return Vec::new();
    };
    let entry = |kind: Kind, name: &ast::Name, span: Span, detail: Option<String>| Outline {
        name: name.node.clone(),
        kind,
        detail,
        range: analysis.range(span),
        selection: analysis.range(name.span),
        children: Vec::new(),
    };
    let label = |label: &Option<ast::Name>| label.as_ref().map(|l| l.node.clone());
    let service = |service: &ast::Service| {
        entry(
            Kind::Service,
            &service.name,
            service.span,
            Some(service.id.node.clone()),
        )
    };
    let mut out = Vec::new();
    for item in &tree.items {
        let found = match item {
            ast::Item::Skill(skill) => {
                entry(Kind::Skill, &skill.name, skill.span, label(&skill.label))
            }
            ast::Item::Calendar(calendar) => {
                entry(Kind::Calendar, &calendar.name, calendar.span, None)
            }
            ast::Item::ServiceType(t) => entry(Kind::ServiceType, &t.name, t.span, label(&t.label)),
            ast::Item::Group(group) => entry(Kind::Group, &group.name, group.span, None),
            ast::Item::Rule(rule) => entry(Kind::Rule, &rule.name, rule.span, None),
            ast::Item::Hierarchy(h) => entry(Kind::Hierarchy, &h.name, h.span, None),
            ast::Item::Postcodes(set) => entry(Kind::PostcodeSet, &set.name, set.span, None),
            ast::Item::Service(s) => service(s),
            ast::Item::Overlay(overlay) => {
                let mut parent = entry(Kind::Layer, &overlay.name, overlay.span, None);
                for inner in &overlay.items {
                    let child = match inner {
                        ast::OverlayItem::Override(rule) => {
                            entry(Kind::Rule, &rule.name, rule.span, Some("override".into()))
                        }
                        ast::OverlayItem::Add(rule) => {
                            entry(Kind::Rule, &rule.name, rule.span, Some("add".into()))
                        }
                        ast::OverlayItem::Remove(remove) => {
                            entry(Kind::Rule, &remove.rule, remove.span, Some("remove".into()))
                        }
                        ast::OverlayItem::OverrideHierarchy(entry_h) => entry(
                            Kind::Hierarchy,
                            &entry_h.hierarchy.name,
                            entry_h.span,
                            Some("override".into()),
                        ),
                        ast::OverlayItem::Service(s) => service(s),
                        _ => continue,
                    };
                    parent.children.push(child);
                }
                parent
            }
            ast::Item::Release(_)
            | ast::Item::Has(_)
            | ast::Item::NoSearch(_)
            | ast::Item::CatchAll(_) => continue,
        };
        out.push(found);
    }
    out
}

/// Formatting: the whole document in canonical form, as one edit (none
/// when it already is); refused when the file has syntax errors.
pub fn format(analysis: &Analysis, file: FileId) -> Result<Vec<(Range, String)>, String> {
    let text = analysis.text(file);
    let (formatted, problems) = syntax::reformat(file, text);
    let Some(formatted) = formatted else {
        let first = problems.first().map_or_else(String::new, |problem| {
            let (line, _) = analysis
                .sources
                .get(file)
                .map_or((0, 0), |f| f.line_col(problem.primary.span.start));
            format!(" (line {line}: {})", problem.message)
        });
        return Err(format!(
            "dxmap: not formatting a file with syntax errors{first}"
        ));
    };
    if formatted == text {
        return Ok(Vec::new());
    }
    let index = LineIndex::new(text);
    let whole = Range {
        start: super::text::Position::default(),
        end: index.end(),
    };
    Ok(vec![(whole, formatted)])
}

/// Quick fixes for the diagnostics of `file` that meet the byte range
/// `start..=end`: each "did you mean `X`?" suggestion, and a `because` for
/// a difference that has none.
pub fn fixes(analysis: &Analysis, file: FileId, start: usize, end: usize) -> Vec<Fix> {
    let Some(uri) = analysis.uri(file) else {
        return Vec::new();
    };
    let text = analysis.text(file);
    let mut out = Vec::new();
    for diagnostic in &analysis.diagnostics {
        let span = diagnostic.primary.span;
        let meets = |at: u32| usize::try_from(at).is_ok_and(|at| at <= end);
        let after = |at: u32| usize::try_from(at).is_ok_and(|at| at >= start);
        if span.file != file || !meets(span.start) || !after(span.end) {
            continue;
        }
        let diag = analysis.diag(diagnostic);
        for suggestion in suggestions(diagnostic.help.as_deref().unwrap_or("")) {
            let current = analysis.sources.get(file).map_or("", |f| f.slice(span));
            if current.is_empty() || current.contains(char::is_whitespace) {
                continue;
            }
            let quoted = current.starts_with('"') && !suggestion.starts_with('"');
            let new_text = if quoted {
                format!("\"{suggestion}\"")
            } else {
                suggestion.to_owned()
            };
            out.push(Fix {
                title: format!("Change to `{suggestion}`"),
                uri: uri.clone(),
                edits: vec![(analysis.range(span), new_text)],
                fixes: diag.clone(),
            });
        }
        if diagnostic.code == Code::MissingReason {
            if let Some((at, insert)) = because_edit(analysis, file, text, span) {
                let at = u32::try_from(at).unwrap_or(u32::MAX);
                out.push(Fix {
                    title: "Add `because \"…\"`".into(),
                    uri: uri.clone(),
                    edits: vec![(analysis.range(Span::new(file, at, at)), insert)],
                    fixes: diag,
                });
            }
        }
    }
    out
}

/// The names a "did you mean `A`, `B` or `C`?" help suggests.
fn suggestions(help: &str) -> Vec<&str> {
    let Some(after) = help.split("did you mean").nth(1) else {
        return Vec::new();
    };
    let question = after.split('?').next().unwrap_or("");
    question
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| !name.is_empty())
        .collect()
}

/// What to reason with, and where, for the item with a missing `because`.
fn because_edit(
    analysis: &Analysis,
    file: FileId,
    text: &str,
    span: Span,
) -> Option<(usize, String)> {
    const BECAUSE: &str = "because \"TODO: say why\"";
    let tree = analysis.ast(file)?;
    let to = |at: u32| usize::try_from(at).ok();
    for item in &tree.items {
        match item {
            ast::Item::NoSearch(no_search) if no_search.span.contains(span) => {
                return Some((to(no_search.span.end)?, format!(" {BECAUSE}")));
            }
            ast::Item::Overlay(overlay) => {
                for inner in &overlay.items {
                    if !inner.span().contains(span) {
                        continue;
                    }
                    let ast::OverlayItem::Override(rule) = inner else {
                        return Some((to(inner.span().end)?, format!(" {BECAUSE}")));
                    };
                    // Inside the rule's braces, on a line of its own after
                    // the last clause, indented one step more than the rule.
                    let before = text.get(..to(rule.span.start)?)?;
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    let indent: String = text
                        .get(line_start..)?
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .collect();
                    let last = rule
                        .clauses
                        .last()
                        .map_or(rule.name.span.end, |c| c.span().end);
                    return Some((to(last)?, format!("\n{indent}  {BECAUSE}")));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_from_help() {
        assert_eq!(suggestions("did you mean `gp_ooh`?"), vec!["gp_ooh"]);
        assert_eq!(
            suggestions(
                "did you mean `Dx05`, `Dx005` or `Dx0005`? codes are exact: leading zeros count"
            ),
            vec!["Dx05", "Dx005", "Dx0005"]
        );
        assert!(suggestions("add `because \"…\"`").is_empty());
    }

    #[test]
    fn minutes_read_as_people_say_them() {
        assert_eq!(minutes(0), "0 minutes");
        assert_eq!(minutes(720), "12 hours");
        assert_eq!(minutes(2880), "2 days");
        assert_eq!(minutes(90), "90 minutes");
    }
}
