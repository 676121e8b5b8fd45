//! Random trees for the safety cross-checks (`tests/safety.rs`) and the
//! brute forces that judge them, written from DESIGN's words ("Safety
//! analyses", routing steps 1 and 2), not from the analyses' code: hours
//! minute by minute, remaps in force overlay by overlay, and the overlay
//! in force at each place of the geography the trees' units cut out.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test support: a broken generator should fail the test loudly"
)]

use std::collections::{BTreeMap, BTreeSet};

use dxmap::catalogue::{self, Catalogue, DispositionId};
use dxmap::check::model::{self, Channel};
use dxmap_runtime::CaseSex;

use super::rng::Rng;

/// Whether postcode unit `inner` lies in `outer`: the same unit, a sector
/// of a district, or a district or sector of an area (`S` holds `S1`, not
/// `SO16`).
pub fn within(inner: &str, outer: &str) -> bool {
    let letters = |u: &str| -> String { u.chars().take_while(char::is_ascii_alphabetic).collect() };
    if inner == outer {
        return true;
    }
    if outer.chars().all(|c| c.is_ascii_alphabetic()) {
        return letters(inner) == outer;
    }
    !outer.contains(' ') && inner.split(' ').next() == Some(outer) && inner.contains(' ')
}

pub const HOURS_CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx010, title: "Ambulance", section: 1, status: in_use, channels: ["999"], timeframe_minutes: 0 }
  - { code: Dx011, title: "Ambulance within 30 minutes", section: 1, status: in_use, channels: ["999", "111"], timeframe_minutes: 30 }
  - { code: Dx02, title: "Emergency department within 1 hour", section: 1, status: in_use, timeframe_minutes: 60 }
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx16, title: "GP within 3 working days", section: 1, status: in_use }
"#;

pub const HOURS_CODES: [&str; 5] = ["Dx010", "Dx011", "Dx02", "Dx05", "Dx16"];
pub const HOURS_AREA: [&str; 4] = ["TR1", "TR2", "TR3 6", "PL10"];
pub const HOURS_CATCHMENTS: [&str; 6] = ["TR", "TR1", "TR2", "TR3 6", "PL", "PL10"];
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
pub const TIMES: [u16; 10] = [0, 360, 480, 510, 720, 780, 1080, 1200, 1320, 1440];

pub fn hm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Random weekly hours: runs of days listed with one to three sessions
/// (touching or not), `closed`, or not listed; sometimes `all_hours`,
/// nothing at all, or dated entries (which the analysis does not consider).
pub fn random_hours(rng: &mut Rng) -> String {
    let mut lines = Vec::new();
    match rng.below(8) {
        0 => return "all_hours".to_owned(),
        1 => return String::new(),
        _ => {}
    }
    let mut day = 0;
    while day < 7 {
        let last = day + rng.index(7 - day).min(rng.index(7 - day));
        let days = if last == day {
            DAYS[day].to_owned()
        } else {
            format!("{}-{}", DAYS[day], DAYS[last])
        };
        match rng.below(5) {
            0 => {}
            1 => lines.push(format!("{days} closed")),
            _ => {
                let n = 2 + rng.index(3);
                let mut times = rng.some(&TIMES, n);
                times.sort_unstable();
                let sessions: Vec<String> = if times.len() == 3 {
                    // Touching sessions: 08:00-12:00, 12:00-18:00.
                    vec![
                        format!("{}-{}", hm(times[0]), hm(times[1])),
                        format!("{}-{}", hm(times[1]), hm(times[2])),
                    ]
                } else {
                    times
                        .chunks(2)
                        .map(|pair| format!("{}-{}", hm(pair[0]), hm(pair[1])))
                        .collect()
                };
                lines.push(format!("{days} {}", sessions.join(", ")));
            }
        }
        day = last + 1;
    }
    match rng.below(6) {
        0 => lines.push("on 2020-05-10 closed".to_owned()),
        1 => lines.push("on 2020-05-10 00:00-24:00".to_owned()),
        2 => lines.push("closed 2020-01-01..2020-01-02".to_owned()),
        _ => {}
    }
    lines.join("\n    ")
}

