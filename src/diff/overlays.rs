//! Overlays added or removed, and overlays whose area changed, as a DoS
//! lead reads them: one summary per overlay instead of its cells.
//!
//! A new overlay takes its area from the layers that routed it before (the
//! overlay claiming each unit in the old table, else the baseline); its
//! summary says which codes it routes differently from them there, and
//! which services are in force there only with it. A removed overlay is
//! read the other way round: the layers that route its area now. The
//! comparison is the same cell-by-cell one as for a layer present in both
//! tables (`super::code_cells`), between the two layers. An area change
//! lists the units claimed and given up.
//!
//! Imports: `super`, `dxmap_runtime::table`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::table::{Layer, Table};
use serde::Serialize;

use super::Side;

/// Whether an overlay was added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlayChange {
    /// Only in the new table.
    Added,
    /// Only in the old table.
    Removed,
}

/// A new or removed overlay, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverlaySummary {
    /// The overlay.
    pub layer: String,
    /// Added or removed.
    pub change: OverlayChange,
    /// The layer it extends.
    pub extends: Option<String>,
    /// The postcode units it claims, in postcode order.
    pub area: Vec<String>,
    /// The layers that route its area without it: before it was added, or
    /// now that it is removed.
    pub compared_with: Vec<String>,
    /// The codes routed differently in its area with it than without it.
    pub codes: Vec<String>,
    /// The routing cells (code, channel, sex, age band) of those codes
    /// that differ.
    pub cells: usize,
    /// Ids of the services in force in its area only with it.
    pub services_with: Vec<String>,
    /// Ids of the services in force in its area only without it.
    pub services_without: Vec<String>,
}

/// An overlay present in both tables whose area changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaChange {
    /// The overlay.
    pub layer: String,
    /// Units it claims now and did not before, in postcode order.
    pub added: Vec<String>,
    /// Units it claimed before and does not now, in postcode order.
    pub removed: Vec<String>,
}

/// The units each layer of a table claims, by layer name, in postcode order.
fn areas(table: &Table) -> BTreeMap<&str, Vec<String>> {
    let mut areas: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (unit, idx) in &table.area_index {
        if let Some(layer) = usize::try_from(*idx)
            .ok()
            .and_then(|idx| table.layers.get(idx))
        {
            areas.entry(&layer.name).or_default().push(unit.clone());
        }
    }
    for units in areas.values_mut() {
        sort_units(units);
    }
    areas
}

/// Units in postcode order: by area, then district by number and suffix,
/// then sector (`PL9` before `PL10`).
pub fn sort_units(units: &mut [String]) {
    units.sort_by_cached_key(|unit| {
        (
            dxmap_runtime::geo::unit_key(unit).unwrap_or(u32::MAX),
            unit.clone(),
        )
    });
}

/// The units enclosing `unit`, most specific first: a sector's district
/// and area, a district's area.
fn enclosing(unit: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let outward = match unit.split_once(' ') {
        Some((outward, _)) => {
            out.push(outward);
            outward
        }
        None => unit,
    };
    let letters = outward.bytes().take_while(u8::is_ascii_alphabetic).count();
    if let Some(area) = outward.get(..letters) {
        if !area.is_empty() && area != outward {
            out.push(area);
        }
    }
    out
}

/// The layer that routes `unit` in a table, leaving out `skip`: the overlay
/// claiming the unit or the most specific unit enclosing it, else the
/// baseline.
fn governing<'t>(table: &'t Table, unit: &str, skip: &str) -> Option<&'t Layer> {
    std::iter::once(unit)
        .chain(enclosing(unit))
        .filter_map(|unit| table.area_index.get(unit))
        .filter_map(|idx| table.layers.get(usize::try_from(*idx).ok()?))
        .find(|layer| layer.name != skip)
        .or_else(|| table.layers.first())
}

/// Ids of the services in force in a layer: its own and those of every
/// layer along its `extends` chain.
fn in_force(table: &Table, layer: &Layer) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut current = Some(layer);
    while let Some(layer) = current {
        if !seen.insert(layer.name.as_str()) {
            break;
        }
        for idx in layer
            .services_by_type
            .values()
            .flat_map(BTreeMap::values)
            .flatten()
        {
            if let Some(service) = usize::try_from(*idx)
                .ok()
                .and_then(|idx| table.services.get(idx))
            {
                ids.insert(service.id.clone());
            }
        }
        current = layer.parent.as_deref().and_then(|name| table.layer(name));
    }
    ids
}

