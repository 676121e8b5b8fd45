//! The reach and hours findings of a tree (DX0516, DX0517, DX0518) kept
//! small: a large tree has millions, nearly all allowed or never listed,
//! so each is held as a few numbers (its rule, layer and case, its units,
//! codes and closed times in shared pools) and made a diagnostic only when
//! a renderer shows it ([`diagnostics::Expand`]). What the messages name
//! of the model is copied once, as the findings may outlive it.
//!
//! Imports: `super::{common, reach_offers, reach_units, won}`, `crate::check::model`,
//! `crate::catalogue`, `crate::diagnostics`, `crate::source`.

use std::sync::atomic::{AtomicUsize, Ordering};

use dxmap_runtime::FastMap;

use super::common::{self, Witness};
use super::reach_offers::{closed_text, write_closed, Judgements};
use super::reach_units::{witness, Raw, Reach, Unreached, WholeAreas};
use super::won::Won;
use crate::catalogue::DispositionId;
use crate::check::model;
use crate::diagnostics::{self, Code, Diagnostic, Expand as _};
use crate::source::Span;

/// `a, b, c, d, e and 3 more`.
fn some_of<S: AsRef<str>>(items: &[S]) -> String {
    let mut text = String::new();
    write_some_of(&mut text, items.iter().map(AsRef::as_ref), items.len());
    text
}

/// [`some_of`] a list of `total` items whose first are `items` (at least
/// five, or all), written at the end of `out` by `write`.
fn write_some<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    total: usize,
    mut write: impl FnMut(&mut String, T),
) {
    for (nth, item) in items.into_iter().take(5).enumerate() {
        if nth > 0 {
            out.push_str(", ");
        }
        write(out, item);
    }
    if total > 5 {
        use std::fmt::Write as _;
        let _ = write!(out, " and {} more", total - 5);
    }
}

/// [`write_some`] of names.
fn write_some_of<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>, total: usize) {
    write_some(out, items, total, |out, item| out.push_str(item));
}

/// The reach and hours findings of a tree, whole.
pub(super) fn diagnostics(model: &model::Model, found: &mut Vec<Diagnostic>) {
    let mut heads = Vec::new();
    let deferred = pending(model, &mut heads);
    found.extend(heads.iter().map(|head| deferred.diagnostic(head.item)));
}

/// The reach and hours findings of a tree as pending findings, and what
/// renders them: a large tree has millions, nearly all allowed or never
/// listed, so each is kept as a few numbers until it is shown.
pub(super) fn pending(model: &model::Model, heads: &mut Vec<diagnostics::Pending>) -> Deferred {
    let work = Work::new(model);
    let done = work.help();
    finish(model, vec![done], heads)
}

/// Layers judged together, into one [`Part`].
const LAYERS_PER_PART: usize = 8;

/// The judging of a tree's overlays, shared by the threads that help
/// with it: each takes the next few layers not yet taken, until none is
/// left. What a part finds does not depend on who judged it, and parts
/// are put back in layer order ([`finish`]), so the findings are the same
/// however the work was shared.
pub(super) struct Work<'m> {
    reach: Reach<'m>,
    /// The next part to take.
    next: AtomicUsize,
}

/// Parts judged by one thread, each with its number.
pub(super) type Done = Vec<(usize, Part)>;

