//! Routing: a [`Case`] to a [`Decision`] with its trace, following DESIGN.md
//! "Routing semantics" step by step (the step numbers below are its).
//!
//! Cost per case: a few ordered-map lookups for the overlay (three postcode
//! units), the remap and the disposition; the rules naming the searched code
//! (`Layer::rules_by_dx`: never all rules); and, per routed type, the
//! services of that type whose catchment names one of the case's three
//! postcode units (`Layer::services_by_type`: never all services). Opening
//! hours are checked only for those candidates, over the dates the search
//! window touches.
//!
//! Imports: `crate::{table, case, hours, postcode}`, jiff, serde.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::case::{Case, Rag};
use crate::hours;
use crate::index::{Index, LayerIndex};
use crate::postcode::Postcode;
use crate::table::{Layer, Rule, Service, Suspension, Table};
use crate::{Channel, Sex};

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
    /// Capacity given for services the table does not have.
    UnknownCapacityServices(Vec<String>),
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
            CaseError::UnknownCapacityServices(ids) => write!(
                f,
                "capacity given for unknown services: {}",
                ids.iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
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

/// One service of an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// DoS id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Service type.
    #[serde(rename = "type")]
    pub service_type: String,
    /// Capacity at the case's time: `amber` is flagged; `red` appears only on
    /// catch-all answers, which ignore capacity.
    pub capacity: Rag,
    /// Returned by the catch-all, capacity and hours ignored.
    pub catch_all: bool,
    /// Great-circle distance from the case's location, if both are known.
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

/// The answer to a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The disposition as asked.
    pub dx: String,
    /// The code whose search gave the answer.
    pub searched_dx: String,
    /// The channel.
    pub channel: Channel,
    /// The normalised postcode.
    pub postcode: String,
    /// `national` or the overlay in force.
    pub overlay: String,
    /// The rule that matched, if one did.
    pub rule: Option<String>,
    /// Where that rule is written (`file:line`).
    pub rule_source: Option<String>,
    /// The reason, if the code answers "no search".
    pub no_search: Option<String>,
    /// Whether the services are the catch-all's.
    pub catch_all: bool,
    /// The ranked services.
    pub services: Vec<Answer>,
    /// Why the answer is a catch-all or empty.
    pub reason: Option<String>,
    /// How the answer was reached.
    pub trace: Vec<Step>,
}

/// The explanation being written, or nothing when it was not asked for:
/// steps are built only when explaining, so the plain route pays nothing.
struct Trace {
    on: bool,
    steps: Vec<Step>,
}

impl Trace {
    fn push(&mut self, step: impl FnOnce() -> Step) {
        if self.on {
            self.steps.push(step());
        }
    }
}

/// A loaded table, ready to route.
#[derive(Debug, Clone)]
pub struct Router {
    table: Table,
    tz: TimeZone,
    // INVARIANT: built from `table` by `Router::new` and never changed.
    index: Index,
}

/// What one search (steps 3–6 for one code) found.
enum Outcome<'t> {
    NoSearch(String),
    Found(&'t Rule, Vec<Answer>),
    Empty(Option<&'t Rule>),
}

/// Where a case is: the layer in force, its lookups, the postcode and the
/// local date.
#[derive(Clone, Copy)]
struct Place<'a> {
    layer: &'a Layer,
    index: &'a LayerIndex,
    postcode: &'a Postcode,
    date: jiff::civil::Date,
}

/// Where a rule is written, `file:line`.
fn rule_source(rule: &Rule) -> String {
    format!("{}:{}", rule.file, rule.line)
}

/// Great-circle distance in kilometres.
fn distance_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    let [lat1, lon1] = a.map(f64::to_radians);
    let [lat2, lon2] = b.map(f64::to_radians);
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The search window's length in minutes for a timeframe (step 4).
pub fn window_minutes(timeframe: Option<u32>) -> i64 {
    match timeframe {
        None | Some(0) => 60,
        Some(t) if t <= 30 => 30,
        Some(t) if t <= 60 => i64::from(t),
        Some(t) => i64::from(t) - 60,
    }
}

