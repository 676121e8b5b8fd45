//! What a route reads besides the rules, item by item: services (each
//! field, where they are declared, their suspensions per layer), service
//! types, layers (what they extend, claim, lack and fall back to),
//! dispositions' timeframes and `same_as`, bank holidays and queue
//! hierarchies, each as added, removed and changed with the fields that
//! differ.
//!
//! Imports: `super`, `dxmap_runtime::table`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::table::{Layer, Service, Table};

use super::{type_name, Changed, ItemChanges};

/// The names of the fields that differ (`same` false), in the order given.
fn differing<const N: usize>(fields: [(&str, bool); N]) -> Vec<String> {
    fields
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| name.to_owned())
        .collect()
}

fn service_fields(old: &Table, a: &Service, new: &Table, b: &Service) -> Vec<String> {
    differing([
        ("name", a.name == b.name),
        (
            "type",
            type_name(old, a.service_type) == type_name(new, b.service_type),
        ),
        ("catchment", a.catchment == b.catchment),
        ("location", a.location == b.location),
        ("postcode", a.postcode == b.postcode),
        ("ages", a.ages == b.ages),
        ("sexes", a.sexes == b.sexes),
        ("rank", a.rank == b.rank),
        (
            "valid",
            (a.valid_from, a.valid_until) == (b.valid_from, b.valid_until),
        ),
        ("hours", old.hours_of(a) == new.hours_of(b)),
    ])
}

/// [`compare_items`] of items listed by their key alone (a name, a code).
fn compare_named<T>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    changed: impl Fn(&str, &T, &T) -> Vec<String>,
) -> ItemChanges {
    let key = |key: &str, _: &T| key.to_owned();
    compare_items(before, after, key, key, changed)
}