pub fn random_hours_tree(rng: &mut Rng) -> String {
    let mut text = String::from(
        "release \"tiny\"\nservice_type a \"A\" { responds_within 0m }\nservice_type b \"B\" { responds_within 0m channels 111, ooh }\n",
    );
    for idx in 0..1 + rng.below(6) {
        let catchment = rng.some_up_to(&HOURS_CATCHMENTS, 2);
        let mut extra = String::new();
        match rng.below(5) {
            0 => extra.push_str(" ages 16.."),
            1 => extra.push_str(" ages 0..15"),
            _ => {}
        }
        if rng.below(6) == 0 {
            extra.push_str(" sexes female");
        }
        if rng.below(8) == 0 {
            extra.push_str(" valid 2020-01-01..2020-12-31");
        }
        text.push_str(&format!(
            "service \"S{idx}\" id \"S{idx}\" {{\n  type {}\n  catchment {}{extra}\n  hours {{\n    {}\n  }}\n}}\n",
            rng.pick(&["a", "a", "b"]),
            catchment.join(", "),
            random_hours(rng)
        ));
    }
    for idx in 0..1 + rng.below(4) {
        let mut conditions = vec![format!("dx = {}", rng.pick(&HOURS_CODES))];
        match rng.below(4) {
            0 => conditions.push(format!("age < {}", rng.pick(&["16", "5", "65"]))),
            1 => conditions.push(format!("age >= {}", rng.pick(&["16", "5", "65"]))),
            _ => {}
        }
        if rng.below(5) == 0 {
            conditions.push("sex = male".to_owned());
        }
        if rng.below(5) == 0 {
            conditions.push(format!("channel = {}", rng.pick(&["111", "999", "ooh"])));
        }
        text.push_str(&format!(
            "rule \"R{idx}\" {{\n  when {}\n  route {}\n  priority {idx}\n}}\n",
            conditions.join(" and "),
            rng.pick(&["a", "b", "a, b"]),
        ));
    }
    let area = rng.some_up_to(&HOURS_AREA, 3);
    text.push_str(&format!("overlay o {{\n  area {}\n}}\n", area.join(", ")));
    text
}

/// The minutes of the week (Monday 00:00 first) a service's weekly hours
/// are open: minute `m` of a day is open when a session has
/// `open <= m < close`.
pub fn open_minutes(hours: &model::Hours) -> Vec<bool> {
    let mut week = vec![hours.all_hours; 7 * 1440];
    for (day, sessions) in hours.weekly.iter().enumerate() {
        for session in sessions {
            for minute in session.open..session.close {
                week[day * 1440 + usize::from(minute)] = true;
            }
        }
    }
    week
}

/// The closed runs of each day, `(weekday, from, to)`.
pub fn closed_runs(open: &[bool]) -> Vec<(usize, u16, u16)> {
    let mut runs = Vec::new();
    for day in 0..7 {
        let mut start: Option<u16> = None;
        for minute in 0..=1440u16 {
            let closed = minute < 1440 && !open[day * 1440 + usize::from(minute)];
            match (closed, start) {
                (true, None) => start = Some(minute),
                (false, Some(from)) => {
                    runs.push((day, from, minute));
                    start = None;
                }
                _ => {}
            }
        }
    }
    runs
}

