//! Dates, and the bank holidays of England and Wales computed year by year.
//!
//! The rules are those of the Banking and Financial Dealings Act 1971 as
//! applied by gov.uk: New Year's Day (the next Monday when it falls at a
//! weekend), Good Friday and Easter Monday, the first and last Mondays of
//! May, the last Monday of August, Christmas Day and Boxing Day (with
//! substitute days). The one-off changes of 2019–2023 (VE Day moved the
//! early May holiday in 2020; the Platinum Jubilee moved the spring holiday
//! and added a day in 2022; the State Funeral of Queen Elizabeth II in 2022;
//! the coronation of King Charles III in 2023) are listed. For 2019–2027
//! this gives exactly the gov.uk list in the shipped `rules/calendar.dxm`.
//!
//! Imports: nothing.

use std::fmt;

/// A civil date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// A date; the caller gives a real one.
    pub const fn new(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(0),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// The date `n` days later (earlier when negative).
    pub fn plus(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// Monday is 0, Sunday 6.
    pub fn weekday(self) -> i64 {
        (self.days() + 3).rem_euclid(7)
    }
}

/// Easter Sunday (the anonymous Gregorian algorithm).
pub fn easter(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(
        year,
        u32::try_from(month).unwrap_or(4),
        u32::try_from(day).unwrap_or(1),
    )
}

fn first_monday(year: i32, month: u32) -> Date {
    let first = Date::new(year, month, 1);
    first.plus((7 - first.weekday()) % 7)
}

fn last_monday(year: i32, month: u32, days_in_month: u32) -> Date {
    let last = Date::new(year, month, days_in_month);
    last.plus(-last.weekday())
}

/// The next weekday on or after `date`.
fn weekday_on_or_after(date: Date) -> Date {
    match date.weekday() {
        5 => date.plus(2),
        6 => date.plus(1),
        _ => date,
    }
}

/// The bank holidays of one year, in date order, with their gov.uk names.
pub fn bank_holidays(year: i32) -> Vec<(Date, String)> {
    let mut days: Vec<(Date, String)> = Vec::new();
    days.push((
        weekday_on_or_after(Date::new(year, 1, 1)),
        "New Year's Day".to_owned(),
    ));
    let easter = easter(year);
    days.push((easter.plus(-2), "Good Friday".to_owned()));
    days.push((easter.plus(1), "Easter Monday".to_owned()));
    if year == 2020 {
        days.push((
            Date::new(2020, 5, 8),
            "Early May bank holiday (VE day)".to_owned(),
        ));
    } else {
        days.push((first_monday(year, 5), "Early May bank holiday".to_owned()));
    }
    if year == 2023 {
        days.push((
            Date::new(2023, 5, 8),
            "Bank holiday for the coronation of King Charles III".to_owned(),
        ));
    }
    if year == 2022 {
        days.push((Date::new(2022, 6, 2), "Spring bank holiday".to_owned()));
        days.push((
            Date::new(2022, 6, 3),
            "Platinum Jubilee bank holiday".to_owned(),
        ));
    } else {
        days.push((last_monday(year, 5, 31), "Spring bank holiday".to_owned()));
    }
    days.push((last_monday(year, 8, 31), "Summer bank holiday".to_owned()));
    if year == 2022 {
        days.push((
            Date::new(2022, 9, 19),
            "Bank Holiday for the State Funeral of Queen Elizabeth II".to_owned(),
        ));
    }
    // Christmas Day and Boxing Day: a holiday that falls at a weekend moves
    // to the next weekday not already taken.
    let christmas = Date::new(year, 12, 25);
    let boxing = Date::new(year, 12, 26);
    let (christmas_day, boxing_day) = match christmas.weekday() {
        // Saturday: Christmas on Monday 27, Boxing Day on Tuesday 28.
        5 => (christmas.plus(2), boxing.plus(2)),
        // Sunday: Boxing Day on Monday 26, Christmas on Tuesday 27.
        6 => (christmas.plus(2), boxing),
        // Friday: Boxing Day (Saturday) moves to Monday 28.
        4 => (christmas, boxing.plus(2)),
        _ => (christmas, boxing),
    };
    days.push((christmas_day, "Christmas Day".to_owned()));
    days.push((boxing_day, "Boxing Day".to_owned()));
    days.sort();
    days
}

/// The bank holidays of `years` years from 2019.
pub fn calendar(years: u32) -> Vec<(Date, String)> {
    (0..years)
        .filter_map(|offset| i32::try_from(offset).ok())
        .flat_map(|offset| bank_holidays(2019 + offset))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for days in [-1000i64, 0, 18_000, 19_000, 20_000, 40_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::new(1970, 1, 1).days(), 0);
        // 2020-05-08 was a Friday.
        assert_eq!(Date::new(2020, 5, 8).weekday(), 4);
    }

    #[test]
    fn easter_sundays() {
        assert_eq!(easter(2019), Date::new(2019, 4, 21));
        assert_eq!(easter(2020), Date::new(2020, 4, 12));
        assert_eq!(easter(2024), Date::new(2024, 3, 31));
        assert_eq!(easter(2027), Date::new(2027, 3, 28));
    }
}
