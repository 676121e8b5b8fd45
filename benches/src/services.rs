//! Services of generated trees: how many of each type, where, with what
//! catchments, hours, validity windows and restrictions.
//!
//! Local services (pharmacies, practices, dentists, EDs…) sit in a postcode
//! district and cover it and up to two neighbours, or one or two of its
//! sectors; area-wide services (ambulance trusts, 111 clinical assessment,
//! GP out of hours, duty teams) cover whole areas. A service restricted by
//! age or sex is always a companion of an unrestricted service of its type
//! with the same catchment, so nobody is left without one.
//!
//! Imports: `crate::data`, `crate::places`, `crate::prng`, `crate::calendar`, `dxmap::geo`.

use crate::calendar::Date;
use crate::data::{HoursKind, Spread, TYPES};
use crate::places::{self, OverlayPlan, Places};
use crate::prng::Rng;

/// A service.
#[derive(Debug, Clone)]
pub struct Service {
    /// DoS-style id, unique in the tree.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Index into [`TYPES`].
    pub ty: usize,
    /// Postcode units covered.
    pub catchment: Vec<String>,
    /// Latitude and longitude.
    pub location: Option<(f64, f64)>,
    /// `ages …`, as written.
    pub ages: Option<&'static str>,
    /// `sexes …`, as written.
    pub sexes: Option<&'static str>,
    /// `rank …`.
    pub rank: Option<u32>,
    /// `valid …`, as written.
    pub valid: Option<String>,
    /// The lines of its `hours` block.
    pub hours: Vec<String>,
    /// The area it is filed under (index into the areas table).
    pub home_area: usize,
    /// The district it sits in, for local services.
    pub home_district: Option<String>,
}

impl Service {
    /// The service's text, indented by `indent` spaces.
    pub fn text(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let ty = TYPES.get(self.ty).map_or("?", |t| t.name);
        let mut out = format!(
            "{pad}service \"{}\" id \"{}\" {{\n{pad}  type {ty}\n{pad}  catchment {}\n",
            self.name,
            self.id,
            self.catchment.join(", ")
        );
        if let Some((lat, lon)) = self.location {
            out.push_str(&format!("{pad}  location {lat:.4}, {lon:.4}\n"));
        }
        if let Some(ages) = self.ages {
            out.push_str(&format!("{pad}  ages {ages}\n"));
        }
        if let Some(sexes) = self.sexes {
            out.push_str(&format!("{pad}  sexes {sexes}\n"));
        }
        if let Some(rank) = self.rank {
            out.push_str(&format!("{pad}  rank {rank}\n"));
        }
        if let Some(valid) = &self.valid {
            out.push_str(&format!("{pad}  valid {valid}\n"));
        }
        match self.hours.as_slice() {
            [one] if one == "all_hours" => out.push_str(&format!("{pad}  hours {{ all_hours }}\n")),
            lines => {
                out.push_str(&format!("{pad}  hours {{\n"));
                for line in lines {
                    out.push_str(&format!("{pad}    {line}\n"));
                }
                out.push_str(&format!("{pad}  }}\n"));
            }
        }
        out.push_str(&format!("{pad}}}\n"));
        out
    }
}

/// Dates the hours may name.
pub struct Dates {
    /// Bank holidays (empty without a calendar).
    pub holidays: Vec<Date>,
    /// First day of the calendar's years.
    pub first: Date,
    /// Number of days those years span.
    pub span: i64,
}

