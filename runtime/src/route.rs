//! Routing: a [`Case`] to a [`Decision`] with its trace, following DESIGN.md
//! "Routing semantics" step by step (the step numbers below are its).
//!
//! Cost per case (the lookups are prepared by `index.rs` when the router is
//! made): the postcode read on the stack, one hash lookup per unit of it
//! (which tells whether the geography knows it, its centroid, and the
//! overlay and catchments naming it) and one for the code; the rules naming
//! the searched code (never all rules); and, per routed type, the services
//! of that type whose catchment names one of those units (never all
//! services), most often one list lent as it is, filtered and ordered in
//! lists on the stack. Opening hours are checked only for candidates that
//! passed the cheaper filters, over the dates the search window touches,
//! worked out once per search from the index's clock (midnights, the shape
//! of a changeover day, bank holidays) when the first candidate needs them.
//! The [`Decision`] borrows its strings from the router: [`Router::route`]
//! allocates the normalised postcode, the answer's list and, for a
//! catch-all or an empty answer, its reason; [`Router::route_into`] reuses
//! those of the decision it is given.
//!
//! The answer's types (the decision, its services and trace, the errors)
//! are in `decision.rs`.
//!
//! Imports: `crate::{table, store, case, decision, geo, hours, index, postcode, small, space}`, jiff.

use std::borrow::Cow;
use std::sync::OnceLock;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::case::{Case, Rag};
pub use crate::decision::{Answer, CaseError, Decision, SetupError, Step};
use crate::geo::{self, Position};
use crate::hours;
use crate::index::{CaseUnits, Index, LayerEntry, LayerIndex, Placed};
use crate::postcode::Compact;
use crate::small::Small;
use crate::space::{self, Answering, CaseSex, Packed};
use crate::store::{self, Store};
use crate::table::{Layer, LoadError, Rule, Service, ServiceType, Suspension, Table};
use crate::Sex;

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
    store: Store<'static>,
    tz: TimeZone,
    // INVARIANT: built from `store` when the router is made; its lazily
    // filled parts are decoded from `store` too.
    index: Index,
    /// The whole table, decoded the first time [`Router::table`] asks for
    /// it.
    table: OnceLock<Table>,
}

/// A rule found by step 3: its index in [`Table::rules`], and the rule.
type Found<'t> = (u32, &'t Rule);

/// Services kept by the filters, being ordered: a handful per case.
type Kept<'r> = Small<Option<&'r Placed>, 16>;

/// What one search (steps 3–6 for one code) found.
enum Outcome<'t> {
    NoSearch(&'t str),
    /// The rule, its services pushed onto the decision's.
    Found(Found<'t>),
    Empty(Option<Found<'t>>),
}

/// Where a case is: the layer in force, its lookups, the ids of the
/// postcode's units, the local date, and the case's position with its point
/// on the unit sphere.
#[derive(Clone, Copy)]
struct Place<'t> {
    entry: &'t LayerEntry,
    layer: &'t Layer,
    index: &'t LayerIndex,
    unit_keys: [Option<u32>; 3],
    date: jiff::civil::Date,
    position: Option<(Position, [f64; 3])>,
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

/// The search window's first and last instants, in minutes after the
/// case's time: `min(30, L)` and `L`.
fn window_offsets(timeframe: Option<u32>) -> (i64, i64) {
    let length = window_minutes(timeframe);
    // A planted bug, compiled only with the test-only flag
    // `--cfg dxmap_mutation_window_off_by_one` (docs/book/src/development.md, "Reliability"): the
    // window ends one minute early. The differential test must catch it.
    #[cfg(dxmap_mutation_window_off_by_one)]
    let length_to = length - 1;
    #[cfg(not(dxmap_mutation_window_off_by_one))]
    let length_to = length;
    (length.min(30), length_to)
}

/// The search window `[t + min(30, L), t + L]`.
pub fn search_window(at: Timestamp, timeframe: Option<u32>) -> (Timestamp, Timestamp) {
    let (from, to) = window_offsets(timeframe);
    let after = |minutes: i64| {
        at.checked_add(SignedDuration::from_mins(minutes))
            .unwrap_or(at)
    };
    (after(from), after(to))
}

fn suspended(windows: Option<&Vec<Suspension>>, date: jiff::civil::Date) -> Option<&Suspension> {
    windows?
        .iter()
        .find(|s| s.from <= date && s.until.is_none_or(|until| date <= until))
}

fn sex_name(sex: Option<Sex>) -> &'static str {
    sex.map_or("not given", Sex::as_str)
}

/// Whether a dense per-disposition flag is set.
fn flag(flags: &[bool], idx: u32) -> bool {
    usize::try_from(idx)
        .ok()
        .and_then(|idx| flags.get(idx))
        .copied()
        .unwrap_or(false)
}

/// A service's place in step 6's order: declared rank (unranked last),
/// distance from the case's position (services without a position last),
/// id. The distance is the squared chord between points of the unit sphere,
/// which orders as kilometres do.
#[derive(Debug, Clone, Copy, Default)]
struct OrderKey<'t> {
    unranked: bool,
    rank: Option<u32>,
    distance: Option<f64>,
    id: &'t str,
    placed: Option<&'t Placed>,
}

