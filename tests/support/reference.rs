//! A reference interpreter of DESIGN.md "Routing semantics", for the
//! differential test (`tests/differential.rs`).
//!
//! It answers a case straight from the checked model ([`model::Model`]), in
//! the plainest way there is: linear scans over `model.layers`,
//! `model.rules` and `model.services`, no index and nothing precomputed. It
//! parses postcodes, compares ages, builds the search window, reads opening
//! hours and crosses daylight-saving changeovers with its own code, written
//! from the DESIGN text (jiff supplies Europe/London and civil dates). It
//! never calls the routing or hours code of `dxmap_runtime`: it shares only
//! its plain data types (`Case`, `Channel`, `Sex`, `Rag`), so that a bug
//! there cannot hide here.
//!
//! Positions and distances are its own too: it reads the geography's data
//! file (`fixtures/geo/units.tsv`) itself, takes a case's position from its
//! location or its postcode's units, a service's from its location or its
//! postcode's sector or district, and measures with its own haversine.
//!
//! One function per step, each under the sentence of DESIGN.md it
//! implements. Where DESIGN.md is silent, it follows the choices docs/book/src/development.md
//! documents under "Routing, as implemented"; those functions say so.
//!
//! Imports: `dxmap::check::model`, `dxmap::catalogue`, `dxmap_runtime`'s
//! plain types, jiff.

#![allow(
    clippy::expect_used,
    reason = "test support: a date or time out of jiff's range is a broken test, and should fail loudly"
)]

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use dxmap::catalogue::DispositionId;
use dxmap::check::model::{self, Model};
use dxmap_runtime::{Case, Rag};
use jiff::civil;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// What a decision shows a caller: the part of `dxmap_runtime::Decision`
/// that the differential test compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// `national` or the overlay in force.
    pub overlay: String,
    /// The rule that matched, if one did.
    pub rule: Option<String>,
    /// The reason, when the code answers "no search".
    pub no_search: Option<String>,
    /// Whether the services are the catch-all's.
    pub catch_all: bool,
    /// The services, in order, with their capacity at the case's time.
    pub services: Vec<(String, Rag)>,
    /// The case's position: latitude, longitude and where it comes from
    /// (`location`, `sector`, `district`, `area`).
    pub position: Option<(f64, f64, &'static str)>,
}

/// Why a case gets no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The postcode does not parse as a UK postcode.
    BadPostcode,
    /// The postcode's district is not in the geography.
    UnknownDistrict,
    /// The disposition is not in the release.
    UnknownDisposition,
    /// Capacity is given for services the tree does not have.
    UnknownCapacityServices(Vec<String>),
    /// Two rules of equal, highest priority match the case: the checker
    /// should have rejected the tree, and DESIGN.md gives no answer.
    Ambiguous(Vec<String>),
}

/// A full postcode and its three units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode {
    /// `SO16 7AB`.
    pub text: String,
    /// `SO`.
    pub area: String,
    /// `SO16`.
    pub district: String,
    /// `SO16 7`.
    pub sector: String,
}

/// What one search (steps 3–6 for one code) found.
enum Outcome {
    /// The code answers "no search", with this reason.
    NoSearch(String),
    /// Services survived; the rule that matched.
    Found(String, Vec<(String, Rag)>),
    /// Nothing survived; the rule that matched, if one did.
    Nothing(Option<String>),
}

/// The reference interpreter over one checked model.
pub struct Reference<'m> {
    model: &'m Model,
    london: TimeZone,
    /// `catch_all T within D`, in metres, by layer name.
    within: BTreeMap<String, u32>,
}

impl<'m> Reference<'m> {
    /// An interpreter over `model` (checked; errors of the analyses, such as
    /// coverage gaps, are allowed).
    pub fn new(model: &'m Model) -> Reference<'m> {
        let london = TimeZone::get("Europe/London").expect("the bundled tz database");
        Reference {
            model,
            london,
            within: BTreeMap::new(),
        }
    }

    /// The same, with the catch-all of the layers named limited to a
    /// distance in metres (`catch_all T within D`).
    pub fn with_catch_all_within(mut self, within: BTreeMap<String, u32>) -> Reference<'m> {
        self.within = within;
        self
    }

