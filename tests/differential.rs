//! Differential test: the runtime against a reference interpreter.
//!
//! Random rules trees are written as TEXT and go through the whole pipeline
//! twice: parse → check → model, read by the reference interpreter
//! (`tests/support/reference.rs`, DESIGN.md "Routing semantics" in its
//! plainest form), and compile → table artifact → `dxmap_runtime::Router`.
//! Random cases are routed by both, and the whole observable decision must
//! agree: overlay, rule, `no_search` reason, catch-all flag, the case's
//! position, and the services in order with their capacity. On a disagreement the test prints
//! the tree (as a multi-file fixture), the case and both answers.
//!
//! The trees use a small catalogue written here (every bracket of the
//! search window's length, `same_as` codes with and without a timeframe of
//! their own, a code no rule names) or the bundled `pathways-2015` with a
//! few codes; coverage gaps and other analysis findings (`DX05xx`) are
//! tolerated, any other error fails the test. They have groups, conditions
//! on every field (ages in every form and unit), priorities, `no_search`,
//! catch-alls, skills, overlays (chains of `extends`, areas at area,
//! district and sector level, remaps, suspensions of services and types,
//! overrides, additions, removals, their own services and catch-alls),
//! services with random catchments, ranks, locations, address postcodes
//! (set on the checked model: the language has no `postcode` clause yet),
//! ages, sexes, validity windows and hours (split sessions, `all_hours`,
//! `bank_holiday`, `on` and `closed`), catch-alls limited by distance (set
//! on the compiled table and given to the reference, until the language has
//! `within`), and a calendar. Units and postcodes are real (districts from
//! the geography; sectors that may not exist, so that positions fall back
//! to the district; now and then a district that does not exist, an error
//! in the case), and both sides must agree on the case's position too. The
//! cases aim at the edges: ages at every
//! bound, postcodes inside and outside every overlay, times on the
//! daylight-saving changeovers, at midnights, on bank holidays, at the first
//! and last days of validity windows and suspensions, and times whose search
//! window begins or ends exactly when a session opens or closes; capacity
//! expiring at, just before or just after the case's time.
//!
//! `cargo test` runs 150 trees × 200 cases. `DXMAP_DIFF_CASES=N` sets the
//! total number of cases for a long run, and `DXMAP_DIFF_SEED` the seed:
//!
//! ```sh
//! DXMAP_DIFF_CASES=1000000 cargo test --release --test differential -- --nocapture
//! ```
//!
//! The one disagreement it found (a `same_as` code named by a rule searched
//! without its target's timeframe) is fixed in the runtime and pinned by
//! `a_same_as_code_named_by_a_rule_searches_with_its_targets_timeframe`.
//!
//! The test also checks the checker's conversion of ages to days against
//! DESIGN.md ("365.25 and 30.4375 days, rounded down"; "from the A-th
//! birthday up to, not including, the (B+1)-th"), which the reference takes
//! from the model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken tree or a disagreement"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use dxmap::check::model::{self, Model};
use dxmap::diagnostics::Code;
use dxmap_runtime::{Capacity, Case, CaseError, Channel, Decision, Rag, Router, Sex, Table};
use jiff::civil;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use support::reference::{self, Answer, Reference, Refusal};
use support::rng::Rng;

/// Trees and cases of the bounded run (`cargo test`).
const TREES: usize = 150;
const CASES_PER_TREE: usize = 200;
const DEFAULT_SEED: u64 = 0x0D1F_F5EE_D202_0329;

// -------------------------------------------------------------- catalogues

/// The test catalogue: every bracket of the window length (no timeframe, 0,
/// 20, 30, 31, 45, 60, 61, 180, 720, 1440 minutes), `same_as` codes with and
/// without a timeframe of their own, a code on two channels only, an unused
/// code, and codes no rule names (`Dx17`, `Dx18`).
const CATALOGUE: &str = r#"release: diff
source: "dxmap differential test"
dispositions:
  - { code: Dx01, title: "No timeframe", section: 1, status: in_use }
  - { code: Dx02, title: "Now", section: 1, status: in_use, timeframe_minutes: 0 }
  - { code: Dx03, title: "Within 20 minutes", section: 1, status: in_use, timeframe_minutes: 20 }
  - { code: Dx04, title: "Within 30 minutes", section: 1, status: in_use, timeframe_minutes: 30 }
  - { code: Dx05, title: "Within 31 minutes", section: 1, status: in_use, timeframe_minutes: 31 }
  - { code: Dx06, title: "Within 45 minutes", section: 1, status: in_use, timeframe_minutes: 45 }
  - { code: Dx07, title: "Within 1 hour", section: 1, status: in_use, timeframe_minutes: 60 }
  - { code: Dx08, title: "Within 61 minutes", section: 1, status: in_use, timeframe_minutes: 61 }
  - { code: Dx09, title: "Within 3 hours", section: 1, status: in_use, timeframe_minutes: 180 }
  - { code: Dx10, title: "Within 12 hours", section: 1, status: in_use, timeframe_minutes: 720 }
  - { code: Dx11, title: "Within 24 hours", section: 1, status: in_use, timeframe_minutes: 1440 }
  - { code: Dx12, title: "Same as Dx09, no timeframe of its own", section: 1, status: in_use, same_as: Dx09 }
  - { code: Dx13, title: "Same as Dx10, within 30 minutes", section: 1, status: in_use, timeframe_minutes: 30, same_as: Dx10 }
  - { code: Dx14, title: "Same as Dx02", section: 1, status: in_use, same_as: Dx02 }
  - { code: Dx15, title: "111 and ooh only, 90 minutes", section: 1, status: in_use, channels: ["111", ooh], timeframe_minutes: 90 }
  - { code: Dx16, title: "Not in use, 6 hours", section: 3, status: not_in_use, timeframe_minutes: 360 }
  - { code: Dx17, title: "Named by no rule, 4 hours", section: 1, status: in_use, timeframe_minutes: 240 }
  - { code: Dx18, title: "Same as Dx17", section: 1, status: in_use, same_as: Dx17 }
  - { code: Dx010, title: "Not Dx10, within 1 hour", section: 1, status: in_use, timeframe_minutes: 60 }
"#;

/// The release a tree is checked against, with the codes its rules use and
/// the extra codes its cases ask about.
struct Release {
    line: &'static str,
    rule_codes: &'static [&'static str],
    case_codes: &'static [&'static str],
}

const OWN: Release = Release {
    line: "diff.yaml",
    rule_codes: &[
        "Dx01", "Dx02", "Dx03", "Dx04", "Dx05", "Dx06", "Dx07", "Dx08", "Dx09", "Dx10", "Dx11",
        "Dx12", "Dx13", "Dx14", "Dx15", "Dx16", "Dx010",
    ],
    case_codes: &["Dx17", "Dx18", "Dx99", "Dx1", "Dx0010"],
};

const PATHWAYS: Release = Release {
    line: "pathways-2015",
    rule_codes: &[
        "Dx05", "Dx06", "Dx11", "Dx1111", "Dx010", "Dx0101", "Dx28", "Dx32", "Dx34", "Dx16", "Dx91",
    ],
    case_codes: &["Dx12", "Dx02", "Dx9999"],
};

