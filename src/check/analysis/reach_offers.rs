//! What the services covering a unit of an overlay's area offer the
//! cases of a rule, and what they leave (for [`super::reach_units`]): the
//! distinct offers of a layer's units, each judged once per (ages,
//! urgency) by the thread judging, from overlay to overlay.
//!
//! Imports: `crate::check::model`, `dxmap_runtime::space`.

use std::collections::BTreeSet;

use dxmap_runtime::space::{Ages, CaseSex};
use dxmap_runtime::FastMap;

use crate::check::model;

/// What reach finds for one (route, case cell) at one unit.
#[derive(Debug, Clone, Default)]
pub(super) struct AtUnit {
    /// Some ages of the cases no counted service serves.
    pub(super) unreached: bool,
    /// Some service of the routed types covers the unit, but not for
    /// these ages or this sex.
    pub(super) restricted: bool,
    /// The first ages no counted service serves.
    pub(super) gap: Option<Ages>,
    /// The uncovered times of the week of the services counted, for the
    /// first band of ages (served by the same services) that has some.
    pub(super) closed: Vec<(usize, u16, u16)>,
    /// That band of ages.
    pub(super) closed_ages: Option<Ages>,
}

/// What one unit offers the cases of one (route, channel, sex): the
/// candidates of the routed types that serve the channel and the sex,
/// whatever the ages, and whether any candidate is of the routed types.
#[derive(Debug, Default)]
pub(super) struct Offer<'a> {
    services: Vec<&'a model::Service>,
    routed: bool,
}

impl<'a> Offer<'a> {
    pub(super) fn new(
        model: &model::Model,
        candidates: &[&'a model::Service],
        route: &[model::ServiceTypeId],
        channel: model::Channel,
        sex: CaseSex,
    ) -> Offer<'a> {
        let routed: Vec<&model::Service> = candidates
            .iter()
            .copied()
            .filter(|s| route.contains(&s.service_type))
            .collect();
        let services = routed
            .iter()
            .copied()
            .filter(|s| {
                model
                    .service_type(s.service_type)
                    .is_some_and(|t| t.channels.contains(&channel))
            })
            .filter(|s| sex.admitted_by(s.sexes.as_ref()))
            .collect();
        Offer {
            services,
            routed: !routed.is_empty(),
        }
    }
}

/// What the units of a layer offer one (route, channel, sex): the
/// distinct offers (numbered by [`Judgements`]), and each unit's. Most
/// units of an area are covered by the same services, so each distinct
/// offer is judged once.
#[derive(Debug, Default)]
pub(super) struct Offers {
    distinct: Vec<u32>,
    /// Per unit, the index of its offer in `distinct`.
    of_unit: Vec<usize>,
}

impl Offers {
    pub(super) fn new<'m>(
        offers: impl Iterator<Item = Offer<'m>>,
        known: &mut Judgements<'m>,
    ) -> Offers {
        let mut local: FastMap<u32, usize> = FastMap::default();
        let mut all = Offers::default();
        for offer in offers {
            let number = known.number(offer);
            let next = all.distinct.len();
            let idx = *local.entry(number).or_insert(next);
            if idx == next {
                all.distinct.push(number);
            }
            all.of_unit.push(idx);
        }
        all
    }
}

/// What one thread has judged so far, kept from overlay to overlay: the
/// overlays of a large tree offer the same services to the same ages
/// again and again (the services of a region in each of its overlays), so
/// each (offer, ages, urgency) is judged once. What it finds depends on
/// nothing else, so the findings do not depend on what was judged before.
#[derive(Debug, Default)]
pub(super) struct Judgements<'m> {
    /// Each distinct offer, by its services (told apart by address: all
    /// borrow from one model) and whether any is of the routed types.
    numbers: FastMap<(Vec<*const model::Service>, bool), u32>,
    offers: Vec<Offer<'m>>,
    /// Per (offer, ages, urgency), the index in `found` of what it finds,
    /// or `None` when it finds nothing.
    judged: FastMap<(u32, Ages, bool), Option<u32>>,
    found: Vec<AtUnit>,
}

impl<'m> Judgements<'m> {
    /// The number of `offer`, the same for the same services.
    fn number(&mut self, offer: Offer<'m>) -> u32 {
        let key = (
            offer
                .services
                .iter()
                .map(|s| std::ptr::from_ref(*s))
                .collect(),
            offer.routed,
        );
        let next = u32::try_from(self.offers.len()).unwrap_or(u32::MAX);
        let number = *self.numbers.entry(key).or_insert(next);
        if number == next {
            self.offers.push(offer);
        }
        number
    }

