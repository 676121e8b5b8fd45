//! Lookups the router prepares once, when a table is loaded, so that a case
//! costs a handful of hash and array lookups and no time-zone arithmetic:
//! - dispositions by code, postcode units by name (hash maps with a fast
//!   hasher), the overlay claiming each unit;
//! - per layer, the rules naming each disposition, whether it has a
//!   `no_search` entry or a remap for it (dense vectors by disposition), and
//!   the services of each type by postcode unit (a hash map by type and
//!   unit id);
//! - where each rule is written (`file:line`), for the decision to borrow;
//! - each service's position (`geo.rs`) and its point on the unit sphere,
//!   for ordering by distance;
//! - the clock of local midnights and bank holidays (`clock.rs`).
//!
//! Everything here is derived from the [`Table`]; nothing is serialized.
//!
//! Imports: `crate::{table, clock, geo}`, jiff.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use jiff::tz::TimeZone;

use crate::clock::Clock;
use crate::geo::{self, Position};
use crate::table::Table;

/// A hasher for the router's maps, whose keys are the table's own (codes,
/// postcode units, indexes): a multiply per eight bytes (the mixing of
/// rustc's `FxHasher`) instead of SipHash's rounds, which a case paid a
/// dozen times. Keys come from the compiled table, never from a caller, so
/// SipHash's defence against chosen colliding keys buys nothing here.
/// The compiler's analyses use it too, for keys of their own making.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = self.hash.wrapping_add(word).wrapping_mul(Self::K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (slot, byte) in word.iter_mut().zip(rest) {
                *slot = *byte;
            }
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The product's best-mixed bits are its high ones; hash tables
        // pick buckets with the low ones.
        self.hash.rotate_left(26)
    }
}

/// A hash map with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// One layer's lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerIndex {
    /// Rules naming each disposition (by disposition index), highest
    /// priority first; empty when no rule names it.
    pub(crate) rules: Vec<Vec<u32>>,
    /// By disposition index: whether the layer has a `no_search` entry for
    /// the code ([`Layer::no_search`](crate::table::Layer::no_search) has
    /// the reason).
    pub(crate) no_search: Vec<bool>,
    /// By disposition index: whether the layer remaps the code.
    pub(crate) remapped: Vec<bool>,
    /// Services the layer declares, by (service type index, postcode unit
    /// id): see [`Index::units`]. Each is a range of [`Index::pool`], a
    /// list sorted without repeats.
    pub(crate) services: FastMap<(u32, u32), std::ops::Range<u32>>,
    /// The layer and the layers it extends, down to the baseline: where its
    /// services in force are declared.
    pub(crate) chain: Vec<usize>,
}

/// A postcode unit as a number: its bytes and its length. A unit is at most
/// six characters (`SW1A 1`); longer text is no unit of a postcode (`None`).
pub(crate) fn unit_key(unit: &str) -> Option<u64> {
    let bytes = unit.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    let mut key = [0u8; 8];
    for (slot, byte) in key.iter_mut().zip(bytes) {
        *slot = *byte;
    }
    Some(u64::from_le_bytes(key) | (bytes.len() as u64) << 56)
}

/// In [`Index::services`]: two ids of the table share the hash.
const AMBIGUOUS: u32 = u32::MAX;

fn id_hash(id: &str) -> u64 {
    BuildHasherDefault::<FastHasher>::default().hash_one(id)
}

/// The table's services by the hash of their ids; [`AMBIGUOUS`] where ids
/// share a hash (then the table's `service_index` answers).
fn service_hashes(table: &Table) -> FastMap<u64, u32> {
    let mut by_hash = FastMap::default();
    by_hash.reserve(table.service_index.len());
    for (id, idx) in &table.service_index {
        by_hash
            .entry(id_hash(id))
            .and_modify(|slot| *slot = AMBIGUOUS)
            .or_insert(*idx);
    }
    by_hash
}

