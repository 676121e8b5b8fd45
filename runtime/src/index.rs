//! Lookups the router prepares once, when a table is loaded, so that a case
//! costs a handful of hash and array lookups and no time-zone arithmetic:
//! - dispositions by code, overlays by postcode unit (hash maps);
//! - per layer, the rules naming each disposition and the services of each
//!   type by postcode unit (dense vectors indexed by disposition and type);
//! - a clock: local midnight of every date from 2000 to 2100 in
//!   Europe/London, so that local dates and session instants are integer
//!   arithmetic (dates outside the range fall back to the time zone).
//!
//! Everything here is derived from the [`Table`]; nothing is serialized.
//!
//! Imports: `crate::table`, jiff.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::hours;
use crate::table::Table;

/// Nanoseconds in a minute.
pub const MINUTE_NANOS: i128 = 60_000_000_000;

/// Nanoseconds in a day without a daylight-saving change.
pub const DAY_NANOS: i128 = 1440 * MINUTE_NANOS;

/// One layer's lookups.
#[derive(Debug, Clone, Default)]
pub struct LayerIndex {
    /// Rules naming each disposition (by disposition index), highest
    /// priority first; empty when no rule names it.
    pub rules: Vec<Vec<u32>>,
    /// Services the layer declares, by type index, then by postcode unit.
    pub services: Vec<HashMap<String, Vec<u32>>>,
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

/// Local midnights of a range of dates.
#[derive(Debug, Clone)]
pub struct Clock {
    first_day: i64,
    dates: Vec<Date>,
    /// `midnights[i]` starts `dates[i]`; one more entry ends the last date.
    midnights: Vec<i128>,
}

impl Clock {
    /// Local midnights of every date from 2000 to 2100, and of 2101-01-01
    /// (ending the last date). Away from a change of UTC offset, local
    /// midnight is UTC midnight less the offset in force; within three days
    /// of a change (two days a year in Europe/London) the time zone works
    /// it out, with its rules for skipped and repeated times.
    fn new(tz: &TimeZone) -> Clock {
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
        Clock {
            first_day,
            dates,
            midnights,
        }
    }

    /// The local date of an instant.
    pub fn local_date(&self, tz: &TimeZone, at: Timestamp) -> Date {
        let nanos = at.as_nanosecond();
        let inside = self.midnights.first().is_some_and(|first| *first <= nanos)
            && self.midnights.last().is_some_and(|last| nanos < *last);
        if inside {
            let idx = self
                .midnights
                .partition_point(|m| *m <= nanos)
                .saturating_sub(1);
            if let Some(date) = self.dates.get(idx) {
                return *date;
            }
        }
        hours::local_date(tz, at)
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

/// All the lookups of a table.
#[derive(Debug, Clone)]
pub struct Index {
    /// Disposition index by code.
    pub dispositions: HashMap<String, u32>,
    /// Overlay layer by postcode unit.
    pub areas: HashMap<String, u32>,
    /// Per layer, in the table's order.
    pub layers: Vec<LayerIndex>,
    /// Local midnights.
    pub clock: Clock,
}

impl Index {
    /// Builds the lookups of `table`.
    pub fn new(table: &Table, tz: &TimeZone) -> Index {
        let n_dispositions = table.dispositions.len();
        let n_types = table.service_types.len();
        let layers = table
            .layers
            .iter()
            .map(|layer| {
                let mut rules = vec![Vec::new(); n_dispositions];
                for (code, list) in &layer.rules_by_dx {
                    if let Some(slot) = table
                        .disposition_index
                        .get(code)
                        .and_then(|idx| rules.get_mut(usize::try_from(*idx).ok()?))
                    {
                        slot.clone_from(list);
                    }
                }
                let mut services = vec![HashMap::new(); n_types];
                for (type_idx, by_unit) in &layer.services_by_type {
                    if let Some(slot) =
                        services.get_mut(usize::try_from(*type_idx).unwrap_or(usize::MAX))
                    {
                        *slot = by_unit
                            .iter()
                            .map(|(unit, list)| (unit.clone(), list.clone()))
                            .collect();
                    }
                }
                LayerIndex {
                    rules,
                    services,
                    chain: Vec::new(),
                }
            })
            .collect::<Vec<_>>();
        let mut layers = layers;
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
            dispositions: table
                .disposition_index
                .iter()
                .map(|(code, idx)| (code.clone(), *idx))
                .collect(),
            areas: table
                .area_index
                .iter()
                .map(|(unit, idx)| (unit.clone(), *idx))
                .collect(),
            layers,
            clock: Clock::new(tz),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_agrees_with_the_time_zone() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let clock = Clock::new(&tz);
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
    fn every_midnight_of_the_clock_is_the_time_zone_s() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let clock = Clock::new(&tz);
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
            date = date.tomorrow().unwrap();
        }
        // Zones that change by half an hour, and at midnight (which then
        // does not exist, or happens twice).
        for name in ["Australia/Lord_Howe", "America/Sao_Paulo", "America/Havana"] {
            let tz = TimeZone::get(name).unwrap();
            let clock = Clock::new(&tz);
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
