//! Syntax tree back to canonical text (`dxmap fmt`).
//!
//! Formatting runs in two steps. First the tree is turned into a small
//! layout tree of `Doc`s: each statement becomes one line of text, and each
//! braced construct becomes a block with a header and children. Then a
//! printer walks that tree, weaving the comments back in, which the parser
//! drops and which are therefore read from the source text again.
//!
//! The layout rules are these:
//! - two spaces of indentation per block; one statement per line;
//! - a block stays on one line (`hours { all_hours }`) when its source was
//!   on one line, it has at most one child, that child fits on one line too,
//!   and there is no comment inside it; otherwise it has one child per line;
//!   an empty block on one line prints as `name { }`;
//! - literals print in their written form (`16` and `16y` stay apart);
//! - a comment that was alone on its line stays alone on its line, indented
//!   like the statement that follows it; a comment that followed code is
//!   appended to the last printed line after two spaces (or put on a line
//!   of its own if that line already ends with a comment); a comment inside
//!   a multi-line statement ends up after that statement;
//! - one blank line is kept where the source had one or more between two
//!   statements or comments, but never at the start of the file or of a
//!   block; the output ends with exactly one newline.
//!
//! Formatting is idempotent and keeps the meaning: parsing the output gives
//! the same tree as parsing the input, spans aside.
//!
//! Imports: `super::ast`, `crate::source`.

use super::ast;
use crate::source::Span;

/// Formats a parsed file; `text` is the source it was parsed from (comments
/// and blank lines are read from it).
pub fn format(text: &str, file: &ast::File) -> String {
    let docs: Vec<Doc> = file.items.iter().map(item_doc).collect();
    let mut printer = Printer::new(text);
    for doc in &docs {
        printer.doc(doc);
    }
    printer.flush_comments(usize::MAX);
    printer.finish()
}

// ------------------------------------------------------------------ layout

/// The layout of one statement.
#[derive(Debug)]
enum Doc {
    /// A statement printed on one line.
    Line(Line),
    /// A braced construct.
    Block(Block),
}

/// A statement printed on one line.
#[derive(Debug)]
struct Line {
    /// Where the statement starts in the source.
    start: usize,
    /// Its canonical text.
    text: String,
}

/// A braced construct: `header {`, the children, `}`.
#[derive(Debug)]
struct Block {
    /// Where the construct starts in the source.
    start: usize,
    /// Where it ends in the source (just after its `}`).
    end: usize,
    /// Everything before the `{`.
    header: String,
    /// The statements inside the braces.
    children: Vec<Doc>,
}

impl Doc {
    /// Where the statement starts in the source.
    fn start(&self) -> usize {
        match self {
            Doc::Line(line) => line.start,
            Doc::Block(block) => block.start,
        }
    }
}

