//! Lookups the router prepares, so that a case costs a handful of hash and
//! array lookups and no time-zone arithmetic. When a table is loaded:
//! - dispositions by code; postcode units by key (hash maps with a fast
//!   hasher), for each unit whether the geography knows it, its centroid
//!   with its point on the unit sphere, and the overlay claiming it; the
//!   same units by district, for one lookup per case;
//! - the clock of local midnights and bank holidays (`clock.rs`).
//!
//! The first time a case needs them (`store.rs` finds the table's parts
//! without decoding them, so that one case reads only what it touches):
//! - a service, with its position (`geo.rs`) and its point on the unit
//!   sphere, for ordering by distance;
//! - a rule, with its conditions packed for step 3's scan
//!   (`space::Packed`) and where it is written (`file:line`);
//! - a layer, with its lookups: whether it names each disposition, has a
//!   `no_search` entry or a remap for it (dense vectors by disposition),
//!   the services of each type by postcode unit (a hash map by type and
//!   unit key), the layers it extends, and per disposition the rules naming
//!   it split by channel, highest priority first, their conditions inline;
//! - opening hours, and the services by the hash of their ids (capacity
//!   statuses name services by id).
//!
//! Everything here is derived from the table; nothing is serialized.
//!
//! Imports: `crate::{table, store, clock, geo, postcode, space}`, jiff.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use jiff::tz::TimeZone;

use crate::clock::Clock;
use crate::geo::{self, Position};
use crate::postcode::Compact;
use crate::space::Packed;
use crate::store::{Lazy, Store};
use crate::table::{check_parent, check_service_index, Hours, Layer, LoadError, Rule, Service};
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

/// The rules naming one disposition in one layer, highest priority first,
/// split by channel: those of [`Channel::ALL`]'s first channel, then its
/// second's, then its third's, each with its packed conditions.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChannelRules {
    rules: Box<[(u32, Packed)]>,
    /// Where each channel's rules end.
    ends: [u32; 3],
}

impl ChannelRules {
    /// The rules on `channel`.
    pub(crate) fn on(&self, channel: Channel) -> &[(u32, Packed)] {
        let place = Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0);
        let end = self.ends.get(place).copied().unwrap_or(0);
        let start = place
            .checked_sub(1)
            .and_then(|before| self.ends.get(before).copied())
            .unwrap_or(0);
        usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(start, end)| self.rules.get(start..end))
            .unwrap_or_default()
    }
}

/// One layer's lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerIndex {
    /// By disposition index: the rules naming it, split by channel, worked
    /// out when a case first searches the code here.
    rules: Box<[OnceLock<ChannelRules>]>,
    /// By disposition index: whether some rule of the layer names it (on
    /// any channel), which decides whether a `same_as` code is followed.
    pub(crate) named: Vec<bool>,
    /// By disposition index: whether the layer has a `no_search` entry for
    /// the code ([`Layer::no_search`] has the reason).
    pub(crate) no_search: Vec<bool>,
    /// By disposition index: whether the layer remaps the code.
    pub(crate) remapped: Vec<bool>,
    /// Services the layer declares, by (service type index, postcode unit
    /// key): each a range of `pool`, a list sorted without repeats.
    services: FastMap<(u32, u32), std::ops::Range<u32>>,
    pool: Vec<u32>,
    /// The layer and the layers it extends, down to the baseline: where its
    /// services in force are declared.
    pub(crate) chain: Vec<usize>,
}

/// A layer with its lookups.
#[derive(Debug, Clone)]
pub(crate) struct LayerEntry {
    pub(crate) layer: Layer,
    pub(crate) index: LayerIndex,
}

/// A rule with its packed conditions and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct RuleEntry {
    pub(crate) rule: Rule,
    pub(crate) packed: Packed,
    /// `file:line`.
    pub(crate) source: String,
}

/// A service with its position ([`geo::service_placed`]) and the
/// position's point on the unit sphere.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub(crate) service: Service,
    pub(crate) position: Option<(Position, [f64; 3])>,
}

