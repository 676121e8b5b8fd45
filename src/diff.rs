//! The behavioural difference between two compiled tables: where routing
//! changes, and which services and service types were added, removed or
//! changed.
//!
//! Routing is compared cell by cell, exactly: for every layer (by name),
//! disposition and channel, the ages are cut at every bound that a rule of
//! either table naming the disposition (or its `same_as` target) uses, and
//! for each sex (female, male, not given) and each resulting age band the
//! static outcome of routing is computed in both tables — the remap, a
//! `no_search` answer, or the rule chosen by step 3 with its ranked service
//! types, or the catch-all when no rule matches. Cells whose outcomes differ
//! are reported, adjacent age bands with the same change merged. Outcomes
//! that depend on the time of a case (opening hours, suspensions, capacity)
//! are covered by the service comparison instead.
//!
//! Imports: `dxmap_runtime::table`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::table::{Layer, Rule, Service, Table};
use dxmap_runtime::{Channel, Sex};
use serde::Serialize;

/// The sex of a case, for cells: given or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellSex {
    /// Every sex: the change does not depend on it.
    Any,
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not given.
    NotGiven,
}

const SEXES: [CellSex; 3] = [CellSex::Female, CellSex::Male, CellSex::NotGiven];

impl CellSex {
    fn sex(self) -> Option<Sex> {
        match self {
            CellSex::Female => Some(Sex::Female),
            CellSex::Male => Some(Sex::Male),
            CellSex::Any | CellSex::NotGiven => None,
        }
    }
}

/// What routing does for a cell, ignoring time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The code searched first, when the layer remaps the disposition.
    pub remap: Option<String>,
    /// The `no_search` reason.
    pub no_search: Option<String>,
    /// The rule chosen.
    pub rule: Option<String>,
    /// Its ranked service types.
    pub types: Vec<String>,
    /// The catch-all type, when no rule matches.
    pub catch_all: Option<String>,
    /// Whether the layer exists in the table at all.
    pub layer_exists: bool,
}

/// One changed cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// The layer.
    pub layer: String,
    /// The disposition.
    pub dx: String,
    /// The channel.
    pub channel: Channel,
    /// The sex (`any` when all three change alike).
    pub sex: CellSex,
    /// Youngest age of the band, in days.
    pub min_age_days: u32,
    /// First age in days past the band; `None` is unbounded.
    pub max_age_days: Option<u32>,
    /// Routing before.
    pub old: Outcome,
    /// Routing after.
    pub new: Outcome,
}

/// A service or service type whose definition changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Its id or name.
    pub id: String,
    /// The fields that differ.
    pub fields: Vec<String>,
}

/// Additions, removals and changes of one kind of item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ItemChanges {
    /// Present only in the new table.
    pub added: Vec<String>,
    /// Present only in the old table.
    pub removed: Vec<String>,
    /// Present in both, defined differently.
    pub changed: Vec<Changed>,
}

impl ItemChanges {
    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The difference between two tables.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Diff {
    /// Routing cells that changed.
    pub routing: Vec<CellChange>,
    /// Services added, removed or changed (including suspensions per layer).
    pub services: ItemChanges,
    /// Service types added, removed or changed.
    pub service_types: ItemChanges,
    /// Layers (overlays) added or removed.
    pub layers: ItemChanges,
    /// The releases, when they differ.
    pub release: Option<(String, String)>,
}

impl Diff {
    /// Whether the two tables behave the same.
    pub fn is_empty(&self) -> bool {
        self.routing.is_empty()
            && self.services.is_empty()
            && self.service_types.is_empty()
            && self.layers.is_empty()
            && self.release.is_none()
    }
}

fn layer<'a>(table: &'a Table, name: &str) -> Option<&'a Layer> {
    table.layers.iter().find(|l| l.name == name)
}

fn rule_at(table: &Table, idx: u32) -> Option<&Rule> {
    table.rules.get(usize::try_from(idx).ok()?)
}

fn type_name(table: &Table, idx: u32) -> String {
    table
        .service_types
        .get(usize::try_from(idx).unwrap_or(usize::MAX))
        .map_or_else(|| "?".to_owned(), |t| t.name.clone())
}

/// The code whose rules answer `code` in a layer (itself, or its `same_as`
/// target when no rule names it), as the runtime decides.
fn effective_code<'a>(table: &'a Table, layer: &Layer, code: &'a str) -> &'a str {
    if layer.rules_by_dx.contains_key(code) || layer.no_search.contains_key(code) {
        return code;
    }
    table
        .disposition_index
        .get(code)
        .and_then(|idx| table.dispositions.get(usize::try_from(*idx).ok()?))
        .and_then(|d| d.same_as)
        .and_then(|t| table.dispositions.get(usize::try_from(t).ok()?))
        .map_or(code, |target| target.code.as_str())
}