/// The rules of the overlay that win a case: the highest priority among
/// those matching it, on the channels the catalogue uses the code on.
pub fn winners(
    model: &model::Model,
    layer: &model::Layer,
    dx: DispositionId,
    channel: Channel,
    sex: CaseSex,
    age: u32,
) -> Vec<model::RuleId> {
    if !model
        .catalogue
        .get(dx)
        .is_some_and(|d| d.channels.contains(&channel))
    {
        return Vec::new();
    }
    let matching: Vec<(model::RuleId, u32)> = layer
        .rules
        .iter()
        .map(|id| (*id, model.rule(*id).unwrap()))
        .filter(|(_, r)| {
            r.dispositions.contains(&dx)
                && r.when.channels.contains(&channel)
                && r.when.ages.contains(age)
                && r.when.sex.is_none_or(|s| sex.sex() == Some(s))
        })
        .map(|(id, r)| (id, r.priority))
        .collect();
    let top = matching.iter().map(|(_, p)| *p).max();
    matching
        .into_iter()
        .filter(|(_, p)| Some(*p) == top)
        .map(|(id, _)| id)
        .collect()
}

/// The services counted for a case of `rule` in `unit`: in force, of a
/// routed type serving the channel, covering the unit, accepting the age
/// and sex, open-ended, with some weekly hours.
pub fn serving(
    model: &model::Model,
    layer: &model::Layer,
    rule: &model::Rule,
    unit: &str,
    (channel, sex, age): (Channel, CaseSex, u32),
) -> Vec<usize> {
    layer
        .services
        .iter()
        .map(|id| id.index())
        .filter(|idx| {
            let s = &model.services[*idx];
            let st = model.service_type(s.service_type).unwrap();
            rule.route.contains(&s.service_type)
                && st.channels.contains(&channel)
                && s.valid.until.is_none()
                && (s.hours.all_hours || s.hours.weekly.iter().any(|d| !d.is_empty()))
                && s.ages.contains(age)
                && s.sexes
                    .as_ref()
                    .is_none_or(|set| sex.sex().is_some_and(|one| set.contains(&one)))
                && s.catchment.iter().any(|c| within(unit, &c.text))
        })
        .collect()
}

/// Hours, brute force: per (rule, unit), the closed times of every urgent
/// case of the grid the rule wins and some counted service serves.
pub type HoursGaps = BTreeMap<(model::RuleId, String), Vec<(DispositionId, Channel, CaseSex, u32)>>;

pub fn brute_hours(model: &model::Model, week: &Week) -> HoursGaps {
    let layer = model.layer(model::LayerId::from_index(1)).unwrap();
    let mut ages: BTreeSet<u32> = BTreeSet::from([0]);
    for id in &layer.rules {
        let rule = model.rule(*id).unwrap();
        ages.insert(rule.when.ages.min_days);
        ages.extend(rule.when.ages.max_days);
    }
    for service in &model.services {
        ages.insert(service.ages.min_days);
        ages.extend(service.ages.max_days);
    }
    let mut gaps = HoursGaps::new();
    for unit in layer.area.iter().map(|u| u.text.clone()) {
        for (dx, disposition) in model.catalogue.iter() {
            if disposition.timeframe_minutes.is_none_or(|t| t > 60) {
                continue;
            }
            for channel in Channel::ALL {
                for sex in CaseSex::ALL {
                    for age in &ages {
                        for id in winners(model, layer, dx, channel, sex, *age) {
                            let point = (channel, sex, *age);
                            if !closed_at(model, week, id, &unit, point).is_empty() {
                                gaps.entry((id, unit.clone()))
                                    .or_default()
                                    .push((dx, channel, sex, *age));
                            }
                        }
                    }
                }
            }
        }
    }
    gaps
}

/// The closed times of the week for one case of `rule` in `unit`: empty
/// when it is open all week or when no counted service serves the case
/// (a reach finding, not an hours one).
pub fn closed_at(
    model: &model::Model,
    week: &Week,
    rule: model::RuleId,
    unit: &str,
    point: (Channel, CaseSex, u32),
) -> Vec<(usize, u16, u16)> {
    let layer = model.layer(model::LayerId::from_index(1)).unwrap();
    let services = serving(model, layer, model.rule(rule).unwrap(), unit, point);
    if services.is_empty() {
        return Vec::new();
    }
    week.closed
        .borrow_mut()
        .entry(services.clone())
        .or_insert_with(|| {
            let open: Vec<bool> = (0..7 * 1440)
                .map(|minute| services.iter().any(|s| week.open[*s][minute]))
                .collect();
            closed_runs(&open)
        })
        .clone()
}

