//! The decision table: the compiled form of a rules tree, and its artifact.
//!
//! Everything routing needs is here, with the indexes built by the compiler
//! so that a case never scans all rules or all services:
//! - [`Table::area_index`]: postcode unit → the overlay that claims it;
//! - [`Table::disposition_index`]: code → disposition;
//! - [`Layer::rules_by_dx`]: per layer, code → the rules naming it, highest
//!   priority first;
//! - [`Layer::services_by_type`]: per layer, service type → postcode unit →
//!   the services of that type whose catchment names that unit.
//!
//! The artifact is one header line, `dxmap-table v1 sha256=HEX`, then the
//! table as JSON. Maps are ordered, so the same rules give the same bytes.
//! Loading refuses another format version and a body whose hash differs
//! (a table altered after it was built).
//!
//! Imports: `crate::sha256`, serde, jiff (dates).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{sha256, Channel, Sex};

/// The table format this runtime reads and writes.
pub const FORMAT_VERSION: u32 = 1;

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
    /// The JSON body does not describe a table.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Session {
    /// Opening minute, 0–1439.
    pub open: u16,
    /// Closing minute, 1–1440.
    pub close: u16,
}

/// `closed A..B because "…"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    /// First day closed.
    pub from: Date,
    /// Last day closed (inclusive); `None` is open-ended.
    pub until: Option<Date>,
    /// Why, if given.
    pub reason: Option<String>,
}

/// Opening hours.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Latitude and longitude.
    pub location: Option<[f64; 2]>,
    /// Youngest age admitted, in days.
    pub min_age_days: u32,
    /// First age in days no longer admitted.
    pub max_age_days: Option<u32>,
    /// Sexes admitted; `None` admits everyone.
    pub sexes: Option<Vec<Sex>>,
    /// Rank within its type (lower first).
    pub rank: Option<u32>,
    /// First valid date.
    pub valid_from: Option<Date>,
    /// Last valid date (inclusive).
    pub valid_until: Option<Date>,
    /// Opening hours.
    pub hours: Hours,
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
    /// Channels matched.
    pub channels: Vec<Channel>,
    /// Youngest age matched, in days.
    pub min_age_days: u32,
    /// First age in days no longer matched.
    pub max_age_days: Option<u32>,
    /// Sex required, if any.
    pub sex: Option<Sex>,
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
    /// Services the layer declares, by type, then by postcode unit of their
    /// catchment. The services in force in a layer are those of the layer
    /// and of every layer along its `extends` chain down to the baseline.
    pub services_by_type: BTreeMap<u32, BTreeMap<String, Vec<u32>>>,
}

/// A queue hierarchy, highest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hierarchy {
    /// Its name.
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
    pub disposition_index: BTreeMap<String, u32>,
    /// Service types.
    pub service_types: Vec<ServiceType>,
    /// Every service (of every layer).
    pub services: Vec<Service>,
    /// Service id → index into `services`.
    pub service_index: BTreeMap<String, u32>,
    /// Every rule definition.
    pub rules: Vec<Rule>,
    /// Layers; index 0 is `national`.
    pub layers: Vec<Layer>,
    /// Postcode unit (`SO`, `SO16`, `SO16 7`) → the overlay layer claiming it.
    pub area_index: BTreeMap<String, u32>,
    /// Bank holidays.
    pub calendar: BTreeMap<Date, String>,
    /// Queue hierarchies.
    pub hierarchies: Vec<Hierarchy>,
}

impl Table {
    /// The artifact: header line with version and hash, then the JSON body.
    pub fn to_artifact(&self) -> String {
        let body = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned());
        let hash = sha256::hex_digest(body.as_bytes());
        format!("{MAGIC} v{FORMAT_VERSION} sha256={hash}\n{body}\n")
    }

    /// Loads an artifact written by [`Table::to_artifact`], checking the
    /// format version and the content hash.
    pub fn from_artifact(text: &str) -> Result<Table, LoadError> {
        let (header, body) = text.split_once('\n').ok_or(LoadError::NotATable)?;
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
        let body = body.strip_suffix('\n').unwrap_or(body);
        let actual = sha256::hex_digest(body.as_bytes());
        if actual != expected {
            return Err(LoadError::Hash {
                expected: expected.to_owned(),
                actual,
            });
        }
        let table: Table =
            serde_json::from_str(body).map_err(|error| LoadError::Body(error.to_string()))?;
        table.validate()?;
        Ok(table)
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
        if self.services.iter().any(|s| s.hours.weekly.len() != 7) {
            return Err(LoadError::Body(
                "a service's weekly hours do not have seven days".to_owned(),
            ));
        }
        if self.service_index.values().any(|s| !inside(*s, n_services)) {
            return bad("a service id index");
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
