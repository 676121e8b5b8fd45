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
//! types, or the catch-all when no rule matches, and for a remapped code
//! what the re-query with the original code would use. Cells whose
//! outcomes differ are reported, adjacent age bands with the same change
//! merged.
//!
//! Everything else a route reads is compared item by item, so that no
//! change that reroutes a case goes unreported (`tests/diff_exact.rs` routes
//! random cases through both tables of random changes to check it): the
//! services (each field, where they are declared, their suspensions per
//! layer), the service types, the layers (what they extend, claim, lack and
//! fall back to), the dispositions' timeframes and `same_as`, the calendar
//! of bank holidays, and the queue hierarchies. Anything that depends on the
//! time of a case is listed under what it belongs to.
//!
//! Everything but the cells is compared in `items.rs`. Overlays added or
//! removed are also summarised, one each, by what they change in their
//! area (`overlays.rs`).
//!
//! Imports: `dxmap_runtime::{table, space}`; its own `items` and
//! `overlays`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::space::{Ages, Answering, CaseSex, Conditions};
use dxmap_runtime::table::{Layer, Rule, Table};
use dxmap_runtime::Channel;
use serde::Serialize;

mod items;
mod overlays;

pub use overlays::{
    plural, sort_units, units_shown, units_text, AreaChange, OverlayChange, OverlaySummary,
    MAX_UNITS,
};

/// Serialises a cell's sex: `female`, `male`, `not_given`, or `any` when
/// all three change alike.
fn cell_sex<S: serde::Serializer>(sex: &Option<CaseSex>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(sex.map_or("any", CaseSex::as_str))
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
    /// When the layer remaps the code: what the original code's search
    /// (the re-query, when the remapped search finds nothing) would use,
    /// as `rule -> types`, `no search (…)` or `no rule`.
    pub requery: Option<String>,
    /// Whether the layer exists in the table at all.
    pub layer_exists: bool,
}

impl Outcome {
    /// Whether no rule answers here: the layer is gone, or only the
    /// catch-all (or nothing) is left. A change to such an outcome is a
    /// deletion or a new gap.
    pub fn is_gap(&self) -> bool {
        !self.layer_exists || (self.no_search.is_none() && self.rule.is_none())
    }
}

/// How `dxmap diff` and the report read an outcome: `"rule" -> types`,
/// `no search (reason)`, `no rule: catch-all type`, with a remap's `as CODE:`
/// first and a re-query last.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.layer_exists {
            return f.write_str("(no such layer)");
        }
        if let Some(to) = &self.remap {
            write!(f, "as {to}: ")?;
        }
        if let Some(reason) = &self.no_search {
            return write!(f, "no search ({reason})");
        }
        match (&self.rule, &self.catch_all) {
            (Some(rule), _) => write!(f, "\"{rule}\" -> {}", self.types.join(", "))?,
            (None, Some(catch_all)) => write!(f, "no rule: catch-all {catch_all}")?,
            (None, None) => f.write_str("no rule, no catch-all")?,
        }
        match &self.requery {
            Some(requery) => write!(f, " (re-query: {requery})"),
            None => Ok(()),
        }
    }
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
    /// The sex; `None` (`any` in JSON) when all three change alike.
    #[serde(serialize_with = "cell_sex")]
    pub sex: Option<CaseSex>,
    /// Youngest age of the band, in days.
    pub min_age_days: u32,
    /// First age in days past the band; `None` is unbounded.
    pub max_age_days: Option<u32>,
    /// Routing before.
    pub old: Outcome,
    /// Routing after.
    pub new: Outcome,
}