// ------------------------------------------------------------------- trees

/// An age interval in days, `[min, max)`, as DESIGN.md defines it.
type Interval = (u32, Option<u32>);

/// A generated tree: its files and what the generator meant by its ages.
struct Generated {
    files: Vec<(String, String)>,
    /// The focus date: most dates of the tree and its cases are near it.
    focus: civil::Date,
    release: &'static Release,
    /// Ages, by (layer, rule name), as DESIGN.md converts them.
    rule_ages: BTreeMap<(String, String), Interval>,
    /// Ages, by service id.
    service_ages: BTreeMap<String, Interval>,
    /// Address postcodes of services, by id: set on the checked model (the
    /// language has no `postcode` clause yet).
    postcodes: BTreeMap<String, String>,
    /// `catch_all T within D` in metres, by layer name: set on the compiled
    /// table and given to the reference (the language has no `within` yet).
    within: BTreeMap<String, u32>,
}

impl Generated {
    /// The tree as a multi-file fixture (`//- NAME` lines).
    fn fixture(&self) -> String {
        let mut out = String::new();
        for (name, text) in &self.files {
            let _ = writeln!(out, "//- {name}");
            out.push_str(text);
        }
        for (id, postcode) in &self.postcodes {
            let _ = writeln!(out, "// service {id}: postcode \"{postcode}\"");
        }
        for (layer, metres) in &self.within {
            let _ = writeln!(out, "// layer {layer}: catch_all within {metres}m");
        }
        out
    }
}

const TYPE_NAMES: [&str; 5] = ["ed", "gp", "ph", "cq", "mat"];
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Postcode units overlays may claim and catchments name.
const UNITS: [&str; 17] = [
    "SO", "PO", "BH", "S", "W", "SO16", "SO14", "PO30", "PO1", "S1", "W1A", "BH1", "SO16 7",
    "SO16 8", "PO30 5", "S1 2", "W1A 0",
];
/// Units of no overlay and no catchment.
const ELSEWHERE: [&str; 5] = ["EX", "EX1", "EX1 1", "S2", "SO1"];
/// The daylight-saving changeovers (last Sundays of March and October).
const CHANGEOVERS: [(i16, i8, i8); 4] =
    [(2020, 3, 29), (2020, 10, 25), (2021, 3, 28), (2021, 10, 31)];
/// Minutes that sessions often start or end at: midnights, the changeover
/// hour, ordinary hours, the last minutes of the day.
const SESSION_MINUTES: [u16; 21] = [
    0, 30, 60, 90, 120, 150, 180, 360, 480, 510, 540, 720, 780, 840, 1020, 1080, 1200, 1380, 1410,
    1439, 1440,
];

fn day_offset(date: civil::Date, days: i64) -> civil::Date {
    date.checked_add(jiff::Span::new().days(days))
        .unwrap_or(date)
}

