//! The checked model: what a rules tree means, with ids instead of strings.
//!
//! Built by [`super::check`] from the syntax trees and the release catalogue.
//! Names are resolved to indexes into the model's vectors, groups are
//! expanded to sets of dispositions, ages are intervals in days, overlays are
//! flattened into [`Layer`]s holding what is in force there (inherited and
//! changed). Spans are kept so that later analyses and the runtime's trace
//! can point at the source. The compiler lowers this model to the runtime's
//! decision table and cannot fail on it.
//!
//! Imports: `crate::source`, `crate::catalogue`; jiff (civil dates).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalogue::{Catalogue, DispositionId};
use crate::source::Span;

pub use dxmap_runtime::{Channel, Conditions, Sex};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index this id stands for.
            pub fn index(self) -> usize {
                usize::try_from(self.0).unwrap_or(usize::MAX)
            }

            /// The id of an index.
            pub fn from_index(index: usize) -> $name {
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
        }
    };
}

id_type!(
    /// Index into [`Model::skills`].
    SkillId
);
id_type!(
    /// Index into [`Model::service_types`].
    ServiceTypeId
);
id_type!(
    /// Index into [`Model::groups`].
    GroupId
);
id_type!(
    /// Index into [`Model::rules`].
    RuleId
);
id_type!(
    /// Index into [`Model::layers`]; `LayerId(0)` is the national baseline.
    LayerId
);
id_type!(
    /// Index into [`Model::services`].
    ServiceId
);
id_type!(
    /// Index into [`Model::hierarchies`].
    HierarchyId
);

/// The national baseline's layer id.
pub const NATIONAL: LayerId = LayerId(0);

/// A checked rules tree.
#[derive(Debug, Clone)]
pub struct Model {
    /// The release in force.
    pub catalogue: Catalogue,
    /// Declared skills.
    pub skills: Vec<Skill>,
    /// The bank-holiday calendar, if any.
    pub calendar: Option<Calendar>,
    /// Declared service types.
    pub service_types: Vec<ServiceType>,
    /// Declared groups, expanded.
    pub groups: Vec<Group>,
    /// Every rule definition: baseline rules, overrides and additions.
    pub rules: Vec<Rule>,
    /// The baseline and every overlay, parents before children.
    pub layers: Vec<Layer>,
    /// Every service, top level and in overlays.
    pub services: Vec<Service>,
    /// Queue hierarchies: the national ones, then the overlays' overrides.
    pub hierarchies: Vec<Hierarchy>,
    /// Named sets of postcode units, nested sets expanded, ranges as written.
    pub postcode_sets: Vec<PostcodeSet>,
    /// The `release` line (for diagnostics about the release as a whole).
    pub release_span: Span,
}

impl Model {
    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.index())
    }

    /// The layer with this id.
    pub fn layer(&self, id: LayerId) -> Option<&Layer> {
        self.layers.get(id.index())
    }

    /// The service type with this id.
    pub fn service_type(&self, id: ServiceTypeId) -> Option<&ServiceType> {
        self.service_types.get(id.index())
    }

    /// The service with this id.
    pub fn service(&self, id: ServiceId) -> Option<&Service> {
        self.services.get(id.index())
    }
}

/// `skill name "label"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    /// Identifier.
    pub name: String,
    /// Label, if given.
    pub label: Option<String>,
    /// The declaration.
    pub span: Span,
}

/// A date on the proleptic Gregorian calendar, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// The date if it exists (`2020-02-30` does not); years 1 to 9999.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) {
            return None;
        }
        let civil = jiff::civil::Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()?;
        Some(Date {
            year,
            month: u8::try_from(civil.month()).ok()?,
            day: u8::try_from(civil.day()).ok()?,
        })
    }
}

/// An inclusive window of dates; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateWindow {
    /// First date, if bounded.
    pub from: Option<Date>,
    /// Last date (inclusive), if bounded.
    pub until: Option<Date>,
}

impl DateWindow {
    /// Whether `date` lies inside the window.
    pub fn contains(self, date: Date) -> bool {
        self.from.is_none_or(|from| from <= date) && self.until.is_none_or(|until| date <= until)
    }
}

/// `calendar name { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Its name.
    pub name: String,
    /// Bank holidays by date, with their names.
    pub holidays: BTreeMap<Date, String>,
    /// The declaration.
    pub span: Span,
}

/// A service type.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceType {
    /// Identifier.
    pub name: String,
    /// Label, if given.
    pub label: Option<String>,
    /// Maximum response time in minutes.
    pub responds_within_minutes: u32,
    /// Channels it serves.
    pub channels: BTreeSet<Channel>,
    /// The skill it requires, if any.
    pub requires: Option<SkillId>,
    /// At most this many services of the type per answer.
    pub returns: u32,
    /// The declaration.
    pub span: Span,
}

/// `group name = …`, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Identifier.
    pub name: String,
    /// Every disposition it contains, through nested groups too.
    pub dispositions: BTreeSet<DispositionId>,
    /// The declaration.
    pub span: Span,
}