impl CellChange {
    /// The band of ages.
    pub fn ages(&self) -> Ages {
        Ages::new(self.min_age_days, self.max_age_days)
    }
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
    /// Layers (overlays) added or removed, or changed in what they extend,
    /// claim, lack (skills) or fall back to (catch-all).
    pub layers: ItemChanges,
    /// Dispositions whose routing fields differ: added or removed codes,
    /// a changed timeframe (the search window) or `same_as`.
    pub dispositions: ItemChanges,
    /// Bank holidays added, removed or renamed (services with
    /// `bank_holiday` hours open or close differently on them).
    pub calendar: ItemChanges,
    /// Queue hierarchies added, removed or re-ordered (`queue`).
    pub hierarchies: ItemChanges,
    /// The releases, when they differ.
    pub release: Option<(String, String)>,
    /// The overlays added or removed, each summarised by what it changes
    /// in its area (its cells are in `routing` too, against a layer that
    /// does not exist).
    pub overlays: Vec<OverlaySummary>,
    /// The units claimed and given up by overlays in both tables whose
    /// area changed (`area` in `layers.changed`).
    pub areas: Vec<AreaChange>,
}

impl Diff {
    /// The changed cells that are read cell by cell: all but those of an
    /// overlay added or removed, which are read against a layer that does
    /// not exist and are summarised in [`Diff::overlays`] instead.
    pub fn listed_cells(&self) -> impl Iterator<Item = &CellChange> {
        self.routing
            .iter()
            .filter(|cell| !self.overlays.iter().any(|s| s.layer == cell.layer))
    }

    /// Whether the two tables behave the same.
    pub fn is_empty(&self) -> bool {
        self.routing.is_empty()
            && self.services.is_empty()
            && self.service_types.is_empty()
            && self.layers.is_empty()
            && self.dispositions.is_empty()
            && self.calendar.is_empty()
            && self.hierarchies.is_empty()
            && self.release.is_none()
    }
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

/// The code searched first in a layer: the remap's target, else the code.
fn searched<'a>(layer: &'a Layer, code: &'a str) -> &'a str {
    layer.remaps.get(code).map_or(code, |r| r.to.as_str())
}

/// The rules that can answer `code` in a layer, as the router tries them.
fn candidate_rules<'a>(table: &'a Table, layer: &'a Layer, code: &'a str) -> Vec<&'a Rule> {
    let Answering::Rules { code, .. } = table.answering_code(layer, code) else {
        return Vec::new();
    };
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
    layer: Option<&Layer>,
    code: &str,
    channel: Channel,
    sex: CaseSex,
    age: u32,
) -> Outcome {
    let Some(layer) = layer else {
        return Outcome {
            remap: None,
            no_search: None,
            rule: None,
            types: Vec::new(),
            catch_all: None,
            requery: None,
            layer_exists: false,
        };
    };
    let searched = searched(layer, code);
    let mut result = Outcome {
        remap: layer.remaps.get(code).map(|r| r.to.clone()),
        no_search: None,
        rule: None,
        types: Vec::new(),
        catch_all: None,
        requery: None,
        layer_exists: true,
    };
    if searched != code {
        result.requery = Some(match search(table, layer, code, channel, sex, age) {
            Search::Closed(reason) => format!("no search ({reason})"),
            Search::Rule(rule) => format!(
                "\"{}\" -> {}",
                rule.name,
                rule.route
                    .iter()
                    .map(|t| type_name(table, *t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Search::NoRule => "no rule".to_owned(),
        });
    }
    match search(table, layer, searched, channel, sex, age) {
        Search::Closed(reason) => result.no_search = Some(reason.to_owned()),
        Search::Rule(rule) => {
            result.rule = Some(rule.name.clone());
            result.types = rule.route.iter().map(|t| type_name(table, *t)).collect();
        }
        Search::NoRule => result.catch_all = layer.catch_all.map(|t| type_name(table, t)),
    }
    result
}

/// What one search of `code` in a layer finds for a cell, ignoring time:
/// `no_search` (the call is closed with a reason), a rule, or none.
enum Search<'t> {
    Closed(&'t str),
    Rule(&'t Rule),
    NoRule,
}

fn search<'t>(
    table: &'t Table,
    layer: &'t Layer,
    code: &'t str,
    channel: Channel,
    sex: CaseSex,
    age: u32,
) -> Search<'t> {
    if let Answering::NoSearch { reason, .. } = table.answering_code(layer, code) {
        return Search::Closed(reason);
    }
    candidate_rules(table, layer, code)
        .into_iter()
        .find(|rule| rule.when.admits(channel, sex, age))
        .map_or(Search::NoRule, Search::Rule)
}

/// A rule as the static outcome of a cell reads it, by value (type names,
/// not indexes, which differ between tables): its name, conditions and
/// ranked types.
#[derive(PartialEq)]
struct RuleView<'a> {
    name: &'a str,
    when: &'a Conditions,
    types: Vec<&'a str>,
}

/// A table with the views of its rules, made once.
struct Side<'a> {
    table: &'a Table,
    rules: Vec<RuleView<'a>>,
}