/// Closed times of the week, `(weekday, from, to)`, Monday = 0.
pub type Closed = Vec<(usize, u16, u16)>;

/// Each service's open minutes, and the closed runs of the sets of
/// services looked at so far.
pub struct Week {
    open: Vec<Vec<bool>>,
    closed: std::cell::RefCell<BTreeMap<Vec<usize>, Closed>>,
}

impl Week {
    /// The weeks of a model's services.
    pub fn new(model: &model::Model) -> Week {
        Week {
            open: model
                .services
                .iter()
                .map(|s| open_minutes(&s.hours))
                .collect(),
            closed: std::cell::RefCell::default(),
        }
    }
}

/// A random catalogue of eight codes: timeframes (some unknown), sections,
/// statuses, and some `same_as` links to a code without one.
pub fn random_catalogue(rng: &mut Rng) -> String {
    let mut text = String::from("release: tiny\ndispositions:\n");
    for idx in 1..=8 {
        let mut fields = vec![
            format!("code: Dx0{idx}"),
            format!("title: \"Code {idx}\""),
            format!("section: {}", rng.pick(&[1, 1, 1, 1, 1, 2, 3])),
            format!(
                "status: {}",
                if rng.below(6) == 0 {
                    rng.pick(&["not_in_use", "clinician_only", "no_longer_used"])
                } else {
                    "in_use"
                }
            ),
        ];
        if rng.below(6) != 0 {
            fields.push(format!(
                "timeframe_minutes: {}",
                rng.pick(&[0, 60, 120, 120, 120, 1440])
            ));
        }
        // Only codes 5 to 8 point at codes 1 to 4, which point nowhere.
        if idx > 4 && rng.below(3) == 0 {
            fields.push(format!("same_as: Dx0{}", 1 + rng.below(4)));
        }
        text.push_str(&format!("  - {{ {} }}\n", fields.join(", ")));
    }
    text
}

/// A generated overlay's parent (an index of an earlier overlay; `None`
/// for the baseline) and its remaps (`from`, `to`, tag).
pub type RemapOverlay = (Option<usize>, Vec<(String, String, String)>);

/// Overlays: `o1` (TR2, and TR1 unless `o3` takes its sector), `o2` (PL10)
/// and `o3` (TR1 1, extending `o1`), each remapping random codes.
pub fn random_remap_tree(rng: &mut Rng) -> (String, Vec<RemapOverlay>) {
    let mut text = String::from(
        "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\nservice \"S\" id \"S\" { type t catchment TR, PL, SO hours { all_hours } }\n",
    );
    let codes: Vec<String> = (1..=8).map(|i| format!("Dx0{i}")).collect();
    for idx in 0..1 + rng.below(3) {
        text.push_str(&format!(
            "rule \"R{idx}\" {{\n  when dx in ({})\n  route t\n  priority {idx}\n}}\n",
            rng.some_up_to(&codes, 4).join(", ")
        ));
    }
    let mut tag = 0;
    let mut overlays = Vec::new();
    for (name, parent, area) in [
        ("o1", None, "TR1, TR2"),
        ("o2", *rng.pick(&[None, Some(0)]), "PL10"),
        ("o3", Some(0), "TR1 1"),
    ] {
        let parent_name = parent.map_or("national".to_owned(), |p| format!("o{}", p + 1));
        text.push_str(&format!(
            "overlay {name} extends {parent_name} {{\n  area {area}\n"
        ));
        let mut remaps = Vec::new();
        let n = *rng.pick(&[0, 0, 1, 1, 2, 3]);
        for from in rng.some(&codes, n) {
            let to = rng.pick(&codes);
            if *to == from {
                continue;
            }
            text.push_str(&format!("  remap {from} -> {to} because \"r{tag}\"\n"));
            remaps.push((from, to.clone(), format!("r{tag}")));
            tag += 1;
        }
        text.push_str("}\n");
        overlays.push((parent, remaps));
    }
    (text, overlays)
}