/// An age interval in days: the case space's, as routing reads it.
pub use dxmap_runtime::space::Ages as AgeInterval;

/// Where a rule definition comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleOrigin {
    /// A top-level `rule`.
    Baseline,
    /// `override rule` in an overlay, replacing a rule of the layer below.
    Override {
        /// The rule replaced.
        replaces: RuleId,
    },
    /// `add rule` in an overlay.
    Added,
}

/// A rule: dispositions and conditions to ranked service types.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// The layer that defines it.
    pub layer: LayerId,
    /// Where it comes from.
    pub origin: RuleOrigin,
    /// The dispositions it matches, groups expanded.
    pub dispositions: BTreeSet<DispositionId>,
    /// The channels (all three when not tested), ages and sex it matches.
    pub when: Conditions,
    /// The ranked service types.
    pub route: Vec<ServiceTypeId>,
    /// Where each routed type is written (parallel to `route`).
    pub route_spans: Vec<Span>,
    /// Higher wins among rules that can match one case; default 0.
    pub priority: u32,
    /// Why (required for overrides).
    pub because: Option<String>,
    /// The rule's name, for messages and the trace.
    pub name_span: Span,
    /// The `when` clause (the whole rule if it has none).
    pub when_span: Span,
    /// The whole rule.
    pub span: Span,
}

/// A postcode area, district or sector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostcodeUnit {
    /// The unit, e.g. `SO16 7`.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A member of a named set of postcode units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOrRange {
    /// An area, district or sector.
    Unit(PostcodeUnit),
    /// A district range, kept as written: `PL10..PL15`. Checked to run
    /// between two districts of one area, lowest first; where it is used
    /// it spans the districts of the area that exist between its ends.
    Range {
        /// The first district.
        start: PostcodeUnit,
        /// The last district.
        end: PostcodeUnit,
        /// The whole range.
        span: Span,
    },
}

/// `postcodes name = …`: a named set of postcode units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostcodeSet {
    /// Its name.
    pub name: String,
    /// Its members, sets it names expanded in place, ranges as written.
    pub items: Vec<UnitOrRange>,
    /// The declaration.
    pub span: Span,
}

/// The catch-all of a layer: `catch_all type within 60km`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CatchAll {
    /// The service type.
    pub service_type: ServiceTypeId,
    /// The distance that limits it, in kilometres, if given.
    pub within_km: Option<f64>,
    /// The entry.
    pub span: Span,
}

/// A `no_search` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct NoSearch {
    /// Why no search is made.
    pub reason: String,
    /// The entry.
    pub span: Span,
}

/// A `remap` in an overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Remap {
    /// The code searched instead.
    pub to: DispositionId,
    /// Why.
    pub reason: String,
    /// The entry.
    pub span: Span,
}

/// What a suspension applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspensionTarget {
    /// One service.
    Service(ServiceId),
    /// Every service of a type.
    ServiceType(ServiceTypeId),
}

/// `suspend … from … until … because …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspension {
    /// What is suspended.
    pub target: SuspensionTarget,
    /// When (inclusive).
    pub window: DateWindow,
    /// Why.
    pub reason: String,
    /// The entry.
    pub span: Span,
}

/// The services in force in a layer, in order: those it shares with the
/// layer it extends (held once, however many overlays extend the baseline:
/// a large tree has a thousand, each with tens of thousands of services in
/// force), then the rest.
#[derive(Debug, Clone, Default)]
pub struct Services {
    shared: std::sync::Arc<[ServiceId]>,
    rest: Vec<ServiceId>,
}

