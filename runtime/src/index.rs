//! Lookups the router prepares once, when a table is loaded, so that a case
//! costs a handful of hash and array lookups and no time-zone arithmetic:
//! - dispositions by code, postcode units by name (hash maps with a fast
//!   hasher), the overlay claiming each unit;
//! - per layer, the rules naming each disposition, whether it has a
//!   `no_search` entry or a remap for it (dense vectors by disposition), and
//!   the services of each type by postcode unit (a hash map by type and
//!   unit id);
//! - where each rule is written (`file:line`), for the decision to borrow;
//! - a clock: local midnight of every date from 2000 to 2100 in
//!   Europe/London, so that local dates and session instants are integer
//!   arithmetic (dates outside the range fall back to the time zone).
//!
//! Everything here is derived from the [`Table`]; nothing is serialized.
//!
//! Imports: `crate::table`, jiff.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::hours;
use crate::table::Table;

/// Nanoseconds in a minute.
pub const MINUTE_NANOS: i128 = 60_000_000_000;

/// Nanoseconds in a day without a daylight-saving change.
pub const DAY_NANOS: i128 = 1440 * MINUTE_NANOS;

/// A hasher for the router's maps, whose keys are the table's own (codes,
/// postcode units, indexes): a multiply per eight bytes (the mixing of
/// rustc's `FxHasher`) instead of SipHash's rounds, which a case paid a
/// dozen times. Keys come from the compiled table, never from a caller, so
/// SipHash's defence against chosen colliding keys buys nothing here.
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
pub struct LayerIndex {
    /// Rules naming each disposition (by disposition index), highest
    /// priority first; empty when no rule names it.
    pub rules: Vec<Vec<u32>>,
    /// By disposition index: whether the layer has a `no_search` entry for
    /// the code ([`Layer::no_search`](crate::table::Layer::no_search) has
    /// the reason).
    pub no_search: Vec<bool>,
    /// By disposition index: whether the layer remaps the code.
    pub remapped: Vec<bool>,
    /// Services the layer declares, by (service type index, postcode unit
    /// id): see [`Index::units`]. Each is a range of [`Index::pool`], a
    /// list sorted without repeats.
    pub services: FastMap<(u32, u32), std::ops::Range<u32>>,
    /// The layer and the layers it extends, down to the baseline: where its
    /// services in force are declared.
    pub chain: Vec<usize>,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn epoch_day(date: Date) -> i64 {
    let (year, month, day) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Local midnights and bank holidays of a range of dates.
#[derive(Debug, Clone)]
pub struct Clock {
    first_day: i64,
    dates: Vec<Date>,
    /// `midnights[i]` starts `dates[i]`; one more entry ends the last date.
    midnights: Vec<i128>,
    /// `holidays[i]`: whether `dates[i]` is a bank holiday.
    holidays: Vec<bool>,
    /// Bank holidays outside the range.
    other_holidays: BTreeSet<Date>,
}

impl Clock {
    /// Local midnights of every date from 2000 to 2100, and of 2101-01-01
    /// (ending the last date). Away from a change of UTC offset, local
    /// midnight is UTC midnight less the offset in force; within three days
    /// of a change (two days a year in Europe/London) the time zone works
    /// it out, with its rules for skipped and repeated times.
    fn new(tz: &TimeZone, calendar: &BTreeMap<Date, String>) -> Clock {
        let first = Date::constant(2000, 1, 1);
        let first_day = epoch_day(first);
        let end_day = epoch_day(Date::constant(2101, 1, 1));
        let margin = 3 * DAY_NANOS;
        let naive = |day: i64| i128::from(day) * DAY_NANOS;
        let offset_nanos = |offset: jiff::tz::Offset| i128::from(offset.seconds()) * 1_000_000_000;
        let start = Timestamp::from_nanosecond(naive(first_day) - margin).ok();
        let end = naive(end_day) + margin;
        // (instant of the change, offset from then on)
        let changes: Vec<(i128, i128)> = start
            .map(|start| {
                tz.following(start)
                    .map(|t| (t.timestamp().as_nanosecond(), offset_nanos(t.offset())))
                    .take_while(|(at, _)| *at <= end)
                    .collect()
            })
            .unwrap_or_default();
        let mut offset = start.map(|start| offset_nanos(tz.to_offset(start)));
        let mut next_change = 0;
        let mut dates = Vec::with_capacity(36_900);
        let mut midnights = Vec::with_capacity(36_900);
        let mut date = first;
        for day in first_day..=end_day {
            let wall = naive(day);
            while let Some((_, after)) = changes.get(next_change).filter(|(at, _)| *at <= wall) {
                offset = Some(*after);
                next_change += 1;
            }
            let near_change = |candidate: i128| {
                let idx = changes.partition_point(|(at, _)| *at < candidate - margin);
                changes
                    .get(idx)
                    .is_some_and(|(at, _)| *at <= candidate + margin)
            };
            let midnight = match offset.map(|offset| wall - offset) {
                Some(candidate) if !near_change(candidate) => Some(candidate),
                _ => hours::local_instant(tz, date, 0).map(Timestamp::as_nanosecond),
            };
            let Some(midnight) = midnight else {
                break;
            };
            midnights.push(midnight);
            if day < end_day {
                dates.push(date);
                match date.tomorrow() {
                    Ok(next) => date = next,
                    Err(_) => break,
                }
            }
        }
        // Every date needs the midnight that ends it.
        dates.truncate(midnights.len().saturating_sub(1));
        midnights.truncate(dates.len() + 1);
        let mut holidays = vec![false; dates.len()];
        let mut other_holidays = BTreeSet::new();
        for date in calendar.keys() {
            let slot = usize::try_from(epoch_day(*date) - first_day)
                .ok()
                .and_then(|idx| holidays.get_mut(idx));
            match slot {
                Some(flag) => *flag = true,
                None => {
                    other_holidays.insert(*date);
                }
            }
        }
        Clock {
            first_day,
            dates,
            midnights,
            holidays,
            other_holidays,
        }
    }

    /// The position in the clock's dates of the local date of an instant,
    /// if the clock has it.
    fn position(&self, nanos: i128) -> Option<usize> {
        let first = *self.midnights.first()?;
        let inside = first <= nanos && self.midnights.last().is_some_and(|last| nanos < *last);
        if !inside {
            return None;
        }
        // Days are 24 hours but for an hour or so twice a year: the date is
        // the one a division gives, or a neighbour. Whole days since the
        // first midnight, in 64 bits (101 years of nanoseconds fit).
        let elapsed = i64::try_from(nanos - first).ok()?;
        let day = i64::try_from(DAY_NANOS).ok()?;
        let mut idx = usize::try_from(elapsed / day).ok()?;
        while idx > 0 && self.midnights.get(idx).is_some_and(|m| *m > nanos) {
            idx -= 1;
        }
        while self.midnights.get(idx + 1).is_some_and(|m| *m <= nanos) {
            idx += 1;
        }
        (idx < self.dates.len()).then_some(idx)
    }

    /// The local date of an instant.
    pub fn local_date(&self, tz: &TimeZone, at: Timestamp) -> Date {
        self.position(at.as_nanosecond())
            .and_then(|idx| self.dates.get(idx))
            .copied()
            .unwrap_or_else(|| hours::local_date(tz, at))
    }

    /// The dates from the local date of `start` to that of `end`, with the
    /// date before: each with its weekday (Monday 0), local midnight,
    /// whether it has 24 hours and whether it is a bank holiday. `None`
    /// when the clock does not have them all.
    pub fn days(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Option<impl Iterator<Item = (Date, u8, i128, bool, bool)> + '_> {
        let first = self.position(start.as_nanosecond())?.checked_sub(1)?;
        let last = self.position(end.as_nanosecond())?;
        let first_weekday = (self.first_day + 3).rem_euclid(7);
        Some((first..=last).filter_map(move |idx| {
            let date = *self.dates.get(idx)?;
            let midnight = *self.midnights.get(idx)?;
            let next = *self.midnights.get(idx + 1)?;
            let weekday = u8::try_from((usize::try_from(first_weekday).ok()? + idx) % 7).ok()?;
            let holiday = self.holidays.get(idx).copied().unwrap_or(false);
            Some((
                date,
                weekday,
                midnight,
                next - midnight == DAY_NANOS,
                holiday,
            ))
        }))
    }

    /// Whether `date` is a bank holiday of the calendar the clock was built
    /// with.
    pub fn bank_holiday(&self, date: Date) -> bool {
        match usize::try_from(epoch_day(date) - self.first_day)
            .ok()
            .and_then(|idx| self.holidays.get(idx))
        {
            Some(flag) => *flag,
            None => self.other_holidays.contains(&date),
        }
    }

    /// Local midnight starting `date`, and whether the date has 24 hours.
    pub fn day(&self, tz: &TimeZone, date: Date) -> Option<(i128, bool)> {
        let idx = usize::try_from(epoch_day(date) - self.first_day).ok();
        if let Some((start, end)) =
            idx.and_then(|i| Some((*self.midnights.get(i)?, *self.midnights.get(i + 1)?)))
        {
            return Some((start, end - start == DAY_NANOS));
        }
        let start = hours::local_instant(tz, date, 0)?.as_nanosecond();
        let end = hours::local_instant(tz, date, 1440)?.as_nanosecond();
        Some((start, end - start == DAY_NANOS))
    }
}

/// A postcode unit as a number: its bytes and its length. A unit is at most
/// six characters (`SW1A 1`); longer text is no unit of a postcode (`None`).
pub fn unit_key(unit: &str) -> Option<u64> {
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
pub struct Index {
    /// Disposition index by code.
    pub dispositions: FastMap<String, u32>,
    /// Service index by the hash of its id (see [`Index::service`]):
    /// capacity statuses name services by id.
    pub services: FastMap<u64, u32>,
    /// Every postcode unit an overlay claims or a catchment names, by
    /// [`unit_key`]: its id, for [`Index::areas`] and
    /// [`LayerIndex::services`].
    pub units: FastMap<u64, u32>,
    /// By unit id: the overlay layer claiming the unit.
    pub areas: Vec<Option<u32>>,
    /// The lists of services of [`LayerIndex::services`], end to end.
    pub pool: Vec<u32>,
    /// Per layer, in the table's order.
    pub layers: Vec<LayerIndex>,
    /// By rule index: where the rule is written, `file:line`.
    pub rule_sources: Vec<String>,
    /// Local midnights.
    pub clock: Clock,
}

impl Index {
    /// Builds the lookups of `table`.
    pub fn new(table: &Table, tz: &TimeZone) -> Index {
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
        let position = |name: &str| table.layers.iter().position(|l| l.name == name);
        for (idx, slot) in layers.iter_mut().enumerate() {
            let mut chain = vec![idx];
            let mut current = table.layers.get(idx);
            while let Some(parent) = current.and_then(|l| l.parent.as_deref()).and_then(position) {
                if chain.contains(&parent) {
                    break;
                }
                chain.push(parent);
                current = table.layers.get(parent);
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
        }
    }

    /// The index of the service with id `id`: looked up by the hash of the
    /// id, and checked.
    pub fn service(&self, table: &Table, id: &str) -> Option<u32> {
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
    pub fn declared(&self, layer: &LayerIndex, service_type: u32, unit_id: u32) -> &[u32] {
        layer
            .services
            .get(&(service_type, unit_id))
            .and_then(|range| {
                self.pool
                    .get(usize::try_from(range.start).ok()?..usize::try_from(range.end).ok()?)
            })
            .unwrap_or_default()
    }

    /// The ids of a postcode's units (sector, district, area), where an
    /// overlay claims them or a catchment names them.
    pub fn unit_ids(&self, units: [&str; 3]) -> [Option<u32>; 3] {
        units.map(|unit| self.units.get(&unit_key(unit)?).copied())
    }

    /// The overlay claiming the most specific of the units, with the
    /// position of that unit among them.
    pub fn area(&self, unit_ids: [Option<u32>; 3]) -> Option<(u32, usize)> {
        unit_ids.iter().enumerate().find_map(|(position, id)| {
            let layer = (*self.areas.get(usize::try_from((*id)?).ok()?)?)?;
            Some((layer, position))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_agrees_with_the_time_zone() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let clock = Clock::new(&tz, &BTreeMap::new());
        for text in [
            "2020-03-29T00:59:59Z",
            "2020-03-29T01:00:00Z",
            "2020-03-28T23:59:59.999Z",
            "2020-10-24T23:00:00Z",
            "2020-10-25T00:30:00Z",
            "2020-10-25T01:30:00Z",
            "1999-12-31T23:59:59Z",
            "2101-01-01T12:00:00Z",
        ] {
            let at: Timestamp = text.parse().unwrap();
            assert_eq!(
                clock.local_date(&tz, at),
                hours::local_date(&tz, at),
                "{text}"
            );
        }
        for (date, regular) in [
            (Date::constant(2020, 3, 29), false),
            (Date::constant(2020, 10, 25), false),
            (Date::constant(2020, 5, 8), true),
            (Date::constant(2120, 3, 31), false),
        ] {
            let (midnight, is_regular) = clock.day(&tz, date).unwrap();
            assert_eq!(is_regular, regular, "{date}");
            assert_eq!(
                midnight,
                hours::local_instant(&tz, date, 0).unwrap().as_nanosecond()
            );
        }
        assert_eq!(epoch_day(Date::constant(1970, 1, 1)), 0);
        assert_eq!(epoch_day(Date::constant(2020, 5, 8)), 18_390);
    }

    #[test]
    fn unit_keys_tell_units_apart() {
        let units = [
            "S", "SO", "SO1", "SO16", "SO16 7", "S1 2", "W1A 0", "SW1A 1", "SO\0",
        ];
        let keys: BTreeSet<u64> = units.iter().filter_map(|u| unit_key(u)).collect();
        assert_eq!(keys.len(), units.len());
        assert_eq!(unit_key("SO16 7AB"), None);
    }

    #[test]
    fn the_clock_knows_the_bank_holidays() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let calendar: BTreeMap<Date, String> = [
            Date::constant(1999, 12, 28),
            Date::constant(2000, 1, 1),
            Date::constant(2020, 5, 8),
            Date::constant(2100, 12, 31),
            Date::constant(2101, 1, 1),
        ]
        .into_iter()
        .map(|date| (date, "holiday".to_owned()))
        .collect();
        let clock = Clock::new(&tz, &calendar);
        for date in calendar.keys() {
            assert!(clock.bank_holiday(*date), "{date}");
        }
        for date in [
            Date::constant(1999, 12, 27),
            Date::constant(2000, 1, 2),
            Date::constant(2020, 5, 7),
            Date::constant(2020, 5, 9),
            Date::constant(2101, 1, 2),
        ] {
            assert!(!clock.bank_holiday(date), "{date}");
        }
    }

    #[test]
    fn every_midnight_of_the_clock_is_the_time_zone_s() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let clock = Clock::new(&tz, &BTreeMap::new());
        assert_eq!(clock.dates.len(), 36_890);
        assert_eq!(clock.midnights.len(), 36_891);
        assert_eq!(clock.dates.first(), Some(&Date::constant(2000, 1, 1)));
        assert_eq!(clock.dates.last(), Some(&Date::constant(2100, 12, 31)));
        let mut date = Date::constant(2000, 1, 1);
        for (idx, midnight) in clock.midnights.iter().enumerate() {
            if let Some(listed) = clock.dates.get(idx) {
                assert_eq!(*listed, date);
            }
            assert_eq!(
                *midnight,
                hours::local_instant(&tz, date, 0).unwrap().as_nanosecond(),
                "{date}"
            );
            // The local date at, just before and some hours after midnight.
            for offset in [-1, 0, 1, 3_600_000_000_000, 23 * 3_600_000_000_000] {
                let at = Timestamp::from_nanosecond(*midnight + offset).unwrap();
                assert_eq!(
                    clock.local_date(&tz, at),
                    hours::local_date(&tz, at),
                    "{at}"
                );
            }
            date = date.tomorrow().unwrap();
        }
        // Zones that change by half an hour, and at midnight (which then
        // does not exist, or happens twice).
        for name in ["Australia/Lord_Howe", "America/Sao_Paulo", "America/Havana"] {
            let tz = TimeZone::get(name).unwrap();
            let clock = Clock::new(&tz, &BTreeMap::new());
            assert_eq!(clock.midnights.len(), 36_891, "{name}");
            let mut date = Date::constant(2000, 1, 1);
            for midnight in &clock.midnights {
                assert_eq!(
                    *midnight,
                    hours::local_instant(&tz, date, 0).unwrap().as_nanosecond(),
                    "{name} {date}"
                );
                date = date.tomorrow().unwrap();
            }
        }
    }
}
