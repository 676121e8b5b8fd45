//! Overrides that change nothing (DX0511).
//!
//! Imports: `crate::check::model`, `crate::diagnostics`.

use crate::check::model;
use crate::diagnostics::{Code, Diagnostic};

/// Overrides that change nothing.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
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