impl Router {
    /// A router over `table`, with Europe/London from the bundled tz database.
    pub fn new(table: Table) -> Result<Router, SetupError> {
        let store = Store::open(Cow::Owned(store::body_of(&table)), 0)
            .map_err(|error| SetupError(error.to_string()))?;
        // The router keeps the table's bytes, not the table: each part is
        // decoded when a case first needs it, as from a file.
        Router::of(store).map_err(|error| SetupError(error.to_string()))
    }

    /// A router over the table artifact `artifact` (as `dxmap build` writes
    /// it), with its format version and content hash checked. Only what
    /// every case needs is decoded now (the release, the dispositions, the
    /// geography, the calendar); each service, rule, layer and opening
    /// hours is decoded and checked the first time a case needs it, so one
    /// case on a national table reads a few dozen of its 20,000 services.
    /// A part that does not decode (a table whose hash matches but whose
    /// writer was not `dxmap build`) fails the case that needs it, and
    /// every case after it ([`CaseError::Table`]); [`Table::from_artifact`]
    /// reads and checks a whole table up front.
    /// The artifact is kept as given (a `Vec<u8>` is not copied).
    pub fn from_artifact(artifact: impl Into<Vec<u8>>) -> Result<Router, LoadError> {
        let artifact = artifact.into();
        let start = store::body_start(&artifact)?;
        Router::of(Store::open(Cow::Owned(artifact), start)?)
    }

    fn of(store: Store<'static>) -> Result<Router, LoadError> {
        let tz = TimeZone::get("Europe/London")
            .map_err(|error| LoadError::TimeZone(error.to_string()))?;
        let index = Index::new(&store, &tz);
        Ok(Router {
            store,
            tz,
            index,
            table: OnceLock::new(),
        })
    }

    /// The whole table routed over, decoded (and checked) the first time it
    /// is asked for.
    pub fn table(&self) -> Result<&Table, LoadError> {
        if let Some(table) = self.table.get() {
            return Ok(table);
        }
        let table = self.store.table()?;
        Ok(self.table.get_or_init(|| table))
    }

    /// Decodes and checks every part of the table now rather than when
    /// cases first need them, with each layer's lookups: what a server does
    /// before it swaps a table in, so that no request pays for decoding and
    /// a bad table is refused whole. The checks are those of
    /// [`Table::from_artifact`].
    pub fn decode_all(&self) -> Result<(), LoadError> {
        self.index.decode_all(&self.store)
    }

    /// The Pathways release the table was checked against.
    pub fn release(&self) -> &str {
        &self.store.head.release
    }

    /// The table's service types.
    pub fn service_types(&self) -> &[ServiceType] {
        &self.store.head.service_types
    }

    /// Whether the table has a service with id `id`.
    pub fn has_service(&self, id: &str) -> bool {
        self.index.service_id(&self.store, id).is_some()
    }