/// All the lookups of a table.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    /// Disposition index by code.
    pub(crate) dispositions: FastMap<String, u32>,
    /// Service index by the hash of its id (see [`Index::service`]):
    /// capacity statuses name services by id.
    pub(crate) services: FastMap<u64, u32>,
    /// Every postcode unit an overlay claims or a catchment names, by
    /// [`unit_key`]: its id, for [`Index::areas`] and
    /// [`LayerIndex::services`].
    pub(crate) units: FastMap<u64, u32>,
    /// By unit id: the overlay layer claiming the unit.
    pub(crate) areas: Vec<Option<u32>>,
    /// The lists of services of [`LayerIndex::services`], end to end.
    pub(crate) pool: Vec<u32>,
    /// Per layer, in the table's order.
    pub(crate) layers: Vec<LayerIndex>,
    /// By rule index: where the rule is written, `file:line`.
    pub(crate) rule_sources: Vec<String>,
    /// Local midnights.
    pub(crate) clock: Clock,
    /// By service index: its position, if it has one, with its point on the
    /// unit sphere.
    pub(crate) positions: Vec<Option<(Position, [f64; 3])>>,
}

impl Index {
    /// Builds the lookups of `table`.
    pub(crate) fn new(table: &Table, tz: &TimeZone) -> Index {
        let n_dispositions = table.dispositions.len();
        let dispositions: FastMap<String, u32> = table
            .disposition_index
            .iter()
            .map(|(code, idx)| (code.clone(), *idx))
            .collect();
        let by_code = |code: &String| {
            dispositions
                .get(code.as_str())
                .and_then(|idx| usize::try_from(*idx).ok())
        };
        // Unit ids in order of first mention: overlays' areas, then each
        // layer's catchments.
        let mut units: FastMap<u64, u32> = FastMap::default();
        let catchments = table
            .layers
            .iter()
            .flat_map(|layer| layer.services_by_type.values())
            .flat_map(BTreeMap::keys);
        for key in table
            .area_index
            .keys()
            .chain(catchments)
            .filter_map(|unit| unit_key(unit))
        {
            let id = u32::try_from(units.len()).unwrap_or(u32::MAX);
            units.entry(key).or_insert(id);
        }
        let unit_id = |unit: &str| units.get(&unit_key(unit)?).copied();
        let mut areas = vec![None; units.len()];
        for (unit, layer) in &table.area_index {
            if let Some(slot) =
                unit_id(unit).and_then(|id| areas.get_mut(usize::try_from(id).ok()?))
            {
                *slot = Some(*layer);
            }
        }
        let flags = |codes: &mut dyn Iterator<Item = &String>| {
            let mut flags = vec![false; n_dispositions];
            for idx in codes.filter_map(by_code) {
                if let Some(flag) = flags.get_mut(idx) {
                    *flag = true;
                }
            }
            flags
        };
        let mut pool: Vec<u32> = Vec::new();
        let mut layers: Vec<LayerIndex> = table
            .layers
            .iter()
            .map(|layer| {
                let mut rules = vec![Vec::new(); n_dispositions];
                for (code, list) in &layer.rules_by_dx {
                    if let Some(slot) = by_code(code).and_then(|idx| rules.get_mut(idx)) {
                        slot.clone_from(list);
                    }
                }
                let mut services = FastMap::default();
                for (type_idx, by_unit) in &layer.services_by_type {
                    for (unit, list) in by_unit {
                        if let Some(unit_id) = unit_id(unit) {
                            // In index order, each once (as the compiler
                            // writes them), so that a single list needs no
                            // sorting when a case is routed.
                            let start = pool.len();
                            if list.is_sorted_by(|a, b| a < b) {
                                pool.extend_from_slice(list);
                            } else {
                                let mut list = list.clone();
                                list.sort_unstable();
                                list.dedup();
                                pool.extend_from_slice(&list);
                            }
                            let end = pool.len();
                            let range = u32::try_from(start).unwrap_or(u32::MAX)
                                ..u32::try_from(end).unwrap_or(u32::MAX);
                            services.insert((*type_idx, unit_id), range);
                        }
                    }
                }
                LayerIndex {
                    rules,
                    no_search: flags(&mut layer.no_search.keys()),
                    remapped: flags(&mut layer.remaps.keys()),
                    services,
                    chain: Vec::new(),
                }
            })
            .collect();
        // Each layer's parent, looked up by name once; then each chain
        // walked with a stamp per layer, so that a hostile table with a
        // cycle ends and a deep chain costs its length, not its square.
        let by_name: FastMap<&str, usize> = table
            .layers
            .iter()
            .enumerate()
            .map(|(idx, layer)| (layer.name.as_str(), idx))
            .collect();
        let parents: Vec<Option<usize>> = table
            .layers
            .iter()
            .map(|layer| {
                layer
                    .parent
                    .as_deref()
                    .and_then(|p| by_name.get(p).copied())
            })
            .collect();
        let mut stamp: Vec<usize> = vec![usize::MAX; layers.len()];
        for (idx, slot) in layers.iter_mut().enumerate() {
            let mut chain = vec![idx];
            if let Some(mark) = stamp.get_mut(idx) {
                *mark = idx;
            }
            let mut current = idx;
            while let Some(parent) = parents.get(current).copied().flatten() {
                match stamp.get_mut(parent) {
                    Some(mark) if *mark != idx => *mark = idx,
                    _ => break,
                }
                chain.push(parent);
                current = parent;
            }
            slot.chain = chain;
        }
        Index {
            pool,
            dispositions,
            services: service_hashes(table),
            units,
            areas,
            layers,
            rule_sources: table
                .rules
                .iter()
                .map(|rule| format!("{}:{}", rule.file, rule.line))
                .collect(),
            clock: Clock::new(tz, &table.calendar),
            positions: table
                .services
                .iter()
                .map(|service| {
                    let position = table
                        .geography
                        .service_position(service.location, service.postcode.as_deref())?;
                    Some((position, geo::unit_vector(position.degrees())))
                })
                .collect(),
        }
    }