impl<'m> Work<'m> {
    /// What judging needs, prepared once (see [`Reach::new`]).
    pub(super) fn new(model: &'m model::Model) -> Work<'m> {
        Work {
            reach: Reach::new(model),
            next: AtomicUsize::new(0),
        }
    }

    /// Judges parts not yet taken until none is left.
    pub(super) fn help(&self) -> Done {
        let mut done = Vec::new();
        let mut known = Judgements::default();
        loop {
            let nth = self.next.fetch_add(1, Ordering::Relaxed);
            let layers = self
                .reach
                .layers()
                .chunks(LAYERS_PER_PART)
                .nth(nth)
                .unwrap_or_default();
            if layers.is_empty() {
                return done;
            }
            let mut part = Part::default();
            for &layer in layers {
                self.reach.judge(layer, &mut known, &mut |raw| {
                    let compact = part.keep(&raw);
                    part.found.push(compact);
                });
            }
            part.found.shrink_to_fit();
            part.closed_seen = FastMap::default();
            done.push((nth, part));
        }
    }
}

/// The findings of the parts judged, in layer order, as pending findings
/// in `heads`, and what renders them.
pub(super) fn finish(
    model: &model::Model,
    done: Vec<Done>,
    heads: &mut Vec<diagnostics::Pending>,
) -> Deferred {
    let mut deferred = Deferred::new(model);
    let mut parts: Vec<(usize, Part)> = done.into_iter().flatten().collect();
    parts.sort_by_key(|(nth, _)| *nth);
    let count: usize = parts.iter().map(|(_, part)| part.found.len()).sum();
    // Made at the end, exactly as long as it must be.
    heads.reserve_exact(count);
    let mut item = 0u32;
    for (_, mut part) in parts {
        for (layer, units, areas) in std::mem::take(&mut part.layers) {
            if let Some(Some(text)) = deferred.layers.get_mut(layer) {
                text.units = units;
                text.areas = areas;
            }
        }
        deferred.starts.push(item);
        for compact in &part.found {
            heads.push(diagnostics::Pending {
                code: compact.code(),
                span: deferred.primary(compact),
                item,
                allowed: None,
            });
            item = item.saturating_add(1);
        }
        deferred.parts.push(part);
    }
    deferred
}

/// What a reach or hours diagnostic names of a rule.
#[derive(Debug)]
struct RuleText {
    name: String,
    name_span: Span,
    layer: model::LayerId,
    /// Its routed types, `` `a` or `b` ``.
    types: String,
}

/// What a reach or hours diagnostic names of a layer with findings.
#[derive(Debug)]
struct LayerText {
    name: String,
    /// Its first area unit's span, else the overlay's.
    area_span: Span,
    /// Its judged units.
    units: Vec<String>,
    areas: WholeAreas,
}

/// A range of one of [`Deferred`]'s pools.
type Range = (u32, u32);

/// One finding, as numbers.
#[derive(Debug, Clone, Copy)]
struct Compact {
    rule: model::RuleId,
    layer: model::LayerId,
    case: Won,
    unit: u32,
    /// Units, into `Deferred::units`.
    units: Range,
    /// Codes, into `Deferred::codes`.
    codes: Range,
    /// Closed times, 1 + an index into `Deferred::weeks`; 0 for reach.
    closed: u32,
    urgent: bool,
    restricted: bool,
}

impl Compact {
    fn code(&self) -> Code {
        if self.closed != 0 {
            Code::HoursGap
        } else if self.urgent {
            Code::UnreachableUrgent
        } else {
            Code::Unreachable
        }
    }
}

/// The reach and hours findings of a tree, kept small, with the names
/// they are rendered with (copied from the model, which the findings may
/// outlive).
#[derive(Debug)]
pub(super) struct Deferred {
    rules: Vec<RuleText>,
    /// By layer index, the layers with findings.
    layers: Vec<Option<LayerText>>,
    /// Disposition codes by catalogue index.
    dx: Vec<String>,
    /// The findings, part by part, in layer order.
    parts: Vec<Part>,
    /// The number of each part's first finding.
    starts: Vec<u32>,
}

/// The findings of a few layers, kept small: units, codes and closed
/// times in pools the findings name ranges of.
#[derive(Debug, Default)]
pub(super) struct Part {
    found: Vec<Compact>,
    units: Vec<u32>,
    codes: Vec<DispositionId>,
    /// The units and codes of the last finding kept.
    last: (Range, Range),
    /// The distinct closed times of hours gaps (most repeat a few weeks),
    /// each a range of `closed`.
    weeks: Vec<Range>,
    closed: Vec<(u8, u16, u16)>,
    /// Closed times already in `weeks`, by value, while judging.
    closed_seen: FastMap<Vec<(u8, u16, u16)>, u32>,
    /// The judged units of the layers with findings, by layer index.
    layers: Vec<(usize, Vec<String>, WholeAreas)>,
}

/// `start..end` of a pool as a [`Range`].
fn range(start: usize, end: usize) -> Range {
    (
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    )
}

/// What was added to `pool` from `at` on, or `last` when it lists the
/// same: then the addition is taken off the pool again.
fn reuse<T: PartialEq>(pool: &mut Vec<T>, last: Range, at: usize) -> Range {
    let added = range(at, pool.len());
    if self::pool(pool, last) == self::pool(pool, added) && last.1 <= added.0 {
        pool.truncate(added.0 as usize);
        last
    } else {
        added
    }
}

/// The part of a pool a [`Range`] names.
fn pool<T>(items: &[T], (start, end): Range) -> &[T] {
    items.get(start as usize..end as usize).unwrap_or_default()
}

impl Deferred {
    fn new(model: &model::Model) -> Deferred {
        let rules = model
            .rules
            .iter()
            .map(|rule| RuleText {
                name: rule.name.clone(),
                name_span: rule.name_span,
                layer: rule.layer,
                types: rule
                    .route
                    .iter()
                    .filter_map(|t| model.service_type(*t))
                    .map(|t| format!("`{}`", t.name))
                    .collect::<Vec<_>>()
                    .join(" or "),
            })
            .collect();
        let dx = model
            .catalogue
            .dispositions()
            .iter()
            .map(|d| d.code.clone())
            .collect();
        let mut layers = Vec::new();
        layers.resize_with(model.layers.len(), || None);
        for (slot, layer) in layers.iter_mut().zip(&model.layers) {
            // Names and spans now; units when a finding comes.
            *slot = Some(LayerText {
                name: layer.name.clone(),
                area_span: layer.area.first().map_or(layer.span, |u| u.span),
                units: Vec::new(),
                areas: WholeAreas::default(),
            });
        }
        Deferred {
            rules,
            layers,
            dx,
            parts: Vec::new(),
            starts: Vec::new(),
        }
    }

