//! Where things are: the postcode areas and districts a generated tree
//! uses, and the units each overlay governs.
//!
//! Overlays that stand alone claim one to three neighbouring districts of
//! one area (`LS6, LS7`); an overlay that extends another claims sectors of
//! its parent's first district (`LS6 2, LS6 5`), as the Isle of Wight's
//! districts beat Hampshire's area in the shipped tree. No two overlays
//! claim one unit, and no overlay claims a whole area, so area-wide
//! services are always governed by the baseline too.
//!
//! Imports: `crate::data`, `crate::prng`, `dxmap::geo`.

use std::collections::BTreeMap;

use crate::data::{Area, AREAS};
use crate::prng::Rng;

/// The areas and districts of a tree.
#[derive(Debug, Clone)]
pub struct Places {
    /// Indexes into [`AREAS`], in the order chosen.
    pub areas: Vec<usize>,
    /// Every district of those areas: (index into [`AREAS`], number).
    pub districts: Vec<(usize, u32)>,
}

/// The district's text: `SO16`.
pub fn district(area: usize, number: u32) -> String {
    format!("{}{number}", area_code(area))
}

/// The area's letters.
pub fn area_code(area: usize) -> &'static str {
    AREAS.get(area).map_or("ZZ", |a| a.code)
}

/// The area's record.
pub fn area(area: usize) -> Option<&'static Area> {
    AREAS.get(area)
}

impl Places {
    /// Areas chosen at random until they hold `districts_needed` districts
    /// (at least two areas).
    pub fn choose(rng: &mut Rng, districts_needed: usize) -> Places {
        let mut order: Vec<usize> = (0..AREAS.len()).collect();
        rng.shuffle(&mut order);
        let mut areas = Vec::new();
        let mut districts = Vec::new();
        for idx in order {
            if areas.len() >= 2 && districts.len() >= districts_needed {
                break;
            }
            let Some(a) = AREAS.get(idx) else {
                continue;
            };
            areas.push(idx);
            // Only districts that exist: dxmap refuses units unknown to
            // the geography of Great Britain.
            let geography = dxmap::geo::Geography::bundled();
            districts.extend(
                (a.first..=a.last)
                    .filter(|n| geography.contains(&district(idx, *n)))
                    .map(|n| (idx, n)),
            );
        }
        Places { areas, districts }
    }
}