/// A byte offset as a `usize`.
fn offset(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A one-line statement.
fn line(span: Span, text: String) -> Doc {
    Doc::Line(Line {
        start: offset(span.start),
        text,
    })
}

/// A block.
fn block(span: Span, header: String, children: Vec<Doc>) -> Doc {
    Doc::Block(Block {
        start: offset(span.start),
        end: offset(span.end),
        header,
        children,
    })
}

/// The layout of a top-level item.
fn item_doc(item: &ast::Item) -> Doc {
    match item {
        ast::Item::Release(release) => line(
            release.span,
            format!("release {}", string(&release.name.node)),
        ),
        ast::Item::Skill(skill) => {
            let mut text = format!("skill {}", skill.name.node);
            push_label(&mut text, skill.label.as_ref());
            line(skill.span, text)
        }
        ast::Item::Has(list) => skill_list_doc("has", list),
        ast::Item::Calendar(calendar) => block(
            calendar.span,
            format!("calendar {}", calendar.name.node),
            calendar.holidays.iter().map(holiday_doc).collect(),
        ),
        ast::Item::ServiceType(service_type) => {
            let mut header = format!("service_type {}", service_type.name.node);
            push_label(&mut header, service_type.label.as_ref());
            block(
                service_type.span,
                header,
                service_type
                    .clauses
                    .iter()
                    .map(service_type_clause_doc)
                    .collect(),
            )
        }
        ast::Item::Group(group) => line(
            group.span,
            format!(
                "group {} = {}",
                group.name.node,
                join(group.members.iter().map(dx_ref), ", ")
            ),
        ),
        ast::Item::Rule(rule) => rule_doc("rule", rule),
        ast::Item::NoSearch(no_search) => no_search_doc(no_search),
        ast::Item::CatchAll(catch_all) => catch_all_doc(catch_all),
        ast::Item::Hierarchy(hierarchy) => {
            let mut children = Vec::new();
            if let (Some(first), Some(last)) = (hierarchy.codes.first(), hierarchy.codes.last()) {
                children.push(line(
                    first.span.cover(last.span),
                    join(hierarchy.codes.iter().map(|code| code.node.clone()), " > "),
                ));
            }
            block(
                hierarchy.span,
                format!("hierarchy {}", hierarchy.name.node),
                children,
            )
        }
        ast::Item::Service(service) => service_doc(service),
        ast::Item::Overlay(overlay) => {
            let mut header = format!("overlay {}", overlay.name.node);
            if let Some(parent) = &overlay.extends {
                header.push_str(" extends ");
                header.push_str(&parent.node);
            }
            block(
                overlay.span,
                header,
                overlay.items.iter().map(overlay_item_doc).collect(),
            )
        }
    }
}

/// The layout of an item inside an overlay.
fn overlay_item_doc(item: &ast::OverlayItem) -> Doc {
    match item {
        ast::OverlayItem::Area(area) => line(
            area.span,
            format!("area {}", join(area.node.iter().map(postcode), ", ")),
        ),
        ast::OverlayItem::Lacks(list) => skill_list_doc("lacks", list),
        ast::OverlayItem::Has(list) => skill_list_doc("has", list),
        ast::OverlayItem::Override(rule) => rule_doc("override rule", rule),
        ast::OverlayItem::Add(rule) => rule_doc("add rule", rule),
        ast::OverlayItem::Remove(remove) => {
            let mut text = format!("remove rule {}", string(&remove.rule.node));
            push_because(&mut text, remove.because.as_ref());
            line(remove.span, text)
        }
        ast::OverlayItem::Suspend(suspend) => {
            let mut text = match &suspend.target {
                ast::SuspendTarget::Service(id) => format!("suspend service {}", string(&id.node)),
                ast::SuspendTarget::ServiceType(name) => {
                    format!("suspend service_type {}", name.node)
                }
            };
            text.push_str(" from ");
            text.push_str(&date(&suspend.from));
            if let Some(until) = &suspend.until {
                text.push_str(" until ");
                text.push_str(&date(until));
            }
            push_because(&mut text, suspend.because.as_ref());
            line(suspend.span, text)
        }
        ast::OverlayItem::Remap(remap) => {
            let mut text = format!("remap {} -> {}", remap.from.node, remap.to.node);
            push_because(&mut text, remap.because.as_ref());
            line(remap.span, text)
        }
        ast::OverlayItem::CatchAll(catch_all) => catch_all_doc(catch_all),
        ast::OverlayItem::NoSearch(no_search) => no_search_doc(no_search),
        ast::OverlayItem::Service(service) => service_doc(service),
    }
}

/// `has a, b` or `lacks a, b`.
fn skill_list_doc(keyword: &str, list: &ast::SkillList) -> Doc {
    line(
        list.span,
        format!(
            "{keyword} {}",
            join(list.skills.iter().map(|skill| skill.node.clone()), ", ")
        ),
    )
}

/// `2020-05-08 "Early May bank holiday"`.
fn holiday_doc(holiday: &ast::Holiday) -> Doc {
    let mut text = date(&holiday.date);
    push_label(&mut text, holiday.label.as_ref());
    line(holiday.span, text)
}

/// A clause of a service type.
fn service_type_clause_doc(clause: &ast::ServiceTypeClause) -> Doc {
    let text = match clause {
        ast::ServiceTypeClause::RespondsWithin(within) => {
            format!("responds_within {}", duration(&within.node))
        }
        ast::ServiceTypeClause::Channels(channels) => format!(
            "channels {}",
            join(
                channels.node.iter().map(|c| c.node.as_str().to_owned()),
                ", "
            )
        ),
        ast::ServiceTypeClause::Requires(skill) => format!("requires {}", skill.node.node),
        ast::ServiceTypeClause::Returns(count) => format!("returns {}", count.node),
    };
    line(clause.span(), text)
}

/// `rule "name" { … }`, `override rule "name" { … }` or `add rule "name" { … }`.
fn rule_doc(keyword: &str, rule: &ast::Rule) -> Doc {
    block(
        rule.span,
        format!("{keyword} {}", string(&rule.name.node)),
        rule.clauses.iter().map(rule_clause_doc).collect(),
    )
}

/// A clause of a rule.
fn rule_clause_doc(clause: &ast::RuleClause) -> Doc {
    let text = match clause {
        ast::RuleClause::When(conditions) => format!(
            "when {}",
            join(conditions.node.iter().map(condition), " and ")
        ),
        ast::RuleClause::Route(types) => format!(
            "route {}",
            join(types.node.iter().map(|name| name.node.clone()), ", ")
        ),
        ast::RuleClause::Priority(priority) => format!("priority {}", priority.node),
        ast::RuleClause::Because(because) => format!("because {}", string(&because.reason.node)),
    };
    line(clause.span(), text)
}

/// One condition of a `when`.
fn condition(condition: &ast::Condition) -> String {
    match condition {
        ast::Condition::Dx(test) => match &test.node {
            ast::DxTest::Eq(target) => format!("dx = {}", dx_ref(target)),
            ast::DxTest::In(target) => format!("dx in {}", dx_ref(target)),
            ast::DxTest::InList(targets) => {
                format!("dx in ({})", join(targets.iter().map(dx_ref), ", "))
            }
        },
        ast::Condition::Channel(test) => match &test.node {
            ast::ChannelTest::Eq(channel) => format!("channel = {}", channel.node.as_str()),
            ast::ChannelTest::In(channels) => format!(
                "channel in ({})",
                join(channels.iter().map(|c| c.node.as_str().to_owned()), ", ")
            ),
        },
        ast::Condition::Age(test) => match &test.node {
            ast::AgeTest::Compare(op, value) => format!("age {} {}", op.as_str(), age(value)),
            ast::AgeTest::In(range) => format!("age in {}", age_range(range)),
        },
        ast::Condition::Sex(sex) => format!("sex = {}", sex.node.as_str()),
    }
}

/// `no_search Dx91, … because "…"`.
fn no_search_doc(no_search: &ast::NoSearch) -> Doc {
    let mut text = format!(
        "no_search {}",
        join(no_search.codes.iter().map(dx_ref), ", ")
    );
    push_because(&mut text, no_search.because.as_ref());
    line(no_search.span, text)
}

/// `catch_all type`.
fn catch_all_doc(catch_all: &ast::CatchAll) -> Doc {
    line(
        catch_all.span,
        format!("catch_all {}", catch_all.service_type.node),
    )
}

/// `service "name" id "ID" { … }`.
fn service_doc(service: &ast::Service) -> Doc {
    block(
        service.span,
        format!(
            "service {} id {}",
            string(&service.name.node),
            string(&service.id.node)
        ),
        service.clauses.iter().map(service_clause_doc).collect(),
    )
}

/// A clause of a service.
fn service_clause_doc(clause: &ast::ServiceClause) -> Doc {
    let text = match clause {
        ast::ServiceClause::Type(name) => format!("type {}", name.node.node),
        ast::ServiceClause::Catchment(units) => {
            format!("catchment {}", join(units.node.iter().map(postcode), ", "))
        }
        ast::ServiceClause::Location(location) => {
            let (latitude, longitude) = &location.node;
            format!("location {}, {}", latitude.text, longitude.text)
        }
        ast::ServiceClause::Ages(range) => format!("ages {}", age_range(&range.node)),
        ast::ServiceClause::Sexes(sexes) => format!(
            "sexes {}",
            join(sexes.node.iter().map(|s| s.node.as_str().to_owned()), ", ")
        ),
        ast::ServiceClause::Rank(rank) => format!("rank {}", rank.node),
        ast::ServiceClause::Valid(range) => format!("valid {}", date_range(&range.node)),
        ast::ServiceClause::Hours(hours) => {
            return block(
                hours.span,
                "hours".to_owned(),
                hours.lines.iter().map(hours_line_doc).collect(),
            );
        }
    };
    line(clause.span(), text)
}

/// A line of opening hours.
fn hours_line_doc(hours_line: &ast::HoursLine) -> Doc {
    let text = match hours_line {
        ast::HoursLine::Weekly { days, hours, .. } => {
            let mut text = days.first.node.as_str().to_owned();
            if let Some(last) = &days.last {
                text.push('-');
                text.push_str(last.node.as_str());
            }
            format!("{text} {}", day_hours(hours))
        }
        ast::HoursLine::BankHoliday { hours, .. } => format!("bank_holiday {}", day_hours(hours)),
        ast::HoursLine::On {
            date: day, hours, ..
        } => format!("on {} {}", date(day), day_hours(hours)),
        ast::HoursLine::Closed { dates, because, .. } => {
            let mut text = format!("closed {}", date_range(dates));
            push_because(&mut text, because.as_ref());
            text
        }
        ast::HoursLine::AllHours { .. } => "all_hours".to_owned(),
    };
    line(hours_line.span(), text)
}

// ---------------------------------------------------------------- literals

/// Joins strings with a separator.
fn join(parts: impl Iterator<Item = String>, separator: &str) -> String {
    parts.collect::<Vec<_>>().join(separator)
}

/// A string literal, quoted and escaped.
fn string(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            text.push('\\');
        }
        text.push(c);
    }
    text.push('"');
    text
}