    /// Answers a case, following DESIGN.md "Routing semantics" steps 1–7.
    pub fn route(&self, case: &Case) -> Result<Answer, Refusal> {
        let postcode = parse_postcode(&case.postcode).ok_or(Refusal::BadPostcode)?;
        // Geography: "A case postcode whose district is unknown is an error
        // in the case (exit 1), as a malformed one is."
        let geography = geography();
        if !geography.units.contains_key(&postcode.district) {
            return Err(Refusal::UnknownDistrict);
        }
        let position = case_position(case, &postcode);
        let dx = self
            .model
            .catalogue
            .lookup(&case.dx)
            .ok_or(Refusal::UnknownDisposition)?;
        let unknown: Vec<String> = case
            .capacity
            .keys()
            .filter(|id| !self.model.services.iter().any(|s| &s.id == *id))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(Refusal::UnknownCapacityServices(unknown));
        }

        let layer = self.overlay_in_force(&postcode);
        let date = self.local_date(case.at);
        let mut answer = Answer {
            overlay: layer.name.clone(),
            rule: None,
            no_search: None,
            catch_all: false,
            services: Vec::new(),
            position,
        };
        // Step 2: ""Finds nothing" means no service survives steps 3–6; the
        // re-query with the original code runs before any catch-all."
        let mut rule_named = None;
        for code in codes_to_search(layer, dx) {
            match self.search(layer, code, case, &postcode, position, date)? {
                Outcome::NoSearch(reason) => {
                    answer.no_search = Some(reason);
                    return Ok(answer);
                }
                Outcome::Found(rule, services) => {
                    answer.rule = Some(rule);
                    answer.services = services;
                    return Ok(answer);
                }
                Outcome::Nothing(rule) => {
                    if rule.is_some() {
                        rule_named = rule;
                    }
                }
            }
        }
        // Step 7: "The decision still names the rule that matched, if one
        // did": that of the last search that matched one (docs/book/src/development.md).
        answer.rule = rule_named;
        answer.services = self.catch_all(layer, case, &postcode, position, date);
        answer.catch_all = !answer.services.is_empty();
        Ok(answer)
    }

    // ------------------------------------------------------ step 1: overlay

    /// Step 1: "The most specific overlay whose `area` covers it (sector
    /// `SO16 7` > district `SO16` > area `SO`) is in force, else the
    /// national baseline."
    fn overlay_in_force(&self, postcode: &Postcode) -> &'m model::Layer {
        for unit in [&postcode.sector, &postcode.district, &postcode.area] {
            for layer in &self.model.layers {
                if layer.area.iter().any(|claimed| &claimed.text == unit) {
                    return layer;
                }
            }
        }
        self.model.layers.first().expect("the national baseline")
    }

    // -------------------------------------------------- step 2: disposition

    /// Step 2: "Codes with `same_as` in the catalogue (`Dx1111` → `Dx11`,
    /// `Dx0101` → `Dx010`) route as their target unless a rule of the layer
    /// in force names them."
    fn routes_as(&self, layer: &model::Layer, code: DispositionId) -> DispositionId {
        let named = layer
            .rules
            .iter()
            .filter_map(|id| self.model.rules.get(id.index()))
            .any(|rule| rule.dispositions.contains(&code));
        if named {
            return code;
        }
        self.model
            .catalogue
            .get(code)
            .and_then(|d| d.same_as)
            .unwrap_or(code)
    }

    /// Step 2: "A disposition marked `no_search` answers that, with its
    /// reason, not an error." The code's own entry is honoured first, then
    /// its target's when it routes as its `same_as` target (docs/book/src/development.md,
    /// "Routing, as implemented").
    fn no_search(
        layer: &model::Layer,
        code: DispositionId,
        routed: DispositionId,
    ) -> Option<String> {
        layer
            .no_search
            .get(&code)
            .or_else(|| layer.no_search.get(&routed))
            .map(|entry| entry.reason.clone())
    }

    /// Step 2: "Each search uses the timeframe of the code it searches (the
    /// remapped code, then the original; a `same_as` code its own timeframe
    /// if the catalogue gives one, else its target's)."
    fn timeframe(&self, code: DispositionId) -> Option<u32> {
        let catalogue = &self.model.catalogue;
        let disposition = catalogue.get(code)?;
        disposition.timeframe_minutes.or_else(|| {
            disposition
                .same_as
                .and_then(|target| catalogue.get(target)?.timeframe_minutes)
        })
    }

    /// Steps 2–6 for one code: `no_search`, `same_as`, the rule, the
    /// candidates, capacity, order and cap.
    fn search(
        &self,
        layer: &model::Layer,
        code: DispositionId,
        case: &Case,
        postcode: &Postcode,
        position: Located,
        date: civil::Date,
    ) -> Result<Outcome, Refusal> {
        let routed = self.routes_as(layer, code);
        if let Some(reason) = Self::no_search(layer, code, routed) {
            return Ok(Outcome::NoSearch(reason));
        }
        let (from, to) = search_window(case.at, self.timeframe(code));
        let Some(rule) = self.rule_for(layer, routed, case)? else {
            return Ok(Outcome::Nothing(None));
        };
        let mut services = Vec::new();
        for type_id in &rule.route {
            services.extend(
                self.services_of_type(layer, *type_id, case, postcode, position, date, from, to),
            );
        }
        if services.is_empty() {
            Ok(Outcome::Nothing(Some(rule.name.clone())))
        } else {
            Ok(Outcome::Found(rule.name.clone(), services))
        }
    }

    // --------------------------------------------------------- step 3: rule

    /// Step 3: "a rule without `priority` has priority 0, rules that can
    /// match one case must differ in priority, and the highest wins. If no
    /// rule matches (…), go to step 7".
    fn rule_for(
        &self,
        layer: &model::Layer,
        code: DispositionId,
        case: &Case,
    ) -> Result<Option<&'m model::Rule>, Refusal> {
        let matching: Vec<&model::Rule> = layer
            .rules
            .iter()
            .filter_map(|id| self.model.rules.get(id.index()))
            .filter(|rule| rule_matches(rule, code, case))
            .collect();
        let Some(highest) = matching.iter().map(|rule| rule.priority).max() else {
            return Ok(None);
        };
        let winners: Vec<&model::Rule> = matching
            .into_iter()
            .filter(|rule| rule.priority == highest)
            .collect();
        match winners.as_slice() {
            [one] => Ok(Some(*one)),
            _ => Err(Refusal::Ambiguous(
                winners.iter().map(|rule| rule.name.clone()).collect(),
            )),
        }
    }

    // --------------------------------------------------- step 4: candidates

    /// Steps 4–6 for one routed type: "For each routed type that serves the
    /// case's channel, in rank order, the services of that type whose
    /// catchment covers the postcode (…) and that are inside their validity
    /// window, not suspended, accept the sex and the age (…) and are open in
    /// the search window." A type requiring a skill the layer lacks is
    /// skipped (docs/book/src/development.md, "Routing, as implemented").
    #[expect(
        clippy::too_many_arguments,
        reason = "the inputs of one step, passed as they are"
    )]
    fn services_of_type(
        &self,
        layer: &model::Layer,
        type_id: model::ServiceTypeId,
        case: &Case,
        postcode: &Postcode,
        position: Located,
        date: civil::Date,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<(String, Rag)> {
        let Some(service_type) = self.model.service_types.get(type_id.index()) else {
            return Vec::new();
        };
        if !service_type.channels.contains(&case.channel) {
            return Vec::new();
        }
        if service_type
            .requires
            .is_some_and(|skill| !layer.skills.contains(&skill))
        {
            return Vec::new();
        }
        let mut kept: Vec<&model::Service> = self
            .services_in_force(layer, type_id)
            .filter(|s| covers(s, postcode))
            .filter(|s| valid_on(s, date))
            .filter(|s| !self.suspended(layer, s, date))
            .filter(|s| accepts_sex(s, case))
            .filter(|s| accepts_age(s, case))
            .filter(|s| self.open_in_window(&s.hours, from, to))
            .filter(|s| capacity_at(case, &s.id) != Rag::Red)
            .collect();
        order(&mut kept, position);
        // Step 6: "At most N services per type (default 2; a type may
        // declare `returns 1`)."
        let cap = usize::try_from(service_type.returns).unwrap_or(usize::MAX);
        kept.into_iter()
            .take(cap)
            .map(|s| (s.id.clone(), capacity_at(case, &s.id)))
            .collect()
    }

    /// The services of a type in force in the layer ("Services are declared
    /// at top level or inside an overlay (then they exist only when that
    /// overlay is in force)").
    fn services_in_force(
        &self,
        layer: &'m model::Layer,
        type_id: model::ServiceTypeId,
    ) -> impl Iterator<Item = &'m model::Service> + 'm {
        let model = self.model;
        model
            .services
            .iter()
            .enumerate()
            .filter(move |(idx, _)| layer.services.iter().any(|id| id.index() == *idx))
            .map(|(_, service)| service)
            .filter(move |service| service.service_type == type_id)
    }

    /// Step 4: "not suspended": a suspension of the service or of its type,
    /// in force in the layer, whose window holds the local date of the case
    /// (docs/book/src/development.md: "judged on the local (Europe/London) date").
    fn suspended(&self, layer: &model::Layer, service: &model::Service, date: civil::Date) -> bool {
        let service_idx = self.model.services.iter().position(|s| s.id == service.id);
        layer.suspensions.iter().any(|suspension| {
            let target = match suspension.target {
                model::SuspensionTarget::Service(id) => Some(id.index()) == service_idx,
                model::SuspensionTarget::ServiceType(id) => id == service.service_type,
            };
            target && within(suspension.window, date)
        })
    }

    /// Step 4: "A service qualifies if it is open at some instant of
    /// [t + min(30, L), t + L], both ends inclusive (…). Sessions are closed
    /// intervals [open, close]. A window that crosses midnight is checked
    /// against the hours of each date it touches."
    ///
    /// Every date whose sessions could reach the window is looked at: from
    /// the day before the window's first local date (a session to `24:00`
    /// ends at the next midnight) to the day after its last.
    fn open_in_window(&self, hours: &model::Hours, from: Timestamp, to: Timestamp) -> bool {
        let mut date = self
            .local_date(from)
            .yesterday()
            .expect("a date after year 1");
        let last = self
            .local_date(to)
            .tomorrow()
            .expect("a date before year 9999");
        while date <= last {
            for session in self.sessions_on(hours, date) {
                let open = self.wall_clock(date, session.open);
                let close = self.wall_clock(date, session.close);
                if open <= to && close >= from {
                    return true;
                }
            }
            date = date.tomorrow().expect("a date before year 9999");
        }
        false
    }

    /// Step 4: "The hours that apply on a date: a dated entry (`on`,
    /// `closed`) > `all_hours` > `bank_holiday` (when the date is in the
    /// calendar; without a `bank_holiday` line the weekly hours apply) >
    /// weekly hours (a weekday not listed is closed)."
    fn sessions_on(&self, hours: &model::Hours, date: civil::Date) -> Vec<model::Session> {
        let day = model_date(date);
        if let Some(sessions) = hours.dated.get(&day) {
            return sessions.clone();
        }
        if hours.closed.iter().any(|(window, _)| within(*window, date)) {
            return Vec::new();
        }
        if hours.all_hours {
            return vec![model::Session {
                open: 0,
                close: 1440,
            }];
        }
        let holiday = self
            .model
            .calendar
            .as_ref()
            .is_some_and(|calendar| calendar.holidays.keys().any(|d| *d == day));
        if let (true, Some(sessions)) = (holiday, &hours.bank_holiday) {
            return sessions.clone();
        }
        let weekday = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
        hours.weekly.get(weekday).cloned().unwrap_or_default()
    }

    /// Step 4: "Times are local to Europe/London, daylight saving included:
    /// t + L is absolute time, sessions are local wall-clock times on their
    /// date (a time that does not exist on a changeover day moves forward,
    /// one that occurs twice means its first occurrence)." `24:00` is the
    /// midnight that ends the date.
    fn wall_clock(&self, date: civil::Date, minute: u16) -> Timestamp {
        let (date, minute) = if minute >= 1440 {
            (
                date.tomorrow().expect("a date before year 9999"),
                minute - 1440,
            )
        } else {
            (date, minute)
        };
        let hour = i8::try_from(minute / 60).expect("an hour of the day");
        let minute = i8::try_from(minute % 60).expect("a minute of the hour");
        let local = date.at(hour, minute, 0, 0);
        self.london
            .to_ambiguous_timestamp(local)
            .compatible()
            .expect("a local time in range")
    }

    /// The local (Europe/London) date of an instant.
    fn local_date(&self, at: Timestamp) -> civil::Date {
        at.to_zoned(self.london.clone()).date()
    }

    // ------------------------------------------------------- step 7: nothing

    /// Step 7: "The `catch_all` type in force (the overlay's own or
    /// inherited through `extends`, else the baseline's): up to two of its
    /// services that serve the postcode, are inside their validity window
    /// and not suspended, ignoring capacity and hours, ordered as in step 6,
    /// two even where the type `returns 1`, flagged as catch-all". Channel,
    /// age and sex are not filtered either (docs/book/src/development.md, "Routing, as
    /// implemented").
    fn catch_all(
        &self,
        layer: &'m model::Layer,
        case: &Case,
        postcode: &Postcode,
        position: Located,
        date: civil::Date,
    ) -> Vec<(String, Rag)> {
        let Some(model::CatchAll {
            service_type: type_id,
            ..
        }) = layer.catch_all
        else {
            return Vec::new();
        };
        // "with `catch_all T within D`, only services whose position lies
        // within D of the case's position".
        let within = |s: &model::Service| match self.within.get(&layer.name) {
            None => true,
            Some(metres) => match (position, service_position(s)) {
                (Some((lat, lon, _)), Some(to)) => {
                    great_circle_km([lat, lon], to) * 1000.0 <= f64::from(*metres)
                }
                _ => false,
            },
        };
        let mut found: Vec<&model::Service> = self
            .services_in_force(layer, type_id)
            .filter(|s| covers(s, postcode))
            .filter(|s| valid_on(s, date))
            .filter(|s| !self.suspended(layer, s, date))
            .filter(|s| within(s))
            .collect();
        order(&mut found, position);
        found
            .into_iter()
            .take(2)
            .map(|s| (s.id.clone(), capacity_at(case, &s.id)))
            .collect()
    }
}

