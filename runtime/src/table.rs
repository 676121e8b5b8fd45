//! The decision table: the compiled form of a rules tree, and its artifact.
//!
//! Everything routing needs is here, with the indexes built by the compiler
//! so that a case never scans all rules or all services:
//! - [`Table::area_index`]: postcode unit → the overlay that claims it;
//! - [`Table::disposition_index`]: code → disposition;
//! - [`Layer::rules_by_dx`]: per layer, code → the rules naming it, highest
//!   priority first;
//! - [`Layer::services_by_type`]: per layer, service type → postcode unit →
//!   the services of that type whose catchment names that unit;
//! - [`Table::geography`]: the centroids of every postcode area, district
//!   and sector, for the positions of cases and services (`geo.rs`).
//!
//! The artifact (`store.rs` writes and reads it) is one header line,
//! `dxmap-table v4 sha256=HEX`, then the table in the binary encoding of
//! `codec.rs`, its services, hours, rules and layers each in a section of
//! its own so that a router can read only the parts a case needs (format
//! v1 was pretty JSON: 34 MB for a national tree, and a quarter of a
//! second to hash and parse; the binary body is a tenth of that size).
//! Maps are ordered, so the same rules give the same bytes. Loading refuses
//! another format version and a body whose SHA-256 differs from the
//! header's (a table altered or cut short after it was built). The table's
//! serde form is unchanged: serialized as JSON, a [`Table`] still shows
//! everything it holds.
//!
//! Imports: `crate::{geo, space}`, serde, jiff (dates).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::geo::Geography;
use crate::space::{self, Ages, Answering, Conditions};
use crate::{Channel, Sex};

/// The table format this runtime reads and writes. Version 3 added the
/// geography (the centroids of postcode units), a service's address
/// postcode and a catch-all's distance limit: routing orders by distance
/// from every case's position, so a v2 table, which has no centroids,
/// cannot be routed by the same rules. Version 4 writes the services,
/// opening hours, rules and layers in sections, each element with its
/// length, after a head of what every case needs (`store.rs`), so that
/// one case on a national table decodes a few dozen parts, not all.
pub const FORMAT_VERSION: u32 = 4;

pub(crate) const MAGIC: &str = "dxmap-table";

/// Why a table artifact cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// Not a dxmap table at all.
    NotATable,
    /// Written by another format version.
    Version {
        /// The version in the file.
        found: String,
    },
    /// The body does not match its hash: altered after it was built.
    Hash {
        /// The hash in the header.
        expected: String,
        /// The hash of the body.
        actual: String,
    },
    /// The body does not describe a table.
    Body(String),
    /// The time zone routing needs (Europe/London) is not available.
    TimeZone(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotATable => write!(
                f,
                "not a dxmap table (the first line should start with `{MAGIC} v{FORMAT_VERSION}`)"
            ),
            LoadError::Version { found } => write!(
                f,
                "table format {found} cannot be read by this dxmap, which reads v{FORMAT_VERSION}: rebuild it with `dxmap build`"
            ),
            LoadError::Hash { expected, actual } => write!(
                f,
                "table content does not match its hash (header sha256={expected}, content sha256={actual}): it was altered after it was built; rebuild it with `dxmap build`"
            ),
            LoadError::Body(message) => write!(f, "table content is not valid: {message}"),
            LoadError::TimeZone(message) => write!(f, "time zone Europe/London: {message}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A disposition of the release in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disposition {
    /// The code, e.g. `Dx05`.
    pub code: String,
    /// The Pathways term.
    pub title: String,
    /// Timeframe in minutes, if the catalogue gives one.
    pub timeframe_minutes: Option<u32>,
    /// The code whose mapping this one shares.
    pub same_as: Option<u32>,
}

/// A service type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceType {
    /// Identifier.
    pub name: String,
    /// Label.
    pub label: Option<String>,
    /// Maximum response time in minutes.
    pub responds_within_minutes: u32,
    /// Channels it serves.
    pub channels: Vec<Channel>,
    /// The skill it requires, if any.
    pub requires: Option<String>,
    /// At most this many services per answer.
    pub returns: u32,
}

/// One session of a day, minutes after midnight: `[open, close]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Session {
    /// Opening minute, 0–1439.
    pub open: u16,
    /// Closing minute, 1–1440.
    pub close: u16,
}

/// `closed A..B because "…"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Closure {
    /// First day closed.
    pub from: Date,
    /// Last day closed (inclusive); `None` is open-ended.
    pub until: Option<Date>,
    /// Why, if given.
    pub reason: Option<String>,
}