/// Appends ` "label"` if there is a label.
fn push_label(text: &mut String, label: Option<&ast::Name>) {
    if let Some(label) = label {
        text.push(' ');
        text.push_str(&string(&label.node));
    }
}

/// Appends ` because "reason"` if there is a reason.
fn push_because(text: &mut String, because: Option<&ast::Because>) {
    if let Some(because) = because {
        text.push_str(" because ");
        text.push_str(&string(&because.reason.node));
    }
}

/// A disposition code or group name.
fn dx_ref(target: &ast::DxRef) -> String {
    match target {
        ast::DxRef::Code(name) | ast::DxRef::Group(name) => name.node.clone(),
    }
}

/// A postcode unit as written.
fn postcode(unit: &ast::PostcodeUnit) -> String {
    unit.text.clone()
}

/// `2020-05-08`.
fn date(value: &ast::Date) -> String {
    format!("{:04}-{:02}-{:02}", value.year, value.month, value.day)
}

/// `2020-03-23..2020-07-04`, `2020-03-23..`, or a single date.
fn date_range(range: &ast::DateRange) -> String {
    if !range.is_range {
        return date(&range.start);
    }
    match &range.end {
        Some(end) => format!("{}..{}", date(&range.start), date(end)),
        None => format!("{}..", date(&range.start)),
    }
}

