//! `dxmap-runtime`: the compiled decision table and the routing runtime.
//!
//! An integrator embeds this crate alone: it never imports the compiler, the
//! parser or the diagnostics. Load a table built by `dxmap build`, make a
//! [`Router`], and route [`Case`]s:
//!
//! ```no_run
//! use dxmap_runtime::{Case, Channel, Router, Table};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let table = Table::from_artifact(&std::fs::read("table.dxt")?)?;
//! let router = Router::new(table)?;
//! let decision = router.route(&Case {
//!     dx: "Dx05".into(),
//!     channel: Channel::Nhs111,
//!     age_days: dxmap_runtime::space::years_to_days(40),
//!     sex: None,
//!     postcode: "SO16 7AB".into(),
//!     at: "2020-05-08T15:00:00+01:00".parse()?,
//!     location: None,
//!     capacity: Default::default(),
//! })?;
//! for service in &decision.services {
//!     println!("{} {}", service.id, service.name);
//! }
//! # Ok(()) }
//! ```
//!
//! `Table::from_artifact` decodes and checks the whole table. A program
//! that answers one case, or a few, can instead make its router with
//! [`Router::from_artifact`], which decodes only the parts the cases need,
//! each the first time (`dxmap route --table` does).
//!
//! Modules: [`table`] (the artifact and its indexes), [`case`] (the
//! question), [`space`] (the case space: ages, sex, rule conditions, and
//! which code answers a disposition — one meaning for every part of dxmap), [`route`] (the answer and its trace), [`hours`] (opening
//! hours and the search window), [`postcode`], [`geo`] (the centroids of
//! postcode units, positions and distances).
//!
//! Imports: serde, jiff, sha2; nothing of the compiler.

pub mod case;
mod clock;
mod codec;
mod decision;
pub mod geo;
pub mod hours;
mod index;
pub mod postcode;
pub mod route;
mod sha256;
mod small;
pub mod space;
mod store;
pub mod table;

pub use case::{Capacity, Case, Rag};
pub use geo::{Geography, Position, PositionSource};
pub use index::{FastHasher, FastMap};
pub use route::{Answer, CaseError, Decision, Router, Step};
pub use space::{Ages, CaseSex, Conditions};
pub use table::{LoadError, Table};

use serde::{Deserialize, Serialize};

/// A channel a case arrives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// NHS 111.
    #[serde(rename = "111")]
    Nhs111,
    /// 999 (ambulance).
    #[serde(rename = "999")]
    Nhs999,
    /// Out of hours.
    #[serde(rename = "ooh")]
    Ooh,
}

impl Channel {
    /// All channels, in their canonical order.
    pub const ALL: [Channel; 3] = [Channel::Nhs111, Channel::Nhs999, Channel::Ooh];

    /// The channel as written in rules and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Nhs111 => "111",
            Channel::Nhs999 => "999",
            Channel::Ooh => "ooh",
        }
    }

    /// Parses `111`, `999` or `ooh`.
    pub fn parse(text: &str) -> Option<Channel> {
        match text {
            "111" => Some(Channel::Nhs111),
            "999" => Some(Channel::Nhs999),
            "ooh" => Some(Channel::Ooh),
            _ => None,
        }
    }
}

/// A patient's sex as DoS records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// The sex as written in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}
