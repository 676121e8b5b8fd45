//! The case space: what a case is, and when a rule answers it. One meaning,
//! used by every part of dxmap — the router (step 3 and the service
//! filters of step 4), the behavioural diff, the static analyses of the
//! checker and the compiler that writes the table. Adding a condition to
//! the language means changing this module, and only this one, for what
//! the condition *means*.
//!
//! A case is a point of a small product domain: disposition × channel (3)
//! × sex (female, male, not given) × age in days. A rule's [`Conditions`]
//! are a box in it: a set of channels, an [`Ages`] interval and an optional
//! required sex. The analyses work on boxes and intervals (intersect,
//! subtract, cut points); routing asks whether one point lies in one box
//! ([`Conditions::matches`]). Both go through the same predicate,
//! [`Conditions::admits`].
//!
//! Ages are compared in days, converted as DoS does: a year is 365.25 days
//! and a month 30.4375 days, rounded down ([`AgeUnit::days`]). An age range
//! `A..B` written in a unit runs from the A-th birthday up to, not
//! including, the (B+1)-th ([`AgeUnit::range`]).
//!
//! Which code's rules answer a disposition in a layer (`same_as` and
//! `no_search`, step 2 of routing) is [`answering`]: the router calls it on
//! its indexes, [`Table::answering_code`](crate::Table::answering_code) on
//! the table itself.
//!
//! Imports: `crate::{Case, Channel, Sex}`, serde.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Case, Channel, Sex};

// ---------------------------------------------------------------- ages

/// The unit an age is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeUnit {
    /// Years (365.25 days), written `40` or `40y`.
    Years,
    /// Months (30.4375 days), written `18mo`.
    Months,
    /// Days, written `10d`.
    Days,
}

impl AgeUnit {
    /// The suffix as written (`y`, `mo`, `d`).
    pub fn suffix(self) -> &'static str {
        match self {
            AgeUnit::Years => "y",
            AgeUnit::Months => "mo",
            AgeUnit::Days => "d",
        }
    }

    /// Days in `value` of this unit, rounded down, as DoS converts
    /// (365.25 days a year, 30.4375 a month); saturates at `u32::MAX`.
    pub fn days(self, value: u64) -> u32 {
        let days = match self {
            AgeUnit::Years => value.saturating_mul(36_525) / 100,
            AgeUnit::Months => value.saturating_mul(304_375) / 10_000,
            AgeUnit::Days => value,
        };
        u32::try_from(days).unwrap_or(u32::MAX)
    }

    /// The ages `from..to` written in this unit admit: from the `from`-th
    /// birthday up to, not including, the (`to`+1)-th; `to` of `None` is
    /// unbounded.
    pub fn range(self, from: u64, to: Option<u64>) -> Ages {
        Ages {
            min_days: self.days(from),
            max_days: to.map(|to| self.days(to.saturating_add(1))),
        }
    }

    /// The ages `< value` admits (`<=` is `below(value + 1)`).
    pub fn below(self, value: u64) -> Ages {
        Ages {
            min_days: 0,
            max_days: Some(self.days(value)),
        }
    }

    /// The ages `>= value` admits (`>` is `from(value + 1)`).
    pub fn from(self, value: u64) -> Ages {
        Ages {
            min_days: self.days(value),
            max_days: None,
        }
    }
}

impl std::fmt::Display for Ages {
    /// For people: `any age`, `age 16y and over`, `age 0–15y`, `age 0–27
    /// days` (whole years where both bounds are birthdays up to 200y).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let years = |days: u32| -> Option<u64> {
            let guess = u64::from(days).saturating_mul(100) / 36_525;
            [guess, guess.saturating_add(1)]
                .into_iter()
                .find(|&y| y <= 200 && AgeUnit::Years.days(y) == days)
        };
        match (self.min_days, self.max_days) {
            (0, None) => f.write_str("any age"),
            (start, None) => match years(start) {
                Some(y) => write!(f, "age {y}y and over"),
                None => write!(f, "age {start} days and over"),
            },
            (start, Some(stop)) => match (years(start), years(stop)) {
                (Some(a), Some(b)) if b > a => write!(f, "age {a}–{}y", b - 1),
                _ => write!(f, "age {start}–{} days", stop.saturating_sub(1)),
            },
        }
    }
}

