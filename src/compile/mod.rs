//! Lowering a checked model to the runtime's decision table.
//!
//! The compiler does once, per tree, the work a case must not do: it
//! flattens every layer's rules into an index by disposition code (highest
//! priority first), every layer's services into an index by service type and
//! postcode unit, the overlays' areas into one index by postcode unit, and
//! resolves which types a layer cannot use for want of a skill, and keeps
//! each distinct set of opening hours once, and writes the bundled
//! geography's centroids into the table. It cannot
//! fail on a model without errors; every map it builds is ordered, so the
//! same rules always give the same table, byte for byte.
//!
//! Imports: `crate::check::model`, `crate::geo`, `crate::source`,
//! `dxmap_runtime::table`.

use std::collections::{BTreeMap, HashMap};

use dxmap_runtime::table;

use crate::check::model;
use crate::geo::Geography;
use crate::source::{SourceMap, Span};

fn date(date: model::Date) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
    )
    .ok()
}

fn index(idx: usize) -> u32 {
    u32::try_from(idx).unwrap_or(u32::MAX)
}

fn sessions(sessions: &[model::Session]) -> Vec<table::Session> {
    sessions
        .iter()
        .map(|s| table::Session {
            open: s.open,
            close: s.close,
        })
        .collect()
}

fn hours(hours: &model::Hours) -> table::Hours {
    table::Hours {
        all_hours: hours.all_hours,
        weekly: hours.weekly.iter().map(|day| sessions(day)).collect(),
        bank_holiday: hours.bank_holiday.as_deref().map(sessions),
        dated: hours
            .dated
            .iter()
            .filter_map(|(day, day_sessions)| Some((date(*day)?, sessions(day_sessions))))
            .collect(),
        closed: hours
            .closed
            .iter()
            .filter_map(|(window, reason)| {
                Some(table::Closure {
                    from: date(window.from?)?,
                    until: window.until.and_then(date),
                    reason: reason.clone(),
                })
            })
            .collect(),
    }
}

/// `file:line` of a span.
fn source(sources: &SourceMap, span: Span) -> (String, u32) {
    let name = sources.name(span.file).to_owned();
    let line = sources
        .get(span.file)
        .map_or(0, |file| file.line_col(span.start).0);
    (name, line)
}

