//! The literals of the syntax tree, kept as written: times, dates and
//! date ranges, durations, ages and age ranges, integers, decimals,
//! distances, postcode units, district ranges and references to named
//! sets of postcode units.
//!
//! Imports: `crate::source`; `dxmap_runtime::space` (the age unit).

use crate::source::{Span, Spanned};

/// A time of day as written: hours and minutes, not yet validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    /// Hours, 0–24 when valid.
    pub hour: u32,
    /// Minutes, 0–59 when valid.
    pub minute: u32,
    /// Where it was written.
    pub span: Span,
}

/// A date as written: not yet validated (`2020-02-30` parses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1–12 when valid.
    pub month: u32,
    /// The day, 1–31 when valid.
    pub day: u32,
    /// Where it was written.
    pub span: Span,
}

/// `2020-03-23..2020-07-04` or `2020-03-23..`, or a single date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateRange {
    /// The first date.
    pub start: Date,
    /// The last date (inclusive), if bounded.
    pub end: Option<Date>,
    /// Whether `..` was written (a single date has none).
    pub is_range: bool,
    /// The whole range.
    pub span: Span,
}

/// A duration: `30m`, `2h`, `5d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    /// The number written.
    pub value: u64,
    /// The unit written.
    pub unit: DurationUnit,
    /// Where it was written.
    pub span: Span,
}

/// The unit of a [`Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// `m`.
    Minutes,
    /// `h`.
    Hours,
    /// `d`.
    Days,
}

impl DurationUnit {
    /// The suffix as written.
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
        }
    }
}

/// An age: `16`, `16y`, `6mo`, `28d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age {
    /// The number written.
    pub value: u64,
    /// The unit (years when none was written).
    pub unit: AgeUnit,
    /// Whether a unit suffix was written.
    pub explicit_unit: bool,
    /// Where it was written.
    pub span: Span,
}

/// The unit of an [`Age`]: the case space's, which also converts it to
/// days.
pub use dxmap_runtime::space::AgeUnit;

/// `0..15`, `6mo..`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgeRange {
    /// The lower bound (inclusive).
    pub start: Age,
    /// The upper bound, if any: up to, not including, the next unit.
    pub end: Option<Age>,
    /// The whole range.
    pub span: Span,
}

/// A non-negative integer as written.
pub type Integer = u64;

/// A signed decimal, kept as written so formatting never changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decimal {
    /// The text written, e.g. `-1.4044`.
    pub text: String,
    /// Its value.
    pub value: f64,
    /// Where it was written.
    pub span: Span,
}

/// A postcode area, district or sector in a catchment or an overlay area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostcodeUnit {
    /// The unit as written, e.g. `SO16 7`.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A district range in a `postcodes` set: `PL10..PL15`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostcodeRange {
    /// The first district, as written.
    pub start: PostcodeUnit,
    /// The last district, as written.
    pub end: PostcodeUnit,
    /// The whole range.
    pub span: Span,
}

/// Where postcode units are listed: a unit, a district range (in a
/// `postcodes` set only) or the name of a `postcodes` set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeRef {
    /// `SO`, `SO16`, `SO16 7`.
    Unit(PostcodeUnit),
    /// `PL10..PL15`.
    Range(PostcodeRange),
    /// `cornwall`.
    Set(Spanned<String>),
}

impl PostcodeRef {
    /// The span of the reference.
    pub fn span(&self) -> Span {
        match self {
            PostcodeRef::Unit(unit) => unit.span,
            PostcodeRef::Range(range) => range.span,
            PostcodeRef::Set(name) => name.span,
        }
    }
}

/// A distance: `60km`, `12.5km`, kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Distance {
    /// The number written before `km`, e.g. `12.5`.
    pub text: String,
    /// Its value in kilometres.
    pub km: f64,
    /// Where it was written.
    pub span: Span,
}