/// What the router knows of a postcode unit (`SO`, `SO16`, `SO16 7`),
/// found by its [`geo::unit_key`]: one lookup tells whether the geography
/// knows it, where its centroid is, and which overlay claims it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unit {
    /// The overlay layer claiming it, if one does.
    pub(crate) overlay: Option<u32>,
    /// Whether the table's geography knows it.
    pub(crate) known: bool,
    /// Its centroid, latitude and longitude in degrees, with its point on
    /// the unit sphere.
    pub(crate) centroid: Option<([f64; 2], [f64; 3])>,
}

/// A postcode district with its sectors and its area: what a case's
/// postcode needs, in one lookup. Each is a place in [`Index::unit_list`],
/// whose first unit, [`Unit::default`], is the unit nobody knows or claims.
#[derive(Debug, Clone, Copy, Default)]
struct Neighbourhood {
    /// By digit.
    sectors: [u32; 10],
    district: u32,
    area: u32,
}

/// A service's position ([`geo::service_placed`]) with its point on the
/// unit sphere, the centroids' points taken from the units already worked
/// out.
fn service_position(index: &Index, service: &Service) -> Option<(Position, [f64; 3])> {
    let keys = service
        .location
        .is_none()
        .then(|| Compact::parse(service.postcode.as_deref()?))
        .flatten()
        .map(|postcode| geo::postcode_keys(&postcode));
    geo::service_placed(
        service.location,
        |source| index.unit(geo::of_units(keys?, source)??)?.centroid,
        geo::unit_vector,
    )
}

/// In the services by id hash: two ids of the table share the hash.
const AMBIGUOUS: u32 = u32::MAX;

fn id_hash(id: &str) -> u64 {
    BuildHasherDefault::<FastHasher>::default().hash_one(id)
}

/// The table's services by id: by the hash of the id, [`AMBIGUOUS`] where
/// ids share a hash (then the index itself answers).
#[derive(Debug, Clone, Default)]
struct ServiceIds {
    by_hash: FastMap<u64, u32>,
    by_id: BTreeMap<String, u32>,
}

/// The postcode units of a case: what is known of each (sector, district,
/// area), and their keys.
pub(crate) struct CaseUnits<'i> {
    pub(crate) units: [Option<&'i Unit>; 3],
    pub(crate) keys: [Option<u32>; 3],
}

/// All the lookups of a table.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    /// Disposition index by code.
    pub(crate) dispositions: FastMap<String, u32>,
    /// Every postcode unit the geography knows or an overlay claims, after
    /// [`Unit::default`].
    unit_list: Vec<Unit>,
    /// Their places in `unit_list`, by [`geo::unit_key`].
    units: FastMap<u32, u32>,
    /// The same units by district, for one lookup per case.
    districts: FastMap<u32, Neighbourhood>,
    /// Local midnights.
    pub(crate) clock: Clock,
    /// Whether a session of the table closes after 24:00 of its date (a
    /// table `dxmap build` writes has none): then a search window always
    /// looks at the date before its first.
    pub(crate) late_sessions: bool,
    services: Lazy<Placed>,
    hours: Lazy<Hours>,
    rules: Lazy<RuleEntry>,
    layers: Lazy<LayerEntry>,
    service_ids: OnceLock<ServiceIds>,
    /// The first part of the table that could not be decoded, if any.
    pub(crate) broken: OnceLock<LoadError>,
}

