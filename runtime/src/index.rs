//! Lookups the router prepares once, when a table is loaded, so that a case
//! costs a handful of hash and array lookups and no time-zone arithmetic:
//! - dispositions by code, postcode units by key (hash maps with a fast
//!   hasher): for each unit, whether the geography knows it, its centroid
//!   with its point on the unit sphere, and its id if an overlay claims it
//!   (then the overlay) or a catchment names it;
//! - per layer, the rules naming each disposition, whether it has a
//!   `no_search` entry or a remap for it (dense vectors by disposition), and
//!   the services of each type by postcode unit (a hash map by type and
//!   unit id);
//! - each rule's conditions packed for step 3's scan (`space::Packed`),
//!   and where it is written (`file:line`), for the decision to borrow;
//! - each service's position (`geo.rs`) and its point on the unit sphere,
//!   for ordering by distance;
//! - the clock of local midnights and bank holidays (`clock.rs`).
//!
//! Everything here is derived from the [`Table`]; nothing is serialized.
//!
//! Imports: `crate::{table, clock, geo, postcode, space}`, jiff.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use jiff::tz::TimeZone;

use crate::clock::Clock;
use crate::geo::{self, Position};
use crate::postcode::Compact;
use crate::space::Packed;
use crate::table::{Service, Table};
use crate::Channel;

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
    /// Rules naming each disposition on each channel, highest priority
    /// first, as a range of [`Index::rule_pool`]: by disposition index
    /// times 3, plus the channel's place in [`Channel::ALL`]
    /// ([`Index::rules_on`]). Step 3 scans only the case's channel's.
    pub(crate) rules: Vec<std::ops::Range<u32>>,
    /// By disposition index: whether some rule of the layer names it (on
    /// any channel), which decides whether a `same_as` code is followed.
    pub(crate) named: Vec<bool>,
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

/// What the router knows of a postcode unit (`SO`, `SO16`, `SO16 7`),
/// found by its [`geo::unit_key`]: one lookup tells whether the geography
/// knows it, where its centroid is, and which overlay and catchments name
/// it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unit {
    /// Its id, for [`Index::areas`] and [`LayerIndex::services`], if an
    /// overlay claims it or a catchment names it.
    pub(crate) id: Option<u32>,
    /// Whether the table's geography knows it.
    pub(crate) known: bool,
    /// Its centroid, latitude and longitude in degrees, with its point on
    /// the unit sphere.
    pub(crate) centroid: Option<([f64; 2], [f64; 3])>,
}

/// A postcode district with its sectors and its area: what a case's
/// postcode needs, in one lookup. A unit nobody knows or names is
/// [`Unit::default`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Neighbourhood {
    /// By digit.
    sectors: [Unit; 10],
    district: Unit,
    area: Unit,
}

