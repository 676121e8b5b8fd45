//! Overlay changes that change nothing: overrides identical to what they
//! override (DX0511), and suspensions of a service whose catchment lies
//! wholly outside where the overlays that have the suspension in force
//! apply (DX0515).
//!
//! Imports: `super::reach`, `crate::check::model`, `crate::diagnostics`,
//! `crate::geo`, `crate::source`.

use std::collections::BTreeMap;

use super::reach::{unit_within, Claims};
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};
use crate::geo::Geography;
use crate::source::Span;

/// The smallest places of a postcode unit in the bundled geography: a
/// sector is itself, a district its sectors (itself if it has none), an
/// area its districts' places.
fn places<'a>(geography: &'a Geography, unit: &'a str) -> Vec<&'a str> {
    let of_district = |district: &'a str| {
        let sectors = geography.sectors_of(district);
        if sectors.is_empty() {
            vec![district]
        } else {
            sectors
        }
    };
    if unit.contains(' ') {
        vec![unit]
    } else if unit.bytes().any(|b| b.is_ascii_digit()) {
        of_district(unit)
    } else {
        geography
            .districts_of(unit)
            .into_iter()
            .flat_map(of_district)
            .collect()
    }
}

/// How a layer's area and a service's catchment meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Meeting {
    /// No unit of the one lies in a unit of the other.
    Apart,
    /// They share units, but more specific overlays govern all of them.
    Claimed,
    /// A case in the layer can be in the catchment: some place both in a
    /// catchment unit and in a unit of the layer's area is governed by the
    /// layer.
    Governed,
}

fn meeting(
    geography: &Geography,
    claims: &Claims<'_>,
    layer_id: model::LayerId,
    layer: &model::Layer,
    service: &model::Service,
) -> Meeting {
    let mut found = Meeting::Apart;
    for c in &service.catchment {
        for a in &layer.area {
            // Of two units that meet, the more specific is what they share.
            let shared = if unit_within(&c.text, &a.text) {
                &c.text
            } else if unit_within(&a.text, &c.text) {
                &a.text
            } else {
                continue;
            };
            if places(geography, shared)
                .into_iter()
                .any(|place| claims.owner(place) == layer_id)
            {
                return Meeting::Governed;
            }
            found = Meeting::Claimed;
        }
    }
    found
}

/// Suspensions of a service that is never returned where a layer that has
/// the suspension in force (the overlay declaring it and those extending
/// it) applies. Reported once, at the first layer, parents first, where it
/// is in force.
fn useless_suspensions(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let geography = Geography::bundled();
    let claims = Claims::new(model);
    // Per suspension: the first layer with it, the suspension, and the
    // closest any layer with it comes to the service's catchment.
    let mut judged: BTreeMap<Span, (usize, &model::Suspension, Meeting)> = BTreeMap::new();
    for (layer_idx, layer) in model.layers.iter().enumerate().skip(1) {
        let layer_id = model::LayerId::from_index(layer_idx);
        for suspension in &layer.suspensions {
            let model::SuspensionTarget::Service(service_id) = suspension.target else {
                continue;
            };
            let Some(service) = model.service(service_id) else {
                continue;
            };
            let entry =
                judged
                    .entry(suspension.span)
                    .or_insert((layer_idx, suspension, Meeting::Apart));
            if entry.2 != Meeting::Governed {
                entry.2 = entry
                    .2
                    .max(meeting(geography, &claims, layer_id, layer, service));
            }
        }
    }
    for (layer_idx, suspension, met) in judged.into_values() {
        let model::SuspensionTarget::Service(service_id) = suspension.target else {
            continue;
        };
        let (Some(service), Some(layer)) = (model.service(service_id), model.layers.get(layer_idx))
        else {
            continue;
        };
        let where_ = match met {
            Meeting::Governed => continue,
            Meeting::Claimed => "lies only where more specific overlays apply",
            Meeting::Apart => "lies outside the overlay's area",
        };
        let catchment: Vec<&str> = service
            .catchment
            .iter()
            .take(5)
            .map(|u| u.text.as_str())
            .collect();
        found.push(
            Diagnostic::new(
                Code::SuspensionOutOfArea,
                suspension.span,
                format!(
                    "suspending `{}` does nothing in `{}`: its catchment ({}) {where_}",
                    service.id,
                    layer.name,
                    catchment.join(", ")
                ),
            )
            .with_secondary(service.span, "the service")
            .with_help("suspend the service that was meant, or move the suspension to the overlay whose area the service covers"),
        );
    }
}

/// Overrides that change nothing.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    useless_suspensions(model, found);
    for rule in &model.rules {
        let model::RuleOrigin::Override { replaces } = rule.origin else {
            continue;
        };
        let Some(original) = model.rule(replaces) else {
            continue;
        };
        if original.dispositions == rule.dispositions
            && original.when == rule.when
            && original.route == rule.route
            && original.priority == rule.priority
        {
            found.push(
                Diagnostic::new(
                    Code::IdenticalOverride,
                    rule.name_span,
                    format!(
                        "`override rule \"{}\"` is identical to the rule it overrides",
                        rule.name
                    ),
                )
                .with_secondary(original.name_span, "the rule overridden")
                .with_help("remove the override, or make the change it was meant to make"),
            );
        }
    }
}