/// The search window `[t + min(30, L), t + L]`.
pub fn search_window(at: Timestamp, timeframe: Option<u32>) -> (Timestamp, Timestamp) {
    let length = window_minutes(timeframe);
    let from = at
        .checked_add(SignedDuration::from_mins(length.min(30)))
        .unwrap_or(at);
    let to = at
        .checked_add(SignedDuration::from_mins(length))
        .unwrap_or(at);
    // A planted bug, compiled only with the test-only feature
    // `mutation-window-off-by-one` (runtime/Cargo.toml): the window ends one
    // minute early. The differential test must catch it.
    #[cfg(feature = "mutation-window-off-by-one")]
    let to = to.checked_sub(SignedDuration::from_mins(1)).unwrap_or(to);
    (from, to)
}

fn suspended(windows: Option<&Vec<Suspension>>, date: jiff::civil::Date) -> Option<&Suspension> {
    windows?
        .iter()
        .find(|s| s.from <= date && s.until.is_none_or(|until| date <= until))
}

fn sex_name(sex: Option<Sex>) -> &'static str {
    sex.map_or("not given", Sex::as_str)
}

impl Router {
    /// A router over `table`, with Europe/London from the bundled tz database.
    pub fn new(table: Table) -> Result<Router, SetupError> {
        let tz = TimeZone::get("Europe/London")
            .map_err(|error| SetupError(format!("time zone Europe/London: {error}")))?;
        let index = Index::new(&table, &tz);
        Ok(Router { table, tz, index })
    }

    /// The table routed over.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Answers a case, without an explanation (`trace` is empty): the path
    /// an integrator calls per case.
    pub fn route(&self, case: &Case) -> Result<Decision, CaseError> {
        self.decide(case, false)
    }

    /// Answers a case and explains it step by step (`trace`).
    pub fn explain(&self, case: &Case) -> Result<Decision, CaseError> {
        self.decide(case, true)
    }

    fn decide(&self, case: &Case, explain: bool) -> Result<Decision, CaseError> {
        let mut trace = Trace {
            on: explain,
            steps: Vec::new(),
        };
        let mut decision = self.decide_traced(case, &mut trace)?;
        decision.trace = trace.steps;
        Ok(decision)
    }