/// A service's position ([`geo::service_placed`]) with its point on the
/// unit sphere, the centroids' points taken from the units already worked
/// out.
fn service_position(units: &FastMap<u32, Unit>, service: &Service) -> Option<(Position, [f64; 3])> {
    let keys = service
        .location
        .is_none()
        .then(|| Compact::parse(service.postcode.as_deref()?))
        .flatten()
        .map(|postcode| geo::postcode_keys(&postcode));
    geo::service_placed(
        service.location,
        |source| units.get(&geo::of_units(keys?, source)??)?.centroid,
        geo::unit_vector,
    )
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
    /// Every postcode unit the geography knows, an overlay claims or a
    /// catchment names, by [`geo::unit_key`].
    pub(crate) units: FastMap<u32, Unit>,
    /// The same units by district, for one lookup per case.
    pub(crate) districts: FastMap<u32, Neighbourhood>,
    /// By unit id: the overlay layer claiming the unit.
    pub(crate) areas: Vec<Option<u32>>,
    /// The lists of rules of [`LayerIndex::rules`], end to end.
    pub(crate) rule_pool: Vec<u32>,
    /// The lists of services of [`LayerIndex::services`], end to end.
    pub(crate) pool: Vec<u32>,
    /// Per layer, in the table's order.
    pub(crate) layers: Vec<LayerIndex>,
    /// By rule index: its conditions, packed for step 3's scan.
    pub(crate) conditions: Vec<Packed>,
    /// By rule index: where the rule is written, `file:line`.
    pub(crate) rule_sources: Vec<String>,
    /// Local midnights.
    pub(crate) clock: Clock,
    /// Whether a session of the table closes after 24:00 of its date (a
    /// table `dxmap build` writes has none): then a search window always
    /// looks at the date before its first.
    pub(crate) late_sessions: bool,
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
        // (Text that is no unit names no postcode's unit either.)
        let mut units: FastMap<u32, Unit> = FastMap::default();
        units.reserve(table.geography.len());
        let catchments = table
            .layers
            .iter()
            .flat_map(|layer| layer.services_by_type.values())
            .flat_map(BTreeMap::keys);
        let mut named = 0u32;
        for key in table
            .area_index
            .keys()
            .chain(catchments)
            .filter_map(|unit| geo::unit_key(unit))
        {
            units.entry(key).or_insert_with(|| {
                named += 1;
                Unit {
                    id: Some(named - 1),
                    ..Unit::default()
                }
            });
        }
        for (key, centroid) in table.geography.entries() {
            let unit = units.entry(key).or_default();
            unit.known = true;
            unit.centroid = centroid.map(|centroid| {
                let degrees = centroid.degrees();
                (degrees, geo::unit_vector(degrees))
            });
        }
        let mut districts: FastMap<u32, Neighbourhood> = FastMap::default();
        for (key, unit) in &units {
            let Some((district, sector)) = geo::district_of(*key) else {
                continue;
            };
            let neighbourhood = districts.entry(district).or_default();
            match sector {
                None => neighbourhood.district = *unit,
                Some(digit) => {
                    if let Some(slot) = neighbourhood.sectors.get_mut(digit) {
                        *slot = *unit;
                    }
                }
            }
        }
        for (district, neighbourhood) in &mut districts {
            if let Some(area) = units.get(&geo::area_of(*district)) {
                neighbourhood.area = *area;
            }
        }
        let unit_id = |unit: &str| units.get(&geo::unit_key(unit)?)?.id;
        let mut areas = vec![None; usize::try_from(named).unwrap_or(0)];
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
        let conditions: Vec<Packed> = table
            .rules
            .iter()
            .map(|rule| Packed::from(&rule.when))
            .collect();
        let mut pool: Vec<u32> = Vec::new();
        let mut rule_pool: Vec<u32> = Vec::new();
        let mut split_lists: FastMap<&[u32], [std::ops::Range<u32>; 3]> = FastMap::default();
        let mut layers: Vec<LayerIndex> = table
            .layers
            .iter()
            .map(|layer| {
                let mut rules = vec![0..0; n_dispositions * Channel::ALL.len()];
                let mut named = vec![false; n_dispositions];
                for (code, list) in &layer.rules_by_dx {
                    let Some(dx_idx) = by_code(code) else {
                        continue;
                    };
                    if let Some(flag) = named.get_mut(dx_idx) {
                        *flag = !list.is_empty();
                    }
                    // Overlays inherit most of their lists unchanged: each
                    // distinct list is split by channel once.
                    let split = split_lists.entry(list.as_slice()).or_insert_with(|| {
                        Channel::ALL.map(|channel| {
                            let bit = Packed::channel_bit(channel);
                            let start = rule_pool.len();
                            rule_pool.extend(list.iter().copied().filter(|rule| {
                                conditions
                                    .get(usize::try_from(*rule).unwrap_or(usize::MAX))
                                    .is_none_or(|packed| packed.on_channel(bit))
                            }));
                            u32::try_from(start).unwrap_or(u32::MAX)
                                ..u32::try_from(rule_pool.len()).unwrap_or(u32::MAX)
                        })
                    });
                    let slots = dx_idx * Channel::ALL.len()..(dx_idx + 1) * Channel::ALL.len();
                    if let Some(slots) = rules.get_mut(slots) {
                        slots.clone_from_slice(split);
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
                    named,
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
        let positions = table
            .services
            .iter()
            .map(|service| service_position(&units, service))
            .collect();
        Index {
            pool,
            rule_pool,
            dispositions,
            services: service_hashes(table),
            units,
            districts,
            areas,
            layers,
            conditions,
            rule_sources: table
                .rules
                .iter()
                .map(|rule| format!("{}:{}", rule.file, rule.line))
                .collect(),
            clock: Clock::new(tz, &table.calendar),
            late_sessions: table.hours.iter().any(|hours| {
                hours
                    .weekly
                    .iter()
                    .chain(&hours.bank_holiday)
                    .chain(hours.dated.values())
                    .flatten()
                    .any(|session| session.close > 1440)
            }),
            positions,
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

    /// The rules of a layer naming a disposition on a channel, highest
    /// priority first.
    pub(crate) fn rules_on(&self, layer: &LayerIndex, dx_idx: u32, channel: Channel) -> &[u32] {
        let place = Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0);
        usize::try_from(dx_idx)
            .ok()
            .and_then(|idx| layer.rules.get(idx * Channel::ALL.len() + place))
            .and_then(|range| {
                self.rule_pool
                    .get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)
            })
            .unwrap_or_default()
    }

    /// A service's position and its point on the unit sphere.
    pub(crate) fn position(&self, service_idx: u32) -> Option<(Position, [f64; 3])> {
        *self.positions.get(usize::try_from(service_idx).ok()?)?
    }

    /// What is known of a postcode's units: sector, district, area.
    pub(crate) fn units(&self, postcode: &Compact) -> [Option<&Unit>; 3] {
        let found = geo::postcode_district(postcode)
            .and_then(|(district, digit)| Some((self.districts.get(&district)?, digit)));
        match found {
            Some((neighbourhood, digit)) => [
                neighbourhood.sectors.get(digit),
                Some(&neighbourhood.district),
                Some(&neighbourhood.area),
            ],
            // No unit of the district is known or named: only its area
            // may be.
            None => geo::postcode_keys(postcode).map(|key| self.units.get(&key?)),
        }
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