/// Step 1: "The case's postcode is normalised first (case and spaces
/// ignored; `so167ab` → `SO16 7AB`; one that does not parse as a UK postcode
/// is an error in the case)." A UK postcode is an outward code of one of the
/// shapes `A9`, `A99`, `A9A`, `AA9`, `AA99`, `AA9A` and an inward code `9AA`.
pub fn parse_postcode(typed: &str) -> Option<Postcode> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let shape: String = compact
        .chars()
        .map(|c| match c {
            'A'..='Z' => 'A',
            '0'..='9' => '9',
            _ => '?',
        })
        .collect();
    let outward_len = compact.chars().count().checked_sub(3)?;
    let (outward_shape, inward_shape) = shape.split_at(outward_len);
    let outward_ok = ["A9", "A99", "A9A", "AA9", "AA99", "AA9A"].contains(&outward_shape);
    if !outward_ok || inward_shape != "9AA" {
        return None;
    }
    let (outward, inward) = compact.split_at(outward_len);
    let area: String = outward
        .chars()
        .take_while(char::is_ascii_uppercase)
        .collect();
    let sector_digit = inward.chars().next()?;
    Some(Postcode {
        text: format!("{outward} {inward}"),
        area,
        district: outward.to_owned(),
        sector: format!("{outward} {sector_digit}"),
    })
}

