//! Reach and hours in an overlay's area (DX0516, DX0517, DX0518).
//!
//! For each overlay (the baseline is not analysed), each unit of its area
//! (an area expanded to its districts that have a centroid, sectors and
//! districts as written, minus units a more specific overlay claims) and
//! each case a rule of the layer actually wins (its code, channel, sex and
//! ages: a sweep from the highest priority down, as for rules that never
//! fire), some service of a type the rule routes (the catch-all does not
//! count) must cover the unit (a catchment unit equal to or containing it),
//! serve the case's channel, sex and ages, have an open-ended validity and
//! some opening hours. Otherwise: an error when the code's timeframe is at
//! most 60 minutes, a warning when it is longer or unknown; one finding per
//! (layer, rule). For the same cases with a timeframe of at most 60
//! minutes, the weekly hours of the services counted, together, must cover
//! the whole week (DX0518), for each band of ages the same services serve
//! (ages no service serves are a reach finding, and do not hide the
//! others); dated entries, bank holidays and bounded validity are not
//! considered.
//!
//! What judging needs is prepared once for the tree (`Reach`); the
//! overlays are then judged independently (on two threads, by
//! `reach_found`), and their findings kept small until they are shown.
//!
//! Imports: `super::{common, reach, reach_offers, won}`, `crate::check::model`,
//! `crate::catalogue`, `crate::geo`, `dxmap_runtime::space`.

use std::collections::{BTreeMap, BTreeSet};

use dxmap_runtime::space::{Ages, CaseSex};
use dxmap_runtime::FastMap;

use super::common::Witness;
use super::reach::{containing_units, Claims};
use super::reach_offers::{Judged, Judgements, Offer, Offers};
pub use super::won::Won;
use super::won::{by_rule, won_cases, won_cases_from, CodeWon, WonCache};
use crate::catalogue::DispositionId;
use crate::check::model;
use crate::geo::{Geography, Level};

/// Timeframes at most this long make an unreachable case an error.
const URGENT_MINUTES: u32 = 60;

/// The units of an overlay's area that reach is judged on: an area's
/// districts that have a centroid, districts and sectors as written, each
/// once, without those a more specific overlay claims.
pub(super) fn area_units(
    geography: &Geography,
    claims: &Claims<'_>,
    layer_id: model::LayerId,
    layer: &model::Layer,
) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for unit in &layer.area {
        let expanded: Vec<String> = if level(&unit.text) == Level::Area {
            geography
                .districts_of(&unit.text)
                .into_iter()
                .filter(|d| geography.centroid(d).is_some())
                .map(str::to_owned)
                .collect()
        } else {
            vec![unit.text.clone()]
        };
        for name in expanded {
            if claims.owner(&name) == layer_id && seen.insert(name.clone()) {
                units.push(name);
            }
        }
    }
    units
}

fn level(name: &str) -> Level {
    if name.contains(' ') {
        Level::Sector
    } else if name.bytes().any(|b| b.is_ascii_digit()) {
        Level::District
    } else {
        Level::Area
    }
}

/// Whether a service has some opening hours in a week.
fn has_hours(hours: &model::Hours) -> bool {
    hours.all_hours || hours.weekly.iter().any(|day| !day.is_empty())
}

/// The services reach counts (open-ended validity, some hours), by
/// catchment unit: built once for the whole tree.
fn counted_by_unit(model: &model::Model) -> BTreeMap<&str, Vec<(usize, &model::Service)>> {
    let mut by_unit: BTreeMap<&str, Vec<(usize, &model::Service)>> = BTreeMap::new();
    for (idx, service) in model.services.iter().enumerate() {
        if service.valid.until.is_some() || !has_hours(&service.hours) {
            continue;
        }
        for unit in &service.catchment {
            by_unit
                .entry(unit.text.as_str())
                .or_default()
                .push((idx, service));
        }
    }
    by_unit
}

/// The part of a case that decides which services serve it.
type Cell = (model::Channel, CaseSex, Ages);

/// The counted services in force in a layer (`in_force`, by service
/// index) whose catchment unit is `unit` or contains it.
fn candidates<'a>(
    by_unit: &BTreeMap<&str, Vec<(usize, &'a model::Service)>>,
    in_force: &[bool],
    unit: &str,
) -> Vec<&'a model::Service> {
    containing_units(unit)
        .filter_map(|u| by_unit.get(u))
        .flatten()
        .filter(|(idx, _)| in_force.get(*idx).copied().unwrap_or(false))
        .map(|(_, service)| *service)
        .collect()
}

