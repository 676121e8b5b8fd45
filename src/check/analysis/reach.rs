//! Reachability: services no patient can reach (DX0509) — no rule in
//! force where they are routes their type, the layers that route it govern
//! none of their catchment, or they are suspended for the whole of their
//! validity window — and service types without services (DX0510).
//!
//! Imports: `super::common`, `crate::check::model`, `crate::diagnostics`.

use std::collections::{BTreeMap, BTreeSet};

use super::common;
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// Whether a postcode unit is the same as or inside another (`SO16 7` is
/// inside `SO16`, which is inside `SO`; `S` does not contain `SO16`).
pub fn unit_within(inner: &str, outer: &str) -> bool {
    if inner == outer {
        return true;
    }
    let area =
        |unit: &str| -> String { unit.chars().take_while(char::is_ascii_alphabetic).collect() };
    let district = |unit: &str| -> String { unit.split(' ').next().unwrap_or("").to_owned() };
    let outer_is_area = outer.chars().all(|c| c.is_ascii_alphabetic());
    let outer_is_district = !outer_is_area && !outer.contains(' ');
    (outer_is_area && area(inner) == outer)
        || (outer_is_district && inner.contains(' ') && district(inner) == outer)
}

/// The units containing `unit` (itself, its district, its area), most
/// specific first: exactly the `outer` units with `unit_within(unit, outer)`.
pub(super) fn containing_units(unit: &str) -> impl Iterator<Item = &str> {
    let district = unit.split_once(' ').map(|(district, _)| district);
    let area_len = unit.chars().take_while(char::is_ascii_alphabetic).count();
    let area = unit
        .get(..area_len)
        .filter(|area| !area.is_empty() && *area != unit);
    [Some(unit), district, area].into_iter().flatten()
}

/// The overlays' area claims, indexed once per run.
pub(super) struct Claims<'a> {
    /// Claimed unit -> the layer claiming it (a unit is claimed once).
    owner: BTreeMap<&'a str, model::LayerId>,
    /// Per layer, every unit one of its claims lies in.
    parts_of: Vec<BTreeSet<&'a str>>,
}