impl Services {
    /// In order.
    pub fn iter(
        &self,
    ) -> std::iter::Chain<std::slice::Iter<'_, ServiceId>, std::slice::Iter<'_, ServiceId>> {
        self.shared.iter().chain(self.rest.iter())
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.shared.len() + self.rest.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `id` is in force.
    pub fn contains(&self, id: &ServiceId) -> bool {
        self.shared.contains(id) || self.rest.contains(id)
    }

    /// Adds one, last.
    pub fn push(&mut self, id: ServiceId) {
        self.rest.push(id);
    }

    /// Makes the whole list shareable with the layers extending this one.
    pub fn share(&mut self) {
        if !self.rest.is_empty() {
            self.shared = self.iter().copied().collect();
            self.rest = Vec::new();
        }
    }

    /// The services of a layer extending this one and declaring `own`:
    /// these (shared as far as they are), then `own`.
    #[must_use]
    pub fn extended(&self, own: &Services) -> Services {
        Services {
            shared: std::sync::Arc::clone(&self.shared),
            rest: self.rest.iter().chain(own.iter()).copied().collect(),
        }
    }
}

impl PartialEq for Services {
    /// The same services in the same order, however they are shared.
    fn eq(&self, other: &Services) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a> IntoIterator for &'a Services {
    type Item = &'a ServiceId;
    type IntoIter =
        std::iter::Chain<std::slice::Iter<'a, ServiceId>, std::slice::Iter<'a, ServiceId>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The baseline or an overlay, with everything in force there.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// `national` or the overlay's name.
    pub name: String,
    /// The layer it extends (`None` for the baseline).
    pub parent: Option<LayerId>,
    /// Postcode units the overlay governs (empty for the baseline).
    pub area: Vec<PostcodeUnit>,
    /// Skills the layer has.
    pub skills: BTreeSet<SkillId>,
    /// Rules in force, in definition order.
    pub rules: Vec<RuleId>,
    /// Rules removed relative to the layer below, with the reason.
    pub removed: Vec<(RuleId, String, Span)>,
    /// `no_search` codes in force.
    pub no_search: BTreeMap<DispositionId, NoSearch>,
    /// Remaps in force.
    pub remaps: BTreeMap<DispositionId, Remap>,
    /// Suspensions in force.
    pub suspensions: Vec<Suspension>,
    /// The catch-all in force.
    pub catch_all: Option<CatchAll>,
    /// The queue hierarchies in force: the national ones, each replaced
    /// where this overlay or one it extends overrides it.
    pub hierarchies: Vec<HierarchyId>,
    /// Services in force: the baseline's and those of this overlay and the
    /// overlays it extends.
    pub services: Services,
    /// The overlay declaration (the whole file for the baseline).
    pub span: Span,
}

impl Layer {
    /// A layer with nothing in it yet: the baseline (`parent` of `None`) or
    /// an overlay, declared at `span`.
    pub fn new(name: String, parent: Option<LayerId>, span: Span) -> Layer {
        Layer {
            name,
            parent,
            area: Vec::new(),
            skills: BTreeSet::new(),
            rules: Vec::new(),
            removed: Vec::new(),
            no_search: BTreeMap::new(),
            remaps: BTreeMap::new(),
            suspensions: Vec::new(),
            catch_all: None,
            hierarchies: Vec::new(),
            services: Services::default(),
            span,
        }
    }
}

/// One session of a day, minutes after midnight: `[open, close]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Session {
    /// Opening minute, 0–1439.
    pub open: u16,
    /// Closing minute, 1–1440.
    pub close: u16,
}

/// Opening hours, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hours {
    /// `all_hours`: open at all times except dated entries.
    pub all_hours: bool,
    /// Sessions per weekday, Monday first; a day not listed is closed.
    pub weekly: [Vec<Session>; 7],
    /// Bank-holiday sessions, if a `bank_holiday` line is given (empty: closed).
    pub bank_holiday: Option<Vec<Session>>,
    /// `on DATE …` entries (empty: closed that day).
    pub dated: BTreeMap<Date, Vec<Session>>,
    /// `closed A..B` entries, with reasons.
    pub closed: Vec<(DateWindow, Option<String>)>,
}

/// A concrete service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The DoS id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The layer that declares it.
    pub layer: LayerId,
    /// Its type.
    pub service_type: ServiceTypeId,
    /// Postcode units it covers (sets expanded; a unit that came from a
    /// set carries the span where the set is named).
    pub catchment: Vec<PostcodeUnit>,
    /// Latitude and longitude, if given.
    pub location: Option<(f64, f64)>,
    /// Its address postcode, normalised (`TR1 3LJ`), if given: without a
    /// `location`, its sector's centroid is the service's position.
    pub postcode: Option<String>,
    /// Ages accepted.
    pub ages: AgeInterval,
    /// Sexes accepted; `None` accepts everyone.
    pub sexes: Option<BTreeSet<Sex>>,
    /// Rank within its type (lower first), if given.
    pub rank: Option<u32>,
    /// Validity window.
    pub valid: DateWindow,
    /// Opening hours.
    pub hours: Hours,
    /// The declaration.
    pub span: Span,
}

/// A queue hierarchy: codes highest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    /// Its name.
    pub name: String,
    /// The codes as resolved, with where each was written.
    pub codes: Vec<(DispositionId, Span)>,
    /// The layer that declares it: the baseline, or the overlay whose
    /// `override hierarchy` this is.
    pub layer: LayerId,
    /// The hierarchy it replaces, for an override.
    pub replaces: Option<HierarchyId>,
    /// The declaration.
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_exist_on_the_gregorian_calendar() {
        let exists = |year, month, day| Date::new(year, month, day).is_some();
        assert!(exists(2024, 2, 29));
        assert!(exists(2000, 2, 29));
        assert!(!exists(2023, 2, 29));
        assert!(!exists(1900, 2, 29));
        assert!(!exists(2020, 2, 30));
        assert!(!exists(2020, 4, 31));
        assert!(exists(2020, 12, 31));
        assert!(!exists(2020, 13, 1));
        assert!(!exists(2020, 0, 1));
        assert!(!exists(2020, 1, 0));
        assert!(!exists(2020, 300, 1));
        assert!(!exists(0, 1, 1));
        assert!(exists(9999, 12, 31));
        assert!(!exists(10_000, 1, 1));
    }
}