/// Compiles a model (checked, without errors) to a decision table.
pub fn compile(model: &model::Model, sources: &SourceMap) -> table::Table {
    let catalogue = &model.catalogue;
    let dispositions: Vec<table::Disposition> = catalogue
        .dispositions()
        .iter()
        .map(|d| table::Disposition {
            code: d.code.clone(),
            title: d.title.clone(),
            timeframe_minutes: d.timeframe_minutes,
            same_as: d.same_as.map(|t| t.0),
        })
        .collect();
    let disposition_index = catalogue
        .iter()
        .map(|(id, d)| (d.code.clone(), id.0))
        .collect();
    let service_types = model
        .service_types
        .iter()
        .map(|t| table::ServiceType {
            name: t.name.clone(),
            label: t.label.clone(),
            responds_within_minutes: t.responds_within_minutes,
            channels: t.channels.iter().copied().collect(),
            requires: t
                .requires
                .and_then(|s| model.skills.get(s.index()))
                .map(|s| s.name.clone()),
            returns: t.returns,
        })
        .collect();
    // Services with the same hours share one entry, numbered in the order
    // the services first use them.
    let mut hours_table: Vec<table::Hours> = Vec::new();
    let mut hours_index: HashMap<table::Hours, u32> = HashMap::new();
    let services: Vec<table::Service> = model
        .services
        .iter()
        .map(|s| {
            let service_hours = hours(&s.hours);
            let hours_idx = match hours_index.get(&service_hours) {
                Some(idx) => *idx,
                None => {
                    let idx = index(hours_table.len());
                    hours_index.insert(service_hours.clone(), idx);
                    hours_table.push(service_hours);
                    idx
                }
            };
            let (file, line) = source(sources, s.span);
            table::Service {
                id: s.id.clone(),
                name: s.name.clone(),
                service_type: s.service_type.0,
                catchment: s.catchment.iter().map(|u| u.text.clone()).collect(),
                location: s.location.map(|(lat, lon)| [lat, lon]),
                postcode: s.postcode.clone(),
                ages: s.ages,
                sexes: s.sexes.as_ref().map(|set| set.iter().copied().collect()),
                rank: s.rank,
                valid_from: s.valid.from.and_then(date),
                valid_until: s.valid.until.and_then(date),
                hours: hours_idx,
                source: format!("{file}:{line}"),
            }
        })
        .collect();
    let service_index = services
        .iter()
        .enumerate()
        .map(|(idx, s)| (s.id.clone(), index(idx)))
        .collect();
    let layer_name =
        |id: model::LayerId| model.layer(id).map_or_else(String::new, |l| l.name.clone());
    let rules = model
        .rules
        .iter()
        .map(|r| {
            let (file, line) = source(sources, r.name_span);
            table::Rule {
                name: r.name.clone(),
                layer: layer_name(r.layer),
                file,
                line,
                dispositions: r
                    .dispositions
                    .iter()
                    .map(|d| catalogue.code(*d).to_owned())
                    .collect(),
                when: r.when.clone(),
                route: r.route.iter().map(|t| t.0).collect(),
                priority: r.priority,
                because: r.because.clone(),
            }
        })
        .collect();
    let layers = layers(model);
    // The area index: overlay areas never overlap (the checker rejects a
    // unit claimed twice), so each unit names one overlay.
    let mut area_index = BTreeMap::new();
    for (idx, layer) in model.layers.iter().enumerate() {
        for unit in &layer.area {
            area_index.entry(unit.text.clone()).or_insert(index(idx));
        }
    }
    let calendar = model
        .calendar
        .iter()
        .flat_map(|c| c.holidays.iter())
        .filter_map(|(day, name)| Some((date(*day)?, name.clone())))
        .collect();
    let hierarchies = model
        .hierarchies
        .iter()
        .map(|h| table::Hierarchy {
            // An overlay's `override hierarchy` is named for its overlay, so
            // that `diff` tells a region's order from the national one.
            name: match (h.replaces, model.layer(h.layer)) {
                (Some(_), Some(layer)) => format!("{} ({})", h.name, layer.name),
                _ => h.name.clone(),
            },
            codes: h
                .codes
                .iter()
                .map(|(code, _)| catalogue.code(*code).to_owned())
                .collect(),
        })
        .collect();
    table::Table {
        release: catalogue.release.clone(),
        dispositions,
        disposition_index,
        service_types,
        services,
        service_index,
        hours: hours_table,
        rules,
        layers,
        area_index,
        calendar,
        hierarchies,
        geography: Geography::bundled_table().clone(),
    }
}

/// Every layer's table, in layer order: the layers are independent, and
/// compiled on two threads, the first half on one and the rest on the
/// other.
fn layers(model: &model::Model) -> Vec<table::Layer> {
    let compile = |from: usize, part: &[model::Layer]| -> Vec<table::Layer> {
        part.iter()
            .enumerate()
            .map(|(idx, l)| layer(model, model::LayerId::from_index(from + idx), l))
            .collect()
    };
    let half = model.layers.len() / 2;
    let (first, second) = model.layers.split_at(half);
    if first.is_empty() {
        return compile(0, second);
    }
    std::thread::scope(|scope| {
        let later = scope.spawn(|| compile(half, second));
        let mut layers = compile(0, first);
        match later.join() {
            Ok(rest) => layers.extend(rest),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        layers
    })
}

fn suspension(s: &model::Suspension) -> Option<table::Suspension> {
    Some(table::Suspension {
        from: date(s.window.from?)?,
        until: s.window.until.and_then(date),
        reason: s.reason.clone(),
    })
}

/// A `within` distance in whole metres (the model keeps kilometres; the
/// checker bounds them to a distance on Earth).
fn within_metres(km: f64) -> u32 {
    let metres = (km * 1000.0).round();
    if (0.0..4_000_000_000.0).contains(&metres) {
        // In range of u32: the cast is exact for whole numbers.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked to be a whole number of metres within u32"
        )]
        let metres = metres as u32;
        metres
    } else {
        u32::MAX
    }
}