/// Step 2: "An overlay `remap` (one step, never chained (…)) is applied
/// first, keeping the original code for a re-query when the remapped search
/// finds nothing."
fn codes_to_search(layer: &model::Layer, dx: DispositionId) -> Vec<DispositionId> {
    match layer.remaps.get(&dx) {
        Some(remap) => vec![remap.to, dx],
        None => vec![dx],
    }
}

/// Step 3 ("A rule's conditions are joined by `and`") and "Absent inputs":
/// "a case without `--sex` matches no `sex =` condition".
fn rule_matches(rule: &model::Rule, code: DispositionId, case: &Case) -> bool {
    rule.dispositions.contains(&code)
        && rule.when.channels.contains(&case.channel)
        && age_within(rule.when.ages, case.age_days)
        && rule.when.sex.is_none_or(|sex| case.sex == Some(sex))
}

/// Step 4: "An age range `A..B` runs from the A-th birthday up to, not
/// including, the (B+1)-th (…); an open end is unbounded." The model holds
/// it in days as `[min, max)`.
fn age_within(ages: model::AgeInterval, days: u32) -> bool {
    ages.min_days <= days && ages.max_days.is_none_or(|max| days < max)
}

/// Step 4: "accept (…) the age (compared in days (…))". "A service without
/// `ages` (…) accepts everyone."
fn accepts_age(service: &model::Service, case: &Case) -> bool {
    age_within(service.ages, case.age_days)
}