impl Index {
    /// Builds the lookups of the table in `store` that every case needs.
    pub(crate) fn new(store: &Store<'_>, tz: &TimeZone) -> Index {
        let head = &store.head;
        let dispositions: FastMap<String, u32> = head
            .disposition_index
            .iter()
            .map(|(code, idx)| (code.clone(), *idx))
            .collect();
        let mut unit_list: Vec<Unit> = Vec::with_capacity(head.geography.len() + 1);
        unit_list.push(Unit::default());
        let mut units: FastMap<u32, u32> = FastMap::default();
        units.reserve(head.geography.len() + head.area_index.len());
        let place = |list: &Vec<Unit>| u32::try_from(list.len()).unwrap_or(0);
        for (key, centroid) in head.geography.entries() {
            units.insert(key, place(&unit_list));
            unit_list.push(Unit {
                overlay: None,
                known: true,
                centroid: centroid.map(|centroid| {
                    let degrees = centroid.degrees();
                    (degrees, geo::unit_vector(degrees))
                }),
            });
        }
        // (Text that is no unit names no postcode's unit either.)
        for (unit, layer) in &head.area_index {
            let Some(key) = geo::unit_key(unit) else {
                continue;
            };
            let at = *units.entry(key).or_insert_with(|| {
                unit_list.push(Unit::default());
                place(&unit_list) - 1
            });
            if let Some(unit) = usize::try_from(at)
                .ok()
                .and_then(|at| unit_list.get_mut(at))
            {
                unit.overlay = Some(*layer);
            }
        }
        let mut districts: FastMap<u32, Neighbourhood> = FastMap::default();
        for (key, at) in &units {
            let Some((district, sector)) = geo::district_of(*key) else {
                continue;
            };
            let neighbourhood = districts.entry(district).or_default();
            match sector {
                None => neighbourhood.district = *at,
                Some(digit) => {
                    if let Some(slot) = neighbourhood.sectors.get_mut(digit) {
                        *slot = *at;
                    }
                }
            }
        }
        for (district, neighbourhood) in &mut districts {
            if let Some(area) = units.get(&geo::area_of(*district)) {
                neighbourhood.area = *area;
            }
        }
        let extent = store.extent;
        Index {
            dispositions,
            unit_list,
            units,
            districts,
            clock: Clock::new(tz, &head.calendar),
            late_sessions: head.late_sessions,
            services: Lazy::new(extent.services),
            hours: Lazy::new(extent.hours),
            rules: Lazy::new(extent.rules),
            layers: Lazy::new(extent.layers),
            service_ids: OnceLock::new(),
            broken: OnceLock::new(),
        }
    }

    /// Service `idx` with its position.
    #[inline]
    pub(crate) fn service(&self, store: &Store<'_>, idx: u32) -> Option<&Placed> {
        let idx = usize::try_from(idx).ok()?;
        self.services.get(idx, &self.broken, || {
            let service = store.service(idx)?;
            let position = service_position(self, &service);
            Ok(Placed { service, position })
        })
    }

    /// Opening hours `idx`.
    #[inline]
    pub(crate) fn hours(&self, store: &Store<'_>, idx: u32) -> Option<&Hours> {
        let idx = usize::try_from(idx).ok()?;
        self.hours.get(idx, &self.broken, || store.hours(idx))
    }

    /// Rule `idx`, with its packed conditions and source.
    #[inline]
    pub(crate) fn rule(&self, store: &Store<'_>, idx: u32) -> Option<&RuleEntry> {
        let idx = usize::try_from(idx).ok()?;
        self.rules.get(idx, &self.broken, || {
            let rule = store.rule(idx)?;
            Ok(RuleEntry {
                packed: Packed::from(&rule.when),
                source: format!("{}:{}", rule.file, rule.line),
                rule,
            })
        })
    }

    /// Layer `idx`, with its lookups.
    #[inline]
    pub(crate) fn layer(&self, store: &Store<'_>, idx: usize) -> Option<&LayerEntry> {
        self.layers.get(idx, &self.broken, || {
            let layer = store.layer(idx)?;
            let index = self.layer_index(store, idx, &layer);
            Ok(LayerEntry { layer, index })
        })
    }