/// What one rule of a layer leaves unreached, and where hours leave gaps.
/// Units are indexes into the layer's judged units.
#[derive(Debug, Default)]
struct Finding {
    /// The first unreached case and its unit, urgent ones first.
    witness: Option<(bool, Won, usize, bool)>,
    /// Per unit, whether it is in `unit_order`.
    unreached: Vec<bool>,
    unit_order: Vec<usize>,
    codes: Vec<DispositionId>,
    urgent: bool,
    /// Hours gaps: the first case and unit, every unit, the closed times
    /// at the first unit.
    hours_witness: Option<(Won, usize)>,
    /// Per unit, whether it is in `hours_units`.
    gapped: Vec<bool>,
    hours_units: Vec<usize>,
    closed: BTreeSet<(usize, u16, u16)>,
}

impl Finding {
    fn new(units: usize) -> Finding {
        Finding {
            unreached: vec![false; units],
            gapped: vec![false; units],
            ..Finding::default()
        }
    }

    /// Empty again, for the next rule, keeping what it has allocated.
    fn reset(&mut self) {
        for unit in self.unit_order.drain(..) {
            if let Some(seen) = self.unreached.get_mut(unit) {
                *seen = false;
            }
        }
        for unit in self.hours_units.drain(..) {
            if let Some(seen) = self.gapped.get_mut(unit) {
                *seen = false;
            }
        }
        self.witness = None;
        self.codes.clear();
        self.urgent = false;
        self.hours_witness = None;
        self.closed.clear();
    }
}

/// A reach finding, as data: what the tests route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// The rule.
    pub rule: model::RuleId,
    /// The case that shows it.
    pub witness: Witness,
    /// Its postcode unit.
    pub unit: String,
    /// Every unit concerned (districts and sectors), the witness's first.
    pub units: Vec<String>,
    /// The same for people: an area of the overlay's `area` whose judged
    /// districts are all concerned is named instead of them.
    pub shown_units: Vec<String>,
    /// Every code concerned, the witness's first.
    pub codes: Vec<DispositionId>,
    /// Whether some code concerned has a timeframe of at most 60 minutes.
    pub urgent: bool,
    /// For an hours gap, the closed times of the week; empty for reach.
    pub closed: Vec<(usize, u16, u16)>,
    /// Services of the rule's types cover the witness's unit, but none
    /// serves its ages or sex.
    pub restricted: bool,
}

/// Reach findings (`closed` empty) and hours gaps (`closed` not empty) of
/// every overlay, layer by layer, rule by rule.
pub fn unreached(model: &model::Model) -> Vec<Unreached> {
    let mut out = Vec::new();
    each_unreached(model, |raw| out.push(raw.unreached()));
    out
}

/// A finding as [`each_unreached`] gives it, borrowing what the layer's
/// findings share.
pub(super) struct Raw<'a> {
    pub(super) layer: model::LayerId,
    /// The layer's judged units.
    pub(super) units: &'a [String],
    pub(super) areas: &'a WholeAreas,
    pub(super) rule: model::RuleId,
    /// The case shown.
    pub(super) case: Won,
    /// Its unit.
    pub(super) unit: usize,
    /// Every unit concerned, the witness's first.
    pub(super) order: &'a [usize],
    /// Every code concerned, the witness's first.
    pub(super) codes: &'a [DispositionId],
    pub(super) urgent: bool,
    pub(super) closed: &'a [(usize, u16, u16)],
    pub(super) restricted: bool,
}

/// A witness for a case won in a layer.
pub(super) fn witness(layer: model::LayerId, case: &Won) -> Witness {
    Witness {
        layer,
        dx: case.dx,
        channel: case.channel,
        sex: case.sex,
        age_days: case.ages.min_days,
        ages: case.ages,
    }
}