/// Step 4: "accept the sex"; "a case without `--sex` matches (…) no service
/// restricted by `sexes`. A service without (…) `sexes` accepts everyone."
fn accepts_sex(service: &model::Service, case: &Case) -> bool {
    match &service.sexes {
        None => true,
        Some(sexes) => case.sex.is_some_and(|sex| sexes.contains(&sex)),
    }
}

/// Step 4: "whose catchment covers the postcode (matched unit by unit: area
/// `S` does not cover `SO16`)".
fn covers(service: &model::Service, postcode: &Postcode) -> bool {
    service.catchment.iter().any(|unit| {
        unit.text == postcode.area || unit.text == postcode.district || unit.text == postcode.sector
    })
}

/// Step 4: "inside their validity window" ("`valid` (…) inclusive of both
/// dates"), on the local date of the case.
fn valid_on(service: &model::Service, date: civil::Date) -> bool {
    within(service.valid, date)
}

/// Whether a date lies in an inclusive window ("`valid`, `suspend … from …
/// until …` and `closed A..B` are inclusive of both dates"; an open end is
/// unbounded).
fn within(window: model::DateWindow, date: civil::Date) -> bool {
    let day = model_date(date);
    window.from.is_none_or(|from| from <= day) && window.until.is_none_or(|until| day <= until)
}