/// Opening hours. Services with the same hours share one entry of
/// [`Table::hours`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Hours {
    /// Open at all times (dated entries still apply).
    pub all_hours: bool,
    /// Sessions per weekday, Monday first (seven entries).
    pub weekly: Vec<Vec<Session>>,
    /// Bank-holiday sessions, if a `bank_holiday` line was given.
    pub bank_holiday: Option<Vec<Session>>,
    /// `on DATE …` entries; an empty list is closed.
    pub dated: BTreeMap<Date, Vec<Session>>,
    /// `closed A..B` entries.
    pub closed: Vec<Closure>,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// DoS id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Index into [`Table::service_types`].
    pub service_type: u32,
    /// Postcode units it covers.
    pub catchment: Vec<String>,
    /// Latitude and longitude, if declared.
    pub location: Option<[f64; 2]>,
    /// Its address postcode, normalised (`TR1 3LJ`), if declared: without
    /// a `location`, its sector's centroid is the service's position.
    pub postcode: Option<String>,
    /// Ages admitted (written inline: youngest, first no longer admitted).
    pub ages: Ages,
    /// Sexes admitted; `None` admits everyone.
    pub sexes: Option<Vec<Sex>>,
    /// Rank within its type (lower first).
    pub rank: Option<u32>,
    /// First valid date.
    pub valid_from: Option<Date>,
    /// Last valid date (inclusive).
    pub valid_until: Option<Date>,
    /// Opening hours: index into [`Table::hours`].
    pub hours: u32,
    /// Where it is declared (`file:line`).
    pub source: String,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Its name.
    pub name: String,
    /// The layer that defines it.
    pub layer: String,
    /// File it is written in.
    pub file: String,
    /// Line of its name.
    pub line: u32,
    /// The codes it matches, groups expanded (for reading; routing uses
    /// [`Layer::rules_by_dx`]).
    pub dispositions: Vec<String>,
    /// The channels, ages and sex it matches (written inline: channels,
    /// youngest age, first age no longer matched, sex).
    pub when: Conditions,
    /// Ranked service types (indexes into [`Table::service_types`]).
    pub route: Vec<u32>,
    /// Priority; higher wins.
    pub priority: u32,
    /// Why (overrides).
    pub because: Option<String>,
}

/// A suspension window with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suspension {
    /// First day suspended.
    pub from: Date,
    /// Last day (inclusive); `None` is open-ended.
    pub until: Option<Date>,
    /// Why.
    pub reason: String,
}

/// A remap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remap {
    /// The code searched instead.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// The baseline or an overlay, flattened: everything in force there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// `national` or the overlay's name.
    pub name: String,
    /// The layer it extends.
    pub parent: Option<String>,
    /// Rules by disposition code: indexes into [`Table::rules`], highest
    /// priority first, then in definition order.
    #[serde(deserialize_with = "ordered::map")]
    pub rules_by_dx: BTreeMap<String, Vec<u32>>,
    /// `no_search` codes and their reasons.
    pub no_search: BTreeMap<String, String>,
    /// Remaps by original code.
    pub remaps: BTreeMap<String, Remap>,
    /// Suspensions by service id.
    pub suspended_services: BTreeMap<String, Vec<Suspension>>,
    /// Suspensions by service type index.
    pub suspended_types: BTreeMap<u32, Vec<Suspension>>,
    /// Types unusable here: they require a skill the layer lacks.
    pub unusable_types: BTreeMap<u32, String>,
    /// The catch-all service type in force.
    pub catch_all: Option<u32>,
    /// `catch_all T within D`: only catch-all services whose position lies
    /// within this many metres of the case's position.
    pub catch_all_within_m: Option<u32>,
    /// Services the layer declares, by type, then by postcode unit of their
    /// catchment. The services in force in a layer are those of the layer
    /// and of every layer along its `extends` chain down to the baseline.
    #[serde(deserialize_with = "ordered::nested")]
    pub services_by_type: BTreeMap<u32, BTreeMap<String, Vec<u32>>>,
}

/// A queue hierarchy, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hierarchy {
    /// Its name; an overlay's override is `NAME (OVERLAY)`.
    pub name: String,
    /// Codes, highest first.
    pub codes: Vec<String>,
}

/// A compiled rules tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The release the tree was checked against.
    pub release: String,
    /// Every disposition of the release.
    pub dispositions: Vec<Disposition>,
    /// Code → index into `dispositions`.
    #[serde(deserialize_with = "ordered::map")]
    pub disposition_index: BTreeMap<String, u32>,
    /// Service types.
    pub service_types: Vec<ServiceType>,
    /// Every service (of every layer).
    pub services: Vec<Service>,
    /// Service id → index into `services`.
    #[serde(deserialize_with = "ordered::map")]
    pub service_index: BTreeMap<String, u32>,
    /// Opening hours, each distinct set once (a national tree has 20,000
    /// services and a few thousand different hours).
    pub hours: Vec<Hours>,
    /// Every rule definition.
    pub rules: Vec<Rule>,
    /// Layers; index 0 is `national`.
    pub layers: Vec<Layer>,
    /// Postcode unit (`SO`, `SO16`, `SO16 7`) → the overlay layer claiming it.
    #[serde(deserialize_with = "ordered::map")]
    pub area_index: BTreeMap<String, u32>,
    /// Bank holidays.
    pub calendar: BTreeMap<Date, String>,
    /// Queue hierarchies.
    pub hierarchies: Vec<Hierarchy>,
    /// The centroids of every postcode area, district and sector: case
    /// postcodes whose district it lacks are refused.
    pub geography: Geography,
}