/// `08:30`.
fn time(value: &ast::Time) -> String {
    format!("{:02}:{:02}", value.hour, value.minute)
}

/// `closed` or `08:30-13:00, 14:00-18:00`.
fn day_hours(hours: &ast::DayHours) -> String {
    match hours {
        ast::DayHours::Closed(_) => "closed".to_owned(),
        ast::DayHours::Sessions(sessions) => join(
            sessions
                .iter()
                .map(|session| format!("{}-{}", time(&session.open), time(&session.close))),
            ", ",
        ),
    }
}

/// `30m`, `2h`, `5d`.
fn duration(value: &ast::Duration) -> String {
    format!("{}{}", value.value, value.unit.suffix())
}

/// `16`, `16y`, `6mo`, `28d`: the suffix only if one was written.
fn age(value: &ast::Age) -> String {
    if value.explicit_unit {
        format!("{}{}", value.value, value.unit.suffix())
    } else {
        value.value.to_string()
    }
}

/// `0..15`, `6mo..`.
fn age_range(range: &ast::AgeRange) -> String {
    match &range.end {
        Some(end) => format!("{}..{}", age(&range.start), age(end)),
        None => format!("{}..", age(&range.start)),
    }
}

// ---------------------------------------------------------------- comments

/// A `//` comment found in the source.
#[derive(Debug)]
struct Comment {
    /// Byte offset of the `//`.
    start: usize,
    /// The comment from `//` to the end of its line, trailing space trimmed.
    text: String,
    /// Whether nothing but whitespace precedes it on its line.
    own_line: bool,
}