/// A date near the focus (within a month) most of the time, else anywhere
/// in 2020–2021.
fn date_near(rng: &mut Rng, focus: civil::Date) -> civil::Date {
    if rng.chance(80) {
        day_offset(focus, rng.range(-30, 30))
    } else {
        day_offset(civil::date(2020, 1, 1), rng.range(0, 730))
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Ages as written: value and unit (`""` years, `y`, `mo`, `d`).
fn gen_age(rng: &mut Rng) -> (u64, &'static str) {
    match rng.below(4) {
        0 => (*rng.pick(&[0, 1, 2, 5, 15, 16, 17, 18, 65, 100]), ""),
        1 => (*rng.pick(&[0, 1, 5, 16, 18, 65]), "y"),
        2 => (*rng.pick(&[0, 1, 3, 6, 11, 18, 24]), "mo"),
        _ => (*rng.pick(&[0, 1, 7, 28, 29, 30, 365, 366]), "d"),
    }
}

/// DESIGN.md: "years and months converted as DoS does: 365.25 and 30.4375
/// days, rounded down".
fn design_days(value: u64, unit: &str) -> u32 {
    let days = match unit {
        "" | "y" => value * 36_525 / 100,
        "mo" => value * 304_375 / 10_000,
        _ => value,
    };
    u32::try_from(days).unwrap()
}

/// DESIGN.md: "An age range `A..B` runs from the A-th birthday up to, not
/// including, the (B+1)-th, in the units written"; comparisons alike.
fn design_interval(op: &str, a: (u64, &str), b: Option<(u64, &str)>) -> Interval {
    let start = |(v, u): (u64, &str)| design_days(v, u);
    let after = |(v, u): (u64, &str)| design_days(v + 1, u);
    match op {
        "<" => (0, Some(start(a))),
        "<=" => (0, Some(after(a))),
        ">" => (after(a), None),
        ">=" => (start(a), None),
        _ => (start(a), b.map(after)),
    }
}

fn intersect(a: Interval, b: Interval) -> Interval {
    let max = match (a.1, b.1) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    (a.0.max(b.0), max)
}

fn is_empty(interval: Interval) -> bool {
    interval.1.is_some_and(|max| max <= interval.0)
}

/// `age …` conditions for a rule, never empty together, and their interval.
fn gen_age_conditions(rng: &mut Rng) -> (Vec<String>, Interval) {
    let n = match rng.below(20) {
        0..=9 => 0,
        10..=16 => 1,
        _ => 2,
    };
    let mut conditions = Vec::new();
    let mut interval: Interval = (0, None);
    for _ in 0..n {
        let a = gen_age(rng);
        let (text, this) = match rng.below(6) {
            0 => (
                format!("age < {}{}", a.0, a.1),
                design_interval("<", a, None),
            ),
            1 => (
                format!("age <= {}{}", a.0, a.1),
                design_interval("<=", a, None),
            ),
            2 => (
                format!("age > {}{}", a.0, a.1),
                design_interval(">", a, None),
            ),
            3 => (
                format!("age >= {}{}", a.0, a.1),
                design_interval(">=", a, None),
            ),
            4 => (
                format!("age in {}{}..", a.0, a.1),
                design_interval("in", a, None),
            ),
            _ => {
                let b = gen_age(rng);
                (
                    format!("age in {}{}..{}{}", a.0, a.1, b.0, b.1),
                    design_interval("in", a, Some(b)),
                )
            }
        };
        let together = intersect(interval, this);
        if is_empty(together) {
            continue;
        }
        interval = together;
        conditions.push(text);
    }
    (conditions, interval)
}

/// What the generator knows of the tree while writing it.
struct Scope<'a> {
    release: &'a Release,
    groups: Vec<String>,
    types: Vec<&'static str>,
}

/// The clauses of a rule (inside its braces) and its ages.
fn gen_rule_body(rng: &mut Rng, scope: &Scope<'_>, because: bool) -> (String, Interval) {
    let mut refs: Vec<String> = Vec::new();
    let dx = match rng.below(10) {
        0..=3 => format!("dx = {}", rng.pick(scope.release.rule_codes)),
        4..=5 if !scope.groups.is_empty() => format!("dx in {}", rng.pick(&scope.groups)),
        _ => {
            let n = 1 + rng.below(3);
            for _ in 0..n {
                let item = if !scope.groups.is_empty() && rng.chance(25) {
                    rng.pick(&scope.groups).clone()
                } else {
                    (*rng.pick(scope.release.rule_codes)).to_owned()
                };
                if !refs.contains(&item) {
                    refs.push(item);
                }
            }
            format!("dx in ({})", refs.join(", "))
        }
    };
    let mut conditions = vec![dx];
    if rng.chance(40) {
        let channels = rng.some_up_to(&["111", "999", "ooh"], 3);
        if channels.len() == 1 && rng.chance(50) {
            conditions.push(format!("channel = {}", channels[0]));
        } else {
            conditions.push(format!("channel in ({})", channels.join(", ")));
        }
    }
    let (ages, interval) = gen_age_conditions(rng);
    conditions.extend(ages);
    if rng.chance(20) {
        conditions.push(format!("sex = {}", rng.pick(&["female", "male"])));
    }
    // Shuffle the conditions after `dx` now and then: order means nothing.
    if rng.chance(30) && conditions.len() > 2 {
        let last = conditions.len() - 1;
        conditions.swap(0, last);
    }
    let route = rng.some_up_to(&scope.types, 3);
    let mut body = format!(
        "  when {}\n  route {}\n",
        conditions.join(" and "),
        route.join(", ")
    );
    // Mostly explicit, varied priorities: rules that can match one case
    // with equal priority make the tree an error (then it is regenerated).
    if rng.chance(75) {
        let _ = writeln!(body, "  priority {}", rng.below(20));
    }
    if because {
        body.push_str("  because \"local decision\"\n");
    }
    (body, interval)
}

/// One session list: `08:30-13:00, 14:00-18:00`.
fn gen_sessions(rng: &mut Rng) -> String {
    let n = 1 + usize::try_from(rng.below(3)).unwrap();
    let mut points: BTreeSet<u16> = BTreeSet::new();
    while points.len() < 2 * n {
        let point = if rng.chance(70) {
            *rng.pick(&SESSION_MINUTES)
        } else {
            u16::try_from(rng.below(1441)).unwrap()
        };
        points.insert(point);
    }
    let mut points: Vec<u16> = points.into_iter().collect();
    // Sessions that touch (`08:00-13:00, 13:00-18:00`) do not overlap.
    if n > 1 && rng.chance(25) {
        points[2] = points[1];
    }
    points
        .chunks(2)
        .map(|pair| format!("{}-{}", hhmm(pair[0]), hhmm(pair[1])))
        .collect::<Vec<_>>()
        .join(", ")
}

fn gen_day_hours(rng: &mut Rng) -> String {
    if rng.chance(20) {
        "closed".to_owned()
    } else {
        gen_sessions(rng)
    }
}

/// An `hours { … }` block.
fn gen_hours(rng: &mut Rng, focus: civil::Date) -> String {
    let mut lines: Vec<String> = Vec::new();
    if rng.chance(20) {
        lines.push("all_hours".to_owned());
    } else {
        let mut day = 0;
        while day < 7 {
            let last = (day + usize::try_from(rng.below(4)).unwrap()).min(6);
            let spec = if last == day {
                DAY_NAMES[day].to_owned()
            } else {
                format!("{}-{}", DAY_NAMES[day], DAY_NAMES[last])
            };
            match rng.below(10) {
                0 => {}
                1 => lines.push(format!("{spec} closed")),
                _ => lines.push(format!("{spec} {}", gen_sessions(rng))),
            }
            day = last + 1;
        }
    }
    if rng.chance(40) {
        lines.push(format!("bank_holiday {}", gen_day_hours(rng)));
    }
    let mut closed: Vec<(civil::Date, Option<civil::Date>)> = Vec::new();
    if rng.chance(25) {
        for _ in 0..=rng.below(2) {
            let from = date_near(rng, focus);
            match rng.below(4) {
                0 => {
                    lines.push(format!("closed {from} because \"staff training\""));
                    closed.push((from, Some(from)));
                }
                1 => {
                    lines.push(format!("closed {from}.."));
                    closed.push((from, None));
                }
                _ => {
                    let until = day_offset(from, rng.range(0, 6));
                    lines.push(format!("closed {from}..{until} because \"refit\""));
                    closed.push((from, Some(until)));
                }
            }
        }
    }
    if rng.chance(35) {
        let mut seen = BTreeSet::new();
        for _ in 0..=rng.below(2) {
            let date = date_near(rng, focus);
            let in_closed = closed
                .iter()
                .any(|(from, until)| *from <= date && until.is_none_or(|u| date <= u));
            if in_closed || !seen.insert(date) {
                continue;
            }
            lines.push(format!("on {date} {}", gen_day_hours(rng)));
        }
    }
    // Lines may come in any order.
    if rng.chance(30) {
        lines.reverse();
    }
    if lines.len() <= 1 && rng.chance(50) {
        format!("hours {{ {} }}", lines.join(" "))
    } else {
        let mut out = String::from("hours {\n");
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
        out.push_str("  }");
        out
    }
}

/// `lat, lon` with four decimals, around Southampton.
fn gen_location(rng: &mut Rng) -> (i64, i64) {
    (rng.range(505_000, 515_000), rng.range(-20_000, -5_000))
}

fn decimal(ten_thousandths: i64) -> String {
    let sign = if ten_thousandths < 0 { "-" } else { "" };
    let abs = ten_thousandths.abs();
    format!("{sign}{}.{:04}", abs / 10_000, abs % 10_000)
}

/// A service, and its ages as DESIGN.md converts them.
fn gen_service(
    rng: &mut Rng,
    id: &str,
    scope: &Scope<'_>,
    focus: civil::Date,
    locations: &mut Vec<(i64, i64)>,
    indent: &str,
) -> (String, Interval) {
    let mut clauses = vec![format!("type {}", rng.pick(&scope.types))];
    let catchment = rng.some_up_to(&UNITS, 3);
    clauses.push(format!("catchment {}", catchment.join(", ")));
    if rng.chance(60) {
        let location = if !locations.is_empty() && rng.chance(15) {
            *rng.pick(locations)
        } else {
            gen_location(rng)
        };
        locations.push(location);
        clauses.push(format!(
            "location {}, {}",
            decimal(location.0),
            decimal(location.1)
        ));
    }
    let mut ages: Interval = (0, None);
    if rng.chance(30) {
        loop {
            let a = gen_age(rng);
            let (text, interval) = if rng.chance(30) {
                (
                    format!("ages {}{}..", a.0, a.1),
                    design_interval("in", a, None),
                )
            } else {
                let b = gen_age(rng);
                (
                    format!("ages {}{}..{}{}", a.0, a.1, b.0, b.1),
                    design_interval("in", a, Some(b)),
                )
            };
            if !is_empty(interval) {
                clauses.push(text);
                ages = interval;
                break;
            }
        }
    }
    if rng.chance(20) {
        clauses.push((*rng.pick(&["sexes female", "sexes male", "sexes female, male"])).to_owned());
    }
    if rng.chance(40) {
        clauses.push(format!("rank {}", rng.below(4)));
    }
    if rng.chance(30) {
        let from = date_near(rng, focus);
        if rng.chance(30) {
            clauses.push(format!("valid {from}.."));
        } else {
            clauses.push(format!(
                "valid {from}..{}",
                day_offset(from, rng.range(0, 40))
            ));
        }
    }
    clauses.push(gen_hours(rng, focus));
    // Clauses may come in any order; `type` first is the usual style.
    if rng.chance(20) {
        clauses.reverse();
    }
    let mut text = format!("{indent}service \"Service {id}\" id \"{id}\" {{\n");
    for clause in clauses {
        let _ = writeln!(text, "{indent}  {clause}");
    }
    let _ = writeln!(text, "{indent}}}");
    (text, ages)
}

/// The rules in force in a layer, by name, as the generator tracks them.
#[derive(Clone, Default)]
struct LayerState {
    rules: Vec<String>,
    services: Vec<String>,
}

/// A random rules tree.
#[expect(
    clippy::too_many_lines,
    reason = "one tree, item after item, in the order a file has them"
)]
fn gen_tree(rng: &mut Rng) -> Generated {
    let release = if rng.chance(25) { &PATHWAYS } else { &OWN };
    let (year, month, day) = *rng.pick(&CHANGEOVERS);
    let focus = if rng.chance(70) {
        civil::date(year, month, day)
    } else {
        day_offset(civil::date(2020, 5, 8), rng.range(-40, 40))
    };
    let mut national = String::new();
    let _ = writeln!(national, "release \"{}\"", release.line);
    national.push_str("skill pw \"Pathways clinician\"\n");
    if rng.chance(70) {
        national.push_str("has pw\n");
    }
    if rng.chance(85) {
        national.push_str("calendar bank_holidays {\n");
        let mut holidays: BTreeSet<civil::Date> = BTreeSet::new();
        for _ in 0..rng.range(1, 6) {
            let date = if rng.chance(30) {
                let (y, m, d) = *rng.pick(&CHANGEOVERS);
                civil::date(y, m, d)
            } else {
                date_near(rng, focus)
            };
            holidays.insert(date);
        }
        for date in holidays {
            let _ = writeln!(national, "  {date} \"Holiday\"");
        }
        national.push_str("}\n");
    }
    let n_types = 3 + usize::try_from(rng.below(3)).unwrap();
    let types: Vec<&'static str> = TYPE_NAMES[..n_types].to_vec();
    for name in &types {
        let _ = writeln!(national, "service_type {name} \"Type {name}\" {{");
        let _ = writeln!(
            national,
            "  responds_within {}",
            rng.pick(&["0m", "0m", "30m", "1h", "2h", "12h"])
        );
        if rng.chance(30) {
            let channels = rng.some_up_to(&["111", "999", "ooh"], 3);
            let _ = writeln!(national, "  channels {}", channels.join(", "));
        }
        if *name == "cq" || rng.chance(10) {
            national.push_str("  requires pw\n");
        }
        if rng.chance(50) {
            let _ = writeln!(national, "  returns {}", rng.range(1, 3));
        }
        national.push_str("}\n");
    }
    let mut scope = Scope {
        release,
        groups: Vec::new(),
        types,
    };
    for idx in 0..rng.below(4) {
        let mut members: Vec<String> = rng
            .some_up_to(release.rule_codes, 3)
            .into_iter()
            .map(str::to_owned)
            .collect();
        if !scope.groups.is_empty() && rng.chance(40) {
            members.push(rng.pick(&scope.groups).clone());
        }
        let name = format!("g{idx}");
        let _ = writeln!(national, "group {name} = {}", members.join(", "));
        scope.groups.push(name);
    }

    let mut rule_ages = BTreeMap::new();
    let mut service_ages = BTreeMap::new();
    let mut base = LayerState::default();
    for idx in 0..rng.range(2, 7) {
        let name = format!("R{idx}");
        let because = rng.chance(20);
        let (body, ages) = gen_rule_body(rng, &scope, because);
        let _ = write!(national, "rule \"{name}\" {{\n{body}}}\n");
        rule_ages.insert(("national".to_owned(), name.clone()), ages);
        base.rules.push(name);
    }
    if rng.chance(40) {
        let codes = rng.some_up_to(release.rule_codes, 2);
        let _ = writeln!(
            national,
            "no_search {} because \"call closed\"",
            codes.join(", ")
        );
    }
    if rng.chance(75) {
        let _ = writeln!(national, "catch_all {}", rng.pick(&scope.types));
    }
    let mut locations = Vec::new();
    for idx in 0..rng.range(3, 10) {
        let id = format!("S{idx}");
        let (text, ages) = gen_service(rng, &id, &scope, focus, &mut locations, "");
        national.push_str(&text);
        service_ages.insert(id.clone(), ages);
        base.services.push(id);
    }

    let mut files = vec![("national.dxm".to_owned(), national)];
    let split = rng.chance(30);
    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    let mut states: Vec<(String, LayerState)> = Vec::new();
    for k in 0..rng.below(4) {
        let name = format!("o{k}");
        let (parent_name, mut state) = if states.is_empty() || rng.chance(50) {
            ("national".to_owned(), base.clone())
        } else {
            let (parent, state) = rng.pick(&states).clone();
            (parent, state)
        };
        let extends = match (parent_name.as_str(), rng.below(2)) {
            ("national", 0) => String::new(),
            (parent, _) => format!(" extends {parent}"),
        };
        let mut items: Vec<String> = Vec::new();
        let free: Vec<&str> = UNITS
            .iter()
            .copied()
            .filter(|u| !claimed.contains(u))
            .collect();
        let area = rng.some_up_to(&free, 2);
        if area.is_empty() {
            break;
        }
        claimed.extend(area.iter().copied());
        items.push(format!("area {}", area.join(", ")));
        match rng.below(10) {
            0..=2 => items.push("lacks pw".to_owned()),
            3 => items.push("has pw".to_owned()),
            _ => {}
        }
        // Own services first, so that suspensions may name them.
        let mut own_services = Vec::new();
        for idx in 0..rng.below(3) {
            let id = format!("{}S{idx}", name.to_uppercase());
            let (text, ages) = gen_service(rng, &id, &scope, focus, &mut locations, "  ");
            own_services.push(text);
            service_ages.insert(id.clone(), ages);
            state.services.push(id);
        }
        let mut changed: BTreeSet<String> = BTreeSet::new();
        for _ in 0..rng.below(3) {
            let target = rng.pick(&state.rules).clone();
            if !changed.insert(target.clone()) {
                continue;
            }
            if rng.chance(70) {
                let (body, ages) = gen_rule_body(rng, &scope, true);
                items.push(format!(
                    "override rule \"{target}\" {{\n{}  }}",
                    indent(&body)
                ));
                rule_ages.insert((name.clone(), target.clone()), ages);
            } else if state.rules.len() > 1 {
                items.push(format!("remove rule \"{target}\" because \"not here\""));
                state.rules.retain(|r| *r != target);
            }
        }
        for idx in 0..rng.below(3) {
            let rule = format!("{name} A{idx}");
            let because = rng.chance(30);
            let (body, ages) = gen_rule_body(rng, &scope, because);
            items.push(format!("add rule \"{rule}\" {{\n{}  }}", indent(&body)));
            rule_ages.insert((name.clone(), rule.clone()), ages);
            state.rules.push(rule);
        }
        for _ in 0..rng.below(3) {
            let from = date_near(rng, focus);
            let until = match rng.below(4) {
                0 => String::new(),
                1 => format!(" until {from}"),
                _ => format!(" until {}", day_offset(from, rng.range(0, 20))),
            };
            if rng.chance(60) && !state.services.is_empty() {
                let id = rng.pick(&state.services).clone();
                items.push(format!(
                    "suspend service \"{id}\" from {from}{until} because \"COVID-19\""
                ));
            } else {
                items.push(format!(
                    "suspend service_type {} from {from}{until} because \"COVID-19\"",
                    rng.pick(&scope.types)
                ));
            }
        }
        if rng.chance(40) {
            let mut remapped = BTreeSet::new();
            for _ in 0..=rng.below(2) {
                let from = *rng.pick(release.rule_codes);
                let to = if rng.chance(15) {
                    *rng.pick(release.case_codes)
                } else {
                    *rng.pick(release.rule_codes)
                };
                let to_is_known = !matches!(to, "Dx99" | "Dx1" | "Dx0010" | "Dx9999");
                if from == to || !to_is_known || !remapped.insert(from) {
                    continue;
                }
                items.push(format!("remap {from} -> {to} because \"validation\""));
            }
        }
        if rng.chance(35) {
            items.push(format!("catch_all {}", rng.pick(&scope.types)));
        }
        if rng.chance(20) {
            items.push(format!(
                "no_search {} because \"local pathway\"",
                rng.pick(release.rule_codes)
            ));
        }
        // Items of an overlay may come in any order, services anywhere.
        if rng.chance(30) {
            let first = items.remove(0);
            items.push(first);
        }
        let mut text = format!("overlay {name}{extends} {{\n");
        for item in items {
            let _ = writeln!(text, "  {item}");
        }
        for service in own_services {
            text.push_str(&service);
        }
        text.push_str("}\n");
        if split {
            files.push((format!("overlays/{name}.dxm"), text));
        } else {
            files[0].1.push_str(&text);
        }
        states.push((name, state));
    }
    // Services with an address postcode (a real district, a sector that may
    // not exist); some also have a location, which wins.
    let mut postcodes = BTreeMap::new();
    for id in service_ages.keys() {
        if rng.chance(45) {
            let unit = *rng.pick(&UNITS);
            postcodes.insert(id.clone(), Cases::postcode_in(rng, unit));
        }
    }
    let mut within = BTreeMap::new();
    for layer in std::iter::once("national").chain(states.iter().map(|(name, _)| name.as_str())) {
        if rng.chance(30) {
            let metres = u32::try_from(rng.range(1_000, 120_000)).unwrap();
            within.insert(layer.to_owned(), metres);
        }
    }
    Generated {
        files,
        focus,
        release,
        rule_ages,
        service_ages,
        postcodes,
        within,
    }
}