    /// What offer `number` finds for `ages` (see [`judge`]): the index of
    /// the finding, or `None` when it finds nothing.
    fn judge(&mut self, number: u32, ages: Ages, urgent: bool) -> Option<u32> {
        if let Some(known) = self.judged.get(&(number, ages, urgent)) {
            return *known;
        }
        let at = usize::try_from(number)
            .ok()
            .and_then(|n| self.offers.get(n))
            .map(|offer| judge(offer, ages, urgent))
            .filter(|at| at.unreached || !at.closed.is_empty());
        let found = at.map(|at| {
            self.found.push(at);
            u32::try_from(self.found.len() - 1).unwrap_or(u32::MAX)
        });
        self.judged.insert((number, ages, urgent), found);
        found
    }

    pub(super) fn found(&self, idx: u32) -> Option<&AtUnit> {
        usize::try_from(idx).ok().and_then(|i| self.found.get(i))
    }
}

/// What one (route, case cell, urgency) finds: the units (in unit order)
/// where something is found, with the index of the finding in
/// [`Judgements`].
#[derive(Debug, Default)]
pub(super) struct Judged {
    pub(super) units: Vec<(usize, u32)>,
    /// Whether some unit is unreached (not only an hours gap).
    pub(super) reaches_a_gap: bool,
}

impl Judged {
    pub(super) fn new(
        offers: &Offers,
        ages: Ages,
        urgent: bool,
        known: &mut Judgements<'_>,
    ) -> Judged {
        let of_offer: Vec<Option<u32>> = offers
            .distinct
            .iter()
            .map(|number| known.judge(*number, ages, urgent))
            .collect();
        let units: Vec<(usize, u32)> = offers
            .of_unit
            .iter()
            .enumerate()
            .filter_map(|(unit, offer)| Some((unit, of_offer.get(*offer).copied().flatten()?)))
            .collect();
        let reaches_a_gap = units
            .iter()
            .any(|&(_, found)| known.found(found).is_some_and(|at| at.unreached));
        Judged {
            units,
            reaches_a_gap,
        }
    }
}

/// The times of the week none of the services is open, per weekday
/// (Monday = 0), as `[open, close)` minutes.
pub(super) fn closed_times(hours: &[&model::Hours]) -> Vec<(usize, u16, u16)> {
    let mut closed = Vec::new();
    if hours.iter().any(|h| h.all_hours) {
        return closed;
    }
    // Every session of the week at once, by day then opening time.
    let mut sessions: Vec<(usize, u16, u16)> = hours
        .iter()
        .flat_map(|h| {
            h.weekly
                .iter()
                .take(7)
                .enumerate()
                .flat_map(|(day, sessions)| sessions.iter().map(move |s| (day, s.open, s.close)))
        })
        .collect();
    sessions.sort_unstable();
    let mut sessions = sessions.into_iter().peekable();
    for day in 0..7 {
        let mut from = 0u16;
        while let Some((_, open, close)) = sessions.next_if(|(d, ..)| *d == day) {
            if open > from {
                closed.push((day, from, open));
            }
            from = from.max(close);
        }
        if from < 1440 {
            closed.push((day, from, 1440));
        }
    }
    closed
}

/// `Sun 00:00–08:00`.
pub(super) fn closed_text(closed: (usize, u16, u16)) -> String {
    let mut text = String::new();
    write_closed(&mut text, closed);
    text
}

/// [`closed_text`], written at the end of `out`.
pub(super) fn write_closed(out: &mut String, (day, from, to): (usize, u16, u16)) {
    use std::fmt::Write as _;
    let name = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .get(day)
        .copied()
        .unwrap_or("?");
    let _ = write!(
        out,
        "{name} {:02}:{:02}–{:02}:{:02}",
        from / 60,
        from % 60,
        to / 60,
        to % 60
    );
}

fn judge(offer: &Offer<'_>, ages: Ages, urgent: bool) -> AtUnit {
    let serving = || offer.services.iter().filter(|s| s.ages.meets(ages));
    // Services of the routed types may cover the unit, but none serves
    // these ages or this sex.
    let gap = ages.uncovered(serving().map(|s| s.ages)).first().copied();
    let (mut closed, mut closed_ages) = (Vec::new(), None);
    if urgent {
        // Each band of ages served by the same services is judged on its
        // own: a children's service open at night does not keep an adult's
        // case covered, and the ages no service serves (a reach finding)
        // do not hide the hours of the ages some do.
        let mut cuts = BTreeSet::new();
        for service in serving() {
            service.ages.cut_points_into(&mut cuts);
        }
        for band in ages.bands(&cuts) {
            let hours: Vec<&model::Hours> = serving()
                .filter(|s| s.ages.covers(band))
                .map(|s| &s.hours)
                .collect();
            if hours.is_empty() {
                continue;
            }
            closed = closed_times(&hours);
            if !closed.is_empty() {
                closed_ages = Some(band);
                break;
            }
        }
    }
    AtUnit {
        unreached: gap.is_some(),
        restricted: gap.is_some() && offer.routed,
        gap,
        closed,
        closed_ages,
    }
}