    #[expect(
        clippy::too_many_lines,
        reason = "steps 1, 2 and 7 in order, each writing its trace; splitting it would hide the order"
    )]
    fn decide_traced(&self, case: &Case, trace: &mut Trace) -> Result<Decision, CaseError> {
        let table = &self.table;
        let postcode = Postcode::parse(&case.postcode)
            .ok_or_else(|| CaseError::BadPostcode(case.postcode.clone()))?;
        if !self.index.dispositions.contains_key(&case.dx) {
            return Err(CaseError::UnknownDisposition {
                code: case.dx.clone(),
                release: table.release.clone(),
            });
        }
        let unknown: Vec<String> = case
            .capacity
            .keys()
            .filter(|id| !table.service_index.contains_key(*id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(CaseError::UnknownCapacityServices(unknown));
        }

        // Step 1: the most specific overlay claiming a unit of the postcode.
        let (layer_idx, unit) = postcode
            .units()
            .iter()
            .find_map(|unit| self.index.areas.get(*unit).map(|l| (*l, Some(*unit))))
            .unwrap_or((0, None));
        let layer = table
            .layers
            .get(usize::try_from(layer_idx).unwrap_or(0))
            .or_else(|| table.layers.first());
        let (Some(layer), Some(layer_index)) = (
            layer,
            self.index
                .layers
                .get(usize::try_from(layer_idx).unwrap_or(0)),
        ) else {
            return Err(CaseError::BadPostcode(case.postcode.clone()));
        };
        let mut decision = Decision {
            dx: case.dx.clone(),
            searched_dx: case.dx.clone(),
            channel: case.channel,
            postcode: postcode.text.clone(),
            overlay: layer.name.clone(),
            rule: None,
            rule_source: None,
            no_search: None,
            catch_all: false,
            services: Vec::new(),
            reason: None,
            trace: Vec::new(),
        };
        trace.push(|| Step::Overlay {
            overlay: layer.name.clone(),
            unit: unit.map(str::to_owned),
            postcode: postcode.text.clone(),
        });
        let date = hours::local_date(&self.tz, case.at);

        // Step 2: a remap first, keeping the original code for a re-query.
        let remap = layer.remaps.get(&case.dx);
        if let Some(remap) = remap {
            trace.push(|| Step::Remap {
                from: case.dx.clone(),
                to: remap.to.clone(),
                reason: remap.reason.clone(),
            });
        }
        let place = Place {
            layer,
            index: layer_index,
            postcode: &postcode,
            date,
        };
        let codes: [Option<&str>; 2] = [remap.map(|r| r.to.as_str()), Some(case.dx.as_str())];
        let mut matched_rule: Option<&Rule> = None;
        for (attempt, code) in codes.into_iter().flatten().enumerate() {
            if attempt > 0 {
                trace.push(|| Step::Requery {
                    code: code.to_owned(),
                });
            }
            match self.search(&place, code, case, trace) {
                Outcome::NoSearch(reason) => {
                    decision.searched_dx = code.to_owned();
                    decision.no_search = Some(reason);
                    return Ok(decision);
                }
                Outcome::Found(rule, services) => {
                    decision.searched_dx = code.to_owned();
                    decision.rule = Some(rule.name.clone());
                    decision.rule_source = Some(rule_source(rule));
                    decision.services = services;
                    return Ok(decision);
                }
                Outcome::Empty(rule) => {
                    decision.searched_dx = code.to_owned();
                    if rule.is_some() {
                        matched_rule = rule;
                    }
                }
            }
        }
        if let Some(rule) = matched_rule {
            decision.rule = Some(rule.name.clone());
            decision.rule_source = Some(rule_source(rule));
        }

        // Step 7: nothing survived; the catch-all in force.
        let why = match &decision.rule {
            Some(rule) => format!("no service of rule `{rule}` is available for this case"),
            None => format!(
                "no rule of `{}` matches `{}` on {} for this age and sex",
                layer.name,
                decision.searched_dx,
                case.channel.as_str()
            ),
        };
        let Some(catch_all) = layer.catch_all else {
            let reason = format!("{why}, and `{}` has no catch-all", layer.name);
            trace.push(|| Step::NoService {
                reason: reason.clone(),
            });
            decision.reason = Some(reason);
            return Ok(decision);
        };
        let type_name = table
            .service_types
            .get(usize::try_from(catch_all).unwrap_or(usize::MAX))
            .map_or_else(String::new, |t| t.name.clone());
        let mut found = Vec::new();
        for service_idx in self.candidates(layer_index, catch_all, &postcode) {
            let Some(service) = table
                .services
                .get(usize::try_from(service_idx).unwrap_or(usize::MAX))
            else {
                continue;
            };
            let valid = service.valid_from.is_none_or(|from| from <= date)
                && service.valid_until.is_none_or(|until| date <= until);
            if valid
                && suspended(layer.suspended_services.get(&service.id), date).is_none()
                && suspended(layer.suspended_types.get(&catch_all), date).is_none()
            {
                found.push(service_idx);
            }
        }
        self.order(&mut found, case.location);
        found.truncate(2);
        if found.is_empty() {
            let reason = format!(
                "{why}, and no `{type_name}` catch-all service covers {}",
                postcode.text
            );
            trace.push(|| Step::NoService {
                reason: reason.clone(),
            });
            decision.reason = Some(reason);
            return Ok(decision);
        }
        let reason = format!("{why}: catch-all `{type_name}`, capacity and hours ignored");
        trace.push(|| Step::CatchAll {
            service_type: type_name,
            reason: reason.clone(),
        });
        decision.reason = Some(reason);
        decision.catch_all = true;
        decision.services = found
            .into_iter()
            .filter_map(|idx| self.answer(idx, case, true))
            .collect();
        Ok(decision)
    }

    /// The services of `service_type` in force in the layer whose catchment
    /// names a unit of the postcode, deduplicated, in index order.
    fn candidates(&self, layer: &LayerIndex, service_type: u32, postcode: &Postcode) -> Vec<u32> {
        let type_idx = usize::try_from(service_type).unwrap_or(usize::MAX);
        let mut found: Vec<u32> = Vec::new();
        // The layer's own services and those of the layers it extends.
        for declared_in in &layer.chain {
            let Some(by_unit) = self
                .index
                .layers
                .get(*declared_in)
                .and_then(|l| l.services.get(type_idx))
            else {
                continue;
            };
            for unit in postcode.units() {
                if let Some(services) = by_unit.get(unit) {
                    found.extend_from_slice(services);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    fn service(&self, idx: u32) -> Option<&Service> {
        self.table.services.get(usize::try_from(idx).ok()?)
    }

    /// Step 6 within one type: declared rank (unranked last), distance when
    /// the case has a location (services without coordinates last), id.
    fn order(&self, services: &mut [u32], location: Option<[f64; 2]>) {
        services.sort_by(|a, b| {
            let (Some(a), Some(b)) = (self.service(*a), self.service(*b)) else {
                return a.cmp(b);
            };
            let rank = |s: &Service| (s.rank.is_none(), s.rank);
            let distance = |s: &Service| match (location, s.location) {
                (Some(from), Some(to)) => Some(distance_km(from, to)),
                _ => None,
            };
            rank(a)
                .cmp(&rank(b))
                .then_with(|| {
                    if location.is_none() {
                        return std::cmp::Ordering::Equal;
                    }
                    match (distance(a), distance(b)) {
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                })
                .then_with(|| a.id.cmp(&b.id))
        });
    }

    fn answer(&self, idx: u32, case: &Case, catch_all: bool) -> Option<Answer> {
        let service = self.service(idx)?;
        let service_type = self
            .table
            .service_types
            .get(usize::try_from(service.service_type).ok()?)?;
        let capacity = case
            .capacity
            .get(&service.id)
            .map_or(Rag::Green, |c| c.at(case.at));
        Some(Answer {
            id: service.id.clone(),
            name: service.name.clone(),
            service_type: service_type.name.clone(),
            capacity,
            catch_all,
            distance_km: match (case.location, service.location) {
                (Some(from), Some(to)) => Some((distance_km(from, to) * 100.0).round() / 100.0),
                _ => None,
            },
        })
    }

    /// Every rule of the layer in force that matches the case's code,
    /// channel, age and sex, highest priority first: what step 3 chooses
    /// from. Tools use it to show why a case is ambiguous or uncovered.
    pub fn matching_rules(&self, case: &Case) -> Result<Vec<&Rule>, CaseError> {
        let postcode = Postcode::parse(&case.postcode)
            .ok_or_else(|| CaseError::BadPostcode(case.postcode.clone()))?;
        let layer_idx = postcode
            .units()
            .iter()
            .find_map(|unit| self.index.areas.get(*unit).copied())
            .unwrap_or(0);
        let Some(layer) = self
            .table
            .layers
            .get(usize::try_from(layer_idx).unwrap_or(0))
        else {
            return Ok(Vec::new());
        };
        Ok(layer
            .rules_by_dx
            .get(&case.dx)
            .into_iter()
            .flatten()
            .filter_map(|idx| self.table.rules.get(usize::try_from(*idx).ok()?))
            .filter(|rule| Self::rule_matches(rule, case))
            .collect())
    }

    fn rule_matches(rule: &Rule, case: &Case) -> bool {
        rule.channels.contains(&case.channel)
            && rule.min_age_days <= case.age_days
            && rule.max_age_days.is_none_or(|max| case.age_days < max)
            && rule.sex.is_none_or(|sex| case.sex == Some(sex))
    }

    /// Steps 2 (`same_as`, `no_search`) to 6 for one code.
    #[expect(
        clippy::too_many_lines,
        reason = "one routing step after another, each writing its trace; splitting it would hide the order"
    )]
    fn search<'t>(
        &'t self,
        place: &Place<'_>,
        code: &str,
        case: &Case,
        trace: &mut Trace,
    ) -> Outcome<'t> {
        let Place {
            layer,
            index: layer_index,
            postcode,
            date,
        } = *place;
        let table = &self.table;
        if let Some(reason) = layer.no_search.get(code) {
            trace.push(|| Step::NoSearch {
                code: code.to_owned(),
                reason: reason.clone(),
            });
            return Outcome::NoSearch(reason.clone());
        }
        let dx_idx = self.index.dispositions.get(code).copied();
        let disposition = dx_idx.and_then(|idx| table.dispositions.get(usize::try_from(idx).ok()?));
        // A `same_as` code searches with its own timeframe if the catalogue
        // gives one, else its target's — whether or not a rule names it.
        let same_as_target = disposition
            .and_then(|d| d.same_as)
            .and_then(|t| Some((t, table.dispositions.get(usize::try_from(t).ok()?)?)));
        let timeframe = disposition
            .and_then(|d| d.timeframe_minutes)
            .or_else(|| same_as_target.and_then(|(_, t)| t.timeframe_minutes));
        let rules_of = |idx: Option<u32>| -> &[u32] {
            idx.and_then(|i| layer_index.rules.get(usize::try_from(i).ok()?))
                .map_or(&[][..], Vec::as_slice)
        };
        let mut effective: &str = code;
        let mut effective_rules = rules_of(dx_idx);
        // A `same_as` code routes as its target unless a rule names it.
        if effective_rules.is_empty() {
            if let Some((target_idx, target)) = same_as_target {
                trace.push(|| Step::SameAs {
                    from: code.to_owned(),
                    to: target.code.clone(),
                });
                if let Some(reason) = layer.no_search.get(&target.code) {
                    trace.push(|| Step::NoSearch {
                        code: target.code.clone(),
                        reason: reason.clone(),
                    });
                    return Outcome::NoSearch(reason.clone());
                }
                effective = &target.code;
                effective_rules = rules_of(Some(target_idx));
            }
        }
        let (window_from, window_to) = search_window(case.at, timeframe);
        let window = hours::Window::new(
            &self.tz,
            &self.index.clock,
            &table.calendar,
            window_from,
            window_to,
        );
        let show = |t: Timestamp| {
            t.to_zoned(self.tz.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        trace.push(|| Step::Search {
            code: effective.to_owned(),
            timeframe_minutes: timeframe,
            window_from: show(window_from),
            window_to: show(window_to),
        });

        // Step 3: the highest-priority rule naming the code that matches.
        let rule = effective_rules
            .iter()
            .filter_map(|idx| table.rules.get(usize::try_from(*idx).ok()?))
            .find(|rule| Self::rule_matches(rule, case));
        let Some(rule) = rule else {
            trace.push(|| Step::NoRule {
                code: effective.to_owned(),
            });
            return Outcome::Empty(None);
        };
        trace.push(|| Step::Rule {
            name: rule.name.clone(),
            source: rule_source(rule),
            layer: rule.layer.clone(),
        });

        // Steps 4–6, type by type in rank order.
        let mut answers = Vec::new();
        for type_idx in &rule.route {
            let Some(service_type) = table
                .service_types
                .get(usize::try_from(*type_idx).unwrap_or(usize::MAX))
            else {
                continue;
            };
            if !service_type.channels.contains(&case.channel) {
                trace.push(|| Step::TypeSkipped {
                    service_type: service_type.name.clone(),
                    reason: format!("does not serve channel {}", case.channel.as_str()),
                });
                continue;
            }
            if let Some(skill) = layer.unusable_types.get(type_idx) {
                trace.push(|| Step::TypeSkipped {
                    service_type: service_type.name.clone(),
                    reason: format!("requires skill `{skill}`, which `{}` lacks", layer.name),
                });
                continue;
            }
            let type_suspension = suspended(layer.suspended_types.get(type_idx), date);
            let mut kept = Vec::new();
            for service_idx in self.candidates(layer_index, *type_idx, postcode) {
                let Some(service) = self.service(service_idx) else {
                    continue;
                };
                let valid = service.valid_from.is_none_or(|from| from <= date)
                    && service.valid_until.is_none_or(|until| date <= until);
                let service_suspension = suspended(layer.suspended_services.get(&service.id), date);
                let sex_ok = service
                    .sexes
                    .as_ref()
                    .is_none_or(|sexes| case.sex.is_some_and(|sex| sexes.contains(&sex)));
                let age_ok = service.min_age_days <= case.age_days
                    && service.max_age_days.is_none_or(|max| case.age_days < max);
                // Step 5: capacity.
                let capacity = case
                    .capacity
                    .get(&service.id)
                    .map_or(Rag::Green, |c| c.at(case.at));
                let cheap_failure = !valid
                    || service_suspension.is_some()
                    || type_suspension.is_some()
                    || !sex_ok
                    || !age_ok
                    || capacity == Rag::Red;
                // Opening hours cost the most: skip them for a service
                // already out, unless explaining (to tell gapped ones).
                let open = (!cheap_failure || trace.on)
                    && table
                        .hours_of(service)
                        .is_some_and(|hours| window.open(hours, &self.tz));
                let keep = !cheap_failure && open;
                trace.push(|| {
                    let mut reasons = Vec::new();
                    if !valid {
                        reasons.push(format!(
                            "outside its validity window ({}..{})",
                            service
                                .valid_from
                                .map_or_else(String::new, |d| d.to_string()),
                            service
                                .valid_until
                                .map_or_else(String::new, |d| d.to_string())
                        ));
                    }
                    if let Some(suspension) = service_suspension {
                        reasons.push(format!("suspended: {}", suspension.reason));
                    }
                    if let Some(suspension) = type_suspension {
                        reasons.push(format!("service type suspended: {}", suspension.reason));
                    }
                    if !sex_ok {
                        reasons.push(format!("does not accept sex ({})", sex_name(case.sex)));
                    }
                    if !age_ok {
                        reasons.push(format!("does not accept age {} days", case.age_days));
                    }
                    if !open {
                        reasons.push("closed throughout the search window".to_owned());
                    }
                    if capacity == Rag::Red {
                        reasons.push("capacity red".to_owned());
                    }
                    Step::Candidate {
                        id: service.id.clone(),
                        service_type: service_type.name.clone(),
                        kept: keep,
                        gapped: reasons.len() == 1,
                        reasons,
                    }
                });
                if keep {
                    kept.push(service_idx);
                }
            }
            // Step 6: order within the type and cap.
            self.order(&mut kept, case.location);
            let cap = usize::try_from(service_type.returns).unwrap_or(usize::MAX);
            for dropped in kept.iter().skip(cap) {
                if let Some(service) = self.service(*dropped) {
                    trace.push(|| Step::Capped {
                        id: service.id.clone(),
                        returns: service_type.returns,
                    });
                }
            }
            kept.truncate(cap);
            answers.extend(
                kept.into_iter()
                    .filter_map(|idx| self.answer(idx, case, false)),
            );
        }
        if answers.is_empty() {
            Outcome::Empty(Some(rule))
        } else {
            Outcome::Found(rule, answers)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_lengths_follow_the_timeframe() {
        assert_eq!(window_minutes(None), 60);
        assert_eq!(window_minutes(Some(0)), 60);
        assert_eq!(window_minutes(Some(1)), 30);
        assert_eq!(window_minutes(Some(30)), 30);
        assert_eq!(window_minutes(Some(31)), 31);
        assert_eq!(window_minutes(Some(60)), 60);
        assert_eq!(window_minutes(Some(61)), 1);
        assert_eq!(window_minutes(Some(120)), 60);
        assert_eq!(window_minutes(Some(720)), 660);
    }

    #[test]
    fn window_starts_at_min_30_l() {
        let at: Timestamp = "2020-05-08T15:00:00+01:00".parse().unwrap();
        let (from, to) = search_window(at, Some(720));
        assert_eq!(
            from,
            "2020-05-08T15:30:00+01:00".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            to,
            "2020-05-09T02:00:00+01:00".parse::<Timestamp>().unwrap()
        );
        let (from, to) = search_window(at, Some(20));
        assert_eq!((from, to), (to, to));
        let (from, to) = search_window(at, Some(61));
        assert_eq!(
            from,
            "2020-05-08T15:01:00+01:00".parse::<Timestamp>().unwrap()
        );
        assert_eq!(to, from);
    }

    #[test]
    fn distance_is_great_circle() {
        // Southampton General to Queen Alexandra, Portsmouth: about 27 km.
        let km = distance_km([50.9331, -1.4339], [50.8506, -1.0701]);
        assert!((26.0..28.0).contains(&km), "{km}");
    }
}
