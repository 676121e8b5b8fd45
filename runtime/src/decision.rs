//! The answer to a case, as integrators read it: the [`Decision`] (the
//! overlay, the rule, the services with their capacity and distance, the
//! catch-all flag or the reason there is no service) and its trace of
//! [`Step`]s, and the errors routing can give ([`CaseError`] for a wrong
//! case, [`SetupError`] for a table the router cannot use). Serialised as
//! `route --format json` prints them.
//!
//! Imports: `crate::{Channel, case, geo, table}`, serde.

use serde::Serialize;

use crate::case::Rag;
use crate::geo::Position;
use crate::table::LoadError;
use crate::Channel;

/// Why a case cannot be routed: the case is wrong (exit 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseError {
    /// The disposition is not in the release.
    UnknownDisposition {
        /// The code asked.
        code: String,
        /// The release in force.
        release: String,
    },
    /// The postcode is not a full UK postcode.
    BadPostcode(String),
    /// The postcode's district is not in the table's geography (`TR99 1AA`).
    UnknownDistrict {
        /// The postcode as given.
        postcode: String,
        /// Its district.
        district: String,
    },
    /// Capacity given for services the table does not have.
    UnknownCapacityServices(Vec<String>),
    /// A part of the table the case needs does not decode: the table's
    /// hash matches, but it was not written by `dxmap build` (a router
    /// made by `Router::from_artifact` decodes parts as cases need them).
    Table(LoadError),
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseError::UnknownDisposition { code, release } => {
                write!(f, "unknown disposition `{code}` in release `{release}`")
            }
            CaseError::BadPostcode(text) => {
                write!(f, "`{text}` is not a full UK postcode (e.g. `SO16 7AB`)")
            }
            CaseError::UnknownDistrict { postcode, district } => write!(
                f,
                "`{postcode}` is in no known postcode district: there is no district `{district}` in Great Britain"
            ),
            CaseError::UnknownCapacityServices(ids) => write!(
                f,
                "capacity given for unknown services: {}",
                ids.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            CaseError::Table(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for CaseError {}

/// Why the router could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// One service of an answer. Its strings are the table's, borrowed from the
/// [`Router`]: answering a case copies none of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer<'r> {
    /// DoS id.
    pub id: &'r str,
    /// Display name.
    pub name: &'r str,
    /// Service type.
    #[serde(rename = "type")]
    pub service_type: &'r str,
    /// Capacity at the case's time: `amber` is flagged; `red` appears only on
    /// catch-all answers, which ignore capacity.
    pub capacity: Rag,
    /// Returned by the catch-all, capacity and hours ignored.
    pub catch_all: bool,
    /// Great-circle distance from the case's position to the service's, in
    /// kilometres to two decimals, if both are known.
    pub distance_km: Option<f64>,
}

/// One line of the explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Step 1: the overlay in force.
    Overlay {
        /// `national` or the overlay.
        overlay: String,
        /// The postcode unit that selected it.
        unit: Option<String>,
        /// The normalised postcode.
        postcode: String,
    },
    /// Step 1: the case's position, for ordering by distance: its
    /// `location`, else the centroid of its postcode's sector, district or
    /// area; none if no unit of the postcode has one.
    Position {
        /// The position and where it comes from.
        position: Option<Position>,
    },
    /// Step 2: an overlay remap.
    Remap {
        /// The code as triaged.
        from: String,
        /// The code searched first.
        to: String,
        /// Why.
        reason: String,
    },
    /// Step 2: a `same_as` code routed as its target.
    SameAs {
        /// The code.
        from: String,
        /// Its target.
        to: String,
    },
    /// Step 2: a `no_search` code.
    NoSearch {
        /// The code.
        code: String,
        /// Why.
        reason: String,
    },
    /// Steps 3–6 begin for a code.
    Search {
        /// The code searched.
        code: String,
        /// Its timeframe, if any.
        timeframe_minutes: Option<u32>,
        /// The search window's first instant.
        window_from: String,
        /// Its last instant.
        window_to: String,
    },
    /// Step 3: the rule that matched.
    Rule {
        /// Its name.
        name: String,
        /// `file:line`.
        source: String,
        /// The layer that defines it.
        layer: String,
    },
    /// Step 3: no rule matched.
    NoRule {
        /// The code searched.
        code: String,
    },
    /// Step 4: a routed type that cannot be used.
    TypeSkipped {
        /// The type.
        service_type: String,
        /// Why.
        reason: String,
    },
    /// Steps 4–5: a candidate service kept or skipped.
    Candidate {
        /// Its id.
        id: String,
        /// Its type.
        service_type: String,
        /// Kept for step 6.
        kept: bool,
        /// Failed exactly one filter.
        gapped: bool,
        /// The filters it failed.
        reasons: Vec<String>,
    },
    /// Step 6: dropped by its type's cap.
    Capped {
        /// Its id.
        id: String,
        /// The cap.
        returns: u32,
    },
    /// Step 2: the original code searched after the remapped one found nothing.
    Requery {
        /// The original code.
        code: String,
    },
    /// Step 7: the catch-all.
    CatchAll {
        /// The catch-all type.
        service_type: String,
        /// Why it was used.
        reason: String,
    },
    /// Step 7: nothing at all.
    NoService {
        /// Why.
        reason: String,
    },
}

/// The answer to a case. Its strings are the table's (codes, names, reasons),
/// borrowed from the [`Router`] for `'r`, except the normalised postcode and
/// the reason for a catch-all or empty answer, which are the case's own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision<'r> {
    /// The disposition as asked.
    pub dx: &'r str,
    /// The code whose search gave the answer.
    pub searched_dx: &'r str,
    /// The channel.
    pub channel: Channel,
    /// The normalised postcode.
    pub postcode: String,
    /// The case's position, from which distances are measured.
    pub position: Option<Position>,
    /// `national` or the overlay in force.
    pub overlay: &'r str,
    /// The rule that matched, if one did.
    pub rule: Option<&'r str>,
    /// Where that rule is written (`file:line`).
    pub rule_source: Option<&'r str>,
    /// The reason, if the code answers "no search".
    pub no_search: Option<&'r str>,
    /// Whether the services are the catch-all's.
    pub catch_all: bool,
    /// The ranked services.
    pub services: Vec<Answer<'r>>,
    /// Why the answer is a catch-all or empty.
    pub reason: Option<String>,
    /// How the answer was reached.
    pub trace: Vec<Step>,
}

/// An empty answer to fill: what [`Router::route_into`](crate::Router::route_into)
/// starts from.
impl Default for Decision<'_> {
    fn default() -> Self {
        Decision {
            dx: "",
            searched_dx: "",
            channel: Channel::Nhs111,
            postcode: String::new(),
            position: None,
            overlay: "",
            rule: None,
            rule_source: None,
            no_search: None,
            catch_all: false,
            services: Vec::new(),
            reason: None,
            trace: Vec::new(),
        }
    }
}