impl Raw<'_> {
    pub(super) fn unreached(&self) -> Unreached {
        let name = |unit: usize| self.units.get(unit).cloned().unwrap_or_default();
        let names: Vec<String> = self.order.iter().copied().map(name).collect();
        Unreached {
            rule: self.rule,
            witness: witness(self.layer, &self.case),
            unit: name(self.unit),
            shown_units: self.areas.shown(&names),
            units: names,
            codes: self.codes.to_vec(),
            urgent: self.urgent,
            closed: self.closed.to_vec(),
            restricted: self.restricted,
        }
    }
}

/// [`unreached`], one finding at a time: a large tree has millions, and
/// each is kept small as it comes.
pub(super) fn each_unreached(model: &model::Model, mut emit: impl FnMut(Raw<'_>)) {
    let reach = Reach::new(model);
    let mut known = Judgements::default();
    for &layer in reach.layers() {
        reach.judge(layer, &mut known, &mut emit);
    }
}

/// What judging reach in each overlay needs, prepared once for the tree:
/// the layers to judge are then independent of each other, and may be
/// judged in any order (or on several threads) with the same findings.
pub(super) struct Reach<'m> {
    model: &'m model::Model,
    geography: &'static Geography,
    by_unit: BTreeMap<&'m str, Vec<(usize, &'m model::Service)>>,
    /// What the codes of the layers others extend win.
    cache: WonCache,
    /// Per layer, its judged units (none for the baseline and for layers
    /// whose whole area more specific overlays claim).
    units: Vec<Vec<String>>,
    /// Per layer another extends, what its rules win (see [`won_cases`]),
    /// found before any layer is judged.
    held: Vec<Option<Vec<CodeWon>>>,
    /// The layers with judged units, in layer order.
    judged: Vec<usize>,
    /// Per code (by catalogue index), whether its timeframe makes it urgent.
    urgent_code: Vec<bool>,
    /// Per rule, the set of types it routes as a number: rules routing to
    /// the same types, in any order, are served by the same services.
    route_of: Vec<usize>,
    /// Each set's types, as the first rule routing them lists them.
    routes: Vec<&'m [model::ServiceTypeId]>,
}