/// An age in days for people, in the trace: whole years from two years
/// on (rounded: ages given in years convert down, 16y is 5844 days),
/// days below.
pub fn age_text(days: u32) -> String {
    if days >= 730 {
        // days / 365.25, rounded half up, in integers.
        let years = (u64::from(days) * 200 + 36_525) / 73_050;
        format!("{years}y")
    } else {
        format!("{days} days")
    }
}

/// Days in `value` years, rounded down (365.25 days a year).
pub fn years_to_days(value: u64) -> u32 {
    AgeUnit::Years.days(value)
}

/// Days in `value` months, rounded down (30.4375 days a month).
pub fn months_to_days(value: u64) -> u32 {
    AgeUnit::Months.days(value)
}

/// Parses a case's age: `40` (years), `40y`, `18mo`, `10d`. Returns days.
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
    let unit = match unit {
        "" | "y" => AgeUnit::Years,
        "mo" => AgeUnit::Months,
        "d" => AgeUnit::Days,
        _ => return None,
    };
    Some(unit.days(value))
}

/// An interval of ages in days, `[min_days, max_days)`; a `max_days` of
/// `None` is unbounded. Rules' and services' ages are one each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ages {
    /// Youngest age admitted, in days.
    pub min_days: u32,
    /// First age in days no longer admitted; `None` is unbounded.
    pub max_days: Option<u32>,
}

impl Ages {
    /// Everyone.
    pub const ALL: Ages = Ages {
        min_days: 0,
        max_days: None,
    };

    /// No one (an empty interval; every empty interval admits the same).
    pub const NONE: Ages = Ages {
        min_days: 0,
        max_days: Some(0),
    };

    /// `[min_days, max_days)`.
    pub fn new(min_days: u32, max_days: Option<u32>) -> Ages {
        Ages { min_days, max_days }
    }

    /// Whether an age in days is admitted.
    pub fn contains(self, days: u32) -> bool {
        self.min_days <= days && self.max_days.is_none_or(|max| days < max)
    }

    /// Whether no age is admitted.
    pub fn is_empty(self) -> bool {
        self.max_days.is_some_and(|max| max <= self.min_days)
    }

