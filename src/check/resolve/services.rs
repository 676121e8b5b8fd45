//! Service types and services: their clauses, checked and lowered.
//!
//! Imports: `super`, `super::super::{model, hours}`, `crate::diagnostics`,
//! `crate::source`, `crate::syntax::ast`.

use std::collections::BTreeSet;

use super::super::{hours, model};
use super::{empty_ages, Decls, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast;

/// Most response time accepted for a service type (a year), in minutes.
const MAX_RESPONSE_MINUTES: u64 = 366 * 24 * 60;

fn duration_minutes(duration: &ast::Duration) -> u64 {
    let factor = match duration.unit {
        ast::DurationUnit::Minutes => 1,
        ast::DurationUnit::Hours => 60,
        ast::DurationUnit::Days => 24 * 60,
    };
    duration.value.saturating_mul(factor)
}

impl Resolver {
    // ----------------------------------------------------- service types

    pub(super) fn service_types(&mut self, decls: &Decls<'_>) {
        for declared in &decls.service_types {
            if let Some(diagnostic) = self.type_names.duplicate(&declared.name) {
                self.push(diagnostic);
                continue;
            }
            let mut responds_within = None;
            let mut channels: BTreeSet<model::Channel> = model::Channel::ALL.into_iter().collect();
            let mut requires = None;
            let mut returns = 2;
            for clause in &declared.clauses {
                match clause {
                    ast::ServiceTypeClause::RespondsWithin(within) => {
                        let duration = &within.node;
                        let minutes = duration_minutes(duration);
                        if minutes > MAX_RESPONSE_MINUTES {
                            self.push(Diagnostic::new(
                                Code::NumberOutOfRange,
                                duration.span,
                                "a response time longer than a year",
                            ));
                        }
                        responds_within = Some(
                            u32::try_from(minutes.min(MAX_RESPONSE_MINUTES)).unwrap_or(u32::MAX),
                        );
                    }
                    ast::ServiceTypeClause::Channels(list) => {
                        channels = list.node.iter().map(|c| c.node).collect();
                    }
                    ast::ServiceTypeClause::Requires(skill) => requires = self.skill(&skill.node),
                    ast::ServiceTypeClause::Returns(count) => {
                        if count.node == 0 {
                            self.push(
                                Diagnostic::new(
                                    Code::BadRoute,
                                    count.span,
                                    "a service type that returns no service",
                                )
                                .with_help("`returns` must be at least 1 (the default is 2)"),
                            );
                        }
                        returns = u32::try_from(count.node).unwrap_or(u32::MAX).max(1);
                    }
                }
            }
            let Some(responds_within_minutes) = responds_within else {
                self.push(
                    Diagnostic::new(
                        Code::MissingClause,
                        declared.name.span,
                        format!(
                            "service type `{}` has no `responds_within`",
                            declared.name.node
                        ),
                    )
                    .with_help("add its maximum response time, e.g. `responds_within 1h`"),
                );
                continue;
            };
            let id = model::ServiceTypeId::from_index(self.model.service_types.len());
            if let Err(diagnostic) = self.type_names.define(&declared.name, id) {
                self.push(diagnostic);
                continue;
            }
            self.model.service_types.push(model::ServiceType {
                name: declared.name.node.clone(),
                label: declared.label.as_ref().map(|l| l.node.clone()),
                responds_within_minutes,
                channels,
                requires,
                returns,
                span: declared.span,
            });
        }
    }

    pub(super) fn service_type(&mut self, name: &ast::Name) -> Option<model::ServiceTypeId> {
        let found = self.type_names.resolve(name, || {
            format!(
                "declare it: `service_type {} \"…\" {{ responds_within 1h }}`",
                name.node
            )
        });
        self.ok(found)
    }

    // ---------------------------------------------------------- services

    pub(super) fn services(&mut self, decls: &Decls<'_>, layer_of: &[Option<model::LayerId>]) {
        let has_calendar = self.model.calendar.is_some();
        for (service, overlay) in &decls.services {
            let layer = match overlay {
                None => Some(model::NATIONAL),
                Some(idx) => layer_of.get(*idx).copied().flatten(),
            };
            if let Some(diagnostic) = self.service_ids.duplicate(&service.id) {
                self.push(diagnostic);
                continue;
            }
            let mut service_type = None;
            let mut catchment = None;
            let mut location = None;
            let mut ages = model::AgeInterval::ALL;
            let mut sexes = None;
            let mut rank = None;
            let mut valid = model::DateWindow::default();
            let mut opening = None;
            for clause in &service.clauses {
                match clause {
                    ast::ServiceClause::Type(name) => service_type = self.service_type(&name.node),
                    ast::ServiceClause::Catchment(units) => {
                        catchment = Some(
                            units
                                .node
                                .iter()
                                .map(|u| model::PostcodeUnit {
                                    text: u.text.clone(),
                                    span: u.span,
                                })
                                .collect::<Vec<_>>(),
                        );
                    }
                    ast::ServiceClause::Location(point) => {
                        let (lat, lon) = (&point.node.0, &point.node.1);
                        if (-90.0..=90.0).contains(&lat.value)
                            && (-180.0..=180.0).contains(&lon.value)
                        {
                            location = Some((lat.value, lon.value));
                        } else {
                            self.push(
                                Diagnostic::new(
                                    Code::NumberOutOfRange,
                                    point.span,
                                    format!("`{}, {}` is not a latitude and longitude", lat.text, lon.text),
                                )
                                .with_help("write the latitude (-90 to 90) first, then the longitude (-180 to 180)"),
                            );
                        }
                    }
                    ast::ServiceClause::Ages(range) => {
                        ages = hours::age_range(&range.node);
                        if ages.is_empty() {
                            self.push(empty_ages(range.span));
                        }
                    }
                    ast::ServiceClause::Sexes(list) => {
                        sexes = Some(list.node.iter().map(|s| s.node).collect());
                    }
                    ast::ServiceClause::Rank(value) => {
                        rank = Some(u32::try_from(value.node).unwrap_or(u32::MAX));
                    }
                    ast::ServiceClause::Valid(range) => {
                        let until = if range.node.is_range {
                            range.node.end.as_ref()
                        } else {
                            Some(&range.node.start)
                        };
                        if let Some(window) = hours::window(
                            &range.node.start,
                            until,
                            range.span,
                            &mut self.diagnostics,
                        ) {
                            valid = window;
                        }
                    }
                    ast::ServiceClause::Hours(block) => {
                        opening = Some(hours::hours(block, has_calendar, &mut self.diagnostics));
                    }
                }
            }
            let mut missing = Vec::new();
            if !service
                .clauses
                .iter()
                .any(|c| matches!(c, ast::ServiceClause::Type(_)))
            {
                missing.push("type");
            }
            if catchment.is_none() {
                missing.push("catchment");
            }
            if opening.is_none() {
                missing.push("hours");
            }
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.push(
                    Diagnostic::new(
                        Code::MissingClause,
                        service.name.span,
                        format!("service `{}` has no {list}", service.id.node),
                    )
                    .with_help("a service needs `type`, `catchment` and `hours`"),
                );
            }
            let (Some(layer), Some(service_type), Some(catchment), Some(opening)) =
                (layer, service_type, catchment, opening)
            else {
                continue;
            };
            let id = model::ServiceId::from_index(self.model.services.len());
            if let Err(diagnostic) = self.service_ids.define(&service.id, id) {
                self.push(diagnostic);
                continue;
            }
            self.model.services.push(model::Service {
                id: service.id.node.clone(),
                name: service.name.node.clone(),
                layer,
                service_type,
                catchment,
                location,
                // The `postcode` clause is not in the language yet.
                postcode: None,
                ages,
                sexes,
                rank,
                valid,
                hours: opening,
                span: service.span,
            });
            if let Some(layer) = self.model.layers.get_mut(layer.index()) {
                layer.services.push(id);
            }
        }
    }
}