/// Items keyed by id before and after: added, removed, and changed with the
/// fields `changed` names. Services, service types and layers all use it.
fn compare_items<T>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    added: impl Fn(&str, &T) -> String,
    removed: impl Fn(&str, &T) -> String,
    changed: impl Fn(&str, &T, &T) -> Vec<String>,
) -> ItemChanges {
    let mut changes = ItemChanges::default();
    for (id, item) in after {
        match before.get(id) {
            None => changes.added.push(added(id, item)),
            Some(previous) => {
                let fields = changed(id, previous, item);
                if !fields.is_empty() {
                    changes.changed.push(Changed {
                        id: id.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (id, item) in before {
        if !after.contains_key(id) {
            changes.removed.push(removed(id, item));
        }
    }
    changes
}

/// The layers that declare the service `id` (where it is in force: there
/// and in the overlays extending them).
fn declared_in(table: &Table, id: &str) -> BTreeSet<String> {
    let Some(idx) = table.service_index.get(id) else {
        return BTreeSet::new();
    };
    table
        .layers
        .iter()
        .filter(|layer| {
            layer
                .services_by_type
                .values()
                .flat_map(BTreeMap::values)
                .any(|list| list.contains(idx))
        })
        .map(|layer| layer.name.clone())
        .collect()
}

/// `suspensions in LAYER` for every layer (by name, in either table) whose
/// suspensions, as `find` reads them, differ.
fn suspension_fields<T: PartialEq>(
    old: &Table,
    new: &Table,
    find: impl Fn(&Table, &Layer) -> Option<T>,
) -> Vec<String> {
    let names: BTreeSet<&str> = old
        .layers
        .iter()
        .chain(&new.layers)
        .map(|l| l.name.as_str())
        .collect();
    names
        .into_iter()
        .filter(|name| {
            let a = old.layer(name).and_then(|l| find(old, l));
            let b = new.layer(name).and_then(|l| find(new, l));
            a != b
        })
        .map(|name| format!("suspensions in {name}"))
        .collect()
}

pub(super) fn services(old: &Table, new: &Table) -> ItemChanges {
    let by_id = |table: &Table| -> BTreeMap<String, Service> {
        table
            .services
            .iter()
            .map(|s| (s.id.clone(), s.clone()))
            .collect()
    };
    let label = |table: &Table, id: &str, s: &Service| {
        format!("{id} {} ({})", s.name, type_name(table, s.service_type))
    };
    compare_items(
        &by_id(old),
        &by_id(new),
        |id, s| label(new, id, s),
        |id, s| label(old, id, s),
        |id, previous, service| {
            let mut fields = service_fields(old, previous, new, service);
            // Where it is declared decides where it is in force.
            if declared_in(old, id) != declared_in(new, id) {
                fields.push("declared in".to_owned());
            }
            // Suspensions live in layers: compare them per layer by name.
            fields.extend(suspension_fields(old, new, |_, l| {
                l.suspended_services.get(id).cloned()
            }));
            fields
        },
    )
}

pub(super) fn service_types(old: &Table, new: &Table) -> ItemChanges {
    let by_name = |table: &Table| -> BTreeMap<String, dxmap_runtime::table::ServiceType> {
        table
            .service_types
            .iter()
            .map(|t| (t.name.clone(), t.clone()))
            .collect()
    };
    compare_named(
        &by_name(old),
        &by_name(new),
        |name, previous, service_type| {
            let mut fields = differing([
                ("label", previous.label == service_type.label),
                (
                    "responds_within",
                    previous.responds_within_minutes == service_type.responds_within_minutes,
                ),
                ("channels", previous.channels == service_type.channels),
                ("requires", previous.requires == service_type.requires),
                ("returns", previous.returns == service_type.returns),
            ]);
            // Suspensions of the type, per layer.
            fields.extend(suspension_fields(old, new, |table, l| {
                let idx = table.service_types.iter().position(|t| t.name == *name)?;
                l.suspended_types.get(&u32::try_from(idx).ok()?).cloned()
            }));
            fields
        },
    )
}

/// What routing reads of a layer besides its rules: the layer it extends,
/// the units it claims, the types it cannot use (a skill it lacks) and its
/// catch-all type, by name, with its distance limit (`within`).
#[derive(PartialEq)]
struct LayerFacts {
    parent: Option<String>,
    area: Vec<String>,
    unusable: BTreeMap<String, String>,
    catch_all: Option<(String, Option<u32>)>,
}

pub(super) fn layers(old: &Table, new: &Table) -> ItemChanges {
    let names = |table: &Table| -> BTreeMap<String, LayerFacts> {
        let mut areas: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (unit, idx) in &table.area_index {
            areas.entry(*idx).or_default().push(unit.clone());
        }
        table
            .layers
            .iter()
            .enumerate()
            .map(|(idx, l)| {
                let area = areas
                    .remove(&u32::try_from(idx).unwrap_or(u32::MAX))
                    .unwrap_or_default();
                let facts = LayerFacts {
                    parent: l.parent.clone(),
                    area,
                    unusable: l
                        .unusable_types
                        .iter()
                        .map(|(t, skill)| (type_name(table, *t), skill.clone()))
                        .collect(),
                    catch_all: l
                        .catch_all
                        .map(|t| (type_name(table, t), l.catch_all_within_m)),
                };
                (l.name.clone(), facts)
            })
            .collect()
    };
    compare_named(&names(old), &names(new), |_, before, after| {
        differing([
            ("extends", before.parent == after.parent),
            ("area", before.area == after.area),
            ("skills", before.unusable == after.unusable),
            ("catch_all", before.catch_all == after.catch_all),
        ])
    })
}

/// Codes whose routing fields differ: the timeframe (the search window's
/// length) and `same_as` (whose rules answer).
pub(super) fn dispositions(old: &Table, new: &Table) -> ItemChanges {
    let by_code = |table: &Table| -> BTreeMap<String, (Option<u32>, Option<String>)> {
        table
            .dispositions
            .iter()
            .map(|d| {
                let same_as = d
                    .same_as
                    .and_then(|t| table.dispositions.get(usize::try_from(t).ok()?))
                    .map(|t| t.code.clone());
                (d.code.clone(), (d.timeframe_minutes, same_as))
            })
            .collect()
    };
    compare_named(
        &by_code(old),
        &by_code(new),
        |_, (old_timeframe, old_same_as), (timeframe, same_as)| {
            let mut fields = Vec::new();
            if old_timeframe != timeframe {
                fields.push(format!(
                    "timeframe {} -> {}",
                    minutes_text(*old_timeframe),
                    minutes_text(*timeframe)
                ));
            }
            if old_same_as != same_as {
                fields.push(format!(
                    "same_as {} -> {}",
                    old_same_as.as_deref().unwrap_or("none"),
                    same_as.as_deref().unwrap_or("none")
                ));
            }
            fields
        },
    )
}

fn minutes_text(minutes: Option<u32>) -> String {
    minutes.map_or_else(|| "none".to_owned(), |m| format!("{m} min"))
}

/// Bank holidays: `DATE NAME` added or removed, renamed as changed.
pub(super) fn calendar(old: &Table, new: &Table) -> ItemChanges {
    let by_date = |table: &Table| -> BTreeMap<String, String> {
        table
            .calendar
            .iter()
            .map(|(date, name)| (date.to_string(), name.clone()))
            .collect()
    };
    compare_items(
        &by_date(old),
        &by_date(new),
        |date, name| format!("{date} {name}"),
        |date, name| format!("{date} {name}"),
        |_, before, after| {
            if before == after {
                Vec::new()
            } else {
                vec![format!("name {before:?} -> {after:?}")]
            }
        },
    )
}

/// Queue hierarchies by name: their order of codes.
pub(super) fn hierarchies(old: &Table, new: &Table) -> ItemChanges {
    let by_name = |table: &Table| -> BTreeMap<String, Vec<String>> {
        table
            .hierarchies
            .iter()
            .map(|h| (h.name.clone(), h.codes.clone()))
            .collect()
    };
    compare_named(&by_name(old), &by_name(new), |_, before, after| {
        if before == after {
            Vec::new()
        } else {
            vec!["order".to_owned()]
        }
    })
}