    /// The ages both admit (possibly empty).
    pub fn intersect(self, other: Ages) -> Ages {
        Ages {
            min_days: self.min_days.max(other.min_days),
            max_days: match (self.max_days, other.max_days) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// Whether some age is admitted by both.
    pub fn meets(self, other: Ages) -> bool {
        !self.intersect(other).is_empty()
    }

    /// Whether every age `other` admits, `self` admits too (an empty
    /// `other` is covered by anything).
    pub fn covers(self, other: Ages) -> bool {
        other.is_empty()
            || (self.min_days <= other.min_days
                && match (self.max_days, other.max_days) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => b <= a,
                })
    }

    /// Whether the ages of both make one interval: they meet or touch.
    /// Empty intervals join nothing.
    pub fn joins(self, other: Ages) -> bool {
        let reaches = |a: Ages, b: Ages| a.max_days.is_none_or(|max| max >= b.min_days);
        !self.is_empty() && !other.is_empty() && reaches(self, other) && reaches(other, self)
    }

    /// The smallest interval admitting every age of both; an empty one
    /// adds nothing.
    pub fn hull(self, other: Ages) -> Ages {
        if other.is_empty() {
            return self;
        }
        if self.is_empty() {
            return other;
        }
        Ages {
            min_days: self.min_days.min(other.min_days),
            max_days: match (self.max_days, other.max_days) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
        }
    }

    /// The ages of `self` that `other` does not admit: at most two
    /// intervals, below and above `other`, none of them empty.
    pub fn subtract(self, other: Ages) -> Vec<Ages> {
        if !self.meets(other) {
            return if self.is_empty() {
                Vec::new()
            } else {
                vec![self]
            };
        }
        let mut out = Vec::with_capacity(2);
        if other.min_days > self.min_days {
            out.push(Ages::new(self.min_days, Some(other.min_days)));
        }
        if let Some(end) = other.max_days {
            let above = Ages::new(end, self.max_days);
            if !above.is_empty() {
                out.push(above);
            }
        }
        out
    }

    /// The ages of `self` that none of `taken` admits, in order, adjacent
    /// pieces joined.
    pub fn uncovered(self, taken: impl IntoIterator<Item = Ages>) -> Vec<Ages> {
        let mut taken: Vec<Ages> = taken
            .into_iter()
            .map(|t| t.intersect(self))
            .filter(|t| !t.is_empty())
            .collect();
        taken.sort();
        let mut out = Vec::new();
        let mut from = Some(self.min_days);
        for piece in taken {
            let Some(start) = from else { break };
            if piece.min_days > start {
                out.push(Ages::new(start, Some(piece.min_days)));
            }
            from = piece.max_days.map(|end| end.max(start));
        }
        if let Some(start) = from {
            let rest = Ages::new(start, self.max_days);
            if !rest.is_empty() {
                out.push(rest);
            }
        }
        out
    }

    /// Cuts `self` at `cuts` (bounds of other intervals): the bands in
    /// order, each admitted or refused as a whole by every interval whose
    /// bounds are among the cuts.
    pub fn bands(self, cuts: &BTreeSet<u32>) -> Vec<Ages> {
        let mut out = Vec::new();
        let mut start = self.min_days;
        for &cut in cuts.range(self.min_days.saturating_add(1)..) {
            if self.max_days.is_some_and(|max| cut >= max) {
                break;
            }
            out.push(Ages::new(start, Some(cut)));
            start = cut;
        }
        let last = Ages::new(start, self.max_days);
        if !last.is_empty() {
            out.push(last);
        }
        out
    }

    /// Adds the bounds of `self` to a set of cut points.
    pub fn cut_points_into(self, cuts: &mut BTreeSet<u32>) {
        cuts.insert(self.min_days);
        if let Some(max) = self.max_days {
            cuts.insert(max);
        }
    }
}

// ---------------------------------------------------------------- sex

/// The sex of a case: given or not. A case without a sex matches no
/// `sex =` condition and no service restricted by `sexes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not given.
    NotGiven,
}

impl CaseSex {
    /// All three, in order.
    pub const ALL: [CaseSex; 3] = [CaseSex::Female, CaseSex::Male, CaseSex::NotGiven];

    /// The sex given, `None` when not given.
    pub fn sex(self) -> Option<Sex> {
        match self {
            CaseSex::Female => Some(Sex::Female),
            CaseSex::Male => Some(Sex::Male),
            CaseSex::NotGiven => None,
        }
    }

    /// `female`, `male` or `not_given`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseSex::Female => "female",
            CaseSex::Male => "male",
            CaseSex::NotGiven => "not_given",
        }
    }

    /// For people: `female`, `male` or `sex not given`.
    pub fn describe(self) -> &'static str {
        match self {
            CaseSex::Female => "female",
            CaseSex::Male => "male",
            CaseSex::NotGiven => "sex not given",
        }
    }

    /// Whether a rule requiring `required` (`None`: no `sex =` test)
    /// matches this case.
    pub fn meets(self, required: Option<Sex>) -> bool {
        required.is_none_or(|required| self.sex() == Some(required))
    }

    /// Whether a service admitting `sexes` (`None`: everyone) takes this
    /// case.
    pub fn admitted_by<'a>(self, sexes: Option<impl IntoIterator<Item = &'a Sex>>) -> bool {
        match sexes {
            None => true,
            Some(sexes) => self
                .sex()
                .is_some_and(|sex| sexes.into_iter().any(|s| *s == sex)),
        }
    }
}