impl Dates {
    fn random_day(&self, rng: &mut Rng) -> Date {
        let offset = rng.below(usize::try_from(self.span.max(1)).unwrap_or(1));
        self.first.plus(i64::try_from(offset).unwrap_or(0))
    }
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Opening hours of one service of a kind.
pub fn hours(kind: HoursKind, rng: &mut Rng, dates: &Dates) -> Vec<String> {
    let variants: &[&[&str]] = match kind {
        HoursKind::AllHours => &[&["all_hours"]],
        HoursKind::Pharmacy => &[
            &[
                "mon-fri 09:00-13:00, 14:00-18:00",
                "sat 09:00-13:00",
                "bank_holiday closed",
            ],
            &[
                "mon-fri 08:30-18:30",
                "sat 09:00-17:30",
                "sun 10:00-16:00",
                "bank_holiday 10:00-16:00",
            ],
            &[
                "mon-sat 07:00-23:00",
                "sun 10:00-20:00",
                "bank_holiday 10:00-18:00",
            ],
            &["mon-fri 09:00-18:00", "sat 09:00-12:30"],
        ],
        HoursKind::Practice => &[
            &["mon-fri 08:00-18:30", "bank_holiday closed"],
            &["mon-fri 08:00-12:30, 13:30-18:30", "bank_holiday closed"],
            &[
                "mon-wed 08:00-18:30",
                "thu 08:00-13:00",
                "fri 08:00-18:30",
                "bank_holiday closed",
            ],
        ],
        HoursKind::Dental => &[
            &[
                "mon-fri 08:30-12:30, 13:30-17:00",
                "sat 09:00-12:00",
                "bank_holiday 10:00-13:00",
            ],
            &[
                "mon-thu 08:00-17:00",
                "fri 08:00-13:00",
                "bank_holiday closed",
            ],
        ],
        HoursKind::Optician => &[&[
            "mon-fri 09:00-17:30",
            "sat 09:00-16:00",
            "bank_holiday closed",
        ]],
        HoursKind::Utc => &[
            &["mon-sun 08:00-22:00"],
            &[
                "mon-fri 08:00-20:00",
                "sat-sun 09:00-17:00",
                "bank_holiday 09:00-17:00",
            ],
        ],
        HoursKind::OutOfHours => &[&[
            "mon-fri 00:00-08:00, 18:30-24:00",
            "sat-sun 00:00-24:00",
            "bank_holiday 00:00-24:00",
        ]],
        HoursKind::Daytime => &[
            &["mon-sun 08:00-22:00"],
            &["mon-fri 08:00-20:00", "sat-sun 09:00-17:00"],
        ],
        HoursKind::Office => &[&["mon-fri 09:00-17:00", "bank_holiday closed"]],
        HoursKind::Clinic => &[&[
            "mon-fri 09:00-12:00, 13:00-19:00",
            "sat 10:00-13:00",
            "bank_holiday closed",
        ]],
        HoursKind::DutyTeam => &[&[
            "mon-fri 00:00-09:00, 17:00-24:00",
            "sat-sun 00:00-24:00",
            "bank_holiday 00:00-24:00",
        ]],
    };
    let chosen = rng.pick(variants).copied().unwrap_or(&["all_hours"]);
    let mut out: Vec<String> = lines(chosen);
    if dates.holidays.is_empty() {
        out.retain(|line| !line.starts_with("bank_holiday"));
    }
    // Dated entries: a bank-holiday rota opening, and a closure for a refit
    // or training, never on the same day.
    let mut on: Option<Date> = None;
    let rota = matches!(kind, HoursKind::Pharmacy | HoursKind::Dental);
    if rota && !dates.holidays.is_empty() && rng.percent(25) {
        if let Some(day) = rng.pick(&dates.holidays).copied() {
            out.push(format!("on {day} 10:00-13:00"));
            on = Some(day);
        }
    }
    let closure = match kind {
        HoursKind::Pharmacy | HoursKind::Dental | HoursKind::Optician => rng.percent(10),
        HoursKind::Practice | HoursKind::Clinic | HoursKind::Utc => rng.percent(15),
        _ => false,
    };
    if closure {
        let start = dates.random_day(rng);
        let length = if matches!(kind, HoursKind::Practice | HoursKind::Clinic) {
            0
        } else {
            i64::try_from(rng.range(2, 14)).unwrap_or(2)
        };
        let end = start.plus(length);
        let clashes = on.is_some_and(|day| start <= day && day <= end);
        if !clashes {
            let line = if length == 0 {
                let reason = if matches!(kind, HoursKind::Practice) {
                    "Protected learning time"
                } else {
                    "Staff training"
                };
                format!("closed {start} because \"{reason}\"")
            } else {
                format!("closed {start}..{end} because \"Refit\"")
            };
            out.push(line);
        }
    }
    out
}

/// Companions restricted by age or sex, by type: name stem, ages, sexes.
fn companion(ty: &str) -> Option<(&'static str, Option<&'static str>, Option<&'static str>)> {
    match ty {
        "emergency_department" => Some(("Children's Emergency Department", Some("0..15"), None)),
        "urgent_treatment_centre" => {
            Some(("Children's Urgent Treatment Centre", Some("0..15"), None))
        }
        "dental" => Some(("Community Dental Service for children", Some("0..17"), None)),
        "gp_practice" => Some(("University Student Health Centre", Some("16..30"), None)),
        "pharmacy_cpcs" => Some(("Care Home Pharmacy Service", Some("65.."), None)),
        "sexual_health" => Some(("Women's Health Clinic", None, Some("female"))),
        "maternity" => Some(("Women's Unit", Some("16.."), Some("female"))),
        _ => None,
    }
}

/// How many national services of each type: one of each first, the rest
/// by weight (largest remainder).
pub fn counts(total: usize) -> Vec<usize> {
    let mut counts = vec![0usize; TYPES.len()];
    let national: Vec<usize> = (0..TYPES.len())
        .filter(|t| TYPES.get(*t).is_some_and(|ty| !ty.overlay_only))
        .collect();
    let mut left = total;
    for t in &national {
        if left == 0 {
            break;
        }
        if let Some(c) = counts.get_mut(*t) {
            *c += 1;
        }
        left -= 1;
    }
    let weight_sum: usize = national
        .iter()
        .filter_map(|t| TYPES.get(*t))
        .map(|t| usize::try_from(t.weight).unwrap_or(0))
        .sum();
    if weight_sum == 0 {
        return counts;
    }
    let mut given = 0;
    let mut remainders: Vec<(usize, usize)> = Vec::new();
    for t in &national {
        let w = TYPES
            .get(*t)
            .map_or(0, |ty| usize::try_from(ty.weight).unwrap_or(0));
        let share = left * w / weight_sum;
        if let Some(c) = counts.get_mut(*t) {
            *c += share;
        }
        given += share;
        remainders.push((left * w % weight_sum, *t));
    }
    remainders.sort_by(|a, b| b.cmp(a));
    for (_, t) in remainders.into_iter().take(left - given) {
        if let Some(c) = counts.get_mut(t) {
            *c += 1;
        }
    }
    counts
}

/// Numbering of service ids, per type.
#[derive(Debug, Default)]
pub struct Ids {
    next: Vec<usize>,
}

impl Ids {
    fn next(&mut self, ty: usize) -> String {
        if self.next.len() < TYPES.len() {
            self.next.resize(TYPES.len(), 0);
        }
        let n = self.next.get(ty).copied().unwrap_or(0) + 1;
        if let Some(slot) = self.next.get_mut(ty) {
            *slot = n;
        }
        let prefix = TYPES.get(ty).map_or("SVC", |t| t.prefix);
        format!("{prefix}{n:05}")
    }
}

fn jitter(rng: &mut Rng, lat: f64, lon: f64, spread: f64) -> (f64, f64) {
    (
        lat + rng.signed_unit() * spread,
        lon + rng.signed_unit() * spread * 1.6,
    )
}

fn validity(rng: &mut Rng) -> Option<String> {
    if !rng.percent(3) {
        return None;
    }
    let options = [
        "2019-04-01..",
        "2020-10-01..",
        "2021-06-14..",
        "2019-01-01..2021-03-31",
        "2019-01-01..2022-09-30",
    ];
    rng.pick(&options).map(|s| (*s).to_owned())
}

/// The national services: `counts` of each type, spread over `places`.
pub fn national(
    rng: &mut Rng,
    places: &Places,
    counts: &[usize],
    dates: &Dates,
    ids: &mut Ids,
) -> Vec<Service> {
    let mut out = Vec::new();
    for (ty, spec) in TYPES.iter().enumerate() {
        let count = counts.get(ty).copied().unwrap_or(0);
        match spec.spread {
            Spread::Wide => wide(rng, places, ty, count, dates, ids, &mut out),
            Spread::Local => {
                let mut made = 0;
                while made < count {
                    let pair =
                        companion(spec.name).is_some() && count - made >= 2 && rng.percent(4);
                    let base = local(rng, places, ty, dates, ids);
                    if pair {
                        if let Some(partner) = restricted(rng, &base, dates, ids) {
                            out.push(base);
                            out.push(partner);
                            made += 2;
                            continue;
                        }
                    }
                    out.push(base);
                    made += 1;
                }
            }
        }
    }
    out
}

fn wide(
    rng: &mut Rng,
    places: &Places,
    ty: usize,
    count: usize,
    dates: &Dates,
    ids: &mut Ids,
    out: &mut Vec<Service>,
) {
    let Some(spec) = TYPES.get(ty) else {
        return;
    };
    let n_areas = places.areas.len().max(1);
    for j in 0..count {
        // Fewer services than areas: each covers a run of areas; more: each
        // area gets several, ranked.
        let (covered, rank): (Vec<usize>, Option<u32>) = if count <= n_areas {
            let from = j * n_areas / count;
            let to = ((j + 1) * n_areas / count).max(from + 1);
            (
                places
                    .areas
                    .iter()
                    .copied()
                    .skip(from)
                    .take(to - from)
                    .collect(),
                None,
            )
        } else {
            let area = places.areas.get(j % n_areas).copied().unwrap_or(0);
            (vec![area], u32::try_from(j / n_areas + 1).ok())
        };
        let Some(first) = covered.first().and_then(|a| places::area(*a)) else {
            continue;
        };
        let towns: Vec<&str> = covered
            .iter()
            .filter_map(|a| places::area(*a).map(|x| x.town))
            .collect();
        let place = match towns.as_slice() {
            [one] => (*one).to_owned(),
            [a, b] => format!("{a} and {b}"),
            [a, b, ..] => format!("{a}, {b} and {} more areas", towns.len() - 2),
            [] => String::new(),
        };
        let stem = rng.pick(spec.names).copied().unwrap_or("Service");
        let rank_suffix = match rank {
            Some(r) if r > 1 => format!(" ({r})"),
            _ => String::new(),
        };
        out.push(Service {
            id: ids.next(ty),
            name: format!("{place} {stem}{rank_suffix}"),
            ty,
            catchment: covered
                .iter()
                .map(|a| places::area_code(*a).to_owned())
                .collect(),
            location: Some(jitter(rng, first.lat, first.lon, 0.05)),
            ages: None,
            sexes: None,
            rank: rank.filter(|_| count > n_areas),
            valid: None,
            hours: hours(spec.hours, rng, dates),
            home_area: covered.first().copied().unwrap_or(0),
            home_district: None,
        });
    }
}

fn local(rng: &mut Rng, places: &Places, ty: usize, dates: &Dates, ids: &mut Ids) -> Service {
    let (area_idx, number) = rng.pick(&places.districts).copied().unwrap_or((0, 1));
    let area = places::area(area_idx);
    let home = places::district(area_idx, number);
    let mut catchment = Vec::new();
    let geography = dxmap::geo::Geography::bundled();
    if rng.percent(5) {
        // One or two sectors of the district (that exist; the district
        // itself when the first does not).
        let first = u32::try_from(rng.below(9)).unwrap_or(0);
        let sector = format!("{home} {first}");
        if geography.contains(&sector) {
            catchment.push(sector);
            let next = format!("{home} {}", first + 1);
            if rng.percent(50) && geography.contains(&next) {
                catchment.push(next);
            }
        } else {
            catchment.push(home.clone());
        }
    } else {
        catchment.push(home.clone());
        let (lo, hi) = area.map_or((number, number), |a| (a.first, a.last));
        for step in 1..=u32::try_from(rng.below(3)).unwrap_or(0) {
            let neighbour = if step % 2 == 1 {
                number + step.div_ceil(2)
            } else {
                number.saturating_sub(step / 2)
            };
            if (lo..=hi).contains(&neighbour) && neighbour != number {
                let unit = places::district(area_idx, neighbour);
                if !catchment.contains(&unit) && geography.contains(&unit) {
                    catchment.push(unit);
                }
            }
        }
    }
    let spec = TYPES.get(ty);
    let stem = spec
        .and_then(|s| rng.pick(s.names).copied())
        .unwrap_or("Service");
    let town = area.map_or("", |a| a.town);
    Service {
        id: ids.next(ty),
        name: format!("{stem}, {town} {home}"),
        ty,
        catchment,
        location: area.map(|a| jitter(rng, a.lat, a.lon, 0.08)),
        ages: None,
        sexes: None,
        rank: rng
            .percent(8)
            .then(|| u32::try_from(rng.range(1, 2)).unwrap_or(1)),
        valid: validity(rng),
        hours: spec.map_or_else(|| lines(&["all_hours"]), |s| hours(s.hours, rng, dates)),
        home_area: area_idx,
        home_district: Some(home),
    }
}

fn restricted(rng: &mut Rng, base: &Service, dates: &Dates, ids: &mut Ids) -> Option<Service> {
    let spec = TYPES.get(base.ty)?;
    let (stem, ages, sexes) = companion(spec.name)?;
    let town = places::area(base.home_area).map_or("", |a| a.town);
    let district = base.home_district.clone().unwrap_or_default();
    Some(Service {
        id: ids.next(base.ty),
        name: format!("{stem}, {town} {district}"),
        ty: base.ty,
        catchment: base.catchment.clone(),
        location: base.location,
        ages,
        sexes,
        rank: None,
        valid: None,
        hours: hours(spec.hours, rng, dates),
        home_area: base.home_area,
        home_district: base.home_district.clone(),
    })
}

/// Services of one overlay: `count` of them, of the types `routed` there
/// (PODs first where the overlay runs them).
pub fn overlay_services(
    rng: &mut Rng,
    plan: &OverlayPlan,
    count: usize,
    routed: &[usize],
    ids: &mut Ids,
) -> Vec<Service> {
    let kinds: [(&str, &str, &str, Option<&str>); 6] = [
        (
            "covid_assessment_pod",
            "Priority Assessment POD",
            "mon-sun 08:00-20:00",
            Some("2020-04-06..2020-08-31"),
        ),
        (
            "gp_ooh",
            "Hot Hub",
            "mon-sun 08:00-20:00",
            Some("2020-04-01.."),
        ),
        (
            "clinician_queue",
            "COVID Clinical Assessment Service",
            "all_hours",
            Some("2020-03-20..2020-09-30"),
        ),
        (
            "urgent_treatment_centre",
            "Community Urgent Treatment Centre",
            "mon-sun 08:00-20:00",
            None,
        ),
        (
            "community_nursing",
            "Virtual Ward",
            "mon-sun 08:00-22:00",
            Some("2021-01-04.."),
        ),
        (
            "pharmacy_cpcs",
            "Medicines Delivery Pharmacy",
            "mon-fri 09:00-17:00",
            Some("2020-03-23..2021-03-31"),
        ),
    ];
    let usable: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, (name, _, _, _))| {
            crate::data::type_index(name).is_some_and(|t| routed.contains(&t))
                && (plan.pods || *name != "covid_assessment_pod")
        })
        .map(|(i, _)| i)
        .collect();
    let area = places::area(plan.home);
    let town = area.map_or("", |a| a.town);
    let mut out = Vec::new();
    for j in 0..count {
        let kind_idx = if j == 0 && plan.pods && usable.contains(&0) {
            0
        } else {
            rng.pick(&usable).copied().unwrap_or(0)
        };
        let Some((name, stem, line, valid)) = kinds.get(kind_idx).copied() else {
            continue;
        };
        let Some(ty) = crate::data::type_index(name) else {
            continue;
        };
        let (district_area, number) = plan.districts.first().copied().unwrap_or((plan.home, 1));
        let place = if name == "covid_assessment_pod" || name == "urgent_treatment_centre" {
            format!("{town} {}", places::district(district_area, number))
        } else {
            plan.label.clone()
        };
        out.push(Service {
            id: ids.next(ty),
            name: if name == "covid_assessment_pod" {
                format!("{stem}, {place}")
            } else {
                format!("{place} {stem}")
            },
            ty,
            catchment: plan.area.clone(),
            location: area.map(|a| jitter(rng, a.lat, a.lon, 0.05)),
            ages: None,
            sexes: None,
            rank: None,
            valid: valid.map(str::to_owned),
            hours: vec![line.to_owned()],
            home_area: plan.home,
            home_district: None,
        });
    }
    out
}