    /// Answers a case, without an explanation (`trace` is empty): the path
    /// an integrator calls per case.
    pub fn route(&self, case: &Case) -> Result<Decision<'_>, CaseError> {
        let mut decision = Decision::default();
        self.decide(case, false, &mut decision)?;
        Ok(decision)
    }

    /// Answers a case into `decision`, as [`Router::route`] does, reusing
    /// the lists and strings the decision already has: routing case after
    /// case into one decision allocates nothing for most answers. On an
    /// error, `decision` holds parts of its old answer and of the new one:
    /// read it only after `Ok`.
    pub fn route_into<'r>(
        &'r self,
        case: &Case,
        decision: &mut Decision<'r>,
    ) -> Result<(), CaseError> {
        self.decide(case, false, decision)
    }

    /// Answers a case and explains it step by step (`trace`).
    pub fn explain(&self, case: &Case) -> Result<Decision<'_>, CaseError> {
        let mut decision = Decision::default();
        self.decide(case, true, &mut decision)?;
        Ok(decision)
    }

    fn decide<'r>(
        &'r self,
        case: &Case,
        explain: bool,
        decision: &mut Decision<'r>,
    ) -> Result<(), CaseError> {
        let mut steps = std::mem::take(&mut decision.trace);
        steps.clear();
        let mut trace = Trace { on: explain, steps };
        let result = self.decide_traced(case, &mut trace, decision);
        decision.trace = trace.steps;
        match self.index.broken.get() {
            Some(error) => Err(CaseError::Table(error.clone())),
            None => result,
        }
    }

    /// The search window of a case at `at` for a timeframe (step 4), with
    /// its dates from the clock: integer arithmetic within the clock's
    /// years, the time zone beyond them.
    fn window(&self, at: Timestamp, timeframe: Option<u32>) -> hours::Window {
        let (from, to) = window_offsets(timeframe);
        let at_nanos = at.as_nanosecond();
        let minute = i128::from(60_000_000_000_i64);
        hours::Window::in_clock(
            &self.index.clock,
            at_nanos + i128::from(from) * minute,
            at_nanos + i128::from(to) * minute,
            self.index.late_sessions,
        )
        .unwrap_or_else(|| {
            let (from, to) = search_window(at, timeframe);
            hours::Window::new(&self.tz, &self.index.clock, from, to)
        })
    }

    /// Where a rule is written, `file:line`.
    fn rule_source(&self, rule_idx: u32) -> Option<&str> {
        self.index
            .rule(&self.store, rule_idx)
            .map(|entry| entry.source.as_str())
    }

    #[expect(
        clippy::too_many_lines,
        reason = "steps 1, 2 and 7 in order, each writing its trace; splitting it would hide the order"
    )]
    fn decide_traced<'r>(
        &'r self,
        case: &Case,
        trace: &mut Trace,
        decision: &mut Decision<'r>,
    ) -> Result<(), CaseError> {
        let head = &self.store.head;
        let postcode = Compact::parse(&case.postcode)
            .ok_or_else(|| CaseError::BadPostcode(case.postcode.clone()))?;
        // One lookup per unit: known to the geography, its centroid, and
        // the overlay and catchments naming it.
        let CaseUnits { units, keys } = self.index.units(&postcode);
        let [_, district, _] = units;
        if !district.is_some_and(|unit| unit.known) {
            return Err(CaseError::UnknownDistrict {
                postcode: case.postcode.clone(),
                district: postcode.district().to_owned(),
            });
        }
        // The case's position, by the one rule of positions, from the
        // centroids the unit lookups already hold.
        let position = geo::case_placed(
            case.location,
            |source| geo::of_units(units, source)??.centroid,
            geo::unit_vector,
        );
        let Some((dx, dx_idx)) = self.index.dispositions.get_key_value(case.dx.as_str()) else {
            return Err(CaseError::UnknownDisposition {
                code: case.dx.clone(),
                release: head.release.clone(),
            });
        };
        if !case.capacity.is_empty() {
            let unknown: Vec<String> = case
                .capacity
                .keys()
                .filter(|id| self.index.service_id(&self.store, id).is_none())
                .cloned()
                .collect();
            if !unknown.is_empty() {
                return Err(CaseError::UnknownCapacityServices(unknown));
            }
        }

        // Step 1: the most specific overlay claiming a unit of the postcode.
        let (layer_idx, unit) =
            Index::area(units).map_or((0, None), |(layer, position)| (layer, Some(position)));
        let Some(entry) = self
            .index
            .layer(&self.store, usize::try_from(layer_idx).unwrap_or(0))
            .or_else(|| self.index.layer(&self.store, 0))
        else {
            return Err(CaseError::Table(
                self.index
                    .broken
                    .get()
                    .cloned()
                    .unwrap_or_else(|| LoadError::Body("the table has no layers".to_owned())),
            ));
        };
        let (layer, layer_index) = (&entry.layer, &entry.index);
        trace.push(|| Step::Overlay {
            overlay: layer.name.clone(),
            unit: unit
                .and_then(|unit| postcode.units_text().get(unit).copied())
                .map(str::to_owned),
            postcode: postcode.as_str().to_owned(),
        });
        let position_only = position.map(|(position, _)| position);
        trace.push(|| Step::Position {
            position: position_only,
        });
        // The reason's buffer, from the decision before (step 7).
        let spare = decision.reason.take();
        decision.dx = dx;
        decision.searched_dx = dx;
        decision.channel = case.channel;
        decision.postcode.clear();
        decision.postcode.push_str(postcode.as_str());
        decision.position = position_only;
        decision.overlay = &layer.name;
        decision.rule = None;
        decision.rule_source = None;
        decision.no_search = None;
        decision.catch_all = false;
        decision.services.clear();
        let date = self.index.clock.local_date(&self.tz, case.at);

        // Step 2: a remap first, keeping the original code for a re-query.
        let remap = if flag(&layer_index.remapped, *dx_idx) {
            layer.remaps.get(dx)
        } else {
            None
        };
        if let Some(remap) = remap {
            trace.push(|| Step::Remap {
                from: case.dx.clone(),
                to: remap.to.clone(),
                reason: remap.reason.clone(),
            });
        }
        let place = Place {
            entry,
            layer,
            index: layer_index,
            unit_keys: keys,
            date,
            position,
        };
        // The codes searched, with their indexes (the case's is known).
        let codes: [Option<(&str, Option<u32>)>; 2] = [
            remap.map(|r| {
                let to = r.to.as_str();
                (to, self.index.dispositions.get(to).copied())
            }),
            Some((dx.as_str(), Some(*dx_idx))),
        ];
        let mut matched_rule: Option<Found<'_>> = None;
        for (attempt, (code, code_idx)) in codes.into_iter().flatten().enumerate() {
            if attempt > 0 {
                trace.push(|| Step::Requery {
                    code: code.to_owned(),
                });
            }
            match self.search(
                &place,
                (code, code_idx),
                case,
                trace,
                &mut decision.services,
            ) {
                Outcome::NoSearch(reason) => {
                    decision.searched_dx = code;
                    decision.no_search = Some(reason);
                    return Ok(());
                }
                Outcome::Found((rule_idx, rule)) => {
                    decision.searched_dx = code;
                    decision.rule = Some(&rule.name);
                    decision.rule_source = self.rule_source(rule_idx);
                    return Ok(());
                }
                Outcome::Empty(rule) => {
                    decision.searched_dx = code;
                    if rule.is_some() {
                        matched_rule = rule;
                    }
                }
            }
        }
        if let Some((rule_idx, rule)) = matched_rule {
            decision.rule = Some(&rule.name);
            decision.rule_source = self.rule_source(rule_idx);
        }

        // Step 7: nothing survived; the catch-all in force. The reason is
        // written piece by piece: a quarter of cases end here.
        let mut why = spare.unwrap_or_default();
        why.clear();
        why.reserve(160);
        match decision.rule {
            Some(rule) => {
                for piece in ["no service of rule `", rule, "` is available for this case"] {
                    why.push_str(piece);
                }
            }
            None => {
                for piece in [
                    "no rule of `",
                    &layer.name,
                    "` matches `",
                    decision.searched_dx,
                    "` on ",
                    case.channel.as_str(),
                    " for this age and sex",
                ] {
                    why.push_str(piece);
                }
            }
        }
        let Some(catch_all) = layer.catch_all else {
            let mut reason = why;
            for piece in [", and `", &layer.name, "` has no catch-all"] {
                reason.push_str(piece);
            }
            trace.push(|| Step::NoService {
                reason: reason.clone(),
            });
            decision.reason = Some(reason);
            return Ok(());
        };
        let type_name = head
            .service_types
            .get(usize::try_from(catch_all).unwrap_or(usize::MAX))
            .map_or("", |t| t.name.as_str());
        let type_suspended = suspended(layer.suspended_types.get(&catch_all), date).is_some();
        // `within D`: only services whose position lies within D of the
        // case's (neither position unknown).
        let within = |placed: &Placed| {
            layer.catch_all_within_m.is_none_or(|metres| {
                position
                    .zip(placed.position)
                    .is_some_and(|(from, (to, _))| {
                        geo::distance_km(from.0.degrees(), to.degrees()) * 1000.0
                            <= f64::from(metres)
                    })
            })
        };
        let mut found: Kept<'_> = Kept::default();
        for &service_idx in self.candidates(layer_index, catch_all, keys).iter() {
            let Some(placed) = self.placed(service_idx) else {
                continue;
            };
            let service = &placed.service;
            let valid = service.valid_from.is_none_or(|from| from <= date)
                && service.valid_until.is_none_or(|until| date <= until);
            if valid
                && Self::service_suspension(&place, service).is_none()
                && !type_suspended
                && within(placed)
            {
                found.push(Some(placed));
            }
        }
        let found = found.as_mut_slice();
        Self::order(found, place.position);
        let found = found.get(..2).unwrap_or(found);
        if found.is_empty() {
            let mut reason = why;
            for piece in [
                ", and no `",
                type_name,
                "` catch-all service covers ",
                &decision.postcode,
            ] {
                reason.push_str(piece);
            }
            trace.push(|| Step::NoService {
                reason: reason.clone(),
            });
            decision.reason = Some(reason);
            return Ok(());
        }
        let mut reason = why;
        for piece in [": catch-all `", type_name, "`, capacity and hours ignored"] {
            reason.push_str(piece);
        }
        trace.push(|| Step::CatchAll {
            service_type: type_name.to_owned(),
            reason: reason.clone(),
        });
        decision.reason = Some(reason);
        decision.catch_all = true;
        for placed in found.iter().flatten() {
            if let Some(answer) = self.answer(placed, case, place.position, true) {
                decision.services.push(answer);
            }
        }
        Ok(())
    }

    /// The services of `service_type` in force in the layer whose catchment
    /// names a unit of the postcode, deduplicated, in index order. Most
    /// often one list of the index has them all, and is lent as it is.
    fn candidates(
        &self,
        layer: &LayerIndex,
        service_type: u32,
        unit_keys: [Option<u32>; 3],
    ) -> Cow<'_, [u32]> {
        let mut single: &[u32] = &[];
        let mut merged: Option<Vec<u32>> = None;
        // The layer's own services and those of the layers it extends.
        for declared_in in &layer.chain {
            let Some(declared) = self.index.layer(&self.store, *declared_in) else {
                continue;
            };
            for key in unit_keys.iter().flatten() {
                let services = Index::declared(&declared.index, service_type, *key);
                if services.is_empty() {
                    continue;
                }
                if let Some(merged) = &mut merged {
                    merged.extend_from_slice(services);
                } else if single.is_empty() {
                    single = services;
                } else {
                    merged = Some([single, services].concat());
                }
            }
        }
        match merged {
            Some(mut found) => {
                found.sort_unstable();
                found.dedup();
                Cow::Owned(found)
            }
            None => Cow::Borrowed(single),
        }
    }

    fn placed(&self, idx: u32) -> Option<&Placed> {
        self.index.service(&self.store, idx)
    }

    /// The suspension of a service in the layer in force on the case's date.
    fn service_suspension<'t>(place: &Place<'t>, service: &Service) -> Option<&'t Suspension> {
        let by_id = &place.layer.suspended_services;
        if by_id.is_empty() {
            return None;
        }
        suspended(by_id.get(&service.id), place.date)
    }

    /// Step 6 within one type: declared rank (unranked last), distance from
    /// the case's position (services without a position last), id.
    fn order(services: &mut [Option<&Placed>], position: Option<(Position, [f64; 3])>) {
        if services.len() < 2 {
            return;
        }
        // Each service's key once: distances are not worked out again at
        // every comparison.
        let mut keys: Small<OrderKey<'_>, 8> = Small::default();
        for placed in services.iter() {
            keys.push(match placed {
                Some(Placed {
                    service: s,
                    position: at,
                }) => OrderKey {
                    unranked: s.rank.is_none(),
                    rank: s.rank,
                    distance: position
                        .zip(*at)
                        .map(|((_, a), (_, b))| geo::chord_squared(a, b)),
                    id: &s.id,
                    placed: *placed,
                },
                None => OrderKey::default(),
            });
        }
        let keys = keys.as_mut_slice();
        // Ids are unique, so the order is total and an unstable sort (which
        // never allocates) gives the one answer.
        keys.sort_unstable_by(|a, b| {
            (a.unranked, a.rank)
                .cmp(&(b.unranked, b.rank))
                .then_with(|| match (a.distance, b.distance) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
                .then_with(|| a.id.cmp(b.id))
        });
        for (slot, key) in services.iter_mut().zip(keys.iter()) {
            *slot = key.placed;
        }
    }

    fn answer<'r>(
        &'r self,
        placed: &'r Placed,
        case: &Case,
        position: Option<(Position, [f64; 3])>,
        catch_all: bool,
    ) -> Option<Answer<'r>> {
        let Placed {
            service,
            position: at,
        } = placed;
        let service_type = self
            .store
            .head
            .service_types
            .get(usize::try_from(service.service_type).ok()?)?;
        let capacity = case
            .capacity
            .get(&service.id)
            .map_or(Rag::Green, |c| c.at(case.at));
        Some(Answer {
            id: &service.id,
            name: &service.name,
            service_type: &service_type.name,
            capacity,
            catch_all,
            // From the unit vectors both ends already have: the same
            // great-circle distance as `geo::distance_km`, without its
            // trigonometry.
            distance_km: position.zip(*at).map(|((_, from), (_, to))| {
                (geo::chord_distance_km(geo::chord_squared(from, to)) * 100.0).round() / 100.0
            }),
        })
    }

    /// Every rule of the layer in force that matches the case's code,
    /// channel, age and sex, highest priority first: what step 3 chooses
    /// from. Tools use it to show why a case is ambiguous or uncovered.
    pub fn matching_rules(&self, case: &Case) -> Result<Vec<&Rule>, CaseError> {
        let postcode = Compact::parse(&case.postcode)
            .ok_or_else(|| CaseError::BadPostcode(case.postcode.clone()))?;
        let layer_idx =
            Index::area(self.index.units(&postcode).units).map_or(0, |(layer, _)| layer);
        let Some(entry) = self
            .index
            .layer(&self.store, usize::try_from(layer_idx).unwrap_or(0))
        else {
            return Ok(Vec::new());
        };
        Ok(entry
            .layer
            .rules_by_dx
            .get(&case.dx)
            .into_iter()
            .flatten()
            .filter_map(|idx| Some(&self.index.rule(&self.store, *idx)?.rule))
            .filter(|rule| rule.when.matches(case))
            .collect())
    }

    /// The `no_search` reason of a code in the layer in force.
    fn no_search_of<'t>(place: &Place<'t>, code: &str, dx_idx: Option<u32>) -> Option<&'t str> {
        if dx_idx.is_some_and(|idx| !flag(&place.index.no_search, idx)) {
            return None;
        }
        place.layer.no_search.get(code).map(String::as_str)
    }

    /// Steps 2 (`same_as`, `no_search`) to 6 for one code.
    #[expect(
        clippy::too_many_lines,
        reason = "one routing step after another, each writing its trace; splitting it would hide the order"
    )]
    fn search<'t>(
        &'t self,
        place: &Place<'t>,
        (code, dx_idx): (&'t str, Option<u32>),
        case: &Case,
        trace: &mut Trace,
        answers: &mut Vec<Answer<'t>>,
    ) -> Outcome<'t> {
        let Place {
            entry,
            layer,
            index: layer_index,
            unit_keys,
            date,
            position,
        } = *place;
        let head = &self.store.head;
        let disposition = dx_idx.and_then(|idx| head.dispositions.get(usize::try_from(idx).ok()?));
        // A `same_as` code searches with its own timeframe if the catalogue
        // gives one, else its target's — whether or not a rule names it.
        let same_as_target = disposition
            .and_then(|d| d.same_as)
            .and_then(|t| Some((t, head.dispositions.get(usize::try_from(t).ok()?)?)));
        let timeframe = disposition
            .and_then(|d| d.timeframe_minutes)
            .or_else(|| same_as_target.and_then(|(_, t)| t.timeframe_minutes));
        // Step 2: which code answers (`no_search`, `same_as`), on the
        // indexes; the meaning is the case space's.
        let answering = space::answering(
            (dx_idx, code),
            same_as_target.map(|(idx, target)| (Some(idx), target.code.as_str())),
            |(idx, code)| Self::no_search_of(place, code, idx),
            |(idx, _)| {
                idx.and_then(|i| layer_index.named.get(usize::try_from(i).ok()?))
                    .copied()
                    .unwrap_or(false)
            },
        );
        let (effective_idx, effective) = answering.code();
        if answering.via_same_as() {
            trace.push(|| Step::SameAs {
                from: code.to_owned(),
                to: effective.to_owned(),
            });
        }
        if let Answering::NoSearch { reason, .. } = answering {
            trace.push(|| Step::NoSearch {
                code: effective.to_owned(),
                reason: reason.to_owned(),
            });
            return Outcome::NoSearch(reason);
        }
        // Step 3 reads only the rules on the case's channel.
        let effective_rules = effective_idx.map_or(&[][..], |idx| {
            self.index.rules_on(&self.store, entry, idx, case.channel)
        });
        // Worked out when a candidate first needs its hours.
        let mut window: Option<hours::Window> = None;
        trace.push(|| {
            let (window_from, window_to) = search_window(case.at, timeframe);
            let show = |t: Timestamp| {
                t.to_zoned(self.tz.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string()
            };
            Step::Search {
                code: effective.to_owned(),
                timeframe_minutes: timeframe,
                window_from: show(window_from),
                window_to: show(window_to),
            }
        });

        // Step 3: the highest-priority rule naming the code that matches.
        // The scan reads each rule's packed conditions, in one vector.
        let (channel, sex) = (
            Packed::channel_bit(case.channel),
            Packed::sex_bit(CaseSex::from(case.sex)),
        );
        let rule = effective_rules
            .iter()
            .find(|(_, packed)| packed.admits(channel, sex, case.age_days))
            .and_then(|(idx, _)| Some((*idx, &self.index.rule(&self.store, *idx)?.rule)));
        let Some((rule_idx, rule)) = rule else {
            trace.push(|| Step::NoRule {
                code: effective.to_owned(),
            });
            return Outcome::Empty(None);
        };
        trace.push(|| Step::Rule {
            name: rule.name.clone(),
            source: self.rule_source(rule_idx).unwrap_or_default().to_owned(),
            layer: rule.layer.clone(),
        });

        // Steps 4–6, type by type in rank order.
        let answered = answers.len();
        for type_idx in &rule.route {
            let Some(service_type) = head
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
            let candidates = self.candidates(layer_index, *type_idx, unit_keys);
            let mut kept: Kept<'_> = Kept::default();
            for &service_idx in candidates.iter() {
                let Some(placed) = self.placed(service_idx) else {
                    continue;
                };
                let service = &placed.service;
                let valid = service.valid_from.is_none_or(|from| from <= date)
                    && service.valid_until.is_none_or(|until| date <= until);
                let service_suspension = Self::service_suspension(place, service);
                let sex_ok = CaseSex::from(case.sex).admitted_by(service.sexes.as_ref());
                let age_ok = service.ages.contains(case.age_days);
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
                    && self
                        .index
                        .hours(&self.store, service.hours)
                        .is_some_and(|hours| {
                            window
                                .get_or_insert_with(|| self.window(case.at, timeframe))
                                .open(hours, &self.tz)
                        });
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
                    kept.push(Some(placed));
                }
            }
            // Step 6: order within the type and cap.
            let kept = kept.as_mut_slice();
            Self::order(kept, position);
            let cap = usize::try_from(service_type.returns).unwrap_or(usize::MAX);
            for dropped in kept.iter().skip(cap).flatten() {
                trace.push(|| Step::Capped {
                    id: dropped.service.id.clone(),
                    returns: service_type.returns,
                });
            }
            let kept = kept.get(..cap).unwrap_or(kept);
            for placed in kept.iter().flatten() {
                if let Some(answer) = self.answer(placed, case, position, false) {
                    answers.push(answer);
                }
            }
        }
        if answers.len() == answered {
            Outcome::Empty(Some((rule_idx, rule)))
        } else {
            Outcome::Found((rule_idx, rule))
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
}