impl<'m> Reach<'m> {
    /// Everything but the judging: each layer's units, and what the rules
    /// of the layers others extend win (in layer order, a parent before
    /// the layers extending it).
    pub(super) fn new(model: &'m model::Model) -> Reach<'m> {
        let geography = Geography::bundled();
        let claims = Claims::new(model);
        let by_unit = counted_by_unit(model);
        let mut cache = WonCache::new(model);
        let urgent_code: Vec<bool> = model
            .catalogue
            .dispositions()
            .iter()
            .map(|d| d.timeframe_minutes.is_some_and(|t| t <= URGENT_MINUTES))
            .collect();
        // Numbered by the set of types: only which types a rule routes
        // decides which services serve it, so a route re-ranked by an
        // override is judged as the route it re-ranks.
        let mut route_numbers: FastMap<Vec<model::ServiceTypeId>, usize> = FastMap::default();
        let mut routes = Vec::new();
        let route_of: Vec<usize> = model
            .rules
            .iter()
            .map(|rule| {
                let mut types = rule.route.clone();
                types.sort_unstable();
                types.dedup();
                let next = route_numbers.len();
                let number = *route_numbers.entry(types).or_insert(next);
                if number == next {
                    routes.push(rule.route.as_slice());
                }
                number
            })
            .collect();
        let mut units = Vec::with_capacity(model.layers.len());
        let mut held = Vec::with_capacity(model.layers.len());
        let mut judged = Vec::new();
        for (layer_idx, layer) in model.layers.iter().enumerate() {
            let layer_id = model::LayerId::from_index(layer_idx);
            // The baseline is not analysed, but what its rules win serves
            // the overlays that extend it.
            let layer_units = if layer_id == model::NATIONAL {
                Vec::new()
            } else {
                area_units(geography, &claims, layer_id, layer)
            };
            let extended = cache.extended.get(layer_idx).copied().unwrap_or(false);
            held.push(extended.then(|| won_cases(model, layer_idx, layer, &mut cache)));
            if !layer_units.is_empty() {
                judged.push(layer_idx);
            }
            units.push(layer_units);
        }
        Reach {
            model,
            geography,
            by_unit,
            cache,
            units,
            held,
            judged,
            urgent_code,
            route_of,
            routes,
        }
    }

    /// The layers to judge, in layer order.
    pub(super) fn layers(&self) -> &[usize] {
        &self.judged
    }

    /// The findings of one layer, rule by rule; `known` is what this
    /// thread has judged in the layers before.
    pub(super) fn judge(
        &self,
        layer_idx: usize,
        known: &mut Judgements<'m>,
        emit: &mut impl FnMut(Raw<'_>),
    ) {
        let model = self.model;
        let (geography, by_unit) = (self.geography, &self.by_unit);
        let (urgent_code, route_of) = (&self.urgent_code, &self.route_of);
        let (Some(layer), Some(units)) = (model.layers.get(layer_idx), self.units.get(layer_idx))
        else {
            return;
        };
        let layer_id = model::LayerId::from_index(layer_idx);
        let held = match self.held.get(layer_idx) {
            Some(Some(held)) => held.clone(),
            _ => won_cases_from(model, layer_idx, layer, &self.cache).0,
        };
        let areas = WholeAreas::new(geography, layer, units);
        let mut in_force = vec![false; model.services.len()];
        for id in &layer.services {
            if let Some(flag) = in_force.get_mut(id.index()) {
                *flag = true;
            }
        }
        let candidates: Vec<Vec<&model::Service>> = units
            .iter()
            .map(|u| candidates(by_unit, &in_force, u))
            .collect();
        // Per (route, channel, sex, ages, urgency), the units where
        // something is found, in unit order: the code searched does not
        // change what serves a case, and most units find nothing.
        // Looked up only, never iterated: hashing keeps the output's order.
        let mut memo: FastMap<(usize, Cell, bool), usize> = FastMap::default();
        let mut judged: Vec<Judged> = Vec::new();
        type OfferKey = (usize, model::Channel, CaseSex);
        let mut offers: FastMap<OfferKey, Offers> = FastMap::default();
        let parts = by_rule(&held);
        // Reused from rule to rule: most rules find nothing.
        let mut finding = Finding::new(units.len());
        // Per judgement, the last rule (counted from 1) whose cases have
        // marked it on the units: a later case of that rule with the same
        // judgement only adds its code.
        let mut marked: Vec<usize> = Vec::new();
        // What each finding lists, reused from rule to rule.
        let (mut order, mut codes, mut closed) = (Vec::new(), Vec::new(), Vec::new());
        for (nth, group) in parts.chunk_by(|a, b| a.0 == b.0).enumerate() {
            let nth = nth + 1;
            let Some(rule_id) = group.first().map(|(id, _)| *id) else {
                continue;
            };
            let Some(&route) = route_of.get(rule_id.index()) else {
                continue;
            };
            let types = self.routes.get(route).copied().unwrap_or_default();
            finding.reset();
            for case in group.iter().flat_map(|(_, cases)| cases.iter()) {
                let urgent = usize::try_from(case.dx.0)
                    .ok()
                    .and_then(|at| urgent_code.get(at).copied())
                    .unwrap_or(false);
                let cell = (case.channel, case.sex, case.ages);
                let at = *memo.entry((route, cell, urgent)).or_insert_with(|| {
                    let offers = offers
                        .entry((route, case.channel, case.sex))
                        .or_insert_with(|| {
                            Offers::new(
                                candidates
                                    .iter()
                                    .map(|c| Offer::new(model, c, types, case.channel, case.sex)),
                                known,
                            )
                        });
                    judged.push(Judged::new(offers, case.ages, urgent, known));
                    marked.push(0);
                    judged.len() - 1
                });
                let (Some(found), Some(mark)) = (judged.get(at), marked.get_mut(at)) else {
                    continue;
                };
                if std::mem::replace(mark, nth) == nth {
                    // The same units, the same witness rule (a first case
                    // of its urgency was seen): only the code is new.
                    if found.reaches_a_gap {
                        if !finding.codes.contains(&case.dx) {
                            finding.codes.push(case.dx);
                        }
                        finding.urgent |= urgent;
                    }
                    continue;
                }
                for &(unit, result) in &found.units {
                    let Some(at) = known.found(result) else {
                        continue;
                    };
                    if at.unreached {
                        if finding.witness.as_ref().is_none_or(|(u, ..)| urgent && !u) {
                            let shown = Won {
                                ages: at.gap.unwrap_or(case.ages),
                                ..*case
                            };
                            finding.witness = Some((urgent, shown, unit, at.restricted));
                        }
                        if let Some(seen @ false) = finding.unreached.get_mut(unit) {
                            *seen = true;
                            finding.unit_order.push(unit);
                        }
                        if !finding.codes.contains(&case.dx) {
                            finding.codes.push(case.dx);
                        }
                        finding.urgent |= urgent;
                    }
                    if !at.closed.is_empty() {
                        if finding.hours_witness.is_none() {
                            let shown = Won {
                                ages: at.closed_ages.unwrap_or(case.ages),
                                ..*case
                            };
                            finding.hours_witness = Some((shown, unit));
                            finding.closed.extend(at.closed.iter().copied());
                        }
                        if let Some(seen @ false) = finding.gapped.get_mut(unit) {
                            *seen = true;
                            finding.hours_units.push(unit);
                        }
                    }
                }
            }
            if let Some((_, case, unit, restricted)) = &finding.witness {
                order.clear();
                order.push(*unit);
                order.extend(finding.unit_order.iter().filter(|u| *u != unit));
                codes.clear();
                codes.push(case.dx);
                codes.extend(finding.codes.iter().filter(|c| **c != case.dx));
                emit(Raw {
                    layer: layer_id,
                    units,
                    areas: &areas,
                    rule: rule_id,
                    case: *case,
                    unit: *unit,
                    order: &order,
                    codes: &codes,
                    urgent: finding.urgent,
                    closed: &[],
                    restricted: *restricted,
                });
            }
            if let Some((case, unit)) = &finding.hours_witness {
                order.clear();
                order.extend(finding.hours_units.iter().copied());
                closed.clear();
                closed.extend(finding.closed.iter().copied());
                emit(Raw {
                    layer: layer_id,
                    units,
                    areas: &areas,
                    rule: rule_id,
                    case: *case,
                    unit: *unit,
                    order: &order,
                    codes: std::slice::from_ref(&case.dx),
                    urgent: true,
                    closed: &closed,
                    restricted: false,
                });
            }
        }
    }
}

/// Units for people: an area of the overlay's `area` all of whose judged
/// districts are listed is named instead of them (`TR`, not `TR1`, …,
/// `TR27`), where its first district was.
#[derive(Debug, Clone, Default)]
pub(super) struct WholeAreas {
    /// Per area unit of the overlay's `area`, its judged districts.
    areas: Vec<(String, BTreeSet<String>)>,
}

impl WholeAreas {
    fn new(geography: &Geography, layer: &model::Layer, judged: &[String]) -> WholeAreas {
        let judged: BTreeSet<&str> = judged.iter().map(String::as_str).collect();
        let areas = layer
            .area
            .iter()
            .filter(|u| level(&u.text) == Level::Area)
            .map(|area| {
                let districts = geography
                    .districts_of(&area.text)
                    .into_iter()
                    .filter(|d| judged.contains(d))
                    .map(str::to_owned)
                    .collect();
                (area.text.clone(), districts)
            })
            .filter(|(_, districts): &(String, BTreeSet<String>)| !districts.is_empty())
            .collect();
        WholeAreas { areas }
    }

    /// `units` (each once) as people read them.
    pub(super) fn shown(&self, units: &[String]) -> Vec<String> {
        let units: Vec<&str> = units.iter().map(String::as_str).collect();
        self.shown_names(&units)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// [`WholeAreas::shown`], borrowing the names.
    pub(super) fn shown_names<'a>(&'a self, units: &[&'a str]) -> Vec<&'a str> {
        if self.areas.is_empty() && units.len() <= 16 {
            // Nothing to name whole: each unit once, as listed.
            let mut out: Vec<&str> = Vec::with_capacity(units.len());
            for unit in units {
                if !out.contains(unit) {
                    out.push(unit);
                }
            }
            return out;
        }
        let listed: BTreeSet<&str> = units.iter().copied().collect();
        let mut whole: BTreeMap<&str, &str> = BTreeMap::new();
        for (area, districts) in &self.areas {
            if districts.iter().all(|d| listed.contains(d.as_str())) {
                for district in districts {
                    whole.insert(district, area);
                }
            }
        }
        let mut out: Vec<&str> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for unit in units {
            let name = whole.get(unit).copied().unwrap_or(unit);
            if seen.insert(name) {
                out.push(name);
            }
        }
        out
    }
}