impl From<Option<Sex>> for CaseSex {
    fn from(sex: Option<Sex>) -> CaseSex {
        match sex {
            Some(Sex::Female) => CaseSex::Female,
            Some(Sex::Male) => CaseSex::Male,
            None => CaseSex::NotGiven,
        }
    }
}

// ---------------------------------------------------------------- rules

/// A rule's conditions besides its dispositions: the channels, ages and
/// sex it matches. Joined by `and`; a condition not written admits all.
///
/// In the table these are written inline in each rule (channels, then
/// ages, then sex), so the artifact's bytes are those of the three fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conditions {
    /// Channels matched, in canonical order, without repeats.
    pub channels: Vec<Channel>,
    /// Ages matched.
    pub ages: Ages,
    /// Sex required, if tested.
    pub sex: Option<Sex>,
}

impl Conditions {
    /// Conditions on `channels` (sorted and deduplicated here; an empty
    /// list is read as "no channel"), ages and sex.
    pub fn new(channels: impl IntoIterator<Item = Channel>, ages: Ages, sex: Option<Sex>) -> Self {
        let channels: BTreeSet<Channel> = channels.into_iter().collect();
        Conditions {
            channels: channels.into_iter().collect(),
            ages,
            sex,
        }
    }

    /// Whether the conditions admit one point of the case space. The one
    /// predicate of "does this rule answer this case".
    pub fn admits(&self, channel: Channel, sex: CaseSex, age_days: u32) -> bool {
        self.channels.contains(&channel) && self.ages.contains(age_days) && sex.meets(self.sex)
    }

    /// Whether the conditions match a case (step 3 of routing).
    pub fn matches(&self, case: &Case) -> bool {
        self.admits(case.channel, CaseSex::from(case.sex), case.age_days)
    }

    /// Whether `channel` is among the conditions' channels, whatever the
    /// ages and sex.
    pub fn on_channel(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }

    /// Whether the conditions admit some age of (channel, sex).
    pub fn admits_cell(&self, channel: Channel, sex: CaseSex) -> bool {
        self.channels.contains(&channel) && sex.meets(self.sex) && !self.ages.is_empty()
    }

    /// The (channel, sex) cells admitted, in order.
    pub fn cells(&self) -> impl Iterator<Item = (Channel, CaseSex)> + '_ {
        self.channels.iter().flat_map(move |&channel| {
            CaseSex::ALL
                .into_iter()
                .filter(move |sex| sex.meets(self.sex))
                .map(move |sex| (channel, sex))
        })
    }

    /// Whether some case matches both.
    pub fn meets(&self, other: &Conditions) -> bool {
        self.ages.meets(other.ages)
            && self.channels.iter().any(|c| other.channels.contains(c))
            && CaseSex::ALL
                .into_iter()
                .any(|sex| sex.meets(self.sex) && sex.meets(other.sex))
    }

    /// Cases both match, as (the first channel both admit, a sex both
    /// admit — not given unless one requires a sex —, the ages both admit):
    /// the witness an overlap is reported with.
    pub fn meeting(&self, other: &Conditions) -> Option<(Channel, CaseSex, Ages)> {
        let ages = self.ages.intersect(other.ages);
        if ages.is_empty() {
            return None;
        }
        let channel = *self.channels.iter().find(|c| other.channels.contains(c))?;
        // The plainest case first: no sex given, unless a rule requires one.
        let sex = [CaseSex::NotGiven, CaseSex::Female, CaseSex::Male]
            .into_iter()
            .find(|sex| sex.meets(self.sex) && sex.meets(other.sex))?;
        Some((channel, sex, ages))
    }
}

// ------------------------------------------------ same_as and no_search

/// What answers a disposition in a layer, before any rule is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answering<C, R> {
    /// The layer says `no_search` for `code` (the disposition itself, or
    /// its `same_as` target when `via_same_as`).
    NoSearch {
        /// The code the `no_search` entry names.
        code: C,
        /// Its reason.
        reason: R,
        /// Whether `code` is the `same_as` target of the disposition.
        via_same_as: bool,
    },
    /// The rules naming `code` answer (the disposition itself, or its
    /// `same_as` target when no rule of the layer names the disposition).
    Rules {
        /// The code whose rules are tried.
        code: C,
        /// Whether `code` is the `same_as` target of the disposition.
        via_same_as: bool,
    },
}

