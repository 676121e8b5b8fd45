//! Overlay changes that change nothing: overrides identical to what they
//! override (DX0511), and suspensions of a service whose catchment lies
//! wholly outside the overlay's area (DX0515).
//!
//! Imports: `super::reach`, `crate::check::model`, `crate::diagnostics`,
//! `crate::source`.

use std::collections::BTreeSet;

use super::reach::unit_within;
use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// Suspensions of a service that is never returned where the overlay that
/// suspends it applies. Judged in the layer that declares the suspension
/// (the first, parents first, where it is in force).
fn useless_suspensions(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let mut seen: BTreeSet<Span> = BTreeSet::new();
    for layer in model.layers.iter().skip(1) {
        for suspension in &layer.suspensions {
            if !seen.insert(suspension.span) || layer.area.is_empty() {
                continue;
            }
            let model::SuspensionTarget::Service(service_id) = suspension.target else {
                continue;
            };
            let Some(service) = model.service(service_id) else {
                continue;
            };
            let meets = service.catchment.iter().any(|c| {
                layer
                    .area
                    .iter()
                    .any(|a| unit_within(&c.text, &a.text) || unit_within(&a.text, &c.text))
            });
            if !meets {
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
                            "suspending `{}` does nothing in `{}`: its catchment ({}) lies outside the overlay's area",
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
