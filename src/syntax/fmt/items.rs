//! The layout of each item and clause as [`Doc`]s: one line per
//! statement, one block per braced construct (rules, services, overlays,
//! service types, calendars, opening hours).
//!
//! Imports: `super` (the `Doc` layout and its constructors),
//! `super::literals`, `crate::syntax::ast`.

use super::literals::{
    age, age_range, date, date_range, day_hours, duration, dx_ref, join, postcode, push_because,
    push_label, string,
};
use super::{block, block_then, line, Doc};
use crate::syntax::ast;

/// The layout of a top-level item.
pub(super) fn item_doc(item: &ast::Item) -> Doc {
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
        ast::Item::Hierarchy(hierarchy) => hierarchy_doc("hierarchy", hierarchy, String::new()),
        ast::Item::Postcodes(set) => line(
            set.span,
            format!(
                "postcodes {} = {}",
                set.name.node,
                join(set.items.iter().map(postcode), ", ")
            ),
        ),
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
        ast::OverlayItem::OverrideHierarchy(entry) => {
            let mut trailer = String::new();
            push_because(&mut trailer, entry.because.as_ref());
            hierarchy_doc("override hierarchy", &entry.hierarchy, trailer)
        }
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

/// `hierarchy name { Dx321 > Dx32 > … }`, or `override hierarchy …` with
/// its `because` after the `}`.
fn hierarchy_doc(keyword: &str, hierarchy: &ast::Hierarchy, trailer: String) -> Doc {
    let mut children = Vec::new();
    if let (Some(first), Some(last)) = (hierarchy.codes.first(), hierarchy.codes.last()) {
        children.push(line(
            first.span.cover(last.span),
            join(hierarchy.codes.iter().map(|code| code.node.clone()), " > "),
        ));
    }
    block_then(
        hierarchy.span,
        format!("{keyword} {}", hierarchy.name.node),
        children,
        trailer,
    )
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

/// `catch_all type` or `catch_all type within 60km`.
fn catch_all_doc(catch_all: &ast::CatchAll) -> Doc {
    let mut text = format!("catch_all {}", catch_all.service_type.node);
    if let Some(within) = &catch_all.within {
        text.push_str(&format!(" within {}km", within.text));
    }
    line(catch_all.span, text)
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
        ast::ServiceClause::Postcode(text) => format!("postcode {}", string(&text.node.node)),
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