impl Table {
    /// The disposition with `code`, if the release holds it.
    pub fn disposition(&self, code: &str) -> Option<&Disposition> {
        let idx = self.disposition_index.get(code)?;
        self.dispositions.get(usize::try_from(*idx).ok()?)
    }

    /// The layer named `name` (`national` or an overlay).
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|layer| layer.name == name)
    }

    /// Which code answers `code` in `layer` (step 2 of routing, after any
    /// remap): the code's own `no_search` or rules, else its `same_as`
    /// target's. The meaning is [`space::answering`], which the router
    /// also calls on its indexes.
    pub fn answering_code<'t>(
        &'t self,
        layer: &'t Layer,
        code: &'t str,
    ) -> Answering<&'t str, &'t str> {
        let same_as = self
            .disposition(code)
            .and_then(|d| d.same_as)
            .and_then(|t| self.dispositions.get(usize::try_from(t).ok()?))
            .map(|target| target.code.as_str());
        space::answering(
            code,
            same_as,
            |c| layer.no_search.get(c).map(String::as_str),
            |c| {
                layer
                    .rules_by_dx
                    .get(c)
                    .is_some_and(|rules| !rules.is_empty())
            },
        )
    }

    /// The opening hours of a service of this table.
    pub fn hours_of(&self, service: &Service) -> Option<&Hours> {
        self.hours.get(usize::try_from(service.hours).ok()?)
    }

    /// Checks the invariants routing relies on: every index points inside
    /// its vector. A table from `dxmap build` always passes.
    pub fn validate(&self) -> Result<(), LoadError> {
        let extent = Extent::of(self);
        check_head(
            &self.dispositions,
            &self.disposition_index,
            &self.area_index,
            extent,
        )?;
        for service in &self.services {
            service.check(extent)?;
        }
        for hours in &self.hours {
            hours.check()?;
        }
        for rule in &self.rules {
            rule.check(extent)?;
        }
        for layer in &self.layers {
            layer.check(extent)?;
        }
        check_service_index(&self.service_index, |idx| {
            self.services.get(idx).map(|service| service.id.as_str())
        })
    }
}

/// How many of each thing a table holds: what its indexes are checked
/// against, whether the table is read whole or part by part.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Extent {
    pub(crate) dispositions: usize,
    pub(crate) types: usize,
    pub(crate) services: usize,
    pub(crate) hours: usize,
    pub(crate) rules: usize,
    pub(crate) layers: usize,
}

impl Extent {
    fn of(table: &Table) -> Extent {
        Extent {
            dispositions: table.dispositions.len(),
            types: table.service_types.len(),
            services: table.services.len(),
            hours: table.hours.len(),
            rules: table.rules.len(),
            layers: table.layers.len(),
        }
    }
}

/// Whether an index lies inside a vector of `len`.
fn inside(idx: u32, len: usize) -> bool {
    usize::try_from(idx).is_ok_and(|idx| idx < len)
}

fn outside(what: &str) -> LoadError {
    LoadError::Body(format!("{what} points outside the table"))
}

/// The checks of what is read first: at least one layer, disposition
/// indexes, and the overlays claiming postcode units.
pub(crate) fn check_head(
    dispositions: &[Disposition],
    disposition_index: &BTreeMap<String, u32>,
    area_index: &BTreeMap<String, u32>,
    extent: Extent,
) -> Result<(), LoadError> {
    if extent.layers == 0 {
        return Err(LoadError::Body("the table has no layers".to_owned()));
    }
    if disposition_index
        .values()
        .any(|d| !inside(*d, extent.dispositions))
        || dispositions
            .iter()
            .any(|d| d.same_as.is_some_and(|t| !inside(t, extent.dispositions)))
    {
        return Err(outside("a disposition index"));
    }
    if area_index.values().any(|l| !inside(*l, extent.layers)) {
        return Err(outside("an area index"));
    }
    Ok(())
}