impl<'a> Side<'a> {
    fn new(table: &'a Table) -> Side<'a> {
        let type_name = |idx: &u32| -> &'a str {
            table
                .service_types
                .get(usize::try_from(*idx).unwrap_or(usize::MAX))
                .map_or("?", |t| t.name.as_str())
        };
        let rules = table
            .rules
            .iter()
            .map(|rule| RuleView {
                name: &rule.name,
                when: &rule.when,
                types: rule.route.iter().map(type_name).collect(),
            })
            .collect();
        Side { table, rules }
    }

    fn type_name(&self, idx: u32) -> Option<&'a str> {
        self.table
            .service_types
            .get(usize::try_from(idx).ok()?)
            .map(|t| t.name.as_str())
    }

    /// The rules answering `code` in `layer`, as indexes into `rules`.
    fn rule_list<'c>(&self, layer: &'c Layer, code: &'c str) -> &'c [u32]
    where
        'a: 'c,
    {
        match self.table.answering_code(layer, code) {
            Answering::Rules { code, .. } => layer.rules_by_dx.get(code).map_or(&[], Vec::as_slice),
            Answering::NoSearch { .. } => &[],
        }
    }
}

/// Numbers the rules of both tables so that equal views share a number:
/// rule lists then compare as lists of numbers, whatever the indexes.
fn canonical_numbers(old: &[RuleView<'_>], new: &[RuleView<'_>]) -> (Vec<u32>, Vec<u32>) {
    let mut firsts: Vec<&RuleView<'_>> = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut number = |view| {
        let candidates = by_name.entry(view_name(view)).or_default();
        for &id in candidates.iter() {
            if firsts.get(usize::try_from(id).unwrap_or(usize::MAX)) == Some(&view) {
                return id;
            }
        }
        let id = u32::try_from(firsts.len()).unwrap_or(u32::MAX);
        firsts.push(view);
        candidates.push(id);
        id
    };
    let old_numbers = old.iter().map(&mut number).collect();
    let new_numbers = new.iter().map(&mut number).collect();
    (old_numbers, new_numbers)
}

fn view_name<'v>(view: &'v RuleView<'_>) -> &'v str {
    view.name
}