/// One overlay's summary: `side` is the table it is in, `other_side` the
/// one it is not in.
fn summary(
    change: OverlayChange,
    layer: &Layer,
    (side, other_side): (&Side<'_>, &Side<'_>),
    area: Vec<String>,
    codes: &BTreeSet<&str>,
) -> OverlaySummary {
    let (table, other) = (side.table, other_side.table);
    // The layers routing its area in the other table, by name.
    let mut instead: BTreeMap<&str, &Layer> = BTreeMap::new();
    for unit in &area {
        if let Some(found) = governing(other, unit, &layer.name) {
            instead.insert(&found.name, found);
        }
    }
    let mut changed_codes = BTreeSet::new();
    let mut cells = 0;
    let with = in_force(table, layer);
    let mut without = BTreeSet::new();
    for found in instead.values() {
        without.extend(in_force(other, found));
        for code in codes {
            let pair = match change {
                OverlayChange::Added => super::code_cells(
                    (other_side, Some(found)),
                    (side, Some(layer)),
                    &layer.name,
                    code,
                ),
                OverlayChange::Removed => super::code_cells(
                    (side, Some(layer)),
                    (other_side, Some(found)),
                    &layer.name,
                    code,
                ),
            };
            if !pair.is_empty() {
                cells += pair.len();
                changed_codes.insert((*code).to_owned());
            }
        }
    }
    let only_with: Vec<String> = with.difference(&without).cloned().collect();
    without.retain(|id| !with.contains(id));
    OverlaySummary {
        layer: layer.name.clone(),
        change,
        extends: layer.parent.clone(),
        area,
        compared_with: instead.keys().map(|name| (*name).to_owned()).collect(),
        codes: changed_codes.into_iter().collect(),
        cells,
        services_with: only_with,
        services_without: without.into_iter().collect(),
    }
}

/// Summaries of the overlays added and removed, and the area changes of
/// overlays in both tables, in order of name.
pub(super) fn overlays(old: &Side<'_>, new: &Side<'_>) -> (Vec<OverlaySummary>, Vec<AreaChange>) {
    let codes: BTreeSet<&str> = old
        .table
        .dispositions
        .iter()
        .chain(&new.table.dispositions)
        .map(|d| d.code.as_str())
        .collect();
    let (mut old_areas, mut new_areas) = (areas(old.table), areas(new.table));
    let mut summaries = Vec::new();
    let mut moved = Vec::new();
    let names: BTreeSet<&str> = old
        .table
        .layers
        .iter()
        .chain(&new.table.layers)
        .map(|l| l.name.as_str())
        .collect();
    for name in names {
        let before_area = old_areas.remove(name).unwrap_or_default();
        let after_area = new_areas.remove(name).unwrap_or_default();
        match (old.table.layer(name), new.table.layer(name)) {
            (None, Some(layer)) => summaries.push(summary(
                OverlayChange::Added,
                layer,
                (new, old),
                after_area,
                &codes,
            )),
            (Some(layer), None) => summaries.push(summary(
                OverlayChange::Removed,
                layer,
                (old, new),
                before_area,
                &codes,
            )),
            (Some(_), Some(_)) if before_area != after_area => {
                let gone = |from: &[String], to: &[String]| -> Vec<String> {
                    from.iter().filter(|u| !to.contains(u)).cloned().collect()
                };
                moved.push(AreaChange {
                    layer: name.to_owned(),
                    added: gone(&after_area, &before_area),
                    removed: gone(&before_area, &after_area),
                });
            }
            _ => {}
        }
    }
    (summaries, moved)
}

/// The most units a one-line summary lists (JSON has them all).
pub const MAX_UNITS: usize = 24;

/// Units as a DoS lead writes them (`PL10..PL15`), each prefixed with
/// `sign`, at most [`MAX_UNITS`] of them, then `and N more`.
pub fn units_shown(list: &[String], sign: &str) -> String {
    let text = units_text(list);
    let parts: Vec<&str> = text.split(", ").filter(|p| !p.is_empty()).collect();
    let mut out: Vec<String> = parts
        .iter()
        .take(MAX_UNITS)
        .map(|part| format!("{sign}{part}"))
        .collect();
    if parts.len() > MAX_UNITS {
        out.push(format!("and {} more", parts.len() - MAX_UNITS));
    }
    out.join(", ")
}