    fn layer_index(&self, store: &Store<'_>, idx: usize, layer: &Layer) -> LayerIndex {
        let n_dispositions = store.extent.dispositions;
        let by_code = |code: &String| {
            self.dispositions
                .get(code.as_str())
                .and_then(|idx| usize::try_from(*idx).ok())
        };
        let flags = |codes: &mut dyn Iterator<Item = &String>| {
            let mut flags = vec![false; n_dispositions];
            for idx in codes.filter_map(by_code) {
                if let Some(flag) = flags.get_mut(idx) {
                    *flag = true;
                }
            }
            flags
        };
        let mut named = vec![false; n_dispositions];
        for (code, list) in &layer.rules_by_dx {
            if let Some(flag) = by_code(code).and_then(|idx| named.get_mut(idx)) {
                *flag = !list.is_empty();
            }
        }
        let mut pool: Vec<u32> = Vec::new();
        let mut services = FastMap::default();
        for (type_idx, by_unit) in &layer.services_by_type {
            for (unit, list) in by_unit {
                let Some(key) = geo::unit_key(unit) else {
                    continue;
                };
                // In index order, each once (as the compiler writes them),
                // so that a single list needs no sorting when a case is
                // routed.
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
                services.insert((*type_idx, key), range);
            }
        }
        // The chain of parents, each layer once, so that a hostile table
        // with a cycle ends.
        let mut chain = vec![idx];
        let mut current = idx;
        while let Some(parent) = store
            .head
            .parents
            .get(current)
            .copied()
            .flatten()
            .and_then(|p| usize::try_from(p).ok())
        {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        LayerIndex {
            rules: (0..n_dispositions).map(|_| OnceLock::new()).collect(),
            named,
            no_search: flags(&mut layer.no_search.keys()),
            remapped: flags(&mut layer.remaps.keys()),
            services,
            pool,
            chain,
        }
    }

    /// The services a layer declares of a type whose catchment names a
    /// unit (by key).
    pub(crate) fn declared(layer: &LayerIndex, service_type: u32, unit: u32) -> &[u32] {
        layer
            .services
            .get(&(service_type, unit))
            .and_then(|range| {
                layer
                    .pool
                    .get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)
            })
            .unwrap_or_default()
    }