/// One overlay's place in the tree.
#[derive(Debug, Clone)]
pub struct OverlayPlan {
    /// Identifier.
    pub name: String,
    /// For people: `Leeds LS6-LS7`.
    pub label: String,
    /// The overlay it extends (index), if not `national`.
    pub parent: Option<usize>,
    /// Units it claims.
    pub area: Vec<String>,
    /// Districts its area lies in: (area index, number).
    pub districts: Vec<(usize, u32)>,
    /// The area (index into [`AREAS`]) it lies in.
    pub home: usize,
    /// It says `lacks pathways_clinician`.
    pub lacks: bool,
    /// It has COVID-19 Priority Assessment PODs.
    pub pods: bool,
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// Plans `n` overlays over `places`: which extend which, what each claims,
/// which lack the Pathways clinician and which run PODs.
pub fn plan_overlays(rng: &mut Rng, places: &Places, n: usize) -> Vec<OverlayPlan> {
    // Next unclaimed district number of each area.
    let mut cursor: BTreeMap<usize, u32> = places
        .areas
        .iter()
        .filter_map(|a| AREAS.get(*a).map(|area| (*a, area.first)))
        .collect();
    let mut plans: Vec<OverlayPlan> = Vec::with_capacity(n);
    for i in 0..n {
        let parent = (i % 8 == 1).then(|| i - 1);
        if let Some(parent_plan) = parent.and_then(|p| plans.get(p)).cloned() {
            let Some((area_idx, number)) = parent_plan.districts.first().copied() else {
                continue;
            };
            let geography = dxmap::geo::Geography::bundled();
            let mut digits: Vec<u32> = (0..10)
                .filter(|d| geography.contains(&format!("{} {d}", district(area_idx, number))))
                .collect();
            rng.shuffle(&mut digits);
            let mut chosen: Vec<u32> = digits.into_iter().take(rng.range(1, 3)).collect();
            chosen.sort_unstable();
            let first_digit = chosen.first().copied().unwrap_or(0);
            let units: Vec<String> = chosen
                .iter()
                .map(|d| format!("{} {d}", district(area_idx, number)))
                .collect();
            plans.push(OverlayPlan {
                name: format!("{}_{first_digit}", parent_plan.name),
                label: format!(
                    "{} {}",
                    area(area_idx).map_or("", |a| a.town),
                    units.join(", ")
                ),
                parent,
                area: units,
                districts: vec![(area_idx, number)],
                home: area_idx,
                lacks: false,
                pods: i % 3 == 0,
            });
            continue;
        }
        // An area with districts left, keeping at least one for the baseline.
        let open: Vec<usize> = places
            .areas
            .iter()
            .copied()
            .filter(|a| {
                let last = AREAS.get(*a).map_or(0, |area| area.last);
                cursor.get(a).is_some_and(|next| *next < last)
            })
            .collect();
        let Some(area_idx) = rng.pick(&open).copied() else {
            break;
        };
        let last = AREAS.get(area_idx).map_or(0, |a| a.last);
        let next = cursor.get(&area_idx).copied().unwrap_or(last);
        let take = rng.range(1, 3);
        // The next districts of the area that exist, keeping the last one
        // for the baseline.
        let numbers: Vec<u32> = places
            .districts
            .iter()
            .filter(|(a, n)| *a == area_idx && *n >= next && *n < last)
            .map(|(_, n)| *n)
            .take(take)
            .collect();
        if numbers.is_empty() {
            cursor.insert(area_idx, last);
            continue;
        }
        cursor.insert(area_idx, numbers.last().map_or(last, |n| n + 1));
        let units: Vec<String> = numbers.iter().map(|n| district(area_idx, *n)).collect();
        let town = area(area_idx).map_or("", |a| a.town);
        let label = match (units.first(), units.last()) {
            (Some(first), Some(last)) if units.len() > 1 => format!("{town} {first}-{last}"),
            (Some(first), _) => format!("{town} {first}"),
            _ => town.to_owned(),
        };
        plans.push(OverlayPlan {
            name: format!(
                "{}_{}",
                slug(town),
                units
                    .first()
                    .map_or(String::new(), |u| u.to_ascii_lowercase())
            ),
            label,
            parent: None,
            area: units,
            districts: numbers.iter().map(|n| (area_idx, *n)).collect(),
            home: area_idx,
            lacks: i % 13 == 2,
            pods: i % 3 == 0,
        });
    }
    plans
}

/// Whether postcode unit `inner` is `outer` or inside it, as dxmap judges
/// it (`SO16 7` is inside `SO16`, inside `SO`; `S` does not hold `SO16`).
pub fn unit_within(inner: &str, outer: &str) -> bool {
    dxmap::check::analysis::unit_within(inner, outer)
}

/// The units containing `unit`, most specific first: itself, its district
/// (for a sector) and its area.
pub fn units_containing(unit: &str) -> Vec<String> {
    let mut out = vec![unit.to_owned()];
    if let Some((district, _)) = unit.split_once(' ') {
        out.push(district.to_owned());
    }
    let area: String = unit.chars().take_while(char::is_ascii_alphabetic).collect();
    if area != unit {
        out.push(area);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containing_units() {
        assert_eq!(units_containing("SO16 7"), ["SO16 7", "SO16", "SO"]);
        assert_eq!(units_containing("SO16"), ["SO16", "SO"]);
        assert_eq!(units_containing("SO"), ["SO"]);
        for unit in units_containing("SO16 7") {
            assert!(unit_within("SO16 7", &unit));
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Stoke-on-Trent"), "stoke_on_trent");
        assert_eq!(slug("St Albans"), "st_albans");
    }
}