/// The timeframe a search for a code uses (DESIGN, routing step 2): its
/// own, else its `same_as` target's.
pub fn search_timeframe(catalogue: &Catalogue, code: &str) -> Option<u32> {
    let disposition = catalogue.get(catalogue.lookup(code)?)?;
    disposition
        .timeframe_minutes
        .or_else(|| catalogue.get(disposition.same_as?)?.timeframe_minutes)
}

/// Whether a remap from `from` to `to` is risky (DESIGN, "Safety
/// analyses"): the search is slower (or of unknown timeframe where the
/// original's is known), or the code remapped to is of another section or
/// not in use.
pub fn risky_remap(catalogue: &Catalogue, from: &str, to: &str) -> bool {
    let entry = |code: &str| catalogue.get(catalogue.lookup(code).unwrap()).unwrap();
    let slower = match (
        search_timeframe(catalogue, from),
        search_timeframe(catalogue, to),
    ) {
        (Some(before), Some(after)) => after > before,
        (Some(_), None) => true,
        (None, _) => false,
    };
    slower
        || entry(to).section != entry(from).section
        || entry(to).status != catalogue::Status::InUse
}

/// Remaps, brute force from the overlays as generated: the remaps in force
/// in each overlay (its own, and its parents' for the codes it does not
/// remap), the tags of chains (the target is remapped in force there too)
/// and of risky remaps.
pub fn defined_remaps(
    overlays: &[RemapOverlay],
    catalogue: &Catalogue,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut chains, mut risky) = (BTreeSet::new(), BTreeSet::new());
    for idx in 0..overlays.len() {
        let mut line = vec![idx];
        while let Some(parent) = overlays[*line.last().unwrap()].0 {
            line.push(parent);
        }
        let mut in_force: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for layer in line.iter().rev() {
            for (from, to, tag) in &overlays[*layer].1 {
                in_force.insert(from, (to, tag));
            }
        }
        for (from, (to, tag)) in &in_force {
            if in_force.contains_key(to) {
                chains.insert((*tag).to_owned());
            }
            if risky_remap(catalogue, from, to) {
                risky.insert((*tag).to_owned());
            }
        }
    }
    (chains, risky)
}

/// Units areas and catchments are drawn from: areas, districts and
/// sectors that contain one another or not (`S` does not hold `SO16`).
pub const UNITS: [&str; 12] = [
    "TR", "TR1", "TR2", "TR1 1", "TR2 4", "PL", "PL10", "PL10 1", "S", "S1", "SO", "SO16 7",
];