/// The service id index: each id names the service at its index, whose
/// id `id_at` gives.
pub(crate) fn check_service_index<'t>(
    service_index: &BTreeMap<String, u32>,
    id_at: impl Fn(usize) -> Option<&'t str>,
) -> Result<(), LoadError> {
    for (id, idx) in service_index {
        match usize::try_from(*idx).ok().map(&id_at) {
            None | Some(None) => return Err(outside("a service id index")),
            Some(Some(found)) if found != id => {
                return Err(LoadError::Body(
                    "the service id index names a service by another id".to_owned(),
                ))
            }
            Some(Some(_)) => {}
        }
    }
    Ok(())
}

/// A layer's parent, found by the index the table's head gives, is the
/// layer it names.
pub(crate) fn check_parent(layer: &Layer, parent: Option<&Layer>) -> Result<(), LoadError> {
    if parent.map(|p| p.name.as_str()) == layer.parent.as_deref() {
        Ok(())
    } else {
        Err(LoadError::Body(format!(
            "layer `{}` extends another layer than its head says",
            layer.name
        )))
    }
}

impl Service {
    /// Its type and hours inside the table, its location finite.
    pub(crate) fn check(&self, extent: Extent) -> Result<(), LoadError> {
        if !inside(self.service_type, extent.types) {
            return Err(outside("a service type index"));
        }
        if !inside(self.hours, extent.hours) {
            return Err(outside("an opening hours index"));
        }
        if self
            .location
            .is_some_and(|l| l.iter().any(|c| !c.is_finite()))
        {
            return Err(LoadError::Body(
                "a service's location is not a finite latitude and longitude".to_owned(),
            ));
        }
        Ok(())
    }
}

impl Hours {
    /// Seven weekdays.
    pub(crate) fn check(&self) -> Result<(), LoadError> {
        if self.weekly.len() == 7 {
            Ok(())
        } else {
            Err(LoadError::Body(
                "a service's weekly hours do not have seven days".to_owned(),
            ))
        }
    }

    /// Whether a session closes after 24:00 of its date (a table `dxmap
    /// build` writes has none).
    pub(crate) fn late(&self) -> bool {
        self.weekly
            .iter()
            .chain(&self.bank_holiday)
            .chain(self.dated.values())
            .flatten()
            .any(|session| session.close > 1440)
    }
}

impl Rule {
    /// Its service types inside the table.
    pub(crate) fn check(&self, extent: Extent) -> Result<(), LoadError> {
        if self.route.iter().any(|t| !inside(*t, extent.types)) {
            return Err(outside("a service type index"));
        }
        Ok(())
    }
}

impl Layer {
    /// Its rules, service types and services inside the table.
    pub(crate) fn check(&self, extent: Extent) -> Result<(), LoadError> {
        if self
            .rules_by_dx
            .values()
            .flatten()
            .any(|r| !inside(*r, extent.rules))
        {
            return Err(outside("a rule index"));
        }
        if self.catch_all.is_some_and(|t| !inside(t, extent.types))
            || self
                .suspended_types
                .keys()
                .any(|t| !inside(*t, extent.types))
            || self
                .services_by_type
                .keys()
                .any(|t| !inside(*t, extent.types))
        {
            return Err(outside("a service type index"));
        }
        if self
            .services_by_type
            .values()
            .flat_map(BTreeMap::values)
            .flatten()
            .any(|s| !inside(*s, extent.services))
        {
            return Err(outside("a service index"));
        }
        Ok(())
    }
}

pub(crate) use ordered::map as ordered_map;

/// Reading the large maps of a table in one go: a table's maps are written
/// in key order, so their entries are collected and the tree is built from
/// the sorted list, rather than inserted one by one (a search from the root
/// for each of tens of thousands of string keys). Entries out of order are
/// sorted first, and of repeated keys the last is kept, as insertion would.
mod ordered {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

    /// A map read as [`map`] reads it.
    struct Ordered<K, V>(BTreeMap<K, V>);

    struct OrderedVisitor<K, V>(PhantomData<(K, V)>);

    impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<K, V> {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            // Never trust a count from the input for more than a modest
            // allocation up front.
            let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
            while let Some(entry) = access.next_entry::<K, V>()? {
                entries.push(entry);
            }
            Ok(entries.into_iter().collect())
        }
    }

    impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for Ordered<K, V> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer
                .deserialize_map(OrderedVisitor(PhantomData))
                .map(Ordered)
        }
    }

    /// A map whose entries come in key order.
    pub fn map<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    {
        Ordered::deserialize(deserializer).map(|ordered| ordered.0)
    }

    /// A map of such maps.
    pub fn nested<'de, D, K, K2, V>(
        deserializer: D,
    ) -> Result<BTreeMap<K, BTreeMap<K2, V>>, D::Error>
    where
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        K2: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    {
        let outer: BTreeMap<K, Ordered<K2, V>> = map(deserializer)?;
        Ok(outer
            .into_iter()
            .map(|(key, inner)| (key, inner.0))
            .collect())
    }
}