/// `1 service`, `2 services`.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

impl OverlaySummary {
    /// What `dxmap diff` and the report say of an overlay added or
    /// removed, in one line: its area, and what it changes there compared
    /// with the layers that route the area without it. `cornwall (new
    /// overlay, extends national): area PL, TR — 12 codes routed
    /// differently there than by national before, 3 services added`.
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let what = match self.change {
            OverlayChange::Added => "new overlay",
            OverlayChange::Removed => "overlay removed",
        };
        let mut line = format!("{} ({what}", self.layer);
        if let Some(parent) = &self.extends {
            let _ = write!(line, ", extends {parent}");
        }
        line.push_str("): ");
        if self.area.is_empty() {
            line.push_str("claims no area, so routes no case itself");
            return line;
        }
        let _ = write!(line, "area {} — ", units_shown(&self.area, ""));
        let instead = self.compared_with.join(", ");
        let codes = plural(self.codes.len(), "code", "codes");
        let _ = match self.change {
            OverlayChange::Added => write!(
                line,
                "{codes} routed differently there than by {instead} before"
            ),
            OverlayChange::Removed => {
                write!(line, "{codes} routed differently there, by {instead} now")
            }
        };
        let (with, without) = match self.change {
            OverlayChange::Added => ("added", "no longer in force"),
            OverlayChange::Removed => ("no longer in force", "in force instead"),
        };
        for (ids, what) in [
            (&self.services_with, with),
            (&self.services_without, without),
        ] {
            if !ids.is_empty() {
                let _ = write!(
                    line,
                    ", {} {what}",
                    plural(ids.len(), "service", "services")
                );
            }
        }
        line
    }
}

impl AreaChange {
    /// `area +TR1..TR5, -PL10`: the units claimed (`+`) and given up (`-`).
    pub fn describe(&self) -> String {
        let moved: Vec<String> = [
            units_shown(&self.added, "+"),
            units_shown(&self.removed, "-"),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
        format!("area {}", moved.join(", "))
    }
}

/// Units as a DoS lead writes them: runs of three or more consecutive
/// districts of one area as a range (`PL10..PL15`), the rest one by one,
/// comma-separated, in the order given.
pub fn units_text(units: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, parts: &mut Vec<String>| {
        match run.as_slice() {
            [first, .., last] if run.len() >= 3 => parts.push(format!("{first}..{last}")),
            _ => parts.extend(run.iter().map(|unit| (*unit).to_owned())),
        }
        run.clear();
    };
    for unit in units {
        let follows = match (run.last().and_then(|last| district(last)), district(unit)) {
            (Some((area, number)), Some((next_area, next))) => {
                area == next_area && number.checked_add(1) == Some(next)
            }
            _ => false,
        };
        if !follows {
            flush(&mut run, &mut parts);
        }
        if district(unit).is_some() {
            run.push(unit);
        } else {
            parts.push(unit.clone());
        }
    }
    flush(&mut run, &mut parts);
    parts.join(", ")
}

/// A district without a letter suffix (`PL10`) as its area and number.
fn district(unit: &str) -> Option<(&str, u32)> {
    let letters = unit.bytes().take_while(u8::is_ascii_uppercase).count();
    let (area, number) = unit.split_at_checked(letters)?;
    if area.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((area, number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(list: &[&str]) -> Vec<String> {
        let mut units: Vec<String> = list.iter().map(|u| (*u).to_owned()).collect();
        sort_units(&mut units);
        units
    }

    #[test]
    fn consecutive_districts_read_as_ranges() {
        let area = units(&[
            "TR", "PL11", "PL10", "PL12", "PL17", "PL18", "EX23", "PL22", "PL23", "PL24", "PL9",
            "SO16 7", "W1A",
        ]);
        assert_eq!(
            units_text(&area),
            "EX23, PL9..PL12, PL17, PL18, PL22..PL24, SO16 7, TR, W1A"
        );
        assert_eq!(units_text(&[]), "");
    }

    #[test]
    fn a_unit_is_enclosed_by_its_district_and_area() {
        assert_eq!(enclosing("SO16 7"), ["SO16", "SO"]);
        assert_eq!(enclosing("SO16"), ["SO"]);
        assert!(enclosing("SO").is_empty());
    }
}