/// Whether a layer is the same in both tables for every code: its rule
/// lists (as canonical numbers), `no_search` reasons, remaps and catch-all
/// type. Valid only when the tables' dispositions route alike (same
/// codes, same `same_as`).
fn same_layer(old: (&Side<'_>, &[u32], &Layer), new: (&Side<'_>, &[u32], &Layer)) -> bool {
    let ((old_side, old_numbers, a), (new_side, new_numbers, b)) = (old, new);
    let numbers = |numbers: &[u32], list: &[u32]| -> Vec<u32> {
        list.iter()
            .map(|idx| {
                numbers
                    .get(usize::try_from(*idx).unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    };
    a.no_search == b.no_search
        && a.remaps.len() == b.remaps.len()
        && a.remaps
            .iter()
            .zip(&b.remaps)
            .all(|((ka, ra), (kb, rb))| ka == kb && ra.to == rb.to)
        && a.catch_all.and_then(|t| old_side.type_name(t))
            == b.catch_all.and_then(|t| new_side.type_name(t))
        && a.rules_by_dx.len() == b.rules_by_dx.len()
        && a.rules_by_dx
            .iter()
            .zip(&b.rules_by_dx)
            .all(|((ka, la), (kb, lb))| {
                ka == kb
                    && la.len() == lb.len()
                    && numbers(old_numbers, la) == numbers(new_numbers, lb)
            })
}

/// The `no_search` reason that answers `code` in a layer, if one does.
fn closed<'t>(table: &'t Table, layer: &'t Layer, code: &'t str) -> Option<&'t str> {
    match table.answering_code(layer, code) {
        Answering::NoSearch { reason, .. } => Some(reason),
        Answering::Rules { .. } => None,
    }
}

/// Whether everything the static outcome of `code`'s cells in a layer
/// reads is the same in both tables — the remap, each search's
/// `no_search` reason or rules, the catch-all — so that no cell can
/// differ. Compares by value, allocating nothing.
fn same_inputs(
    old: &Side<'_>,
    old_layer: Option<&Layer>,
    new: &Side<'_>,
    new_layer: Option<&Layer>,
    code: &str,
) -> bool {
    let (Some(a), Some(b)) = (old_layer, new_layer) else {
        return old_layer.is_none() && new_layer.is_none();
    };
    let (searched_a, searched_b) = (searched(a, code), searched(b, code));
    if searched_a != searched_b
        || a.catch_all.and_then(|t| old.type_name(t)) != b.catch_all.and_then(|t| new.type_name(t))
    {
        return false;
    }
    let same_search = |code: &str| {
        if closed(old.table, a, code) != closed(new.table, b, code) {
            return false;
        }
        let (list_a, list_b) = (old.rule_list(a, code), new.rule_list(b, code));
        list_a.len() == list_b.len()
            && list_a.iter().zip(list_b).all(|(x, y)| {
                let x = old.rules.get(usize::try_from(*x).unwrap_or(usize::MAX));
                let y = new.rules.get(usize::try_from(*y).unwrap_or(usize::MAX));
                x == y
            })
    };
    same_search(searched_a) && (searched_a == code || same_search(code))
}

/// Routing changes for every layer, disposition, channel, sex and age band.
fn routing<'a>(old: &'a Table, new: &'a Table) -> Vec<CellChange> {
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
    let by_name = |table: &'a Table| -> BTreeMap<&'a str, &'a Layer> {
        table.layers.iter().map(|l| (l.name.as_str(), l)).collect()
    };
    let (old_layers, new_layers) = (by_name(old), by_name(new));
    let (old_side, new_side) = (Side::new(old), Side::new(new));
    let (old_numbers, new_numbers) = canonical_numbers(&old_side.rules, &new_side.rules);
    // Layers that are the same in both tables are skipped whole, when the
    // dispositions route alike (same codes, timeframes aside, same
    // `same_as`).
    let same_as = |table: &Table| -> Vec<(String, Option<String>)> {
        table
            .dispositions
            .iter()
            .map(|d| {
                let target = d
                    .same_as
                    .and_then(|t| table.dispositions.get(usize::try_from(t).ok()?))
                    .map(|t| t.code.clone());
                (d.code.clone(), target)
            })
            .collect()
    };
    let dispositions_alike = same_as(old) == same_as(new);
    let mut changes = Vec::new();
    for layer_name in &layers {
        let old_layer = old_layers.get(layer_name).copied();
        let new_layer = new_layers.get(layer_name).copied();
        if let (true, Some(a), Some(b)) = (dispositions_alike, old_layer, new_layer) {
            if same_layer((&old_side, &old_numbers, a), (&new_side, &new_numbers, b)) {
                continue;
            }
        }
        for code in &codes {
            changes.extend(code_cells(
                (&old_side, old_layer),
                (&new_side, new_layer),
                layer_name,
                code,
            ));
        }
    }
    changes
}