fn indent(body: &str) -> String {
    body.lines().map(|line| format!("  {line}\n")).collect()
}

// ------------------------------------------------------------------- cases

/// Makes cases for one checked tree, aiming at its edges.
struct Cases<'a> {
    model: &'a Model,
    generated: &'a Generated,
    london: TimeZone,
    /// Every age bound of the tree's rules and services, in days.
    age_bounds: Vec<u32>,
    /// Every date bound: validity, suspensions, closures, dated hours,
    /// holidays.
    date_bounds: Vec<civil::Date>,
}

fn civil_date(date: model::Date) -> civil::Date {
    civil::date(
        i16::try_from(date.year).unwrap(),
        i8::try_from(date.month).unwrap(),
        i8::try_from(date.day).unwrap(),
    )
}

impl<'a> Cases<'a> {
    fn new(model: &'a Model, generated: &'a Generated) -> Cases<'a> {
        let mut age_bounds = BTreeSet::from([0]);
        let intervals = model
            .rules
            .iter()
            .map(|r| r.when.ages)
            .chain(model.services.iter().map(|s| s.ages));
        for ages in intervals {
            age_bounds.insert(ages.min_days);
            age_bounds.extend(ages.max_days);
        }
        let mut date_bounds = BTreeSet::new();
        let mut window = |w: model::DateWindow| {
            date_bounds.extend(w.from.map(civil_date));
            date_bounds.extend(w.until.map(civil_date));
        };
        for service in &model.services {
            window(service.valid);
            for (closed, _) in &service.hours.closed {
                window(*closed);
            }
            for day in service.hours.dated.keys() {
                window(model::DateWindow {
                    from: Some(*day),
                    until: None,
                });
            }
        }
        for layer in &model.layers {
            for suspension in &layer.suspensions {
                window(suspension.window);
            }
        }
        if let Some(calendar) = &model.calendar {
            for day in calendar.holidays.keys() {
                date_bounds.insert(civil_date(*day));
            }
        }
        Cases {
            model,
            generated,
            london: TimeZone::get("Europe/London").unwrap(),
            age_bounds: age_bounds.into_iter().collect(),
            date_bounds: date_bounds.into_iter().collect(),
        }
    }

    /// The instant of a wall-clock minute (0–1440) of a local date.
    fn local(&self, date: civil::Date, minute: i64) -> Timestamp {
        let (date, minute) = if minute >= 1440 {
            (day_offset(date, 1), 0)
        } else {
            (date, minute.max(0))
        };
        let time = date.at(
            i8::try_from(minute / 60).unwrap(),
            i8::try_from(minute % 60).unwrap(),
            0,
            0,
        );
        self.london
            .to_ambiguous_timestamp(time)
            .compatible()
            .unwrap()
    }

    /// The window length of a code, as the catalogue gives its timeframe.
    fn window_length(&self, code: &str) -> i64 {
        let catalogue = &self.model.catalogue;
        let timeframe = catalogue.lookup(code).and_then(|id| {
            let d = catalogue.get(id)?;
            d.timeframe_minutes
                .or_else(|| catalogue.get(d.same_as?)?.timeframe_minutes)
        });
        reference::window_length(timeframe)
    }

    fn postcode_in(rng: &mut Rng, unit: &str) -> String {
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let mut inward_letters = String::new();
        for _ in 0..2 {
            inward_letters.push(char::from(*rng.pick(letters)));
        }
        if unit.contains(' ') {
            return format!("{unit}{inward_letters}");
        }
        // A real district of an area, but now and then one that may not
        // exist (an error in the case).
        let districts = reference::geography().districts_of(unit);
        let district = if unit.chars().all(|c| c.is_ascii_uppercase()) && rng.chance(3) {
            format!(
                "{unit}{}",
                rng.range(1, if unit.len() == 1 { 9 } else { 99 })
            )
        } else if unit.chars().all(|c| c.is_ascii_uppercase()) {
            (*rng.pick(&districts)).to_owned()
        } else {
            unit.to_owned()
        };
        format!("{district} {}{inward_letters}", rng.below(10))
    }

    /// A postcode as a call handler might type it.
    fn typed(rng: &mut Rng, postcode: String) -> String {
        match rng.below(40) {
            0..=3 => postcode.to_lowercase(),
            4..=7 => postcode.replace(' ', ""),
            8..=9 => format!(" {} ", postcode.replace(' ', "  ")),
            10 => (*rng.pick(&[
                "SO16",
                "SO16 7",
                "1O16 7AB",
                "SOX16 7AB",
                "",
                "SO16 7AB1",
                "SO16 AAB",
            ]))
            .to_owned(),
            _ => postcode,
        }
    }

    fn age(&self, rng: &mut Rng) -> u32 {
        if rng.chance(60) {
            let bound = *rng.pick(&self.age_bounds);
            match rng.below(3) {
                0 => bound.saturating_sub(1),
                1 => bound,
                _ => bound.saturating_add(1),
            }
        } else {
            u32::try_from(rng.below(40_000)).unwrap()
        }
    }

    /// A case: aimed at a rule and one of its services two times in three,
    /// free otherwise.
    fn case(&self, rng: &mut Rng) -> Case {
        let release = self.generated.release;
        let mut case = Case {
            dx: String::new(),
            channel: *rng.pick(&Channel::ALL),
            age_days: self.age(rng),
            sex: *rng.pick(&[None, Some(Sex::Female), Some(Sex::Male)]),
            postcode: String::new(),
            at: Timestamp::UNIX_EPOCH,
            location: None,
            capacity: BTreeMap::new(),
        };
        let aimed = if rng.chance(65) {
            self.aim(rng, &mut case)
        } else {
            None
        };
        if case.dx.is_empty() {
            case.dx = if rng.chance(90) {
                (*rng.pick(release.rule_codes)).to_owned()
            } else {
                (*rng.pick(release.case_codes)).to_owned()
            };
        }
        if case.postcode.is_empty() {
            let unit = if rng.chance(85) {
                *rng.pick(&UNITS)
            } else {
                *rng.pick(&ELSEWHERE)
            };
            case.postcode = Self::postcode_in(rng, unit);
        }
        case.postcode = Self::typed(rng, std::mem::take(&mut case.postcode));
        let length = self.window_length(&case.dx);
        case.at = self.time(rng, aimed, length);
        if rng.chance(50) {
            let (lat, lon) = gen_location(rng);
            case.location = Some([lat as f64 / 10_000.0, lon as f64 / 10_000.0]);
        }
        for service in &self.model.services {
            if rng.chance(15) {
                let status = *rng.pick(&[Rag::Red, Rag::Red, Rag::Amber, Rag::Amber, Rag::Green]);
                let until = match rng.below(10) {
                    0..=3 => None,
                    4..=5 => Some(case.at),
                    6 => Some(case.at - SignedDuration::from_secs(1)),
                    7 => Some(case.at + SignedDuration::from_secs(1)),
                    _ => Some(case.at + SignedDuration::from_mins(rng.range(-600, 600))),
                };
                case.capacity
                    .insert(service.id.clone(), Capacity { status, until });
            }
        }
        if rng.chance(1) {
            case.capacity.insert(
                "NOPE".to_owned(),
                Capacity {
                    status: Rag::Red,
                    until: None,
                },
            );
        }
        case
    }

    /// Fills the case to reach a rule of a layer and a service of one of its
    /// types; returns that service.
    fn aim(&self, rng: &mut Rng, case: &mut Case) -> Option<&'a model::Service> {
        let model = self.model;
        let layer = rng.pick(&model.layers);
        if layer.rules.is_empty() {
            return None;
        }
        let rule = model.rule(*rng.pick(&layer.rules))?;
        let codes: Vec<_> = rule.dispositions.iter().copied().collect();
        if codes.is_empty() {
            return None;
        }
        let code = *rng.pick(&codes);
        // Sometimes a code that reaches it by `same_as` or a remap.
        let borrowers: Vec<String> = model
            .catalogue
            .iter()
            .filter(|(_, d)| d.same_as == Some(code))
            .map(|(_, d)| d.code.clone())
            .chain(
                layer
                    .remaps
                    .iter()
                    .filter(|(_, remap)| remap.to == code)
                    .map(|(from, _)| model.catalogue.code(*from).to_owned()),
            )
            .collect();
        case.dx = if !borrowers.is_empty() && rng.chance(30) {
            rng.pick(&borrowers).clone()
        } else {
            model.catalogue.code(code).to_owned()
        };
        let channels: Vec<Channel> = rule.when.channels.clone();
        if !channels.is_empty() && rng.chance(90) {
            case.channel = *rng.pick(&channels);
        }
        if rng.chance(80) {
            let (min, max) = (rule.when.ages.min_days, rule.when.ages.max_days);
            case.age_days = match (rng.below(3), max) {
                (0, _) => min,
                (1, Some(max)) => max.saturating_sub(1).max(min),
                (_, max) => {
                    min + u32::try_from(
                        rng.below(u64::from(max.unwrap_or(40_000).saturating_sub(min).max(1))),
                    )
                    .unwrap()
                }
            };
        }
        if let Some(sex) = rule.when.sex {
            if rng.chance(90) {
                case.sex = Some(sex);
            }
        }
        let routed = *rng.pick(&rule.route);
        let services: Vec<&model::Service> = layer
            .services
            .iter()
            .filter_map(|id| model.service(*id))
            .filter(|s| s.service_type == routed)
            .collect();
        let service = if services.is_empty() {
            None
        } else {
            Some(*rng.pick(&services))
        };
        // A postcode of the service's catchment in the layer's area, if
        // there is one.
        for _ in 0..8 {
            let unit = match service {
                Some(service) if rng.chance(70) => rng.pick(&service.catchment).text.as_str(),
                _ if !layer.area.is_empty() => rng.pick(&layer.area).text.as_str(),
                _ => *rng.pick(&UNITS),
            };
            case.postcode = Self::postcode_in(rng, unit);
            if self.layer_of(&case.postcode) == layer.name {
                break;
            }
        }
        if let Some(sexes) = service.and_then(|s| s.sexes.as_ref()) {
            if rng.chance(80) {
                case.sex = sexes.iter().next().copied();
            }
        }
        service
    }

    /// The layer in force for a postcode (step 1), to aim cases.
    fn layer_of(&self, postcode: &str) -> &str {
        let Some(postcode) = reference::parse_postcode(postcode) else {
            return "";
        };
        for unit in [&postcode.sector, &postcode.district, &postcode.area] {
            for layer in &self.model.layers {
                if layer.area.iter().any(|claimed| &claimed.text == unit) {
                    return &layer.name;
                }
            }
        }
        "national"
    }

    /// A time at an edge: a session boundary met by the search window's
    /// start or end, a daylight-saving changeover, a midnight, a date bound,
    /// or anywhere near the tree's focus.
    fn time(&self, rng: &mut Rng, aimed: Option<&model::Service>, length: i64) -> Timestamp {
        let jitter = |rng: &mut Rng| match rng.below(10) {
            0 => -1,
            1 => 1,
            _ => 0,
        };
        let focus = self.generated.focus;
        match rng.below(20) {
            0..=7 => {
                let service = match aimed {
                    Some(service) => service,
                    None => rng.pick(&self.model.services),
                };
                match self.session_edge(rng, service, length) {
                    Some(at) => at + SignedDuration::from_mins(jitter(rng)),
                    None => {
                        let date = date_near(rng, focus);
                        self.local(date, rng.range(0, 1439))
                    }
                }
            }
            8..=10 => {
                let (y, m, d) = *rng.pick(&CHANGEOVERS);
                let at = civil::date(y, m, d)
                    .to_zoned(TimeZone::UTC)
                    .unwrap()
                    .timestamp()
                    + SignedDuration::from_mins(rng.range(-30, 210));
                match rng.below(3) {
                    0 => at - SignedDuration::from_mins(length),
                    1 => at - SignedDuration::from_mins(length.min(30)),
                    _ => at,
                }
            }
            11..=12 => {
                let midnight = self.local(date_near(rng, focus), 0);
                let back = match rng.below(4) {
                    0 => length,
                    1 => length.min(30),
                    _ => 0,
                };
                midnight + SignedDuration::from_mins(*rng.pick(&[-60, -1, 0, 0, 1, 30]) - back)
            }
            13..=15 if !self.date_bounds.is_empty() => {
                let date = *rng.pick(&self.date_bounds);
                match rng.below(5) {
                    0 => self.local(date, 0),
                    1 => self.local(date, 0) - SignedDuration::from_mins(1),
                    2 => self.local(date, 1439) + SignedDuration::from_secs(59),
                    3 => self.local(day_offset(date, 1), 0),
                    _ => self.local(date, rng.range(0, 1439)),
                }
            }
            _ => {
                let at = self.local(date_near(rng, focus), rng.range(0, 1439));
                if rng.chance(20) {
                    at + SignedDuration::from_secs(rng.range(1, 59))
                } else {
                    at
                }
            }
        }
    }

    /// A time whose search window (of `length` minutes) begins or ends
    /// exactly when one of the service's sessions opens or closes.
    fn session_edge(
        &self,
        rng: &mut Rng,
        service: &model::Service,
        length: i64,
    ) -> Option<Timestamp> {
        let hours = &service.hours;
        let focus = self.generated.focus;
        let date = match rng.below(4) {
            0 if !hours.dated.is_empty() => {
                let days: Vec<_> = hours.dated.keys().copied().collect();
                civil_date(*rng.pick(&days))
            }
            1 if !self.date_bounds.is_empty() => *rng.pick(&self.date_bounds),
            _ => date_near(rng, focus),
        };
        let day = model::Date {
            year: i32::from(date.year()),
            month: date.month().unsigned_abs(),
            day: date.day().unsigned_abs(),
        };
        let mut lists: Vec<Vec<model::Session>> = Vec::new();
        let weekday = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
        lists.push(hours.weekly[weekday].clone());
        lists.extend(hours.bank_holiday.clone());
        lists.extend(hours.dated.get(&day).cloned());
        if hours.all_hours {
            lists.push(vec![model::Session {
                open: 0,
                close: 1440,
            }]);
        }
        let sessions: Vec<model::Session> = lists.into_iter().flatten().collect();
        if sessions.is_empty() {
            return None;
        }
        let session = *rng.pick(&sessions);
        let open = self.local(date, i64::from(session.open));
        let close = self.local(date, i64::from(session.close));
        Some(match rng.below(4) {
            // The window ends as the session opens: kept (closed intervals).
            0 | 1 => open - SignedDuration::from_mins(length),
            // The window begins as the session closes: kept.
            2 => close - SignedDuration::from_mins(length.min(30)),
            // The window begins as the session opens, or ends as it closes.
            _ => {
                if rng.chance(50) {
                    open - SignedDuration::from_mins(length.min(30))
                } else {
                    close - SignedDuration::from_mins(length)
                }
            }
        })
    }
}