    /// The index of the service with id `id`: looked up by the hash of the
    /// id, and checked.
    pub(crate) fn service(&self, table: &Table, id: &str) -> Option<u32> {
        match self.services.get(&id_hash(id)) {
            Some(&AMBIGUOUS) => table.service_index.get(id).copied(),
            Some(idx) => table
                .services
                .get(usize::try_from(*idx).ok()?)
                .filter(|service| service.id == id)
                .map(|_| *idx),
            None => None,
        }
    }

    /// The services a layer declares of a type whose catchment names a
    /// unit.
    pub(crate) fn declared(&self, layer: &LayerIndex, service_type: u32, unit_id: u32) -> &[u32] {
        layer
            .services
            .get(&(service_type, unit_id))
            .and_then(|range| {
                self.pool
                    .get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)
            })
            .unwrap_or_default()
    }

    /// A service's position and its point on the unit sphere.
    pub(crate) fn position(&self, service_idx: u32) -> Option<(Position, [f64; 3])> {
        *self.positions.get(usize::try_from(service_idx).ok()?)?
    }

    /// The ids of a postcode's units (sector, district, area), where an
    /// overlay claims them or a catchment names them.
    pub(crate) fn unit_ids(&self, units: [&str; 3]) -> [Option<u32>; 3] {
        units.map(|unit| self.units.get(&unit_key(unit)?).copied())
    }

    /// The overlay claiming the most specific of the units, with the
    /// position of that unit among them.
    pub(crate) fn area(&self, unit_ids: [Option<u32>; 3]) -> Option<(u32, usize)> {
        unit_ids.iter().enumerate().find_map(|(position, id)| {
            let layer = (*self.areas.get(usize::try_from((*id)?).ok()?)?)?;
            Some((layer, position))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn unit_keys_tell_units_apart() {
        let units = [
            "S", "SO", "SO1", "SO16", "SO16 7", "S1 2", "W1A 0", "SW1A 1", "SO\0",
        ];
        let keys: BTreeSet<u64> = units.iter().filter_map(|u| unit_key(u)).collect();
        assert_eq!(keys.len(), units.len());
        assert_eq!(unit_key("SO16 7AB"), None);
    }
}