/// The changed cells of one code between a layer of the old table and a
/// layer of the new one (the same layer, or, for an overlay added or
/// removed, the layer that routes its area in the other table), labelled
/// with `layer_name`.
fn code_cells(
    old: (&Side<'_>, Option<&Layer>),
    new: (&Side<'_>, Option<&Layer>),
    layer_name: &str,
    code: &str,
) -> Vec<CellChange> {
    let ((old_side, old_layer), (new_side, new_layer)) = (old, new);
    let (old, new) = (old_side.table, new_side.table);
    // Most cells of most layers are alike: when everything routing
    // reads for this code in this layer is the same in both tables,
    // no cell can differ (2,000 unchanged overlays cost a lookup
    // each, not a sweep of their cells).
    if same_inputs(old_side, old_layer, new_side, new_layer, code) {
        return Vec::new();
    }
    let mut cuts: BTreeSet<u32> = BTreeSet::from([0]);
    for (table, layer) in [(old, old_layer), (new, new_layer)] {
        if let Some(layer) = layer {
            // The remapped code's rules, and the original's for
            // the re-query.
            for searched in [searched(layer, code), code] {
                for rule in candidate_rules(table, layer, searched) {
                    rule.when.ages.cut_points_into(&mut cuts);
                }
            }
        }
    }
    let bands = Ages::ALL.bands(&cuts);
    let mut changes = Vec::new();
    for channel in Channel::ALL {
        let mut cell_changes: Vec<CellChange> = Vec::new();
        for sex in CaseSex::ALL {
            for band in &bands {
                let before = outcome(old, old_layer, code, channel, sex, band.min_days);
                let after = outcome(new, new_layer, code, channel, sex, band.min_days);
                if before == after {
                    continue;
                }
                // Merge with the previous band of the same sex and change.
                if let Some(last) = cell_changes.last_mut() {
                    if last.sex == Some(sex)
                        && last.max_age_days == Some(band.min_days)
                        && last.old == before
                        && last.new == after
                    {
                        last.max_age_days = band.max_days;
                        continue;
                    }
                }
                cell_changes.push(CellChange {
                    layer: layer_name.to_owned(),
                    dx: code.to_owned(),
                    channel,
                    sex: Some(sex),
                    min_age_days: band.min_days,
                    max_age_days: band.max_days,
                    old: before,
                    new: after,
                });
            }
        }
        changes.extend(merge_sexes(cell_changes));
    }
    changes
}

/// Cells that change alike for all three sexes become one `any` cell.
fn merge_sexes(cells: Vec<CellChange>) -> Vec<CellChange> {
    let mut groups: BTreeMap<(Ages, String, String), Vec<CellChange>> = BTreeMap::new();
    for cell in cells {
        let key = (
            cell.ages(),
            format!("{:?}", cell.old),
            format!("{:?}", cell.new),
        );
        groups.entry(key).or_default().push(cell);
    }
    let mut out = Vec::new();
    for (_, mut group) in groups {
        if group.len() == CaseSex::ALL.len() {
            if let Some(mut first) = group.pop() {
                first.sex = None;
                out.push(first);
            }
        } else {
            out.extend(group);
        }
    }
    out.sort_by_key(|cell| (cell.sex.map_or(0, |sex| sex as u8 + 1), cell.min_age_days));
    out
}

/// The behavioural difference between `old` and `new`.
pub fn diff(old: &Table, new: &Table) -> Diff {
    // The same layers in the same order claiming the same units: no overlay
    // came or went, no area moved.
    let same_names = old.layers.len() == new.layers.len()
        && old
            .layers
            .iter()
            .zip(&new.layers)
            .all(|(a, b)| a.name == b.name);
    let (overlays, areas) = if same_names && old.area_index == new.area_index {
        (Vec::new(), Vec::new())
    } else {
        overlays::overlays(&Side::new(old), &Side::new(new))
    };
    Diff {
        routing: routing(old, new),
        services: items::services(old, new),
        service_types: items::service_types(old, new),
        layers: items::layers(old, new),
        dispositions: items::dispositions(old, new),
        calendar: items::calendar(old, new),
        hierarchies: items::hierarchies(old, new),
        release: (old.release != new.release).then(|| (old.release.clone(), new.release.clone())),
        overlays,
        areas,
    }
}