// -------------------------------------------------------------- comparison

/// The observable part of the runtime's decision.
fn observe(decision: Decision<'_>) -> Answer {
    Answer {
        overlay: decision.overlay.to_owned(),
        rule: decision.rule.map(str::to_owned),
        no_search: decision.no_search.map(str::to_owned),
        catch_all: decision.catch_all,
        services: decision
            .services
            .into_iter()
            .map(|s| (s.id.to_owned(), s.capacity))
            .collect(),
        position: decision.position.map(|p| (p.lat, p.lon, p.source.as_str())),
    }
}

fn refusal(error: CaseError) -> Refusal {
    match error {
        CaseError::BadPostcode(_) => Refusal::BadPostcode,
        CaseError::UnknownDistrict { .. } => Refusal::UnknownDistrict,
        CaseError::UnknownDisposition { .. } => Refusal::UnknownDisposition,
        CaseError::UnknownCapacityServices(ids) => Refusal::UnknownCapacityServices(ids),
        // The router's tables here are compiled, never hostile.
        CaseError::Table(error) => panic!("a compiled table failed to decode: {error}"),
    }
}

fn show_case(case: &Case, london: &TimeZone) -> String {
    let capacity: Vec<String> = case
        .capacity
        .iter()
        .map(|(id, c)| {
            format!(
                "{id}: {}{}",
                c.status.as_str(),
                c.until.map_or_else(String::new, |u| format!(
                    " until {}",
                    u.to_zoned(london.clone())
                ))
            )
        })
        .collect();
    format!(
        "dx {} channel {} age {}d sex {:?} postcode {:?} at {} ({}) location {:?} capacity {{{}}}",
        case.dx,
        case.channel.as_str(),
        case.age_days,
        case.sex,
        case.postcode,
        case.at,
        case.at.to_zoned(london.clone()),
        case.location,
        capacity.join(", ")
    )
}