/// Finds every comment in `text`: `//` outside double-quoted strings, which
/// have `\"` and `\\` escapes and end at the end of a line at the latest.
fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut pos = 0;
    let mut in_string = false;
    while let Some(&byte) = bytes.get(pos) {
        if in_string {
            match byte {
                b'\\' if bytes.get(pos + 1).is_some_and(|&next| next != b'\n') => pos += 2,
                b'"' | b'\n' => {
                    in_string = false;
                    pos += 1;
                }
                _ => pos += 1,
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                pos += 1;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                // The bytes searched for are ASCII, so every offset used to
                // slice here lies on a character boundary.
                let rest = text.get(pos..).unwrap_or("");
                let end = rest.find('\n').map_or(text.len(), |newline| pos + newline);
                let line_start = line_start(text, pos);
                let own_line = text
                    .get(line_start..pos)
                    .is_some_and(|before| before.trim().is_empty());
                comments.push(Comment {
                    start: pos,
                    text: text.get(pos..end).unwrap_or("//").trim_end().to_owned(),
                    own_line,
                });
                pos = end;
            }
            _ => pos += 1,
        }
    }
    comments
}

/// The offset of the start of the line holding `pos`.
fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1)
}

/// Whether the statement or comment at `pos` is the first thing on its line
/// and the line before it is blank.
fn blank_line_before(text: &str, pos: usize) -> bool {
    let start = line_start(text, pos);
    let first_on_line = text
        .get(start..pos)
        .is_some_and(|before| before.trim().is_empty());
    if !first_on_line || start == 0 {
        return false;
    }
    let previous_end = start - 1;
    let previous_start = line_start(text, previous_end);
    text.get(previous_start..previous_end)
        .is_some_and(|previous| previous.trim().is_empty())
}

// ----------------------------------------------------------------- printer

