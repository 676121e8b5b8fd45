//! The clock of Europe/London the router reads local dates and session
//! instants from: local midnight of every date from 2000 to 2100, with its
//! bank holidays, so that a case costs integer arithmetic and no time-zone
//! look-ups (dates outside the range fall back to the time zone). Dates are
//! jiff's civil dates; the clock finds one by its year and day of the year.
//!
//! Both the index (which builds a clock per table) and the opening-hours
//! code (which reads it) import this module; it imports neither.
//!
//! Imports: jiff.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The first year the clock holds.
const FIRST_YEAR: i16 = 2000;

/// The last year the clock holds.
const LAST_YEAR: i16 = 2100;

/// Nanoseconds in a minute.
pub(crate) const MINUTE_NANOS: i128 = 60_000_000_000;

/// Nanoseconds in a day without a daylight-saving change.
pub(crate) const DAY_NANOS: i128 = 1440 * MINUTE_NANOS;

/// Local midnights and bank holidays of a range of dates.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    /// `year_starts[y - 2000]`: the position of 1 January of year `y` in
    /// `dates`.
    year_starts: Vec<usize>,
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
    pub(crate) fn new(tz: &TimeZone, calendar: &BTreeMap<Date, String>) -> Clock {
        let first = Date::constant(FIRST_YEAR, 1, 1);
        let last = Date::constant(LAST_YEAR + 1, 1, 1);
        // Days of the range, and the UTC midnight ("naive" midnight) of the
        // first, from jiff's civil dates.
        let span =
            usize::try_from(first.until(last).map_or(0, |span| span.get_days())).unwrap_or(0);
        let naive_first = first
            .to_zoned(TimeZone::UTC)
            .map_or(0, |zoned| zoned.timestamp().as_nanosecond());
        let margin = 3 * DAY_NANOS;
        let naive = |day: usize| naive_first + i128::try_from(day).unwrap_or(0) * DAY_NANOS;
        let offset_nanos = |offset: jiff::tz::Offset| i128::from(offset.seconds()) * 1_000_000_000;
        let start = Timestamp::from_nanosecond(naive(0) - margin).ok();
        let end = naive(span) + margin;
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
        for day in 0..=span {
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
                _ => local_instant(tz, date, 0).map(Timestamp::as_nanosecond),
            };
            let Some(midnight) = midnight else {
                break;
            };
            midnights.push(midnight);
            if day < span {
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
        let mut year_starts = Vec::new();
        for (idx, date) in dates.iter().enumerate() {
            if date.month() == 1 && date.day() == 1 {
                year_starts.push(idx);
            }
        }
        let mut clock = Clock {
            year_starts,
            holidays: vec![false; dates.len()],
            dates,
            midnights,
            other_holidays: BTreeSet::new(),
        };
        for date in calendar.keys() {
            match clock.index_of(*date) {
                Some(idx) => {
                    if let Some(flag) = clock.holidays.get_mut(idx) {
                        *flag = true;
                    }
                }
                None => {
                    clock.other_holidays.insert(*date);
                }
            }
        }
        clock
    }

    /// The position of `date` in the clock's dates, if the clock has it:
    /// the start of its year and its day of the year.
    fn index_of(&self, date: Date) -> Option<usize> {
        let year = usize::try_from(date.year() - FIRST_YEAR).ok()?;
        let day = usize::try_from(date.day_of_year()).ok()?.checked_sub(1)?;
        let idx = self.year_starts.get(year)? + day;
        (idx < self.dates.len()).then_some(idx)
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
    pub(crate) fn local_date(&self, tz: &TimeZone, at: Timestamp) -> Date {
        self.position(at.as_nanosecond())
            .and_then(|idx| self.dates.get(idx))
            .copied()
            .unwrap_or_else(|| local_date(tz, at))
    }

    /// The dates from the local date of `start` to that of `end`, with the
    /// date before: each with its weekday (Monday 0), local midnight,
    /// whether it has 24 hours and whether it is a bank holiday. `None`
    /// when the clock does not have them all.
    pub(crate) fn days(
        &self,
        start: Timestamp,
        end: Timestamp,
    ) -> Option<impl Iterator<Item = (Date, u8, i128, bool, bool)> + '_> {
        let first = self.position(start.as_nanosecond())?.checked_sub(1)?;
        let last = self.position(end.as_nanosecond())?;
        let first_weekday = self
            .dates
            .first()
            .map_or(0, |date| date.weekday().to_monday_zero_offset());
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
    pub(crate) fn bank_holiday(&self, date: Date) -> bool {
        match self.index_of(date).and_then(|idx| self.holidays.get(idx)) {
            Some(flag) => *flag,
            None => self.other_holidays.contains(&date),
        }
    }

    /// Local midnight starting `date`, and whether the date has 24 hours.
    pub(crate) fn day(&self, tz: &TimeZone, date: Date) -> Option<(i128, bool)> {
        let idx = self.index_of(date);
        if let Some((start, end)) =
            idx.and_then(|i| Some((*self.midnights.get(i)?, *self.midnights.get(i + 1)?)))
        {
            return Some((start, end - start == DAY_NANOS));
        }
        let start = local_instant(tz, date, 0)?.as_nanosecond();
        let end = local_instant(tz, date, 1440)?.as_nanosecond();
        Some((start, end - start == DAY_NANOS))
    }
}

/// The instant a local wall-clock minute of `date` falls on (`1440` is the
/// next midnight).
pub fn local_instant(tz: &TimeZone, date: Date, minute: u16) -> Option<Timestamp> {
    let (date, minute) = if minute >= 1440 {
        (date.tomorrow().ok()?, minute - 1440)
    } else {
        (date, minute)
    };
    let hour = i8::try_from(minute / 60).ok()?;
    let min = i8::try_from(minute % 60).ok()?;
    let datetime = date.to_datetime(Time::new(hour, min, 0, 0).ok()?);
    tz.to_ambiguous_timestamp(datetime).compatible().ok()
}

/// The local date of an instant.
pub fn local_date(tz: &TimeZone, at: Timestamp) -> Date {
    tz.to_datetime(at).date()
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
            assert_eq!(clock.local_date(&tz, at), local_date(&tz, at), "{text}");
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
                local_instant(&tz, date, 0).unwrap().as_nanosecond()
            );
        }
        assert_eq!(clock.index_of(Date::constant(2000, 1, 1)), Some(0));
        assert_eq!(clock.index_of(Date::constant(2020, 5, 8)), Some(7433));
        assert_eq!(clock.index_of(Date::constant(2100, 12, 31)), Some(36_889));
        assert_eq!(clock.index_of(Date::constant(2101, 1, 1)), None);
        assert_eq!(clock.index_of(Date::constant(1999, 12, 31)), None);
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
                local_instant(&tz, date, 0).unwrap().as_nanosecond(),
                "{date}"
            );
            // The local date at, just before and some hours after midnight.
            for offset in [-1, 0, 1, 3_600_000_000_000, 23 * 3_600_000_000_000] {
                let at = Timestamp::from_nanosecond(*midnight + offset).unwrap();
                assert_eq!(clock.local_date(&tz, at), local_date(&tz, at), "{at}");
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
                    local_instant(&tz, date, 0).unwrap().as_nanosecond(),
                    "{name} {date}"
                );
                date = date.tomorrow().unwrap();
            }
        }
    }
}