/// Checks the model's ages against DESIGN.md's conversion of what the
/// generator wrote.
fn check_ages(model: &Model, generated: &Generated) {
    for rule in &model.rules {
        let layer = &model.layers[rule.layer.index()].name;
        let expected = generated.rule_ages[&(layer.clone(), rule.name.clone())];
        assert_eq!(
            (rule.when.ages.min_days, rule.when.ages.max_days),
            expected,
            "ages of rule `{}` in `{layer}`\n{}",
            rule.name,
            generated.fixture()
        );
    }
    for service in &model.services {
        let expected = generated.service_ages[&service.id];
        assert_eq!(
            (service.ages.min_days, service.ages.max_days),
            expected,
            "ages of service `{}`\n{}",
            service.id,
            generated.fixture()
        );
    }
}

/// What a run did.
#[derive(Debug, Default)]
struct Summary {
    trees: usize,
    /// Trees regenerated because two rules overlapped with equal priority
    /// (a checker error: the tree means nothing).
    overlapping_trees: usize,
    cases: usize,
    refused: usize,
    catch_all: usize,
    no_search: usize,
    with_services: usize,
    /// Nothing survived, and there was no catch-all service.
    empty_with_rule: usize,
    /// No rule matched, and there was no catch-all service.
    empty_without_rule: usize,
    disagreements: usize,
}

