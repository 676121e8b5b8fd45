//! The clock of Europe/London the router reads local dates and session
//! instants from: local midnight of every date from 2000 to 2100, with its
//! bank holidays, so that a case costs integer arithmetic and no time-zone
//! look-ups (dates outside the range fall back to the time zone). On the
//! two dates a year whose clocks change, where a wall-clock minute falls
//! is known by the date's shape: the minute from which the change applies. Dates are
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
    /// `shapes[i]`: the [`day_shape`] of `dates[i]`.
    shapes: Vec<u16>,
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
        let initial_offset = start.map(|start| offset_nanos(tz.to_offset(start)));
        let mut offset = initial_offset;
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
        let shapes = dates
            .iter()
            .zip(midnights.windows(2))
            .enumerate()
            .map(|(day, (date, pair))| match pair {
                [midnight, next] if next - midnight == DAY_NANOS => 0,
                [midnight, next] => {
                    // The change within the date, with the offsets before
                    // and after it, gives the shape; the time zone confirms
                    // it (or works it out, for a date it does not fit).
                    let idx = changes.partition_point(|(at, _)| at <= midnight);
                    let before = idx
                        .checked_sub(1)
                        .and_then(|k| changes.get(k))
                        .map(|(_, offset)| *offset)
                        .or(initial_offset);
                    let fitted = changes
                        .get(idx)
                        .filter(|(at, _)| at <= next)
                        .zip(before)
                        .and_then(|((at, after), before)| {
                            let minutes =
                                ((at + before).max(at + after) - naive(day)) / MINUTE_NANOS;
                            u16::try_from(minutes).ok().filter(|m| *m <= 1440)
                        })
                        .filter(|from| shaped_as(tz, *date, *midnight, *next, *from));
                    fitted.unwrap_or_else(|| day_shape(tz, *date, *midnight, *next))
                }
                _ => UNSHAPED,
            })
            .collect();
        let mut clock = Clock {
            year_starts,
            holidays: vec![false; dates.len()],
            shapes,
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

    /// The dates from the local date of `start` to that of `end` (instants
    /// in nanoseconds since the epoch), with the date before if `eve` or if
    /// `start` is the first date's midnight (a session of the date before
    /// closing at 24:00 closes then). `None` when the clock does not have
    /// them all.
    pub(crate) fn days(
        &self,
        start: i128,
        end: i128,
        eve: bool,
    ) -> Option<impl Iterator<Item = ClockDay> + '_> {
        let first = self.position(start)?;
        let first = if eve || self.midnights.get(first) == Some(&start) {
            first.checked_sub(1)?
        } else {
            first
        };
        let last = self.position(end)?;
        let first_weekday = self
            .dates
            .first()
            .map_or(0, |date| date.weekday().to_monday_zero_offset());
        Some((first..=last).filter_map(move |idx| {
            let midnight = *self.midnights.get(idx)?;
            let next = *self.midnights.get(idx + 1)?;
            Some(ClockDay {
                date: *self.dates.get(idx)?,
                weekday: u8::try_from((usize::try_from(first_weekday).ok()? + idx) % 7).ok()?,
                midnight,
                shift_from: *self.shapes.get(idx)?,
                shift: next - midnight - DAY_NANOS,
                bank_holiday: self.holidays.get(idx).copied().unwrap_or(false),
            })
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
    #[cfg(test)]
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

/// One local date, as the search window reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockDay {
    pub(crate) date: Date,
    /// Monday 0 to Sunday 6.
    pub(crate) weekday: u8,
    /// Nanoseconds since the epoch of local midnight starting the date.
    pub(crate) midnight: i128,
    /// With `shift`: the instant of a wall-clock minute `m` of the date is
    /// `midnight + m minutes`, plus `shift` from minute `shift_from` on
    /// ([`day_shape`]); [`UNSHAPED`]: ask the time zone.
    pub(crate) shift_from: u16,
    /// The date's length less 24 hours (0 on most dates).
    pub(crate) shift: i128,
    /// Whether the date is in the calendar.
    pub(crate) bank_holiday: bool,
}

impl ClockDay {
    /// A date outside the clock's range, from the time zone.
    pub(crate) fn of(tz: &TimeZone, date: Date, bank_holiday: bool) -> Option<ClockDay> {
        let midnight = local_instant(tz, date, 0)?.as_nanosecond();
        let next = local_instant(tz, date, 1440)?.as_nanosecond();
        Some(ClockDay {
            date,
            weekday: u8::try_from(date.weekday().to_monday_zero_offset()).ok()?,
            midnight,
            shift_from: day_shape(tz, date, midnight, next),
            shift: next - midnight - DAY_NANOS,
            bank_holiday,
        })
    }

    /// The instant of a wall-clock minute of the date (`1440` is the next
    /// midnight), in nanoseconds since the epoch.
    pub(crate) fn instant(&self, tz: &TimeZone, minute: u16) -> Option<i128> {
        if self.shift_from == UNSHAPED {
            return local_instant(tz, self.date, minute).map(Timestamp::as_nanosecond);
        }
        let shift = if minute >= self.shift_from {
            self.shift
        } else {
            0
        };
        Some(self.midnight + i128::from(minute) * MINUTE_NANOS + shift)
    }
}

/// A date whose instants [`day_shape`] cannot describe.
pub(crate) const UNSHAPED: u16 = u16::MAX;

/// How a date's wall-clock minutes fall on instants. On a date of 24
/// hours, minute `m` is `m` minutes after midnight (shape `0`, with a shift
/// of 0). On the date of a change of offset (twice a year in
/// Europe/London), minutes before the change are so too, and from the
/// first minute after it, every one is shifted by the change (`length −
/// 24 h`): with jiff's "compatible" rule, a skipped minute counts with the
/// offset before the change and a repeated one means its first occurrence,
/// so the shift starts at the later of the change's two wall-clock times.
/// That minute is the shape, found by bisection and checked on both sides;
/// a date that does not follow the pattern (two changes in a day) is
/// [`UNSHAPED`], and its minutes are asked of the time zone.
fn day_shape(tz: &TimeZone, date: Date, midnight: i128, next: i128) -> u16 {
    let shift = next - midnight - DAY_NANOS;
    if shift == 0 {
        return 0;
    }
    let deviation = |minute: u16| {
        local_instant(tz, date, minute)
            .map(|at| at.as_nanosecond() - midnight - i128::from(minute) * MINUTE_NANOS)
    };
    let (mut low, mut high) = (0u16, 1440u16);
    while low < high {
        let middle = low + (high - low) / 2;
        if deviation(middle) == Some(0) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    if shaped_as(tz, date, midnight, next, low) {
        low
    } else {
        UNSHAPED
    }
}

/// Whether the time zone agrees that a date's change applies from minute
/// `from` (see [`day_shape`]): the minute before is not shifted, and that
/// minute and the date's end are.
fn shaped_as(tz: &TimeZone, date: Date, midnight: i128, next: i128, from: u16) -> bool {
    let shift = next - midnight - DAY_NANOS;
    let deviation = |minute: u16| {
        local_instant(tz, date, minute)
            .map(|at| at.as_nanosecond() - midnight - i128::from(minute) * MINUTE_NANOS)
    };
    (from == 0 || deviation(from - 1) == Some(0))
        && deviation(from) == Some(shift)
        && deviation(1440) == Some(shift)
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
    fn every_minute_of_every_changeover_day_falls_where_the_time_zone_says() {
        // The shapes replace the time zone for every date of the clock: on
        // each date of a change of offset (202 of them), each of its 1,441
        // minutes must be the instant jiff's "compatible" rule gives.
        let tz = TimeZone::get("Europe/London").unwrap();
        let clock = Clock::new(&tz, &BTreeMap::new());
        let mut changeovers = 0;
        for idx in 0..clock.dates.len() {
            let midnight = clock.midnights[idx];
            let next = clock.midnights[idx + 1];
            let day = ClockDay {
                date: clock.dates[idx],
                weekday: 0,
                midnight,
                shift_from: clock.shapes[idx],
                shift: next - midnight - DAY_NANOS,
                bank_holiday: false,
            };
            if day.shift == 0 {
                assert_eq!(day.shift_from, 0);
                continue;
            }
            changeovers += 1;
            assert_ne!(day.shift_from, UNSHAPED, "{}", day.date);
            for minute in 0..=1440 {
                assert_eq!(
                    day.instant(&tz, minute),
                    local_instant(&tz, day.date, minute).map(Timestamp::as_nanosecond),
                    "{} minute {minute}",
                    day.date
                );
            }
            let outside = ClockDay::of(&tz, day.date, false).unwrap();
            assert_eq!(
                (outside.midnight, outside.shift_from, outside.shift),
                (day.midnight, day.shift_from, day.shift)
            );
        }
        assert_eq!(changeovers, 202);
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
