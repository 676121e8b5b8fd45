//! Opening hours: which sessions apply on a date, and whether a service is
//! open at some instant of a search window.
//!
//! The hours that apply on a date (DESIGN.md, Routing semantics, step 4): a
//! dated entry (`on`, `closed`) > `all_hours` > `bank_holiday` (when the
//! date is in the calendar and a `bank_holiday` line exists) > weekly hours
//! (a weekday not listed is closed). Sessions are local wall-clock times on
//! their date, closed intervals; `24:00` is midnight at the end of the date.
//! A wall-clock time that does not exist (spring forward) moves forward, one
//! that occurs twice (autumn back) means its first occurrence: jiff's
//! "compatible" disambiguation.
//!
//! Imports: `crate::{table, clock}`, jiff.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

pub use crate::clock::{local_date, local_instant};
use crate::clock::{Clock, ClockDay};
use crate::table::{Hours, Session};

/// Why a date has the sessions it has (for the trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An `on DATE` entry.
    Dated,
    /// A `closed A..B` entry.
    ClosedDates,
    /// `all_hours`.
    AllHours,
    /// A bank holiday with a `bank_holiday` line.
    BankHoliday,
    /// The weekly hours.
    Weekly,
}

const ALL_DAY: [Session; 1] = [Session {
    open: 0,
    close: 1440,
}];

/// The sessions that apply on `date`, and why.
pub fn sessions_on<'a>(
    hours: &'a Hours,
    date: Date,
    calendar: &BTreeMap<Date, String>,
) -> (&'a [Session], Source) {
    sessions_of(hours, date, calendar.contains_key(&date))
}

/// As [`sessions_on`], with whether the date is a bank holiday known.
fn sessions_of(hours: &Hours, date: Date, bank_holiday: bool) -> (&[Session], Source) {
    let weekday = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
    sessions_of_day(hours, date, weekday, bank_holiday)
}

/// As [`sessions_of`], with the weekday (Monday 0) known.
fn sessions_of_day(
    hours: &Hours,
    date: Date,
    weekday: usize,
    bank_holiday: bool,
) -> (&[Session], Source) {
    if let Some(sessions) = hours.dated.get(&date) {
        return (sessions, Source::Dated);
    }
    if hours
        .closed
        .iter()
        .any(|c| c.from <= date && c.until.is_none_or(|until| date <= until))
    {
        return (&[], Source::ClosedDates);
    }
    if hours.all_hours {
        return (&ALL_DAY, Source::AllHours);
    }
    if let Some(sessions) = &hours.bank_holiday {
        if bank_holiday {
            return (sessions, Source::BankHoliday);
        }
    }
    let sessions = hours.weekly.get(weekday).map_or(&[][..], Vec::as_slice);
    (sessions, Source::Weekly)
}

/// Days a window keeps without allocating: enough for a window of up to a
/// day (a timeframe of up to 25 hours), with the day before.
const INLINE_DAYS: usize = 4;

const NO_DAY: ClockDay = ClockDay {
    date: Date::MIN,
    weekday: 0,
    midnight: 0,
    shift_from: 0,
    shift: 0,
    bank_holiday: false,
};

/// A search window `[start, end]` with the local dates it touches, each
/// worked out once per search so that each candidate service costs only
/// integer comparisons: the date of `start` to that of `end`, and the date
/// before when one of its sessions can reach the window (one closing at
/// 24:00 when the window starts at midnight).
#[derive(Debug, Clone)]
pub(crate) struct Window {
    start: i128,
    end: i128,
    /// The first [`INLINE_DAYS`] days (`len` of them are real).
    inline: [ClockDay; INLINE_DAYS],
    len: usize,
    /// The days after those, for longer windows.
    more: Vec<ClockDay>,
}

impl Window {
    fn empty(start: i128, end: i128) -> Window {
        Window {
            start,
            end,
            inline: [NO_DAY; INLINE_DAYS],
            len: 0,
            more: Vec::new(),
        }
    }

    /// The window `[start, end]` (nanoseconds since the epoch), from the
    /// clock's dates; `None` beyond its range. `late` says that some
    /// session of the table closes after 24:00 of its date (a table
    /// `dxmap build` writes has none), so the date before is always
    /// needed.
    pub(crate) fn in_clock(clock: &Clock, start: i128, end: i128, late: bool) -> Option<Window> {
        let mut window = Window::empty(start, end);
        for day in clock.days(start, end, late)? {
            window.push(day);
        }
        Some(window)
    }

    /// The window `[start, end]` in Europe/London (`tz`), date by date from
    /// the time zone, with bank holidays from `clock`: for instants beyond
    /// the clock's range.
    pub(crate) fn new(tz: &TimeZone, clock: &Clock, start: Timestamp, end: Timestamp) -> Window {
        let mut window = Window::empty(start.as_nanosecond(), end.as_nanosecond());
        let first = clock.local_date(tz, start);
        let last = clock.local_date(tz, end);
        let mut date = first.yesterday().unwrap_or(first);
        while date <= last {
            if let Some(day) = ClockDay::of(tz, date, clock.bank_holiday(date)) {
                window.push(day);
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        window
    }

    fn push(&mut self, day: ClockDay) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = day;
                self.len += 1;
            }
            None => self.more.push(day),
        }
    }

    fn days(&self) -> impl Iterator<Item = &ClockDay> {
        self.inline.iter().take(self.len).chain(&self.more)
    }

    /// Whether a service with these hours is open at some instant of the
    /// window. Every date the window touches is checked against its hours.
    pub(crate) fn open(&self, hours: &Hours, tz: &TimeZone) -> bool {
        for day in self.days() {
            let (sessions, _) =
                sessions_of_day(hours, day.date, usize::from(day.weekday), day.bank_holiday);
            for session in sessions {
                let (Some(open), Some(close)) = (
                    day.instant(tz, session.open),
                    day.instant(tz, session.close),
                ) else {
                    continue;
                };
                if open <= self.end && close >= self.start {
                    return true;
                }
            }
        }
        false
    }
}

/// Whether the service is open at some instant of `[start, end]`. Every date
/// the window touches is checked against the hours of that date.
pub fn open_in_window(
    hours: &Hours,
    calendar: &BTreeMap<Date, String>,
    tz: &TimeZone,
    start: Timestamp,
    end: Timestamp,
) -> bool {
    // Start a day early: a session of the day before that runs to 24:00
    // closes at the instant the window opens, and sessions are closed
    // intervals.
    let first = local_date(tz, start);
    let mut date = first.yesterday().unwrap_or(first);
    let last = local_date(tz, end);
    while date <= last {
        let (sessions, _) = sessions_on(hours, date, calendar);
        for session in sessions {
            let (Some(open), Some(close)) = (
                local_instant(tz, date, session.open),
                local_instant(tz, date, session.close),
            ) else {
                continue;
            };
            if open <= end && close >= start {
                return true;
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    false
}
