//! The safety analyses of an overlay agree with brute force on random
//! trees, each written here from DESIGN's words ("Safety analyses") and not
//! from the analyses' code:
//! - hours gaps (DX0518): for every (rule, unit, case of a grid the rule
//!   wins) with a timeframe of at most 60 minutes that some counted service
//!   serves, every minute of the week is looked at, open if a counted
//!   serving service has a session then; the (rule, unit) pairs with a
//!   closed minute, and the closed times at each finding's witness, are the
//!   analysis's;
//! - remaps (DX0513 chains, DX0514 risks): a case of each code is routed
//!   through the compiled table in every layer; where the trace shows a
//!   remap, the code it searches is routed again in the same layer (a chain
//!   if that is remapped too), and the timeframe the search uses, the
//!   section and the status decide the risk;
//! - useless suspensions (DX0515): a postcode of every part of the
//!   geography the tree's units cut out is routed before and during the
//!   suspensions; a suspension is useless when no case anywhere loses its
//!   service to it.
//!
//! Each runs 1,000 random trees (`DXMAP_SAFETY_ROUNDS` sets another
//! number) and asserts that both outcomes, findings and none, occur.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use dxmap::catalogue::{self, Catalogue, DispositionId};
use dxmap::check::analysis::reach_units;
use dxmap::check::model::{self, Channel};
use dxmap::diagnostics::{Code, Diagnostic};
use dxmap::source::{FileId, SourceMap};
use dxmap_runtime::route::Step;
use dxmap_runtime::{Case, CaseSex, Router};
use support::rng::Rng;

/// Building a router costs a debug build about 10 ms (its clock of
/// 2000–2100), so only every fourth tree is also routed.
const ROUTE_EVERY: u32 = 4;

/// How many random trees each test checks.
fn rounds() -> u32 {
    std::env::var("DXMAP_SAFETY_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

fn parse_catalogue(text: &str) -> Catalogue {
    let (catalogue, found) = catalogue::parse(FileId(1), text);
    assert!(found.is_empty(), "{text}\n{found:?}");
    catalogue.unwrap()
}

/// The tree checked; `None` when resolution found errors (the analyses do
/// not run then).
fn checked(text: &str, catalogue: &Catalogue) -> Option<(model::Model, Vec<Diagnostic>)> {
    let (file, found) = dxmap::syntax::parse(FileId(0), text);
    assert!(found.is_empty(), "{text}\n{found:?}");
    let (model, found) = dxmap::check::check(&[file], catalogue.clone());
    let resolved = !found.iter().any(|d| {
        d.is_error()
            && !matches!(
                d.code,
                Code::UnreachableUrgent
                    | Code::CoverageGap
                    | Code::RuleOverlap
                    | Code::RemapChain
            )
    });
    resolved.then_some((model, found))
}

fn router(text: &str, model: &model::Model) -> Router {
    let mut sources = SourceMap::new();
    sources.add("rules.dxm", text);
    Router::new(dxmap::compile::compile(model, &sources)).unwrap()
}

/// The `because "…"` tag of the item a diagnostic is located at.
fn tag_at(text: &str, diagnostic: &Diagnostic) -> String {
    let span = diagnostic.primary.span;
    let item = &text[span.start as usize..span.end as usize];
    let (_, tag) = item
        .split_once("because \"")
        .unwrap_or_else(|| panic!("no reason in `{item}`"));
    tag.trim_end_matches('"').to_owned()
}

fn case(dx: &str, channel: Channel, postcode: &str, at: &str) -> Case {
    Case {
        dx: dx.to_owned(),
        channel,
        age_days: 10_000,
        sex: Some(dxmap_runtime::Sex::Female),
        postcode: postcode.to_owned(),
        at: at.parse().unwrap(),
        location: None,
        capacity: BTreeMap::new(),
    }
}

/// Whether postcode unit `inner` lies in `outer`: the same unit, a sector
/// of a district, or a district or sector of an area (`S` holds `S1`, not
/// `SO16`).
fn within(inner: &str, outer: &str) -> bool {
    let letters = |u: &str| -> String { u.chars().take_while(char::is_ascii_alphabetic).collect() };
    if inner == outer {
        return true;
    }
    if outer.chars().all(|c| c.is_ascii_alphabetic()) {
        return letters(inner) == outer;
    }
    !outer.contains(' ') && inner.split(' ').next() == Some(outer) && inner.contains(' ')
}

// ------------------------------------------------------------------ hours

const HOURS_CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx010, title: "Ambulance", section: 1, status: in_use, channels: ["999"], timeframe_minutes: 0 }
  - { code: Dx011, title: "Ambulance within 30 minutes", section: 1, status: in_use, channels: ["999", "111"], timeframe_minutes: 30 }
  - { code: Dx02, title: "Emergency department within 1 hour", section: 1, status: in_use, timeframe_minutes: 60 }
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx16, title: "GP within 3 working days", section: 1, status: in_use }
"#;