    /// Where a finding is: the rule's name, or for a rule the overlay
    /// inherits, the overlay's area.
    fn primary(&self, compact: &Compact) -> Span {
        let rule = self.rules.get(compact.rule.index());
        let layer = self
            .layers
            .get(compact.layer.index())
            .and_then(Option::as_ref);
        match (rule, layer) {
            (Some(rule), Some(layer)) if rule.layer != compact.layer => layer.area_span,
            (Some(rule), _) => rule.name_span,
            _ => Span::default(),
        }
    }
}

impl Part {
    /// A finding as numbers, its lists added to the pools (its layer's
    /// units the first time).
    fn keep(&mut self, raw: &Raw<'_>) -> Compact {
        let layer = raw.layer.index();
        if self.layers.last().is_none_or(|(last, ..)| *last != layer) {
            self.layers
                .push((layer, raw.units.to_vec(), raw.areas.clone()));
        }
        // A finding often lists what the one before it did (every unit of
        // the area, the same codes): the pools keep such a list once.
        let at = self.units.len();
        self.units.extend(
            raw.order
                .iter()
                .map(|u| u32::try_from(*u).unwrap_or(u32::MAX)),
        );
        let units = reuse(&mut self.units, self.last.0, at);
        let at = self.codes.len();
        self.codes.extend_from_slice(raw.codes);
        let codes = reuse(&mut self.codes, self.last.1, at);
        self.last = (units, codes);
        let closed: Vec<(u8, u16, u16)> = raw
            .closed
            .iter()
            .map(|&(day, from, to)| (u8::try_from(day).unwrap_or(u8::MAX), from, to))
            .collect();
        let closed = if closed.is_empty() {
            0
        } else if let Some(seen) = self.closed_seen.get(&closed) {
            *seen
        } else {
            let at = self.closed.len();
            self.closed.extend_from_slice(&closed);
            self.weeks.push(range(at, self.closed.len()));
            let kept = u32::try_from(self.weeks.len()).unwrap_or(u32::MAX);
            self.closed_seen.insert(closed, kept);
            kept
        };
        Compact {
            rule: raw.rule,
            layer: raw.layer,
            case: raw.case,
            unit: u32::try_from(raw.unit).unwrap_or(u32::MAX),
            units,
            codes,
            closed,
            urgent: raw.urgent,
            restricted: raw.restricted,
        }
    }
}

impl diagnostics::Expand for Deferred {
    fn diagnostic(&self, item: u32) -> Diagnostic {
        match self.finding(item) {
            Some((rule, layer, finding)) => self.render(rule, layer, finding),
            None => Diagnostic::new(Code::Unreachable, Span::default(), String::new()),
        }
    }

    /// [`Deferred::render`]'s message alone, made without the whole
    /// finding: a large group's messages are all made to order it, and
    /// few of its findings are shown.
    fn message(&self, item: u32) -> String {
        let Some((part, compact, rule, layer)) = self.compact(item) else {
            return String::new();
        };
        let names: Vec<&str> = pool(&part.units, compact.units)
            .iter()
            .map(|u| layer.units.get(*u as usize).map_or("", String::as_str))
            .collect();
        let shown = layer.areas.shown_names(&names);
        let mut units = String::new();
        write_some_of(&mut units, shown.iter().copied(), shown.len());
        let codes = pool(&part.codes, compact.codes);
        let mut listed = String::new();
        write_some_of(
            &mut listed,
            codes.iter().map(|dx| self.code_name(*dx)),
            codes.len(),
        );
        let closed = Deferred::closed(part, compact);
        let mut times = String::new();
        write_some(
            &mut times,
            closed.iter().copied(),
            closed.len(),
            write_closed,
        );
        message(
            rule,
            &witness(compact.layer, &compact.case),
            compact.restricted,
            &listed,
            &units,
            &times,
        )
    }
}

impl Deferred {
    /// Finding `item` as kept, with its part, rule and layer.
    fn compact(&self, item: u32) -> Option<(&Part, &Compact, &RuleText, &LayerText)> {
        // The part holding it: the last that starts at or before it.
        let nth = self
            .starts
            .partition_point(|start| *start <= item)
            .checked_sub(1)?;
        let part = self.parts.get(nth)?;
        let start = self.starts.get(nth).copied().unwrap_or(0);
        let compact = part.found.get(item.checked_sub(start)? as usize)?;
        let layer = self.layers.get(compact.layer.index())?.as_ref()?;
        let rule = self.rules.get(compact.rule.index())?;
        Some((part, compact, rule, layer))
    }