impl<C: Copy, R> Answering<C, R> {
    /// The code searched: the one whose `no_search` or rules answer.
    pub fn code(&self) -> C {
        match *self {
            Answering::NoSearch { code, .. } | Answering::Rules { code, .. } => code,
        }
    }

    /// Whether the answer comes through the disposition's `same_as` target.
    pub fn via_same_as(&self) -> bool {
        match *self {
            Answering::NoSearch { via_same_as, .. } | Answering::Rules { via_same_as, .. } => {
                via_same_as
            }
        }
    }
}

/// Which code answers `code` in a layer (step 2 of routing): `code`'s own
/// `no_search`, else its rules, else — when no rule of the layer names it —
/// its `same_as` target's `no_search` or rules. A code without rules and
/// without `same_as` still answers with its own (empty) rules, so that
/// step 3 reports "no rule".
///
/// The lookups are the caller's: the router passes its indexes, the table
/// its maps ([`Table::answering_code`](crate::Table::answering_code)).
pub fn answering<C: Copy, R>(
    code: C,
    same_as: Option<C>,
    no_search: impl Fn(C) -> Option<R>,
    has_rules: impl Fn(C) -> bool,
) -> Answering<C, R> {
    if let Some(reason) = no_search(code) {
        return Answering::NoSearch {
            code,
            reason,
            via_same_as: false,
        };
    }
    if has_rules(code) {
        return Answering::Rules {
            code,
            via_same_as: false,
        };
    }
    let Some(target) = same_as else {
        return Answering::Rules {
            code,
            via_same_as: false,
        };
    };
    match no_search(target) {
        Some(reason) => Answering::NoSearch {
            code: target,
            reason,
            via_same_as: true,
        },
        None => Answering::Rules {
            code: target,
            via_same_as: true,
        },
    }
}

/// [`Conditions`] packed for the router's scan of a code's rules: the
/// channels and the sexes admitted as bit sets and the ages as a range, so
/// that a rule is judged with a few comparisons and no pointer to follow
/// (the scan is most of what step 3 costs). [`Packed::admits`] is
/// [`Conditions::admits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed {
    channels: u8,
    sexes: u8,
    min_days: u32,
    /// First age no longer admitted; `u64::MAX` is unbounded.
    max_days: u64,
}

impl Packed {
    /// The bit of a channel.
    pub(crate) fn channel_bit(channel: Channel) -> u8 {
        match channel {
            Channel::Nhs111 => 1,
            Channel::Nhs999 => 2,
            Channel::Ooh => 4,
        }
    }

    /// The bit of a case's sex.
    pub(crate) fn sex_bit(sex: CaseSex) -> u8 {
        match sex {
            CaseSex::Female => 1,
            CaseSex::Male => 2,
            CaseSex::NotGiven => 4,
        }
    }

    /// Whether the channel (as its bit) is among the conditions'.
    pub(crate) fn on_channel(self, channel: u8) -> bool {
        self.channels & channel != 0
    }

    /// Whether a case on the channel and of the sex (as their bits) and age
    /// matches.
    #[inline]
    pub(crate) fn admits(self, channel: u8, sex: u8, age_days: u32) -> bool {
        self.channels & channel != 0
            && self.sexes & sex != 0
            && self.min_days <= age_days
            && u64::from(age_days) < self.max_days
    }
}