const HOURS_CODES: [&str; 5] = ["Dx010", "Dx011", "Dx02", "Dx05", "Dx16"];
const HOURS_AREA: [&str; 4] = ["TR1", "TR2", "TR3 6", "PL10"];
const HOURS_CATCHMENTS: [&str; 6] = ["TR", "TR1", "TR2", "TR3 6", "PL", "PL10"];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const TIMES: [u16; 10] = [0, 360, 480, 510, 720, 780, 1080, 1200, 1320, 1440];

fn hm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Random weekly hours: runs of days listed with one to three sessions
/// (touching or not), `closed`, or not listed; sometimes `all_hours`,
/// nothing at all, or dated entries (which the analysis does not consider).
fn random_hours(rng: &mut Rng) -> String {
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

fn random_hours_tree(rng: &mut Rng) -> String {
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
fn open_minutes(hours: &model::Hours) -> Vec<bool> {
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
fn closed_runs(open: &[bool]) -> Vec<(usize, u16, u16)> {
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
fn winners(
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
fn serving(
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
type HoursGaps = BTreeMap<(model::RuleId, String), Vec<(DispositionId, Channel, CaseSex, u32)>>;

fn brute_hours(model: &model::Model, week: &Week) -> HoursGaps {
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
fn closed_at(
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

/// Each service's open minutes, and the closed runs of the sets of
/// services looked at so far.
struct Week {
    open: Vec<Vec<bool>>,
    closed: std::cell::RefCell<BTreeMap<Vec<usize>, Vec<(usize, u16, u16)>>>,
}

/// Hours gaps agree with brute force over every minute of the week.
#[test]
fn hours_gaps_agree_with_brute_force_on_random_trees() {
    let rounds = rounds();
    let mut rng = Rng(0x0404_6A95);
    let catalogue = parse_catalogue(HOURS_CATALOGUE);
    let (mut compared, mut with_gaps) = (0, 0);
    for round in 0..rounds {
        let text = random_hours_tree(&mut rng);
        let Some((model, _)) = checked(&text, &catalogue) else {
            continue;
        };
        compared += 1;
        let week = Week {
            open: model
                .services
                .iter()
                .map(|s| open_minutes(&s.hours))
                .collect(),
            closed: Default::default(),
        };
        let brute = brute_hours(&model, &week);
        let found: Vec<reach_units::Unreached> = reach_units::unreached(&model)
            .into_iter()
            .filter(|f| !f.closed.is_empty())
            .collect();
        let reported: BTreeSet<(model::RuleId, String)> = found
            .iter()
            .flat_map(|f| f.units.iter().map(|u| (f.rule, u.clone())))
            .collect();
        let expected: BTreeSet<(model::RuleId, String)> = brute.keys().cloned().collect();
        assert_eq!(
            reported, expected,
            "round {round}: hours gaps differ (analysis left, brute force right): {brute:?}\n{text}"
        );
        for finding in &found {
            let w = &finding.witness;
            let layer = model.layer(w.layer).unwrap();
            assert!(
                winners(&model, layer, w.dx, w.channel, w.sex, w.age_days).contains(&finding.rule),
                "round {round}: the witness {w:?} is not won by the rule\n{text}"
            );
            let point = (w.channel, w.sex, w.age_days);
            assert_eq!(
                finding.closed,
                closed_at(&model, &week, finding.rule, &finding.unit, point),
                "round {round}: closed times at {} for {w:?} differ\n{text}",
                finding.unit
            );
        }
        if !found.is_empty() {
            with_gaps += 1;
        }
    }
    println!("hours: {compared} trees compared, {with_gaps} with hours gaps");
    assert!(compared * 10 > rounds * 8, "only {compared} trees compared");
    assert!(
        with_gaps * 10 > compared && with_gaps * 10 < compared * 9,
        "{with_gaps} of {compared} trees had hours gaps"
    );
}

// ----------------------------------------------------------------- remaps

/// A random catalogue of eight codes: timeframes (some unknown), sections,
/// statuses, and some `same_as` links to a code without one.
fn random_catalogue(rng: &mut Rng) -> String {
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
type RemapOverlay = (Option<usize>, Vec<(String, String, String)>);

/// Overlays: `o1` (TR2, and TR1 unless `o3` takes its sector), `o2` (PL10)
/// and `o3` (TR1 1, extending `o1`), each remapping random codes.
fn random_remap_tree(rng: &mut Rng) -> (String, Vec<RemapOverlay>) {
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
fn search_timeframe(catalogue: &Catalogue, code: &str) -> Option<u32> {
    let disposition = catalogue.get(catalogue.lookup(code)?)?;
    disposition
        .timeframe_minutes
        .or_else(|| catalogue.get(disposition.same_as?)?.timeframe_minutes)
}

/// Whether a remap from `from` to `to` is risky (DESIGN, "Safety
/// analyses"): the search is slower (or of unknown timeframe where the
/// original's is known), or the code remapped to is of another section or
/// not in use.
fn risky_remap(catalogue: &Catalogue, from: &str, to: &str) -> bool {
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
fn defined_remaps(
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

/// A postcode in each layer, and the one where no overlay is in force.
const LAYER_POSTCODES: [(&str, &str); 4] = [
    ("national", "SO16 7AA"),
    ("o1", "TR2 4AA"),
    ("o2", "PL10 1AA"),
    ("o3", "TR1 1AA"),
];

const AT: &str = "2020-05-08T15:00:00+01:00";

/// The remap taken if any (`to`, `reason`), and the code searched first
/// and the timeframe of that search, from the trace.
type Search = (Option<(String, String)>, String, Option<u32>);

fn first_search(router: &Router, dx: &str, postcode: &str, layer: &str) -> Search {
    let decision = router
        .explain(&case(dx, Channel::Nhs111, postcode, AT))
        .unwrap();
    assert_eq!(decision.overlay, layer, "{postcode} is not in `{layer}`");
    let remap = decision.trace.iter().find_map(|step| match step {
        Step::Remap { to, reason, .. } => Some((to.clone(), reason.clone())),
        _ => None,
    });
    let (code, timeframe) = decision
        .trace
        .iter()
        .find_map(|step| match step {
            Step::Search {
                code,
                timeframe_minutes,
                ..
            } => Some((code.clone(), *timeframe_minutes)),
            _ => None,
        })
        .expect("a search");
    (remap, code, timeframe)
}

/// Remaps, brute force by routing: the tags of the remaps that are chains
/// in some layer (the code searched after the remap is remapped again
/// there) and of those that are risky (the search's timeframe is longer
/// than the original code's, or unknown where that one is known; the code
/// remapped to is of another section or not in use). Only the codes the
/// compiled table remaps, and their targets, are routed with a trace (a
/// trace costs a debug build about a millisecond); the trace must show
/// each of those remaps.
fn brute_remaps(router: &Router, catalogue: &Catalogue) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut chains, mut risky) = (BTreeSet::new(), BTreeSet::new());
    let mut searches: BTreeMap<(&str, &str), Search> = BTreeMap::new();
    let mut search = |layer: &'static str, postcode: &str, code: &str| -> Search {
        let key = (layer, catalogue.code(catalogue.lookup(code).unwrap()));
        searches
            .entry(key)
            .or_insert_with(|| first_search(router, code, postcode, layer))
            .clone()
    };
    for (layer, postcode) in LAYER_POSTCODES.into_iter().skip(1) {
        let table_layer = router
            .table()
            .layers
            .iter()
            .find(|l| l.name == layer)
            .unwrap();
        for from in table_layer.remaps.keys() {
            let (remap, _, timeframe) = search(layer, postcode, from);
            let (to, reason) = remap.expect("the router applies the table's remap");
            // No overlay remaps in the baseline: the original code's search.
            let (none, _, original_timeframe) = search("national", "SO16 7AA", from);
            assert_eq!(none, None);
            let (again, _, _) = search(layer, postcode, &to);
            if again.is_some() {
                chains.insert(reason.clone());
            }
            let source = catalogue.get(catalogue.lookup(from).unwrap()).unwrap();
            let target = catalogue.get(catalogue.lookup(&to).unwrap()).unwrap();
            let slower = match (original_timeframe, timeframe) {
                (Some(before), Some(after)) => after > before,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if slower
                || target.section != source.section
                || target.status != catalogue::Status::InUse
            {
                risky.insert(reason);
            }
        }
    }
    (chains, risky)
}

/// Remap chains and risky remaps agree with brute force on every tree,
/// and with routing on every fourth.
#[test]
fn remap_findings_agree_with_brute_force_and_routing_on_random_trees() {
    let rounds = rounds();
    let mut rng = Rng(0x4E3A_9C01);
    let (mut compared, mut routed, mut with_chains, mut with_risks, mut clean) = (0, 0, 0, 0, 0);
    for round in 0..rounds {
        let catalogue_text = random_catalogue(&mut rng);
        let catalogue = parse_catalogue(&catalogue_text);
        let (text, overlays) = random_remap_tree(&mut rng);
        let Some((model, found)) = checked(&text, &catalogue) else {
            continue;
        };
        compared += 1;
        let reported = |code: Code| -> BTreeSet<String> {
            found
                .iter()
                .filter(|d| d.code == code)
                .map(|d| tag_at(&text, d))
                .collect()
        };
        let (chains, risky) = defined_remaps(&overlays, &catalogue);
        assert_eq!(
            (reported(Code::RemapChain), reported(Code::RemapRisk)),
            (chains.clone(), risky.clone()),
            "round {round}: remap chains and risky remaps differ (analysis left, brute force right)\n{catalogue_text}\n{text}"
        );
        if round % ROUTE_EVERY == 0 {
            routed += 1;
            assert_eq!(
                brute_remaps(&router(&text, &model), &catalogue),
                (chains.clone(), risky.clone()),
                "round {round}: remap chains and risky remaps differ (routing left, brute force right)\n{catalogue_text}\n{text}"
            );
        }
        with_chains += u32::from(!chains.is_empty());
        with_risks += u32::from(!risky.is_empty());
        clean += u32::from(chains.is_empty() && risky.is_empty());
    }
    println!(
        "remaps: {compared} trees compared ({routed} routed), {with_chains} with chains, {with_risks} with risky remaps, {clean} with neither"
    );
    assert!(compared * 10 > rounds * 8, "only {compared} trees compared");
    for (what, n) in [
        ("chains", with_chains),
        ("risky remaps", with_risks),
        ("no finding", clean),
    ] {
        assert!(
            n * 20 > compared,
            "{n} of {compared} trees had {what}"
        );
    }
}

// ------------------------------------------------------------ suspensions

/// Units areas and catchments are drawn from: areas, districts and
/// sectors that contain one another or not (`S` does not hold `SO16`).
const UNITS: [&str; 12] = [
    "TR", "TR1", "TR2", "TR1 1", "TR2 4", "PL", "PL10", "PL10 1", "S", "S1", "SO", "SO16 7",
];

/// A generated suspension tree: each service's catchment, and each
/// overlay's parent (`None` for the baseline), area and suspended services.
struct SuspensionTree {
    catchments: Vec<Vec<&'static str>>,
    overlays: Vec<(Option<usize>, Vec<&'static str>, Vec<usize>)>,
}

fn random_suspension_tree(rng: &mut Rng) -> (String, SuspensionTree) {
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
fn specificity(unit: &str) -> usize {
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
fn defined_useless(tree: &SuspensionTree, postcodes: &[String]) -> BTreeSet<String> {
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
fn representative_postcodes() -> Vec<String> {
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

/// Useless suspensions, brute force by routing: the tags of suspensions no
/// case loses a service to, anywhere, during the suspension.
fn brute_useless(router: &Router, text: &str, postcodes: &[String]) -> BTreeSet<String> {
    let all: BTreeSet<String> = text
        .match_indices("because \"u")
        .map(|(at, _)| {
            let tag = &text[at + 9..];
            tag[..tag.find('"').unwrap()].to_owned()
        })
        .collect();
    let mut useful = BTreeSet::new();
    for postcode in postcodes {
        let ids = |at: &str| -> BTreeSet<String> {
            router
                .route(&case("Dx05", Channel::Nhs111, postcode, at))
                .unwrap()
                .services
                .iter()
                .map(|s| s.id.to_owned())
                .collect()
        };
        let before = ids("2029-06-15T12:00:00Z");
        let during = ids("2030-01-15T12:00:00Z");
        for lost in before.difference(&during) {
            useful.insert(lost.replacen('S', "u", 1));
        }
    }
    all.difference(&useful).cloned().collect()
}

/// Useless suspensions agree with brute force on every tree, and with
/// routing on every fourth.
#[test]
fn useless_suspensions_agree_with_brute_force_and_routing_on_random_trees() {
    let rounds = rounds();
    let mut rng = Rng(0x5005_BE4D);
    let catalogue = parse_catalogue(
        "release: tiny\ndispositions:\n  - { code: Dx05, title: \"Primary care 2h\", section: 1, status: in_use, timeframe_minutes: 120 }\n",
    );
    let postcodes = representative_postcodes();
    let (mut compared, mut routed, mut with_useless, mut with_useful) = (0, 0, 0, 0);
    for round in 0..rounds {
        let (text, tree) = random_suspension_tree(&mut rng);
        let Some((model, found)) = checked(&text, &catalogue) else {
            continue;
        };
        compared += 1;
        let reported: BTreeSet<String> = found
            .iter()
            .filter(|d| d.code == Code::SuspensionOutOfArea)
            .map(|d| tag_at(&text, d))
            .collect();
        let useless = defined_useless(&tree, &postcodes);
        assert_eq!(
            reported, useless,
            "round {round}: useless suspensions differ (analysis left, brute force right)\n{text}"
        );
        if round % ROUTE_EVERY == 0 {
            routed += 1;
            assert_eq!(
                brute_useless(&router(&text, &model), &text, &postcodes),
                useless,
                "round {round}: useless suspensions differ (routing left, brute force right)\n{text}"
            );
        }
        let suspensions = text.matches("suspend service").count();
        with_useless += u32::from(!useless.is_empty());
        with_useful += u32::from(useless.len() < suspensions);
    }
    println!(
        "suspensions: {compared} trees compared ({routed} routed), {with_useless} with a useless suspension, {with_useful} with a useful one"
    );
    assert!(compared * 10 > rounds * 8, "only {compared} trees compared");
    assert!(
        with_useless * 10 > compared && with_useful * 10 > compared,
        "{with_useless} of {compared} trees had a useless suspension, {with_useful} a useful one"
    );
}
