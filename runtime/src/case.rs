//! A routing question: disposition, channel, age, sex, postcode, time,
//! location and capacity statuses.
//!
//! Ages are in days; [`crate::space`] converts them (`parse_age`).
//!
//! Imports: `crate::{Channel, Sex}`, jiff.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Channel, Sex};

/// A time as people write it: RFC 3339 with an offset
/// (`2020-05-08T15:00:00+01:00`), or a local time in Europe/London without
/// one (`2020-05-08T15:00`). A local time that does not exist (the clocks
/// go forward) is an error naming the changeover; one that occurs twice
/// (the clocks go back) means the first.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    use jiff::tz::{AmbiguousOffset, TimeZone};
    check_offset_and_seconds(text)?;
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let wrong = || {
        format!("`{text}` is not a time (`2020-05-08T15:00:00+01:00`, or local `2020-05-08T15:00`)")
    };
    let civil: jiff::civil::DateTime = text.parse().map_err(|_| wrong())?;
    let tz = TimeZone::get("Europe/London").map_err(|error| error.to_string())?;
    let offset = match tz.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { before, after } => {
            return Err(format!(
                "`{text}` does not exist in Europe/London: the clocks go forward from {before} to {after} then"
            ))
        }
        // Twice: the first, before the clocks went back.
        AmbiguousOffset::Fold { before, .. } => before,
    };
    offset.to_timestamp(civil).map_err(|_| wrong())
}

/// Refuses what a timestamp parser would take but no clock shows: an
/// offset beyond ±18:00 (the widest real ones are ±14:00) and a 60th
/// second (no leap second has been added since 2016, and none falls in a
/// case's time).
fn check_offset_and_seconds(text: &str) -> Result<(), String> {
    let Some((_, time)) = text.split_once(['T', 't', ' ']) else {
        return Ok(());
    };
    let (clock, offset) = match time.find(['+', '-']) {
        Some(at) => time.split_at(at),
        None => (time.trim_end_matches(['Z', 'z']), ""),
    };
    if clock
        .split(':')
        .nth(2)
        .is_some_and(|seconds| seconds.starts_with("60"))
    {
        return Err(format!(
            "`{text}` has a 60th second: leap seconds are not used"
        ));
    }
    let hours = offset
        .get(1..3)
        .and_then(|hours| hours.parse::<u32>().ok())
        .unwrap_or(0);
    let minutes = offset
        .get(3..)
        .map(|rest| rest.trim_start_matches(':'))
        .and_then(|m| m.get(..2))
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if hours * 60 + minutes > 18 * 60 {
        return Err(format!(
            "`{text}` has an offset of {offset}: offsets run from -18:00 to +18:00"
        ));
    }
    Ok(())
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
    fn times_with_impossible_offsets_or_leap_seconds_are_refused() {
        assert!(parse_time("2020-05-08T15:00:00+25:00").is_err());
        assert!(parse_time("2020-05-08T15:00:00-18:30").is_err());
        assert!(parse_time("2020-05-08T15:00:60+01:00").is_err());
        assert!(parse_time("2020-05-08T15:00:00+14:00").is_ok());
        assert!(parse_time("2020-05-08T15:00:00-18:00").is_ok());
        assert!(parse_time("2020-05-08T15:00:00Z").is_ok());
        assert!(parse_time("2020-05-08T15:00").is_ok());
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
