//! A routing question: disposition, channel, age, sex, postcode, time,
//! location and capacity statuses.
//!
//! Ages are compared in days, converted as DoS does: a year is 365.25 days
//! and a month 30.4375 days, rounded down.
//!
//! Imports: `crate::{Channel, Sex}`, jiff.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Channel, Sex};

/// Days in `value` years, rounded down (365.25 days a year).
pub fn years_to_days(value: u64) -> u32 {
    u32::try_from(value.saturating_mul(36_525) / 100).unwrap_or(u32::MAX)
}

/// Days in `value` months, rounded down (30.4375 days a month).
pub fn months_to_days(value: u64) -> u32 {
    u32::try_from(value.saturating_mul(304_375) / 10_000).unwrap_or(u32::MAX)
}

/// Parses an age: `40` (years), `40y`, `18mo`, `10d`. Returns days.
pub fn parse_age(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let value: u64 = digits.parse().ok()?;
    if value > 200_000 {
        return None;
    }
    match unit {
        "" | "y" => Some(years_to_days(value)),
        "mo" => Some(months_to_days(value)),
        "d" => u32::try_from(value).ok(),
        _ => None,
    }
}

/// Red, amber or green capacity (DoS RAG: None, Low, High).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rag {
    /// Capacity available.
    Green,
    /// Low capacity: kept, flagged.
    Amber,
    /// No capacity: removed.
    Red,
}

impl Rag {
    /// `green`, `amber` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
        }
    }

    /// Parses `green`, `amber` or `red`.
    pub fn parse(text: &str) -> Option<Rag> {
        match text {
            "green" => Some(Rag::Green),
            "amber" => Some(Rag::Amber),
            "red" => Some(Rag::Red),
            _ => None,
        }
    }
}

/// A service's capacity status, possibly expiring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// The status.
    pub status: Rag,
    /// At or after this instant the status reads green.
    pub until: Option<Timestamp>,
}

impl Capacity {
    /// The status in force at `at`.
    pub fn at(self, at: Timestamp) -> Rag {
        match self.until {
            Some(until) if at >= until => Rag::Green,
            _ => self.status,
        }
    }
}

/// One routing question.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The disposition as triaged, e.g. `Dx05`.
    pub dx: String,
    /// The channel.
    pub channel: Channel,
    /// Age in days.
    pub age_days: u32,
    /// Sex, if known.
    pub sex: Option<Sex>,
    /// The postcode as given (normalised by routing).
    pub postcode: String,
    /// When the case is routed.
    pub at: Timestamp,
    /// Latitude and longitude, if known.
    pub location: Option<[f64; 2]>,
    /// Capacity statuses by service id.
    pub capacity: BTreeMap<String, Capacity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_convert_as_dos_does() {
        assert_eq!(parse_age("16"), Some(5844));
        assert_eq!(parse_age("16y"), Some(5844));
        assert_eq!(parse_age("1"), Some(365));
        assert_eq!(parse_age("6mo"), Some(182));
        assert_eq!(parse_age("18mo"), Some(547));
        assert_eq!(parse_age("10d"), Some(10));
        assert_eq!(parse_age("ten"), None);
        assert_eq!(parse_age("10w"), None);
        assert_eq!(parse_age("-1"), None);
    }

    #[test]
    fn capacity_expires_at_its_instant() {
        let until: Timestamp = "2020-05-08T18:00:00+01:00".parse().unwrap();
        let capacity = Capacity {
            status: Rag::Red,
            until: Some(until),
        };
        assert_eq!(
            capacity.at("2020-05-08T17:59:59+01:00".parse().unwrap()),
            Rag::Red
        );
        assert_eq!(capacity.at(until), Rag::Green);
        assert_eq!(
            capacity.at("2020-05-08T18:00:01+01:00".parse().unwrap()),
            Rag::Green
        );
    }
}