impl<'a> Claims<'a> {
    pub(super) fn new(model: &'a model::Model) -> Claims<'a> {
        let mut owner = BTreeMap::new();
        let mut parts_of = Vec::with_capacity(model.layers.len());
        for (idx, layer) in model.layers.iter().enumerate() {
            let mut parts = BTreeSet::new();
            for unit in &layer.area {
                owner
                    .entry(unit.text.as_str())
                    .or_insert(model::LayerId::from_index(idx));
                parts.extend(containing_units(&unit.text));
            }
            parts_of.push(parts);
        }
        Claims { owner, parts_of }
    }

    /// The layer owning `unit`: the one with the most specific claim
    /// containing it, else the baseline.
    pub(super) fn owner(&self, unit: &str) -> model::LayerId {
        containing_units(unit)
            .find_map(|u| self.owner.get(u).copied())
            .unwrap_or(model::NATIONAL)
    }

    /// Whether `layer` claims a part of `unit` (narrower claims take parts
    /// of a unit another layer owns).
    fn claims_part_of(&self, layer_id: model::LayerId, unit: &str) -> bool {
        layer_id != model::NATIONAL
            && self
                .parts_of
                .get(layer_id.index())
                .is_some_and(|parts| parts.contains(unit))
    }
}

/// Services no rule can reach, and service types without services.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    for (type_idx, service_type) in model.service_types.iter().enumerate() {
        let type_id = model::ServiceTypeId::from_index(type_idx);
        if !model.services.iter().any(|s| s.service_type == type_id) {
            found.push(
                Diagnostic::new(
                    Code::TypeWithoutServices,
                    service_type.span,
                    format!("service type `{}` has no services", service_type.name),
                )
                .with_help("add its services, or remove the type and the routes to it"),
            );
        }
    }
    // Types routed (and usable) per layer, from how many of its rules
    // route to each: an overlay's counts are its parent's with its changes.
    let mut counts: Vec<BTreeMap<model::ServiceTypeId, usize>> = Vec::new();
    let add = |count: &mut BTreeMap<model::ServiceTypeId, usize>, rules: &[model::RuleId]| {
        for rule in rules.iter().filter_map(|id| model.rule(*id)) {
            for t in &rule.route {
                *count.entry(*t).or_default() += 1;
            }
        }
    };
    for (layer_idx, layer) in model.layers.iter().enumerate() {
        let count = match (
            common::changes(model, layer_idx, layer),
            layer.parent.and_then(|p| counts.get(p.index())),
        ) {
            (Some(changes), Some(parent)) => {
                let mut count = parent.clone();
                for rule in changes.removed.iter().filter_map(|id| model.rule(*id)) {
                    for t in &rule.route {
                        if let Some(n) = count.get_mut(t) {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
                add(&mut count, &changes.own);
                count.retain(|_, n| *n > 0);
                count
            }
            _ => {
                let mut count = BTreeMap::new();
                add(&mut count, &layer.rules);
                count
            }
        };
        counts.push(count);
    }
    // Per service type, the layers that route it (and can use it), a bit
    // per layer in the rows of `InForce`: a service's routing layers are
    // then its row and its type's, word by word.
    let stride = model.layers.len().div_ceil(64);
    let mut routed = vec![0u64; stride * model.service_types.len()];
    for (layer_idx, (layer, count)) in model.layers.iter().zip(&counts).enumerate() {
        let usable = count.keys().copied().filter(|t| {
            model
                .service_type(*t)
                .and_then(|st| st.requires)
                .is_none_or(|skill| layer.skills.contains(&skill))
        });
        let catch_all = layer.catch_all.map(|c| c.service_type);
        for t in usable.chain(catch_all) {
            if let Some(word) = routed.get_mut(t.index() * stride + layer_idx / 64) {
                *word |= 1 << (layer_idx % 64);
            }
        }
    }
    let in_force = InForce::new(model);
    let claims = Claims::new(model);
    for (service_idx, service) in model.services.iter().enumerate() {
        let service_id = model::ServiceId::from_index(service_idx);
        let at = service.service_type.index() * stride;
        let routes_type = routed.get(at..at + stride).unwrap_or_default();
        let routing: Vec<model::LayerId> = in_force.layers(service_idx, routes_type).collect();
        // Whether a layer governs some postcode of the catchment: it owns a
        // unit (the most specific claim containing it is its own), or it
        // claims a part of one.
        let owners: Vec<model::LayerId> = service
            .catchment
            .iter()
            .map(|u| claims.owner(&u.text))
            .collect();
        // A layer owning a catchment unit governs it: tried first, as a
        // national service is in force in every layer of a large tree
        // (`routing` is in layer order).
        let governs = |layer: &model::LayerId| {
            service
                .catchment
                .iter()
                .zip(&owners)
                .any(|(u, owner)| owner == layer || claims.claims_part_of(*layer, &u.text))
        };
        let bounded = service.valid.from.is_some() && service.valid.until.is_some();
        let reason = if routing.is_empty() {
            Some("no rule in force where it is routes its type".to_owned())
        } else if !(owners
            .iter()
            .any(|owner| routing.binary_search(owner).is_ok())
            || routing.iter().any(governs))
        {
            Some("the layers that route its type govern none of its catchment".to_owned())
        } else if bounded
            && always_suspended(
                model,
                service_id,
                &routing.iter().copied().filter(governs).collect::<Vec<_>>(),
            )
        {
            Some("it is suspended for the whole of its validity window".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            let type_name = model
                .service_type(service.service_type)
                .map_or("?", |t| t.name.as_str());
            found.push(
                Diagnostic::new(
                    Code::UnreachableService,
                    service.span,
                    format!("no patient can reach service `{}` ({type_name}): {reason}", service.id),
                )
                .with_help("route its type in a rule of a layer that governs its catchment, or remove the service"),
            );
        }
    }
}

/// The layers each service is in force in, a bit per (service, layer): a
/// national service is in force in every layer of a large tree, and lists
/// of them would take hundreds of megabytes.
struct InForce {
    /// Words of a service's row.
    stride: usize,
    bits: Vec<u64>,
}

impl InForce {
    /// In one pass over the layers.
    fn new(model: &model::Model) -> InForce {
        let stride = model.layers.len().div_ceil(64);
        let mut bits = vec![0u64; stride * model.services.len()];
        for (idx, layer) in model.layers.iter().enumerate() {
            for service_id in &layer.services {
                let at = service_id.index() * stride + idx / 64;
                if let Some(word) = bits.get_mut(at) {
                    *word |= 1 << (idx % 64);
                }
            }
        }
        InForce { stride, bits }
    }

    /// The layers `service` is in force in, among `among` (a bit per
    /// layer, as a row), in layer order.
    fn layers<'a>(
        &'a self,
        service: usize,
        among: &'a [u64],
    ) -> impl Iterator<Item = model::LayerId> + 'a {
        let row = self
            .bits
            .get(service * self.stride..(service + 1) * self.stride)
            .unwrap_or_default();
        row.iter()
            .zip(among)
            .enumerate()
            .flat_map(|(at, (word, other))| {
                let mut word = *word & *other;
                std::iter::from_fn(move || {
                    if word == 0 {
                        return None;
                    }
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    Some(model::LayerId::from_index(at * 64 + bit))
                })
            })
    }
}

/// Whether, in every layer where it is in force, a service is suspended on
/// every day of its (bounded) validity window.
fn always_suspended(
    model: &model::Model,
    service: model::ServiceId,
    in_force: &[model::LayerId],
) -> bool {
    let Some(s) = model.service(service) else {
        return false;
    };
    let (Some(from), Some(until)) = (s.valid.from, s.valid.until) else {
        return false;
    };
    !in_force.is_empty()
        && in_force.iter().all(|layer_id| {
            model.layer(*layer_id).is_some_and(|layer| {
                layer.suspensions.iter().any(|suspension| {
                    let applies = match suspension.target {
                        model::SuspensionTarget::Service(id) => id == service,
                        model::SuspensionTarget::ServiceType(t) => t == s.service_type,
                    };
                    applies && suspension.window.contains(from) && suspension.window.contains(until)
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_within() {
        assert!(unit_within("SO16 7", "SO16"));
        assert!(unit_within("SO16 7", "SO"));
        assert!(unit_within("SO16", "SO"));
        assert!(!unit_within("SO16", "S"));
        assert!(!unit_within("SO", "SO16"));
        assert!(!unit_within("SO16", "SO1"));
        assert!(unit_within("PO30", "PO30"));
    }
}