impl From<&Conditions> for Packed {
    fn from(conditions: &Conditions) -> Packed {
        Packed {
            channels: conditions
                .channels
                .iter()
                .fold(0, |bits, channel| bits | Packed::channel_bit(*channel)),
            sexes: CaseSex::ALL
                .into_iter()
                .filter(|sex| sex.meets(conditions.sex))
                .fold(0, |bits, sex| bits | Packed::sex_bit(sex)),
            min_days: conditions.ages.min_days,
            max_days: conditions.ages.max_days.map_or(u64::MAX, u64::from),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn packed_conditions_admit_what_the_conditions_admit() {
        let ages = [
            Ages::new(0, None),
            Ages::new(0, Some(years_to_days(16))),
            Ages::new(years_to_days(16), Some(years_to_days(65))),
            Ages::new(years_to_days(65), None),
            Ages::new(10, Some(10)),
        ];
        let channel_sets: [&[Channel]; 4] = [
            &[Channel::Nhs111],
            &[Channel::Nhs999, Channel::Ooh],
            &Channel::ALL,
            &[],
        ];
        let mut judged = 0;
        for channels in channel_sets {
            for ages in ages {
                for sex in [None, Some(Sex::Female), Some(Sex::Male)] {
                    let conditions = Conditions::new(channels.iter().copied(), ages, sex);
                    let packed = Packed::from(&conditions);
                    for channel in Channel::ALL {
                        for case_sex in CaseSex::ALL {
                            for age in [
                                0,
                                9,
                                10,
                                years_to_days(16) - 1,
                                years_to_days(16),
                                years_to_days(65),
                                u32::MAX,
                            ] {
                                assert_eq!(
                                    packed.admits(
                                        Packed::channel_bit(channel),
                                        Packed::sex_bit(case_sex),
                                        age
                                    ),
                                    conditions.admits(channel, case_sex, age),
                                    "{conditions:?} {channel:?} {case_sex:?} {age}"
                                );
                                judged += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(judged, 4 * 5 * 3 * 3 * 3 * 7);
    }

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
        assert_eq!(AgeUnit::Years.days(u64::MAX), u32::MAX);
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(Ages::new(0, Some(5844)).to_string(), "age 0–15y");
        assert_eq!(Ages::new(5844, None).to_string(), "age 16y and over");
        assert_eq!(Ages::new(0, Some(28)).to_string(), "age 0–27 days");
        assert_eq!(Ages::ALL.to_string(), "any age");
        assert_eq!(Ages::new(365, Some(730)).to_string(), "age 1–1y");
        for y in 0..=200 {
            assert_eq!(
                Ages::new(years_to_days(y), None).to_string(),
                format!("age {y}y and over").replace("age 0y and over", "any age")
            );
        }
    }

    #[test]
    fn ages_in_the_trace_are_whole_years_from_two() {
        assert_eq!(age_text(5844), "16y");
        assert_eq!(age_text(730), "2y");
        assert_eq!(age_text(729), "729 days");
        for days in 730..80_000u32 {
            let float = (f64::from(days) / 365.25).round();
            assert_eq!(age_text(days), format!("{float}y"), "{days}");
        }
    }

    #[test]
    fn a_range_runs_to_the_birthday_after_its_end() {
        // `0..15` years: up to, not including, the 16th birthday.
        assert_eq!(AgeUnit::Years.range(0, Some(15)), Ages::new(0, Some(5844)));
        // `0d..28d`: 29 days.
        assert_eq!(AgeUnit::Days.range(0, Some(28)), Ages::new(0, Some(29)));
        assert_eq!(AgeUnit::Months.range(6, None), Ages::new(182, None));
    }

    #[test]
    fn subtracting_and_uncovering_ages() {
        let all = Ages::ALL;
        let teens = Ages::new(10, Some(20));
        assert_eq!(
            all.subtract(teens),
            vec![Ages::new(0, Some(10)), Ages::new(20, None)]
        );
        assert_eq!(teens.subtract(all), Vec::<Ages>::new());
        assert_eq!(teens.subtract(Ages::new(30, None)), vec![teens]);
        assert_eq!(
            all.uncovered([
                Ages::new(5, Some(10)),
                Ages::new(8, Some(12)),
                Ages::new(20, None)
            ]),
            vec![Ages::new(0, Some(5)), Ages::new(12, Some(20))]
        );
        assert_eq!(all.uncovered([Ages::ALL]), Vec::<Ages>::new());
        assert_eq!(all.uncovered([]), vec![Ages::ALL]);
    }

    #[test]
    fn covering_joining_and_hulls() {
        let teens = Ages::new(10, Some(20));
        assert!(Ages::ALL.covers(teens));
        assert!(teens.covers(Ages::new(12, Some(20))));
        assert!(!teens.covers(Ages::new(12, Some(21))));
        assert!(!teens.covers(Ages::new(12, None)));
        assert!(teens.covers(Ages::NONE));
        assert!(Ages::NONE.is_empty());
        assert!(teens.joins(Ages::new(20, None)));
        assert!(teens.joins(Ages::new(0, Some(10))));
        assert!(!teens.joins(Ages::new(21, None)));
        assert!(!teens.joins(Ages::NONE));
        assert_eq!(teens.hull(Ages::new(30, None)), Ages::new(10, None));
        assert_eq!(teens.hull(Ages::new(0, Some(5))), Ages::new(0, Some(20)));
        assert_eq!(teens.hull(Ages::NONE), teens);
        assert_eq!(Ages::NONE.hull(teens), teens);
    }

    #[test]
    fn bands_cut_at_every_bound() {
        let cuts = BTreeSet::from([0, 10, 20]);
        assert_eq!(
            Ages::ALL.bands(&cuts),
            vec![
                Ages::new(0, Some(10)),
                Ages::new(10, Some(20)),
                Ages::new(20, None)
            ]
        );
        assert_eq!(
            Ages::new(5, Some(15)).bands(&cuts),
            vec![Ages::new(5, Some(10)), Ages::new(10, Some(15))]
        );
    }

    #[test]
    fn a_case_without_sex_meets_no_sex_condition() {
        assert!(CaseSex::NotGiven.meets(None));
        assert!(!CaseSex::NotGiven.meets(Some(Sex::Female)));
        assert!(CaseSex::Female.meets(Some(Sex::Female)));
        assert!(!CaseSex::NotGiven.admitted_by(Some(&[Sex::Female, Sex::Male])));
        assert!(CaseSex::NotGiven.admitted_by(None::<&[Sex]>));
    }

    #[test]
    fn conditions_meet_where_some_case_matches_both() {
        let adults = Conditions::new(Channel::ALL, AgeUnit::Years.from(16), None);
        let women_111 = Conditions::new([Channel::Nhs111], Ages::ALL, Some(Sex::Female));
        let children = Conditions::new(Channel::ALL, AgeUnit::Years.below(16), None);
        assert!(adults.meets(&women_111));
        assert_eq!(
            adults.meeting(&women_111),
            Some((Channel::Nhs111, CaseSex::Female, AgeUnit::Years.from(16)))
        );
        assert!(!adults.meets(&children));
        assert!(adults.admits(Channel::Ooh, CaseSex::NotGiven, 5844));
        assert!(!adults.admits(Channel::Ooh, CaseSex::NotGiven, 5843));
        assert_eq!(women_111.cells().count(), 1);
    }

    #[test]
    fn same_as_answers_only_when_no_rule_names_the_code() {
        let no_search = |code: &str| (code == "Dx91").then_some("closed");
        let rules = |code: &str| code == "Dx010" || code == "Dx0101x";
        assert_eq!(
            answering("Dx0101", Some("Dx010"), no_search, rules),
            Answering::Rules {
                code: "Dx010",
                via_same_as: true
            }
        );
        assert_eq!(
            answering("Dx0101x", Some("Dx010"), no_search, rules),
            Answering::Rules {
                code: "Dx0101x",
                via_same_as: false
            }
        );
        assert_eq!(
            answering("Dx911", Some("Dx91"), no_search, rules),
            Answering::NoSearch {
                code: "Dx91",
                reason: "closed",
                via_same_as: true
            }
        );
        assert_eq!(
            answering("Dx05", None, no_search, rules),
            Answering::Rules {
                code: "Dx05",
                via_same_as: false
            }
        );
    }
}
