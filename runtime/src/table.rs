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
//! The artifact is one header line, `dxmap-table v3 sha256=HEX`, then the
//! table in the binary encoding of `codec.rs` (format v1 was pretty
//! JSON: 34 MB for a national tree, and a quarter of a second to hash and
//! parse; the binary body is a tenth of that size). Maps are ordered, so the
//! same rules give the same bytes. Loading refuses another format version
//! and a body whose SHA-256 differs from the header's (a table altered or
//! cut short after it was built). The table's serde form is unchanged:
//! serialized as JSON, a [`Table`] still shows everything it holds.
//!
//! Imports: `crate::{codec, geo, sha256, space}`, serde, jiff (dates).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::geo::Geography;
use crate::space::{self, Ages, Answering, Conditions};
use crate::{codec, sha256, Channel, Sex};

/// The table format this runtime reads and writes. Version 3 added the
/// geography (the centroids of postcode units), a service's address
/// postcode and a catch-all's distance limit: routing orders by distance
/// from every case's position, so a v2 table, which has no centroids,
/// cannot be routed by the same rules.
pub const FORMAT_VERSION: u32 = 3;

const MAGIC: &str = "dxmap-table";

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
    /// The artifact: header line with version and hash, then the body.
    pub fn to_artifact(&self) -> Vec<u8> {
        // Encoding a table cannot fail: every sequence and map has a length.
        let body = codec::to_bytes(self).unwrap_or_default();
        let hash = sha256::hex_digest(&body);
        let mut artifact = format!("{MAGIC} v{FORMAT_VERSION} sha256={hash}\n").into_bytes();
        artifact.extend_from_slice(&body);
        artifact
    }

    /// Loads an artifact written by [`Table::to_artifact`], checking the
    /// format version and the content hash.
    pub fn from_artifact(artifact: &[u8]) -> Result<Table, LoadError> {
        let newline = artifact
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or(LoadError::NotATable)?;
        let (header, body) = artifact.split_at(newline);
        let body = body.get(1..).unwrap_or_default();
        let header = std::str::from_utf8(header).map_err(|_| LoadError::NotATable)?;
        let mut fields = header.split(' ');
        if fields.next() != Some(MAGIC) {
            return Err(LoadError::NotATable);
        }
        let version = fields.next().unwrap_or("");
        if version != format!("v{FORMAT_VERSION}") {
            return Err(LoadError::Version {
                found: version.to_owned(),
            });
        }
        let expected = fields
            .next()
            .and_then(|field| field.strip_prefix("sha256="))
            .ok_or(LoadError::NotATable)?;
        let actual = sha256::hex_digest(body);
        if actual != expected {
            return Err(LoadError::Hash {
                expected: expected.to_owned(),
                actual,
            });
        }
        let table: Table =
            codec::from_bytes(body).map_err(|error| LoadError::Body(error.to_string()))?;
        table.validate()?;
        Ok(table)
    }

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
        let bad = |what: &str| Err(LoadError::Body(format!("{what} points outside the table")));
        let n_dispositions = self.dispositions.len();
        let n_types = self.service_types.len();
        let n_services = self.services.len();
        let n_rules = self.rules.len();
        let inside = |idx: u32, len: usize| usize::try_from(idx).is_ok_and(|idx| idx < len);
        if self.layers.is_empty() {
            return Err(LoadError::Body("the table has no layers".to_owned()));
        }
        if self
            .disposition_index
            .values()
            .any(|d| !inside(*d, n_dispositions))
            || self
                .dispositions
                .iter()
                .any(|d| d.same_as.is_some_and(|t| !inside(t, n_dispositions)))
        {
            return bad("a disposition index");
        }
        if self
            .services
            .iter()
            .any(|s| !inside(s.service_type, n_types))
            || self
                .rules
                .iter()
                .any(|r| r.route.iter().any(|t| !inside(*t, n_types)))
        {
            return bad("a service type index");
        }
        if self
            .services
            .iter()
            .any(|s| !inside(s.hours, self.hours.len()))
        {
            return bad("an opening hours index");
        }
        if self
            .services
            .iter()
            .any(|s| s.location.is_some_and(|l| l.iter().any(|c| !c.is_finite())))
        {
            return Err(LoadError::Body(
                "a service's location is not a finite latitude and longitude".to_owned(),
            ));
        }
        if self.hours.iter().any(|h| h.weekly.len() != 7) {
            return Err(LoadError::Body(
                "a service's weekly hours do not have seven days".to_owned(),
            ));
        }
        if self.service_index.values().any(|s| !inside(*s, n_services)) {
            return bad("a service id index");
        }
        if self.service_index.iter().any(|(id, idx)| {
            usize::try_from(*idx)
                .ok()
                .and_then(|idx| self.services.get(idx))
                .is_none_or(|service| service.id != *id)
        }) {
            return Err(LoadError::Body(
                "the service id index names a service by another id".to_owned(),
            ));
        }
        if self
            .area_index
            .values()
            .any(|l| !inside(*l, self.layers.len()))
        {
            return bad("an area index");
        }
        for layer in &self.layers {
            if layer
                .rules_by_dx
                .values()
                .flatten()
                .any(|r| !inside(*r, n_rules))
            {
                return bad("a rule index");
            }
            if layer.catch_all.is_some_and(|t| !inside(t, n_types))
                || layer.suspended_types.keys().any(|t| !inside(*t, n_types))
                || layer.services_by_type.keys().any(|t| !inside(*t, n_types))
            {
                return bad("a service type index");
            }
            if layer
                .services_by_type
                .values()
                .flat_map(BTreeMap::values)
                .flatten()
                .any(|s| !inside(*s, n_services))
            {
                return bad("a service index");
            }
        }
        Ok(())
    }
}

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