    /// The rules of a layer naming a disposition on a channel, highest
    /// priority first, with their packed conditions.
    pub(crate) fn rules_on<'i>(
        &'i self,
        store: &Store<'_>,
        entry: &'i LayerEntry,
        dx_idx: u32,
        channel: Channel,
    ) -> &'i [(u32, Packed)] {
        let Some(slot) = usize::try_from(dx_idx)
            .ok()
            .and_then(|idx| entry.index.rules.get(idx))
        else {
            return &[];
        };
        let split = slot.get_or_init(|| {
            let list = usize::try_from(dx_idx)
                .ok()
                .and_then(|idx| store.head.dispositions.get(idx))
                .and_then(|d| entry.layer.rules_by_dx.get(&d.code))
                .map_or(&[][..], Vec::as_slice);
            let packed: Vec<(u32, Packed)> = list
                .iter()
                .filter_map(|idx| Some((*idx, self.rule(store, *idx)?.packed)))
                .collect();
            let mut rules = Vec::with_capacity(packed.len());
            let mut ends = [0u32; 3];
            for (channel, end) in Channel::ALL.iter().zip(ends.iter_mut()) {
                let bit = Packed::channel_bit(*channel);
                rules.extend(packed.iter().filter(|(_, p)| p.on_channel(bit)));
                *end = u32::try_from(rules.len()).unwrap_or(u32::MAX);
            }
            ChannelRules {
                rules: rules.into_boxed_slice(),
                ends,
            }
        });
        split.on(channel)
    }

    /// The index of the service with id `id`: looked up by the hash of the
    /// id, and checked.
    pub(crate) fn service_id(&self, store: &Store<'_>, id: &str) -> Option<u32> {
        let ids = self.service_ids(store);
        let idx = match ids.by_hash.get(&id_hash(id)) {
            Some(&AMBIGUOUS) => ids.by_id.get(id).copied()?,
            Some(idx) => *idx,
            None => return None,
        };
        self.service(store, idx)
            .filter(|placed| placed.service.id == id)
            .map(|_| idx)
    }

    fn service_ids(&self, store: &Store<'_>) -> &ServiceIds {
        self.service_ids.get_or_init(|| {
            let by_id = store.service_index().unwrap_or_else(|error| {
                let _ = self.broken.set(error);
                BTreeMap::new()
            });
            let mut by_hash = FastMap::default();
            by_hash.reserve(by_id.len());
            for (id, idx) in &by_id {
                by_hash
                    .entry(id_hash(id))
                    .and_modify(|slot| *slot = AMBIGUOUS)
                    .or_insert(*idx);
            }
            ServiceIds { by_hash, by_id }
        })
    }

    /// Decodes and checks every part of the table now, with each layer's
    /// lookups (a code's rules split by channel are still made when a case
    /// first searches the code: a few hundred nanoseconds, and most pairs
    /// of layer and code are never searched), as a table read whole is
    /// checked: the
    /// first error, if any part does not decode, a layer's parent is not
    /// the layer it names, or the id index names a service by another id.
    pub(crate) fn decode_all(&self, store: &Store<'_>) -> Result<(), LoadError> {
        let extent = store.extent;
        let numbers = |len: usize| (0..len).filter_map(|idx| u32::try_from(idx).ok());
        for idx in numbers(extent.hours) {
            self.hours(store, idx);
        }
        for idx in numbers(extent.rules) {
            self.rule(store, idx);
        }
        for idx in numbers(extent.services) {
            self.service(store, idx);
        }
        for idx in 0..extent.layers {
            let Some(entry) = self.layer(store, idx) else {
                continue;
            };
            let parent = store
                .head
                .parents
                .get(idx)
                .copied()
                .flatten()
                .and_then(|p| self.layer(store, usize::try_from(p).ok()?))
                .map(|parent| &parent.layer);
            if let Err(error) = check_parent(&entry.layer, parent) {
                let _ = self.broken.set(error);
            }
        }
        let by_id = &self.service_ids(store).by_id;
        if let Err(error) = check_service_index(by_id, |idx| {
            let idx = u32::try_from(idx).ok()?;
            Some(self.service(store, idx)?.service.id.as_str())
        }) {
            let _ = self.broken.set(error);
        }
        match self.broken.get() {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// The unit at a place of [`Index::unit_list`].
    #[inline]
    fn at(&self, place: u32) -> Option<&Unit> {
        self.unit_list.get(usize::try_from(place).ok()?)
    }

    /// The unit with key `key`, if the geography knows it or an overlay
    /// claims it.
    fn unit(&self, key: u32) -> Option<&Unit> {
        self.at(*self.units.get(&key)?)
    }

    /// What is known of a postcode's units (sector, district, area), with
    /// their keys.
    pub(crate) fn units(&self, postcode: &Compact) -> CaseUnits<'_> {
        match geo::postcode_district(postcode) {
            Some((district, digit)) => {
                let area = geo::area_of(district);
                let sector = u32::try_from(digit).ok().map(|d| district + 1 + d);
                let units = match self.districts.get(&district) {
                    Some(neighbourhood) => [
                        neighbourhood.sectors.get(digit).and_then(|at| self.at(*at)),
                        self.at(neighbourhood.district),
                        self.at(neighbourhood.area),
                    ],
                    // No unit of the district is known or claimed: only
                    // its area may be.
                    None => [None, None, self.unit(area)],
                };
                CaseUnits {
                    units,
                    keys: [sector, Some(district), Some(area)],
                }
            }
            None => {
                let keys = geo::postcode_keys(postcode);
                CaseUnits {
                    units: keys.map(|key| self.unit(key?)),
                    keys,
                }
            }
        }
    }

    /// The overlay claiming the most specific of the units, with the
    /// position of that unit among them.
    pub(crate) fn area(units: [Option<&Unit>; 3]) -> Option<(u32, usize)> {
        units
            .iter()
            .enumerate()
            .find_map(|(position, unit)| Some(((*unit)?.overlay?, position)))
    }
}