/// A civil date as the model writes dates.
fn model_date(date: civil::Date) -> model::Date {
    model::Date {
        year: i32::from(date.year()),
        month: date.month().unsigned_abs(),
        day: date.day().unsigned_abs(),
    }
}

/// Step 4: "the window's length L is: T = 0 or unknown → 60; 0 < T ≤ 30 →
/// 30; 31–60 → T; T > 60 → T − 60."
pub fn window_length(timeframe: Option<u32>) -> i64 {
    match timeframe {
        None | Some(0) => 60,
        Some(1..=30) => 30,
        Some(minutes @ 31..=60) => i64::from(minutes),
        Some(minutes) => i64::from(minutes) - 60,
    }
}

/// Step 4: "open at some instant of [t + min(30, L), t + L]"; "t + L is
/// absolute time".
fn search_window(at: Timestamp, timeframe: Option<u32>) -> (Timestamp, Timestamp) {
    let length = window_length(timeframe);
    let from = at + SignedDuration::from_mins(length.min(30));
    let to = at + SignedDuration::from_mins(length);
    (from, to)
}

/// Step 5: "A status may carry an expiry: at or after that instant
/// (compared with the case's time) it reads `green`." A service without a
/// status is green.
fn capacity_at(case: &Case, id: &str) -> Rag {
    match case.capacity.get(id) {
        None => Rag::Green,
        Some(capacity) => match capacity.until {
            Some(until) if case.at >= until => Rag::Green,
            _ => capacity.status,
        },
    }
}