/// Prints [`Doc`]s line by line, with the comments of the source.
struct Printer<'a> {
    /// The source text.
    text: &'a str,
    /// Every comment of the source, in order.
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next_comment: usize,
    /// The lines printed so far, indentation included; `""` is a blank line.
    lines: Vec<String>,
    /// Whether the last line printed ends with a comment.
    last_has_comment: bool,
    /// The current block depth.
    depth: usize,
    /// Whether nothing has been printed since the last `{`.
    at_block_start: bool,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Printer<'a> {
        Printer {
            text,
            comments: scan_comments(text),
            next_comment: 0,
            lines: Vec::new(),
            last_has_comment: false,
            depth: 0,
            at_block_start: false,
        }
    }

    /// Prints one statement, and the comments before it.
    fn doc(&mut self, doc: &Doc) {
        self.flush_comments(doc.start());
        match doc {
            Doc::Line(line) => self.push(line.start, &line.text, false),
            Doc::Block(block) => {
                if self.fits_one_line(block) {
                    self.push(block.start, &inline(block), false);
                    return;
                }
                self.push(block.start, &format!("{} {{", block.header), false);
                self.depth += 1;
                self.at_block_start = true;
                for child in &block.children {
                    self.doc(child);
                }
                self.flush_comments(block.end);
                self.depth = self.depth.saturating_sub(1);
                self.push_line("}", false, false);
            }
        }
    }

    /// Whether a block prints on one line: its source was on one line, it
    /// has no comment inside, and it has at most one child that fits too.
    fn fits_one_line(&self, block: &Block) -> bool {
        let one_source_line = self
            .text
            .get(block.start..block.end)
            .is_some_and(|source| !source.contains('\n'));
        // The comments are sorted, so the first one at or after the start
        // of the block is the only candidate.
        let first_after = self
            .comments
            .partition_point(|comment| comment.start < block.start);
        let has_comment = self
            .comments
            .get(first_after)
            .is_some_and(|comment| comment.start < block.end);
        let child_fits = match block.children.as_slice() {
            [] | [Doc::Line(_)] => true,
            [Doc::Block(child)] => self.fits_one_line(child),
            _ => false,
        };
        one_source_line && !has_comment && child_fits
    }

    /// Prints every comment that starts before `limit`.
    fn flush_comments(&mut self, limit: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.start >= limit {
                break;
            }
            let can_append = !comment.own_line
                && !self.last_has_comment
                && self.lines.last().is_some_and(|last| !last.is_empty());
            if can_append {
                if let Some(last) = self.lines.last_mut() {
                    last.push_str("  ");
                    last.push_str(&comment.text);
                }
                self.last_has_comment = true;
            } else {
                let (start, text) = (comment.start, comment.text.clone());
                self.push(start, &text, true);
            }
            self.next_comment += 1;
        }
    }

    /// Prints a line for the statement or comment at `start`, after a blank
    /// line if the source had one there.
    fn push(&mut self, start: usize, text: &str, is_comment: bool) {
        let blank = blank_line_before(self.text, start);
        self.push_line(text, blank, is_comment);
    }

    /// Prints a line at the current depth, after a blank line if `blank` and
    /// one is allowed here.
    fn push_line(&mut self, text: &str, blank: bool, is_comment: bool) {
        if blank && !self.at_block_start && !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.lines
            .push(format!("{}{text}", "  ".repeat(self.depth)));
        self.at_block_start = false;
        self.last_has_comment = is_comment;
    }

    /// The text printed, ending with exactly one newline (none if empty).
    fn finish(self) -> String {
        let mut out = self.lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// A block on one line: `header { child }`, or `header { }` if empty.
fn inline(block: &Block) -> String {
    match block.children.first() {
        None => format!("{} {{ }}", block.header),
        Some(Doc::Line(line)) => format!("{} {{ {} }}", block.header, line.text),
        Some(Doc::Block(child)) => format!("{} {{ {} }}", block.header, inline(child)),
    }
}

#[cfg(test)]
mod tests {
    use super::format;
    use crate::source::FileId;
    use crate::syntax::{ast, parse};

    /// Parses `text`, which must have no syntax errors.
    fn parse_ok(text: &str) -> ast::File {
        let (file, diagnostics) = parse(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
        file
    }

    /// The tree's debug text with every span erased.
    fn without_spans(file: &ast::File) -> String {
        let debug = format!("{file:?}");
        let mut out = String::with_capacity(debug.len());
        let mut rest = debug.as_str();
        while let Some(found) = rest.find("Span { file: ") {
            out.push_str(&rest[..found]);
            out.push_str("Span");
            let after = &rest[found..];
            let close = after.find('}').unwrap();
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Every `//` comment of `text`, trimmed.
    fn comments(text: &str) -> Vec<String> {
        super::scan_comments(text)
            .into_iter()
            .map(|comment| comment.text)
            .collect()
    }

    /// Formats `text` and checks the properties every output must have:
    /// idempotency, the same tree, the same comments.
    fn check(text: &str) -> String {
        let file = parse_ok(text);
        let once = format(text, &file);
        let reparsed = parse_ok(&once);
        assert_eq!(without_spans(&file), without_spans(&reparsed), "{once}");
        let twice = format(&once, &reparsed);
        assert_eq!(once, twice, "not idempotent");
        assert_eq!(
            text.matches("//").count(),
            once.matches("//").count(),
            "comment markers lost:\n{once}"
        );
        let mut before = comments(text).join(" ");
        let mut after = comments(&once).join(" ");
        before.retain(|c| !c.is_whitespace());
        after.retain(|c| !c.is_whitespace());
        assert_eq!(before, after, "comment text changed:\n{once}");
        assert!(once.ends_with('\n') && !once.ends_with("\n\n"));
        assert!(!once.contains("\n\n\n"));
        once
    }

    #[test]
    fn design_sample() {
        let text = include_str!("../../fixtures/syntax/ok/design_sample.dxm");
        let out = check(text);
        assert_eq!(comments(text), comments(&out));
        // The sample is already laid out canonically, apart from the
        // alignment of trailing comments.
        let normalise = |text: &str| -> String {
            text.lines()
                .map(|line| match line.find("//") {
                    Some(at) => format!("{}  {}", line[..at].trim_end(), &line[at..]),
                    None => line.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(normalise(&out), normalise(text));
    }

    #[test]
    fn messy_rule() {
        assert_eq!(
            check(r#"rule   "A"{when dx=Dx05 and age>=16 route gp_ooh,emergency_department}"#),
            "rule \"A\" {\n  when dx = Dx05 and age >= 16\n  route gp_ooh, emergency_department\n}\n"
        );
    }

    #[test]
    fn literals_keep_their_written_form() {
        let text = "rule \"A\" {\n  when dx in (Dx30,Dx050) and age in 6mo.. and channel in (111,ooh) and sex=female\n  route a\n}\nrule \"B\" {\n  when dx in grp and age < 16y and channel = 999\n  route a\n  priority 10\n}\nservice \"S\" id \"X1\" {\n  catchment SO16 7,SO\n  location 50.90,-1.4044\n  ages 0d..28d\n  valid 2020-03-23..\n  hours {\n    mon-fri 08:30-13:00,14:00-24:00\n    on 2020-05-08 closed\n    closed 2020-06-01 because \"x\"\n    closed 2020-06-01..2020-06-10\n  }\n}\n";
        assert_eq!(check(text), text.replace(",", ", ").replace("=f", " = f"));
    }

    #[test]
    fn overlay_items() {
        let text = "overlay b {\n  area SO, PO\n  has x\n  lacks y\n  remove rule \"R\"\n  suspend service \"F1\" from 2020-03-23\n  suspend service_type t from 2020-03-23 until 2020-04-01 because \"c\"\n  remap Dx06 -> Dx05 because \"v\"\n  catch_all t\n  no_search Dx108, Dx95\n  add rule \"A\" { when dx = Dx05 }\n  override rule \"O\" {\n    when dx = Dx05\n    because \"o\"\n  }\n}\noverlay c extends b { catch_all t }\n";
        assert_eq!(check(text), text);
    }

    #[test]
    fn comment_after_open_brace() {
        assert_eq!(
            check("rule \"A\" {   // about A   \n  when dx = Dx05\n}\n"),
            "rule \"A\" {  // about A\n  when dx = Dx05\n}\n"
        );
    }

    #[test]
    fn comment_before_close_brace() {
        assert_eq!(
            check("rule \"A\" {\n  when dx = Dx05\n      // last\n}\n"),
            "rule \"A\" {\n  when dx = Dx05\n  // last\n}\n"
        );
        assert_eq!(
            check("rule \"A\" {\n  // only\n}\n"),
            "rule \"A\" {\n  // only\n}\n"
        );
    }

    #[test]
    fn own_line_comments_between_clauses() {
        assert_eq!(
            check("// head\nrule \"A\" {\n// one\n  when dx = Dx05\n    // two\n  route a // three\n}\n// tail\n"),
            "// head\nrule \"A\" {\n  // one\n  when dx = Dx05\n  // two\n  route a  // three\n}\n// tail\n"
        );
    }

    #[test]
    fn comments_inside_statements_move_after_them() {
        assert_eq!(
            check("group g = Dx01, // a\n  Dx02 // b\ngroup h = Dx03\n"),
            "group g = Dx01, Dx02  // a\n// b\ngroup h = Dx03\n"
        );
    }

    #[test]
    fn comment_slashes_in_strings_are_not_comments() {
        assert_eq!(
            check("release \"a//b \\\" // c\"  // real\n"),
            "release \"a//b \\\" // c\"  // real\n"
        );
    }

    #[test]
    fn blank_lines_collapse() {
        assert_eq!(
            check("\n\n\nskill a\n\n\n\nskill b\nskill c\n\n// c\n\n\nrule \"A\" {\n\n  when dx = Dx05\n\n\n  route a\n\n}\n\n\n"),
            "skill a\n\nskill b\nskill c\n\n// c\n\nrule \"A\" {\n  when dx = Dx05\n\n  route a\n}\n"
        );
    }

    #[test]
    fn string_escapes() {
        let text = "skill a \"say \\\"hi\\\" \\\\ bye\"\n";
        let file = parse_ok(text);
        let ast::Item::Skill(skill) = &file.items[0] else {
            panic!("not a skill");
        };
        assert_eq!(skill.label.as_ref().unwrap().node, "say \"hi\" \\ bye");
        assert_eq!(check(text), text);
    }

    #[test]
    fn single_line_blocks_stay() {
        let text = "service_type gp_ooh \"GP Out of Hours\" { responds_within 1h }\nservice \"H\" id \"H1\" {\n  type t\n  hours { all_hours }\n}\nservice \"G\" id \"G1\" {\n  hours { mon-sun 08:00-20:00 }\n}\ncalendar c { }\nhierarchy q { Dx1 > Dx2 }\noverlay o { service \"S\" id \"S1\" { type t } }\n";
        assert_eq!(check(text), text);
    }

    #[test]
    fn blocks_expand() {
        assert_eq!(
            check("service_type t { responds_within 1h returns 2 }\ncalendar c {\n}\nhierarchy q {\n  Dx1 > Dx2\n}\noverlay o { service \"S\" id \"S1\" { type t rank 1 } }\n"),
            "service_type t {\n  responds_within 1h\n  returns 2\n}\ncalendar c {\n}\nhierarchy q {\n  Dx1 > Dx2\n}\noverlay o {\n  service \"S\" id \"S1\" {\n    type t\n    rank 1\n  }\n}\n"
        );
    }

    #[test]
    fn empty_file() {
        assert_eq!(format("", &parse_ok("")), "");
        assert_eq!(check("\n\n// only\n\n"), "// only\n");
    }

    /// Rewrites each run of whitespace of `text` outside strings and
    /// comments; `replace` sees the run (with the newline that ends a
    /// comment), whether a comment precedes it and whether one follows it.
    fn rewrite_whitespace(text: &str, replace: impl Fn(&str, bool, bool) -> String) -> String {
        let mut out = String::new();
        let mut run = String::new();
        let mut in_string = false;
        let mut in_comment = false;
        let mut after_comment = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if in_comment && c == '\n' {
                in_comment = false;
                after_comment = true;
            }
            if !in_string && !in_comment && c.is_whitespace() {
                run.push(c);
                continue;
            }
            let before_comment = !in_string && c == '/' && chars.peek() == Some(&'/');
            if !run.is_empty() || after_comment {
                out.push_str(&replace(&run, after_comment, before_comment));
                run.clear();
                after_comment = false;
            }
            out.push(c);
            if in_string {
                if c == '\\' {
                    out.push(chars.next().unwrap());
                } else {
                    in_string = c != '"';
                }
            } else if !in_comment {
                in_string = c == '"';
                in_comment = before_comment;
            }
        }
        out.push_str(&replace(&run, after_comment, false));
        out
    }

    #[test]
    fn design_sample_exploded() {
        // Every token on its own line, indented with a tab; blank lines and
        // trailing comments stay where they were.
        let sample = include_str!("../../fixtures/syntax/ok/design_sample.dxm");
        let text = rewrite_whitespace(sample, |run, _, before_comment| {
            let n_newlines = run.matches('\n').count();
            if before_comment && n_newlines == 0 {
                " ".to_owned()
            } else if n_newlines > 1 {
                "\n\n\t".to_owned()
            } else {
                "\n\t".to_owned()
            }
        });
        let out = check(&text);
        assert!(out.starts_with("release \"pathways-2015\"  // bundled;"));
        assert!(out.contains("hierarchy clinician_queue_order {\n  Dx321 > Dx32 >"));
        assert!(out.contains(
            "service \"Princess Anne Maternity\" id \"MAT01\" {\n  type maternity\n  \
             catchment SO\n  sexes female  // default: both\n  hours {\n    all_hours\n  }\n}"
        ));
    }

    #[test]
    fn design_sample_squashed() {
        // Newlines only where a comment needs one.
        let sample = include_str!("../../fixtures/syntax/ok/design_sample.dxm");
        let text = rewrite_whitespace(sample, |_, after_comment, _| {
            if after_comment { "\n" } else { " " }.to_owned()
        });
        let out = check(&text);
        assert!(out.contains("hierarchy clinician_queue_order { Dx321 > Dx32 > "));
        assert!(out.contains("  sexes female  // default: both\n  hours { all_hours }\n}\n"));
        assert!(!out.contains("\n\n"));
        // Extra blank lines and odd indentation change nothing.
        let doubled = sample.replace("\n\n", "\n\n\n\n").replace("  ", "\t ");
        assert_eq!(check(&doubled), check(sample));
    }

    #[test]
    fn line_endings_and_odd_placements() {
        assert_eq!(
            check("skill a\r\n\r\nskill b // c\r\n"),
            "skill a\n\nskill b  // c\n"
        );
        assert_eq!(check("skill a // no newline"), "skill a  // no newline\n");
        assert_eq!(
            check("rule \"A\"\n// between\n{ when dx = Dx05 }\n"),
            "rule \"A\" {\n  // between\n  when dx = Dx05\n}\n"
        );
        assert_eq!(
            check("hierarchy q {\n  Dx1 > // top\n  Dx2\n}\n"),
            "hierarchy q {\n  Dx1 > Dx2  // top\n}\n"
        );
        assert_eq!(
            check("group g = Dx01,\n\n  // mid\n  Dx02\nskill a\n"),
            "group g = Dx01, Dx02\n\n// mid\nskill a\n"
        );
        assert_eq!(
            check("service \"A\" // c\n  id \"B\" { type t }\n"),
            "service \"A\" id \"B\" {  // c\n  type t\n}\n"
        );
    }
}