/// The rules that can answer a disposition in a layer.
fn candidate_rules<'a>(table: &'a Table, layer: &'a Layer, code: &str) -> Vec<&'a Rule> {
    let code = effective_code(table, layer, code);
    layer
        .rules_by_dx
        .get(code)
        .into_iter()
        .flatten()
        .filter_map(|idx| rule_at(table, *idx))
        .collect()
}

fn outcome(
    table: &Table,
    layer_name: &str,
    code: &str,
    channel: Channel,
    sex: CellSex,
    age: u32,
) -> Outcome {
    let Some(layer) = layer(table, layer_name) else {
        return Outcome {
            remap: None,
            no_search: None,
            rule: None,
            types: Vec::new(),
            catch_all: None,
            layer_exists: false,
        };
    };
    let remap = layer.remaps.get(code).map(|r| r.to.clone());
    let searched = layer.remaps.get(code).map_or(code, |r| r.to.as_str());
    let effective = effective_code(table, layer, searched);
    let no_search = layer
        .no_search
        .get(searched)
        .or_else(|| layer.no_search.get(effective))
        .cloned();
    let mut result = Outcome {
        remap,
        no_search,
        rule: None,
        types: Vec::new(),
        catch_all: None,
        layer_exists: true,
    };
    if result.no_search.is_some() {
        return result;
    }
    let chosen = candidate_rules(table, layer, searched)
        .into_iter()
        .find(|rule| {
            rule.channels.contains(&channel)
                && rule.min_age_days <= age
                && rule.max_age_days.is_none_or(|max| age < max)
                && rule.sex.is_none_or(|s| sex.sex() == Some(s))
        });
    match chosen {
        Some(rule) => {
            result.rule = Some(rule.name.clone());
            result.types = rule.route.iter().map(|t| type_name(table, *t)).collect();
        }
        None => result.catch_all = layer.catch_all.map(|t| type_name(table, t)),
    }
    result
}

fn bounds(rules: &[&Rule], into: &mut BTreeSet<u32>) {
    for rule in rules {
        into.insert(rule.min_age_days);
        if let Some(max) = rule.max_age_days {
            into.insert(max);
        }
    }
}

/// Routing changes for every layer, disposition, channel, sex and age band.
fn routing(old: &Table, new: &Table) -> Vec<CellChange> {
    let layers: BTreeSet<&str> = old
        .layers
        .iter()
        .chain(&new.layers)
        .map(|l| l.name.as_str())
        .collect();
    let codes: BTreeSet<&str> = old
        .dispositions
        .iter()
        .chain(&new.dispositions)
        .map(|d| d.code.as_str())
        .collect();
    let mut changes = Vec::new();
    for layer_name in &layers {
        for code in &codes {
            let mut cuts: BTreeSet<u32> = BTreeSet::from([0]);
            for table in [old, new] {
                if let Some(layer) = layer(table, layer_name) {
                    let searched = layer.remaps.get(*code).map_or(*code, |r| r.to.as_str());
                    bounds(&candidate_rules(table, layer, searched), &mut cuts);
                }
            }
            let cuts: Vec<u32> = cuts.into_iter().collect();
            for channel in Channel::ALL {
                let mut cell_changes: Vec<CellChange> = Vec::new();
                for sex in SEXES {
                    for (idx, start) in cuts.iter().enumerate() {
                        let stop = cuts.get(idx + 1).copied();
                        let before = outcome(old, layer_name, code, channel, sex, *start);
                        let after = outcome(new, layer_name, code, channel, sex, *start);
                        if before == after {
                            continue;
                        }
                        // Merge with the previous band of the same sex and change.
                        if let Some(last) = cell_changes.last_mut() {
                            if last.sex == sex
                                && last.max_age_days == Some(*start)
                                && last.old == before
                                && last.new == after
                            {
                                last.max_age_days = stop;
                                continue;
                            }
                        }
                        cell_changes.push(CellChange {
                            layer: (*layer_name).to_owned(),
                            dx: (*code).to_owned(),
                            channel,
                            sex,
                            min_age_days: *start,
                            max_age_days: stop,
                            old: before,
                            new: after,
                        });
                    }
                }
                changes.extend(merge_sexes(cell_changes));
            }
        }
    }
    changes
}