/// Step 6: "By type rank, then the service's declared rank (a service
/// without one after those with one), then distance from the case's
/// position (see Geography; services without a position after those
/// with), then id — every answer is deterministic." Within one type: the
/// caller keeps types in rank order.
fn order(services: &mut [&model::Service], position: Located) {
    let distance = |s: &model::Service| {
        let (lat, lon, _) = position?;
        Some(great_circle_km([lat, lon], service_position(s)?))
    };
    services.sort_by(|a, b| {
        by_rank(a.rank, b.rank)
            .then_with(|| by_distance(distance(a), distance(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Declared ranks, lower first; a service without one after those with one.
fn by_rank(a: Option<u32>, b: Option<u32>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Distances, nearer first; a service without a position after those with.
fn by_distance(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The great-circle distance in kilometres, by the haversine formula on a
/// sphere of radius 6371.0088 km, in its textbook order of operations.
fn great_circle_km(from: [f64; 2], to: (f64, f64)) -> f64 {
    let [lat1, lon1] = from.map(f64::to_radians);
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let haversine = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * haversine.sqrt().asin()
}

// ------------------------------------------------------------ geography

/// A position: latitude, longitude, and where it comes from.
pub type Located = Option<(f64, f64, &'static str)>;

/// Every unit of `fixtures/geo/units.tsv`, with its centroid if it has one.
pub struct Geography {
    /// `SO`, `SO16`, `SO16 7` → centroid.
    pub units: BTreeMap<String, Option<(f64, f64)>>,
}

impl Geography {
    /// The districts of an area (`SO` → `SO14`, `SO15`, …; any order).
    pub fn districts_of(&self, area: &str) -> Vec<&str> {
        self.units
            .keys()
            .filter(|unit| {
                unit.strip_prefix(area).is_some_and(|rest| {
                    rest.starts_with(|c: char| c.is_ascii_digit()) && !rest.contains(' ')
                })
            })
            .map(String::as_str)
            .collect()
    }

    fn centroid(&self, unit: &str) -> Option<(f64, f64)> {
        *self.units.get(unit)?
    }
}

/// The geography, read from its data file once: `unit<TAB>lat<TAB>lon<TAB>n`
/// lines, `#` comments, empty coordinates for a unit without a centroid.
pub fn geography() -> &'static Geography {
    static GEOGRAPHY: OnceLock<Geography> = OnceLock::new();
    GEOGRAPHY.get_or_init(|| {
        let text = include_str!("../../fixtures/geo/units.tsv");
        let units = text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(|line| {
                let mut fields = line.split('\t');
                let mut field = || fields.next().expect("a line of four fields");
                let (unit, lat, lon) = (field(), field(), field());
                let centroid = match (lat, lon) {
                    ("", "") => None,
                    (lat, lon) => Some((
                        lat.parse().expect("a latitude"),
                        lon.parse().expect("a longitude"),
                    )),
                };
                (unit.to_owned(), centroid)
            })
            .collect();
        Geography { units }
    })
}

/// "a case's is its `location` if given, else the centroid of the most
/// specific unit of its postcode that has one (sector, then district, then
/// area)".
fn case_position(case: &Case, postcode: &Postcode) -> Located {
    if let Some([lat, lon]) = case.location {
        return Some((lat, lon, "location"));
    }
    let geography = geography();
    [
        (&postcode.sector, "sector"),
        (&postcode.district, "district"),
        (&postcode.area, "area"),
    ]
    .into_iter()
    .find_map(|(unit, source)| {
        geography
            .centroid(unit)
            .map(|(lat, lon)| (lat, lon, source))
    })
}

/// "a service's is its `location`, else the centroid of its `postcode`'s
/// sector (or district), else it has none."
fn service_position(service: &model::Service) -> Option<(f64, f64)> {
    if let Some(location) = service.location {
        return Some(location);
    }
    let postcode = parse_postcode(service.postcode.as_deref()?)?;
    let geography = geography();
    geography
        .centroid(&postcode.sector)
        .or_else(|| geography.centroid(&postcode.district))
}
