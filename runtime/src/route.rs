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

use std::collections::BTreeSet;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::case::{Case, Rag};
use crate::hours;
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

/// A loaded table, ready to route.
#[derive(Debug, Clone)]
pub struct Router {
    table: Table,
    tz: TimeZone,
}

/// What one search (steps 3–6 for one code) found.
enum Outcome {
    NoSearch(String),
    Found(Option<(String, String)>, Vec<Answer>),
    Empty(Option<(String, String)>),
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
        Ok(Router { table, tz })
    }

    /// The table routed over.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// Answers a case.
    pub fn route(&self, case: &Case) -> Result<Decision, CaseError> {
        let table = &self.table;
        let postcode = Postcode::parse(&case.postcode)
            .ok_or_else(|| CaseError::BadPostcode(case.postcode.clone()))?;
        if !table.disposition_index.contains_key(&case.dx) {
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
            .find_map(|unit| {
                table
                    .area_index
                    .get(*unit)
                    .map(|l| (*l, Some((*unit).to_owned())))
            })
            .unwrap_or((0, None));
        let layer = table
            .layers
            .get(usize::try_from(layer_idx).unwrap_or(0))
            .or_else(|| table.layers.first());
        let Some(layer) = layer else {
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
            trace: vec![Step::Overlay {
                overlay: layer.name.clone(),
                unit,
                postcode: postcode.text.clone(),
            }],
        };
        let date = hours::local_date(&self.tz, case.at);

        // Step 2: a remap first, keeping the original code for a re-query.
        let mut codes = vec![case.dx.clone()];
        if let Some(remap) = layer.remaps.get(&case.dx) {
            decision.trace.push(Step::Remap {
                from: case.dx.clone(),
                to: remap.to.clone(),
                reason: remap.reason.clone(),
            });
            codes.insert(0, remap.to.clone());
        }
        let mut matched_rule: Option<(String, String)> = None;
        for (attempt, code) in codes.iter().enumerate() {
            if attempt > 0 {
                decision.trace.push(Step::Requery { code: code.clone() });
            }
            decision.searched_dx = code.clone();
            match self.search(layer, code, case, &postcode, date, &mut decision.trace) {
                Outcome::NoSearch(reason) => {
                    decision.no_search = Some(reason);
                    return Ok(decision);
                }
                Outcome::Found(rule, services) => {
                    if let Some((name, source)) = rule {
                        decision.rule = Some(name);
                        decision.rule_source = Some(source);
                    }
                    decision.services = services;
                    return Ok(decision);
                }
                Outcome::Empty(rule) => {
                    if rule.is_some() {
                        matched_rule = rule;
                    }
                }
            }
        }
        if let Some((name, source)) = matched_rule {
            decision.rule = Some(name);
            decision.rule_source = Some(source);
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
            decision.trace.push(Step::NoService {
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
        for service_idx in self.candidates(layer, catch_all, &postcode) {
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
            decision.trace.push(Step::NoService {
                reason: reason.clone(),
            });
            decision.reason = Some(reason);
            return Ok(decision);
        }
        let reason = format!("{why}: catch-all `{type_name}`, capacity and hours ignored");
        decision.trace.push(Step::CatchAll {
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

    /// The services of `service_type` in force in `layer` whose catchment
    /// names a unit of the postcode, deduplicated, in index order.
    fn candidates(&self, layer: &Layer, service_type: u32, postcode: &Postcode) -> Vec<u32> {
        let Some(by_unit) = layer.services_by_type.get(&service_type) else {
            return Vec::new();
        };
        let mut found: BTreeSet<u32> = BTreeSet::new();
        for unit in postcode.units() {
            if let Some(services) = by_unit.get(unit) {
                found.extend(services.iter().copied());
            }
        }
        found.into_iter().collect()
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
            .find_map(|unit| self.table.area_index.get(*unit).copied())
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
    fn search(
        &self,
        layer: &Layer,
        code: &str,
        case: &Case,
        postcode: &Postcode,
        date: jiff::civil::Date,
        trace: &mut Vec<Step>,
    ) -> Outcome {
        let table = &self.table;
        if let Some(reason) = layer.no_search.get(code) {
            trace.push(Step::NoSearch {
                code: code.to_owned(),
                reason: reason.clone(),
            });
            return Outcome::NoSearch(reason.clone());
        }
        let disposition = table
            .disposition_index
            .get(code)
            .and_then(|idx| table.dispositions.get(usize::try_from(*idx).ok()?));
        let mut timeframe = disposition.and_then(|d| d.timeframe_minutes);
        let mut effective = code.to_owned();
        // A `same_as` code routes as its target unless a rule names it.
        if !layer.rules_by_dx.contains_key(code) {
            if let Some(target) = disposition
                .and_then(|d| d.same_as)
                .and_then(|t| table.dispositions.get(usize::try_from(t).ok()?))
            {
                trace.push(Step::SameAs {
                    from: code.to_owned(),
                    to: target.code.clone(),
                });
                if let Some(reason) = layer.no_search.get(&target.code) {
                    trace.push(Step::NoSearch {
                        code: target.code.clone(),
                        reason: reason.clone(),
                    });
                    return Outcome::NoSearch(reason.clone());
                }
                timeframe = timeframe.or(target.timeframe_minutes);
                effective.clone_from(&target.code);
            }
        }
        let (window_from, window_to) = search_window(case.at, timeframe);
        let show = |t: Timestamp| {
            t.to_zoned(self.tz.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        trace.push(Step::Search {
            code: effective.clone(),
            timeframe_minutes: timeframe,
            window_from: show(window_from),
            window_to: show(window_to),
        });

        // Step 3: the highest-priority rule naming the code that matches.
        let rule = layer
            .rules_by_dx
            .get(&effective)
            .into_iter()
            .flatten()
            .filter_map(|idx| table.rules.get(usize::try_from(*idx).ok()?))
            .find(|rule| Self::rule_matches(rule, case));
        let Some(rule) = rule else {
            trace.push(Step::NoRule { code: effective });
            return Outcome::Empty(None);
        };
        let rule_ref = (rule.name.clone(), format!("{}:{}", rule.file, rule.line));
        trace.push(Step::Rule {
            name: rule.name.clone(),
            source: rule_ref.1.clone(),
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
                trace.push(Step::TypeSkipped {
                    service_type: service_type.name.clone(),
                    reason: format!("does not serve channel {}", case.channel.as_str()),
                });
                continue;
            }
            if let Some(skill) = layer.unusable_types.get(type_idx) {
                trace.push(Step::TypeSkipped {
                    service_type: service_type.name.clone(),
                    reason: format!("requires skill `{skill}`, which `{}` lacks", layer.name),
                });
                continue;
            }
            let type_suspension = suspended(layer.suspended_types.get(type_idx), date);
            let mut kept = Vec::new();
            for service_idx in self.candidates(layer, *type_idx, postcode) {
                let Some(service) = self.service(service_idx) else {
                    continue;
                };
                let mut reasons = Vec::new();
                if !(service.valid_from.is_none_or(|from| from <= date)
                    && service.valid_until.is_none_or(|until| date <= until))
                {
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
                if let Some(suspension) = suspended(layer.suspended_services.get(&service.id), date)
                {
                    reasons.push(format!("suspended: {}", suspension.reason));
                }
                if let Some(suspension) = type_suspension {
                    reasons.push(format!("service type suspended: {}", suspension.reason));
                }
                if let Some(sexes) = &service.sexes {
                    if !case.sex.is_some_and(|sex| sexes.contains(&sex)) {
                        reasons.push(format!("does not accept sex ({})", sex_name(case.sex)));
                    }
                }
                if !(service.min_age_days <= case.age_days
                    && service.max_age_days.is_none_or(|max| case.age_days < max))
                {
                    reasons.push(format!("does not accept age {} days", case.age_days));
                }
                if !hours::open_in_window(
                    &service.hours,
                    &table.calendar,
                    &self.tz,
                    window_from,
                    window_to,
                ) {
                    reasons.push("closed throughout the search window".to_owned());
                }
                // Step 5: capacity.
                let capacity = case
                    .capacity
                    .get(&service.id)
                    .map_or(Rag::Green, |c| c.at(case.at));
                if capacity == Rag::Red {
                    reasons.push("capacity red".to_owned());
                }
                let keep = reasons.is_empty();
                trace.push(Step::Candidate {
                    id: service.id.clone(),
                    service_type: service_type.name.clone(),
                    kept: keep,
                    gapped: reasons.len() == 1,
                    reasons,
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
                    trace.push(Step::Capped {
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
            Outcome::Empty(Some(rule_ref))
        } else {
            Outcome::Found(Some(rule_ref), answers)
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