    /// The closed times of a finding kept (none for reach).
    fn closed(part: &Part, compact: &Compact) -> Vec<(usize, u16, u16)> {
        let week = (compact.closed as usize)
            .checked_sub(1)
            .and_then(|at| part.weeks.get(at))
            .copied()
            .unwrap_or((0, 0));
        pool(&part.closed, week)
            .iter()
            .map(|&(day, from, to)| (usize::from(day), from, to))
            .collect()
    }

    /// Finding `item` with its rule and layer.
    fn finding(&self, item: u32) -> Option<(&RuleText, &LayerText, Unreached)> {
        let (part, compact, rule, layer) = self.compact(item)?;
        let closed = Deferred::closed(part, compact);
        let order: Vec<usize> = pool(&part.units, compact.units)
            .iter()
            .map(|u| *u as usize)
            .collect();
        let finding = Raw {
            layer: compact.layer,
            units: &layer.units,
            areas: &layer.areas,
            rule: compact.rule,
            case: compact.case,
            unit: compact.unit as usize,
            order: &order,
            codes: pool(&part.codes, compact.codes),
            urgent: compact.urgent,
            closed: &closed,
            restricted: compact.restricted,
        }
        .unreached();
        Some((rule, layer, finding))
    }

    /// A disposition code as written.
    fn code_of(&self, dx: DispositionId) -> String {
        self.code_name(dx).to_owned()
    }

    fn code_name(&self, dx: DispositionId) -> &str {
        usize::try_from(dx.0)
            .ok()
            .and_then(|at| self.dx.get(at))
            .map_or("?", String::as_str)
    }

    /// The codes a finding concerns, as written.
    fn codes_of(&self, finding: &Unreached) -> Vec<String> {
        finding.codes.iter().map(|dx| self.code_of(*dx)).collect()
    }

    /// A reach or hours finding as a diagnostic.
    fn render(&self, rule: &RuleText, layer: &LayerText, finding: Unreached) -> Diagnostic {
        let codes = self.codes_of(&finding);
        let area_span = layer.area_span;
        let inherited = rule.layer != finding.witness.layer;
        let (primary, secondary, secondary_label) = if inherited {
            (
                area_span,
                rule.name_span,
                format!("rule `{}`, inherited by `{}`", rule.name, layer.name),
            )
        } else {
            (
                rule.name_span,
                area_span,
                format!("the area of `{}`", layer.name),
            )
        };
        let closed: Vec<String> = finding.closed.iter().copied().map(closed_text).collect();
        let message = message(
            rule,
            &finding.witness,
            finding.restricted,
            &some_of(&codes),
            &some_of(&finding.shown_units),
            &some_of(&closed),
        );
        let (code, help) = if closed.is_empty() {
            (
                if finding.urgent {
                    Code::UnreachableUrgent
                } else {
                    Code::Unreachable
                },
                format!(
                    "rule `{}` wins these cases in `{}`: add a service of its types whose catchment covers these units (open-ended, with hours), or route them elsewhere",
                    rule.name, layer.name
                ),
            )
        } else {
            (
                Code::HoursGap,
                "add a service, or hours, for these times; dated entries and bank holidays are not considered".to_owned(),
            )
        };
        let witness = &finding.witness;
        let data = diagnostics::Witness {
            layer: layer.name.clone(),
            dx: self.code_of(witness.dx),
            channel: witness.channel,
            sex: witness.sex,
            ages: witness.ages,
            cells: Vec::new(),
            places: diagnostics::Places {
                units: finding.units,
                codes,
                hours: closed,
            },
        };
        Diagnostic::new(code, primary, message)
            .with_secondary(secondary, secondary_label)
            .with_help(help)
            .with_witness(data)
    }
}

/// A reach or hours finding's message, from its lists as shown
/// ([`some_of`]; `closed` empty for reach).
fn message(
    rule: &RuleText,
    witness: &Witness,
    restricted: bool,
    codes: &str,
    units: &str,
    closed: &str,
) -> String {
    let types = &rule.types;
    let channel = witness.channel.as_str();
    if !closed.is_empty() {
        format!("{codes} on {channel} in {units}: no {types} service is open {closed}")
    } else if restricted {
        format!(
            "{codes} on {channel} in {units} for {}{}: no {types} service covers these cases",
            witness.ages,
            common::sex_text(witness.sex)
        )
    } else {
        format!("{codes} on {channel} in {units}: no {types} service covers it")
    }
}