/// A generated suspension tree: each service's catchment, and each
/// overlay's parent (`None` for the baseline), area and suspended services.
pub struct SuspensionTree {
    pub catchments: Vec<Vec<&'static str>>,
    pub overlays: Vec<(Option<usize>, Vec<&'static str>, Vec<usize>)>,
}

pub fn random_suspension_tree(rng: &mut Rng) -> (String, SuspensionTree) {
    let n_services = 2 + rng.index(4);
    let mut text = String::from("release \"tiny\"\n");
    let mut tree = SuspensionTree {
        catchments: Vec::new(),
        overlays: Vec::new(),
    };
    for idx in 0..n_services {
        let catchment = rng.some_up_to(&UNITS, 2);
        text.push_str(&format!(
            "service_type t{idx} \"T{idx}\" {{ responds_within 0m }}\nservice \"S{idx}\" id \"S{idx}\" {{ type t{idx} catchment {} hours {{ all_hours }} }}\n",
            catchment.join(", ")
        ));
        tree.catchments.push(catchment);
    }
    let types: Vec<String> = (0..n_services).map(|i| format!("t{i}")).collect();
    text.push_str(&format!(
        "rule \"R\" {{\n  when dx = Dx05\n  route {}\n}}\n",
        types.join(", ")
    ));
    // Each unit claimed once; each service suspended once.
    let mut units = rng.some(&UNITS, UNITS.len());
    let mut services: Vec<usize> = (0..n_services).collect();
    let n_overlays = 1 + rng.index(3);
    for idx in 0..n_overlays {
        let parent = (idx > 0 && rng.below(2) == 0).then(|| rng.index(idx));
        let take = 1 + rng.index(2.min(units.len()));
        let area: Vec<&str> = units.drain(..take.min(units.len())).collect();
        text.push_str(&format!(
            "overlay o{idx} extends {} {{\n  area {}\n",
            parent.map_or("national".to_owned(), |p| format!("o{p}")),
            area.join(", ")
        ));
        let mut suspended = Vec::new();
        for _ in 0..rng.below(3) {
            if services.is_empty() {
                break;
            }
            let service = services.remove(rng.index(services.len()));
            text.push_str(&format!(
                "  suspend service \"S{service}\" from 2030-01-01 until 2030-01-31 because \"u{service}\"\n"
            ));
            suspended.push(service);
        }
        text.push_str("}\n");
        tree.overlays.push((parent, area, suspended));
    }
    (text, tree)
}

/// How specific a unit is: an area 1, a district 2, a sector 3.
pub fn specificity(unit: &str) -> usize {
    if unit.contains(' ') {
        3
    } else if unit.chars().any(|c| c.is_ascii_digit()) {
        2
    } else {
        1
    }
}

/// Useless suspensions, brute force from the tree as generated (DESIGN,
/// "Safety analyses" and routing step 1): for each place, the overlay in
/// force is the one with the most specific area unit holding it; the
/// suspensions in force there are its own and its parents'; a suspension
/// is useful if some place holds a unit of the suspended service's
/// catchment where it is in force.
pub fn defined_useless(tree: &SuspensionTree, postcodes: &[String]) -> BTreeSet<String> {
    let mut useful = BTreeSet::new();
    for postcode in postcodes {
        let sector = postcode.trim_end_matches("AA");
        let owner = tree
            .overlays
            .iter()
            .enumerate()
            .flat_map(|(idx, (_, area, _))| area.iter().map(move |unit| (idx, *unit)))
            .filter(|(_, unit)| within(sector, unit))
            .max_by_key(|(_, unit)| specificity(unit))
            .map(|(idx, _)| idx);
        let mut layer = owner;
        while let Some(idx) = layer {
            let (parent, _, suspended) = &tree.overlays[idx];
            for service in suspended {
                if tree.catchments[*service].iter().any(|c| within(sector, c)) {
                    useful.insert(*service);
                }
            }
            layer = *parent;
        }
    }
    tree.overlays
        .iter()
        .flat_map(|(_, _, suspended)| suspended)
        .filter(|service| !useful.contains(*service))
        .map(|service| format!("u{service}"))
        .collect()
}

/// A postcode in every part of the geography the units cut out: each
/// sector listed; for each district listed, a sector not listed (all of
/// them lie in the same units); for each area listed, a sector of a
/// district not listed.
pub fn representative_postcodes() -> Vec<String> {
    let geography = dxmap::geo::Geography::bundled();
    let listed = |u: &str| UNITS.contains(&u);
    let mut sectors: BTreeSet<String> = BTreeSet::new();
    for unit in UNITS {
        if unit.contains(' ') {
            sectors.insert(unit.to_owned());
        } else if unit.chars().any(|c| c.is_ascii_digit()) {
            sectors.extend(
                geography
                    .sectors_of(unit)
                    .into_iter()
                    .find(|s| !listed(s))
                    .map(str::to_owned),
            );
        } else {
            let district = geography
                .districts_of(unit)
                .into_iter()
                .find(|d| !listed(d) && !geography.sectors_of(d).is_empty())
                .unwrap();
            sectors.insert(geography.sectors_of(district)[0].to_owned());
        }
    }
    sectors.into_iter().map(|s| format!("{s}AA")).collect()
}