/// A scratch directory holding the test catalogue, one per test.
fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("dxmap-differential-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("diff.yaml"), CATALOGUE).unwrap();
    dir
}

/// Checks and compiles a generated tree. `None` when two rules overlap with
/// equal priority; panics on any other error than an analysis finding.
fn build(dir: &Path, generated: &Generated, through_artifact: bool) -> Option<(Model, Router)> {
    let tree = dxmap::load::Tree::from_texts(dir, generated.files.clone());
    let checked = dxmap::load::check_loaded(tree, None).unwrap();
    let errors: Vec<String> = checked
        .diagnostics
        .all()
        .iter()
        .filter(|d| d.is_error() && d.code.family() != dxmap::diagnostics::Family::Analysis)
        .map(|d| format!("{} {}", d.code.id(), d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "the generator wrote a tree with errors: {errors:#?}\n{}",
        generated.fixture()
    );
    if checked
        .diagnostics
        .all()
        .iter()
        .any(|d| d.code == Code::RuleOverlap)
    {
        return None;
    }
    let mut model = checked.model.expect("a checked model");
    check_ages(&model, generated);
    for service in &mut model.services {
        service.postcode = generated.postcodes.get(&service.id).cloned();
    }
    let mut table = dxmap::compile::compile(&model, &checked.sources);
    for layer in &mut table.layers {
        layer.catch_all_within_m = generated.within.get(&layer.name).copied();
    }
    // Every fourth tree through the artifact, as an integrator loads it (in
    // a debug build the round trip costs as much as checking the tree).
    let table = if through_artifact {
        Table::from_artifact(&table.to_artifact()).expect("a table that loads")
    } else {
        table
    };
    Some((model, Router::new(table).unwrap()))
}

/// Routes `total` cases through both and counts what happened.
fn run(total: usize, seed: u64, per_tree: usize) -> Summary {
    let dir = scratch("random");
    let london = TimeZone::get("Europe/London").unwrap();
    let mut rng = Rng(seed);
    let mut summary = Summary::default();
    while summary.cases < total {
        let generated = gen_tree(&mut rng);
        let Some((model, router)) = build(&dir, &generated, summary.trees % 4 == 0) else {
            summary.overlapping_trees += 1;
            continue;
        };
        summary.trees += 1;
        let reference = Reference::new(&model).with_catch_all_within(generated.within.clone());
        let cases = Cases::new(&model, &generated);
        for _ in 0..per_tree.min(total - summary.cases) {
            let case = cases.case(&mut rng);
            let expected = reference.route(&case);
            let actual = router.route(&case).map(observe).map_err(refusal);
            summary.cases += 1;
            match &expected {
                Err(_) => summary.refused += 1,
                Ok(answer) if answer.no_search.is_some() => summary.no_search += 1,
                Ok(answer) if answer.catch_all => summary.catch_all += 1,
                Ok(answer) if !answer.services.is_empty() => summary.with_services += 1,
                Ok(answer) if answer.rule.is_some() => summary.empty_with_rule += 1,
                Ok(_) => summary.empty_without_rule += 1,
            }
            if expected != actual {
                summary.disagreements += 1;
                if summary.disagreements > 3 && summary.disagreements <= 50 {
                    eprintln!(
                        "DISAGREEMENT {} (tree {}, case {}): {}",
                        summary.disagreements,
                        summary.trees,
                        summary.cases,
                        show_case(&case, &london)
                    );
                }
                if summary.disagreements <= 3 {
                    eprintln!(
                        "DISAGREEMENT {} (tree {}, case {})\n--- tree\n{}--- case\n{}\n--- reference\n{expected:#?}\n--- runtime\n{actual:#?}\n",
                        summary.disagreements,
                        summary.trees,
                        summary.cases,
                        generated.fixture(),
                        show_case(&case, &london),
                    );
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    summary
}

#[test]
fn runtime_agrees_with_the_reference_interpreter() {
    let total = std::env::var("DXMAP_DIFF_CASES")
        .ok()
        .map_or(TREES * CASES_PER_TREE, |n| {
            n.trim()
                .parse()
                .expect("DXMAP_DIFF_CASES is a number of cases")
        });
    let seed = std::env::var("DXMAP_DIFF_SEED")
        .ok()
        .map_or(DEFAULT_SEED, |n| {
            n.trim().parse().expect("DXMAP_DIFF_SEED is a number")
        });
    let started = Instant::now();
    let summary = run(total, seed, CASES_PER_TREE);
    println!(
        "differential: {} cases on {} trees (seed {seed}; {} trees with equal-priority overlaps regenerated) in {:.1?}: \
         {} with services, {} catch-all, {} no_search, {} refused; {} disagreements",
        summary.cases,
        summary.trees,
        summary.overlapping_trees,
        started.elapsed(),
        summary.with_services,
        summary.catch_all,
        summary.no_search,
        summary.refused,
        summary.disagreements,
    );
    assert_eq!(
        summary.disagreements, 0,
        "the runtime and the reference disagree on {} of {} cases (the first ones are printed above)",
        summary.disagreements, summary.cases
    );
}

/// Found by the differential test, and fixed in the runtime.
///
/// DESIGN.md, Routing semantics, step 2: "Each search uses the timeframe of
/// the code it searches (…; a `same_as` code its own timeframe if the
/// catalogue gives one, else its target's)". `Dx12` is `same_as: Dx09`
/// (180 minutes) with no timeframe of its own, so a search for it uses 180
/// minutes: L = 120, and at 10:00 the window is 10:30–12:00, when the GP
/// (open from 11:30) is open. The runtime used to take the target's
/// timeframe only when the code routed as its target; when a rule named
/// `Dx12` itself it searched with no timeframe (L = 60, window 10:30–11:00)
/// and found nothing.
#[test]
fn a_same_as_code_named_by_a_rule_searches_with_its_targets_timeframe() {
    let text = r#"release "diff.yaml"
service_type gp "GP" { responds_within 0m }
rule "Own rule" {
  when dx = Dx12
  route gp
}
service "Opens at 11:30" id "G1" {
  type gp
  catchment SO
  hours { wed 11:30-18:00 }
}
"#;
    let generated = Generated {
        files: vec![("national.dxm".to_owned(), text.to_owned())],
        focus: civil::date(2020, 5, 6),
        release: &OWN,
        rule_ages: BTreeMap::from([(("national".to_owned(), "Own rule".to_owned()), (0, None))]),
        service_ages: BTreeMap::from([("G1".to_owned(), (0, None))]),
        postcodes: BTreeMap::new(),
        within: BTreeMap::new(),
    };
    let dir = scratch("same-as");
    let (model, router) = build(&dir, &generated, true).expect("no overlap");
    let case = Case {
        dx: "Dx12".into(),
        channel: Channel::Nhs111,
        age_days: dxmap_runtime::space::years_to_days(40),
        sex: None,
        postcode: "SO16 7AB".into(),
        // Wednesday, in summer time.
        at: "2020-05-06T10:00:00+01:00".parse().unwrap(),
        location: None,
        capacity: BTreeMap::new(),
    };
    let expected = Reference::new(&model).route(&case);
    let actual = router.route(&case).map(observe).map_err(refusal);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        expected.as_ref().map(|a| a.services.clone()),
        Ok(vec![("G1".to_owned(), Rag::Green)]),
        "the reference follows DESIGN.md"
    );
    assert_eq!(actual, expected, "runtime (left) and reference (right)");
}