fn layer(model: &model::Model, layer_id: model::LayerId, layer: &model::Layer) -> table::Layer {
    let catalogue = &model.catalogue;
    // Rules by code, highest priority first, then in the layer's order.
    let mut rules_by_dx: BTreeMap<String, Vec<(std::cmp::Reverse<u32>, usize, u32)>> =
        BTreeMap::new();
    for (position, rule_id) in layer.rules.iter().enumerate() {
        let Some(rule) = model.rule(*rule_id) else {
            continue;
        };
        for code in &rule.dispositions {
            rules_by_dx
                .entry(catalogue.code(*code).to_owned())
                .or_default()
                .push((std::cmp::Reverse(rule.priority), position, rule_id.0));
        }
    }
    let rules_by_dx = rules_by_dx
        .into_iter()
        .map(|(code, mut rules)| {
            rules.sort();
            (code, rules.into_iter().map(|(_, _, id)| id).collect())
        })
        .collect();
    let mut suspended_services: BTreeMap<String, Vec<table::Suspension>> = BTreeMap::new();
    let mut suspended_types: BTreeMap<u32, Vec<table::Suspension>> = BTreeMap::new();
    for s in &layer.suspensions {
        let Some(compiled) = suspension(s) else {
            continue;
        };
        match s.target {
            model::SuspensionTarget::Service(id) => {
                if let Some(service) = model.service(id) {
                    suspended_services
                        .entry(service.id.clone())
                        .or_default()
                        .push(compiled);
                }
            }
            model::SuspensionTarget::ServiceType(id) => {
                suspended_types.entry(id.0).or_default().push(compiled);
            }
        }
    }
    let unusable_types = model
        .service_types
        .iter()
        .enumerate()
        .filter_map(|(idx, t)| {
            let skill = t.requires?;
            (!layer.skills.contains(&skill)).then(|| {
                let name = model
                    .skills
                    .get(skill.index())
                    .map_or("?", |s| s.name.as_str());
                (index(idx), name.to_owned())
            })
        })
        .collect();
    // Only the services the layer declares: the runtime looks along the
    // layer's `extends` chain down to the baseline, so inherited services
    // are indexed once, where they are declared, not again in every overlay.
    let mut services_by_type: BTreeMap<u32, BTreeMap<String, Vec<u32>>> = BTreeMap::new();
    for service_id in &layer.services {
        let Some(service) = model.service(*service_id).filter(|s| s.layer == layer_id) else {
            continue;
        };
        let by_unit = services_by_type.entry(service.service_type.0).or_default();
        for unit in &service.catchment {
            let list = by_unit.entry(unit.text.clone()).or_default();
            if !list.contains(&service_id.0) {
                list.push(service_id.0);
            }
        }
    }
    for by_unit in services_by_type.values_mut() {
        for list in by_unit.values_mut() {
            list.sort_unstable();
        }
    }
    table::Layer {
        name: layer.name.clone(),
        parent: layer
            .parent
            .and_then(|p| model.layer(p))
            .map(|p| p.name.clone()),
        rules_by_dx,
        no_search: layer
            .no_search
            .iter()
            .map(|(code, entry)| (catalogue.code(*code).to_owned(), entry.reason.clone()))
            .collect(),
        remaps: layer
            .remaps
            .iter()
            .map(|(code, remap)| {
                (
                    catalogue.code(*code).to_owned(),
                    table::Remap {
                        to: catalogue.code(remap.to).to_owned(),
                        reason: remap.reason.clone(),
                    },
                )
            })
            .collect(),
        suspended_services,
        suspended_types,
        unusable_types,
        catch_all: layer.catch_all.as_ref().map(|c| c.service_type.0),
        // `catch_all T within D`: D in whole metres.
        catch_all_within_m: layer
            .catch_all
            .as_ref()
            .and_then(|c| c.within_km)
            .map(within_metres),
        services_by_type,
    }
}