/// Cells that change alike for all three sexes become one `any` cell.
fn merge_sexes(cells: Vec<CellChange>) -> Vec<CellChange> {
    let mut groups: BTreeMap<(u32, Option<u32>, String, String), Vec<CellChange>> = BTreeMap::new();
    for cell in cells {
        let key = (
            cell.min_age_days,
            cell.max_age_days,
            format!("{:?}", cell.old),
            format!("{:?}", cell.new),
        );
        groups.entry(key).or_default().push(cell);
    }
    let mut out = Vec::new();
    for (_, mut group) in groups {
        if group.len() == SEXES.len() {
            if let Some(mut first) = group.pop() {
                first.sex = CellSex::Any;
                out.push(first);
            }
        } else {
            out.extend(group);
        }
    }
    out.sort_by_key(|cell| (cell.sex, cell.min_age_days));
    out
}

fn service_fields(old: &Table, a: &Service, new: &Table, b: &Service) -> Vec<String> {
    let mut fields = Vec::new();
    let mut check = |name: &str, same: bool| {
        if !same {
            fields.push(name.to_owned());
        }
    };
    check("name", a.name == b.name);
    check(
        "type",
        type_name(old, a.service_type) == type_name(new, b.service_type),
    );
    check("catchment", a.catchment == b.catchment);
    check("location", a.location == b.location);
    check(
        "ages",
        (a.min_age_days, a.max_age_days) == (b.min_age_days, b.max_age_days),
    );
    check("sexes", a.sexes == b.sexes);
    check("rank", a.rank == b.rank);
    check(
        "valid",
        (a.valid_from, a.valid_until) == (b.valid_from, b.valid_until),
    );
    check("hours", old.hours_of(a) == new.hours_of(b));
    fields
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
            let a = layer(old, name).and_then(|l| find(old, l));
            let b = layer(new, name).and_then(|l| find(new, l));
            a != b
        })
        .map(|name| format!("suspensions in {name}"))
        .collect()
}

fn services(old: &Table, new: &Table) -> ItemChanges {
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
            // Suspensions live in layers: compare them per layer by name.
            fields.extend(suspension_fields(old, new, |_, l| {
                l.suspended_services.get(id).cloned()
            }));
            fields
        },
    )
}

fn service_types(old: &Table, new: &Table) -> ItemChanges {
    let by_name = |table: &Table| -> BTreeMap<String, dxmap_runtime::table::ServiceType> {
        table
            .service_types
            .iter()
            .map(|t| (t.name.clone(), t.clone()))
            .collect()
    };
    compare_items(
        &by_name(old),
        &by_name(new),
        |name, _| name.to_owned(),
        |name, _| name.to_owned(),
        |name, previous, service_type| {
            let mut fields = Vec::new();
            let mut check = |field: &str, same: bool| {
                if !same {
                    fields.push(field.to_owned());
                }
            };
            check("label", previous.label == service_type.label);
            check(
                "responds_within",
                previous.responds_within_minutes == service_type.responds_within_minutes,
            );
            check("channels", previous.channels == service_type.channels);
            check("requires", previous.requires == service_type.requires);
            check("returns", previous.returns == service_type.returns);
            // Suspensions of the type, per layer.
            fields.extend(suspension_fields(old, new, |table, l| {
                let idx = table.service_types.iter().position(|t| t.name == *name)?;
                l.suspended_types.get(&u32::try_from(idx).ok()?).cloned()
            }));
            fields
        },
    )
}

fn layers(old: &Table, new: &Table) -> ItemChanges {
    let names = |table: &Table| -> BTreeMap<String, (Option<String>, Vec<String>)> {
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
                (l.name.clone(), (l.parent.clone(), area))
            })
            .collect()
    };
    compare_items(
        &names(old),
        &names(new),
        |name, _| name.to_owned(),
        |name, _| name.to_owned(),
        |_, (old_parent, old_area), (parent, area)| {
            let mut fields = Vec::new();
            if old_parent != parent {
                fields.push("extends".to_owned());
            }
            if old_area != area {
                fields.push("area".to_owned());
            }
            fields
        },
    )
}

/// The behavioural difference between `old` and `new`.
pub fn diff(old: &Table, new: &Table) -> Diff {
    Diff {
        routing: routing(old, new),
        services: services(old, new),
        service_types: service_types(old, new),
        layers: layers(old, new),
        release: (old.release != new.release).then(|| (old.release.clone(), new.release.clone())),
    }
}
