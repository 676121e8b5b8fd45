//! `diff` misses nothing: for random changes to a real tree, whenever some
//! case routes differently through the two compiled tables, `diff` reports
//! a difference (so `diff --exit-code` fails the CI gate).
//!
//! The oracle is the router itself: the old and the new tree are compiled
//! and the same random cases (every channel, ages at the rules' bounds,
//! postcodes in and out of every overlay, times on bank holidays, at night
//! and in the day, over 2019–2021) are routed through both. Changes are
//! made to the text of the shipped rules with the release catalogue copied
//! into the tree, so that catalogue fields (timeframes, `same_as`) change
//! too: a bank holiday removed or renamed, a timeframe, a `same_as`, a
//! service type's response time, an opening time, a route's order, an age
//! bound, a `no_search`, a remap, a catchment, an overlay's area, a
//! validity window, a skill, a catch-all.
//!
//! `cargo test` tries 24 changes. The documented long run:
//!
//! ```sh
//! DXMAP_DIFF_PAIRS=10000 cargo test --release --test diff_exact -- --nocapture
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken tree or a missed difference"
)]

mod support;

use std::path::{Path, PathBuf};

use dxmap::diagnostics::Family;
use dxmap_runtime::{Case, Channel, Router, Sex, Table};
use support::cli::project;
use support::rng::Rng;

/// The shipped rules as (path, text), the catalogue copied in beside them
/// and named by the `release` line.
fn base_tree() -> Vec<(String, String)> {
    let root = project().join("rules");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        let name = entry
            .path()
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if entry.file_type().is_dir() || !name.ends_with(".dxm") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        files.push((name, text));
    }
    let national = files.iter_mut().find(|(n, _)| n == "national.dxm").unwrap();
    assert!(national.1.contains("release \"pathways-2020\""));
    national.1 = national
        .1
        .replace("release \"pathways-2020\"", "release \"catalogue.yaml\"");
    let catalogue =
        std::fs::read_to_string(project().join("fixtures/releases/pathways-2020.yaml")).unwrap();
    files.push(("catalogue.yaml".to_owned(), catalogue));
    files
}

/// Compiles a tree written to `dir`; `None` when it has errors other than
/// analysis findings (a change that breaks the rules is not a pair).
fn compile(dir: &Path, files: &[(String, String)]) -> Option<Table> {
    let _ = std::fs::remove_dir_all(dir);
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let checked = dxmap::load::check_tree(dir, None).ok()?;
    let blocking = checked
        .diagnostics
        .all()
        .iter()
        .any(|d| d.is_error() && d.code.family() != Family::Analysis);
    if blocking {
        return None;
    }
    Some(dxmap::compile::compile(
        checked.model.as_ref()?,
        &checked.sources,
    ))
}

/// Every `(start, end)` byte range of `needle` in `text`.
fn places(text: &str, needle: &str) -> Vec<usize> {
    text.match_indices(needle).map(|(at, _)| at).collect()
}

/// Replaces one random occurrence, in one random file, of one of `from`
/// with what `to` makes of it. `None` when no file has any.
fn replace_one(
    rng: &mut Rng,
    files: &mut [(String, String)],
    from: &[&str],
    to: impl Fn(&mut Rng, &str) -> String,
) -> Option<String> {
    let mut found = Vec::new();
    for (idx, (_, text)) in files.iter().enumerate() {
        for needle in from {
            for at in places(text, needle) {
                found.push((idx, at, (*needle).to_owned()));
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    let (idx, at, needle) = rng.pick(&found).clone();
    let replacement = to(rng, &needle);
    let (name, text) = &mut files[idx];
    text.replace_range(at..at + needle.len(), &replacement);
    Some(format!("{name}: `{needle}` -> `{replacement}`"))
}

/// Replaces a whole random line matching `keep` with `to(line)`.
fn change_line(
    rng: &mut Rng,
    files: &mut [(String, String)],
    keep: impl Fn(&str, &str) -> bool,
    to: impl Fn(&mut Rng, &str) -> String,
) -> Option<String> {
    let mut found = Vec::new();
    for (idx, (name, text)) in files.iter().enumerate() {
        for (number, line) in text.lines().enumerate() {
            if keep(name, line) {
                found.push((idx, number));
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    let (idx, number) = *rng.pick(&found);
    let (name, text) = &mut files[idx];
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let old = lines[number].clone();
    let new = to(rng, &old);
    let mut changed: Vec<String> = lines;
    changed[number] = new.clone();
    *text = changed.join("\n") + "\n";
    Some(format!(
        "{name}:{}: `{}` -> `{}`",
        number + 1,
        old.trim(),
        new.trim()
    ))
}

/// One random change; a description of it.
fn mutate(rng: &mut Rng, files: &mut [(String, String)]) -> Option<String> {
    let times = [
        "08:00", "08:30", "09:00", "13:00", "18:00", "20:00", "22:00",
    ];
    match rng.below(15) {
        0 => change_line(
            rng,
            files,
            |name, line| name == "calendar.dxm" && line.trim_start().starts_with("20"),
            |_, _| String::new(),
        ),
        1 => change_line(
            rng,
            files,
            |name, line| name == "calendar.dxm" && line.trim_start().starts_with("20"),
            |_, line| line.replacen('"', "\"Renamed ", 1),
        ),
        2 => change_line(
            rng,
            files,
            |name, line| name == "catalogue.yaml" && line.contains("timeframe_minutes:"),
            |rng, line| {
                let minutes = rng.pick(&["0", "20", "30", "60", "90", "120", "720", "1440"]);
                let start = line.find("timeframe_minutes:").unwrap();
                format!("{}timeframe_minutes: {minutes}", &line[..start])
            },
        ),
        3 => change_line(
            rng,
            files,
            |name, line| name == "catalogue.yaml" && line.contains("same_as:"),
            |_, _| String::new(),
        ),
        4 => replace_one(
            rng,
            files,
            &["responds_within 1h", "responds_within 4h"],
            |rng, _| format!("responds_within {}", rng.pick(&["0m", "2h", "12h"])),
        ),
        5 => replace_one(rng, files, &times, |rng, _| (*rng.pick(&times)).to_owned()),
        6 => change_line(
            rng,
            files,
            |_, line| line.trim_start().starts_with("route ") && line.contains(", "),
            |_, line| {
                let start = line.find("route ").unwrap() + "route ".len();
                let mut types: Vec<&str> = line[start..].split(", ").collect();
                types.reverse();
                format!("{}{}", &line[..start], types.join(", "))
            },
        ),
        7 => replace_one(
            rng,
            files,
            &["age < 16", "age >= 16", "age < 5", "age >= 5"],
            |rng, found| {
                found.replace(|c: char| c.is_ascii_digit(), "") + *rng.pick(&["2", "12", "18"])
            },
        ),
        8 => change_line(
            rng,
            files,
            |_, line| line.starts_with("no_search "),
            |_, _| String::new(),
        ),
        9 => change_line(
            rng,
            files,
            |_, line| line.trim_start().starts_with("remap "),
            |rng, line| {
                if rng.chance(50) {
                    String::new()
                } else {
                    line.replacen("-> Dx05", "-> Dx08", 1)
                }
            },
        ),
        10 => replace_one(
            rng,
            files,
            &[
                "catchment SO",
                "catchment PO",
                "catchment BH",
                "catchment DT",
            ],
            |rng, found| format!("{found}, {}", rng.pick(&["SP", "RG", "GU", "TR"])),
        ),
        11 => replace_one(
            rng,
            files,
            &["area SO, PO", "area BH, DT", "area PO30, "],
            |rng, found| match rng.below(2) {
                0 => found.replace(", ", ", SP, "),
                _ => found.replacen(", ", ", RG, ", 1),
            },
        ),
        12 => change_line(
            rng,
            files,
            |_, line| line.trim_start().starts_with("valid "),
            |rng, line| {
                if rng.chance(50) {
                    String::new()
                } else {
                    line.replace("2020-", "2019-")
                }
            },
        ),
        13 => change_line(
            rng,
            files,
            |_, line| {
                line.trim_start().starts_with("lacks ") || line.trim_start().starts_with("has ")
            },
            |_, _| String::new(),
        ),
        _ => replace_one(
            rng,
            files,
            &["catch_all emergency_department", "catch_all gp_ooh"],
            |rng, _| {
                format!(
                    "catch_all {}",
                    rng.pick(&["urgent_treatment_centre", "gp_ooh", "emergency_department"])
                )
            },
        ),
    }
}

const POSTCODES: [&str; 12] = [
    "SO16 7AB", "SO14 0AA", "PO1 2AB", "PO30 1AA", "PO36 9AA", "BH1 1AA", "BH23 1AA", "DT1 1AA",
    "SP1 1AA", "RG1 1AA", "GU1 1AA", "TR1 1AA",
];

fn random_case(rng: &mut Rng, codes: &[String]) -> Case {
    let days = [
        0u32, 10, 28, 29, 182, 365, 730, 1826, 5478, 5843, 5844, 14_610, 25_567,
    ];
    let times = [
        "2019-12-25T03:00:00Z",
        "2020-04-10T12:00:00+01:00",
        "2020-05-08T15:00:00+01:00",
        "2020-05-25T12:00:00+01:00",
        "2020-06-01T09:30:00+01:00",
        "2020-08-31T20:00:00+01:00",
        "2020-10-25T01:30:00Z",
        "2021-01-04T07:45:00Z",
        "2021-03-15T22:10:00Z",
        "2020-07-04T13:00:00+01:00",
    ];
    Case {
        dx: rng.pick(codes).clone(),
        channel: *rng.pick(&Channel::ALL),
        age_days: *rng.pick(&days),
        sex: *rng.pick(&[None, Some(Sex::Female), Some(Sex::Male)]),
        postcode: (*rng.pick(&POSTCODES)).to_owned(),
        at: rng.pick(&times).parse().unwrap(),
        location: None,
        capacity: Default::default(),
    }
}

/// What a case's answer is, for comparing two tables.
fn answer(router: &Router, case: &Case) -> String {
    match router.route(case) {
        Ok(decision) => format!(
            "{} {:?} {:?} {:?} {} [{}]",
            decision.overlay,
            decision.rule,
            decision.no_search,
            decision.searched_dx,
            decision.catch_all,
            decision
                .services
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(error) => format!("refused: {error}"),
    }
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join("dxmap-diff-exact").join(name)
}

#[test]
fn diff_reports_every_change_that_reroutes_a_case() {
    let pairs: usize = std::env::var("DXMAP_DIFF_PAIRS").ok().map_or(24, |n| {
        n.trim().parse().expect("DXMAP_DIFF_PAIRS is a number")
    });
    let cases_per_pair = 400;
    let base = base_tree();
    let old = compile(&scratch("old"), &base).expect("the shipped rules compile");
    let old_router = Router::new(old.clone()).unwrap();
    let codes: Vec<String> = old.dispositions.iter().map(|d| d.code.clone()).collect();
    let mut rng = Rng(0x00d1_ff00 + pairs as u64);
    let (mut tried, mut rerouting, mut broken) = (0, 0, 0);
    while tried < pairs {
        let mut files = base.clone();
        let Some(change) = mutate(&mut rng, &mut files) else {
            continue;
        };
        tried += 1;
        let Some(new) = compile(&scratch("new"), &files) else {
            broken += 1;
            continue;
        };
        let new_router = Router::new(new.clone()).unwrap();
        let difference = dxmap::diff::diff(&old, &new);
        let rerouted = (0..cases_per_pair).find_map(|_| {
            let case = random_case(&mut rng, &codes);
            let (before, after) = (answer(&old_router, &case), answer(&new_router, &case));
            (before != after).then(|| format!("{case:?}\n  before: {before}\n  after:  {after}"))
        });
        if let Some(example) = rerouted {
            rerouting += 1;
            assert!(
                !difference.is_empty(),
                "diff says no behavioural difference for a change that reroutes a case:\n\
                 change: {change}\ncase: {example}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(scratch(""));
    println!(
        "{tried} changes: {rerouting} rerouted a sampled case, all reported by diff; \
         {broken} left the rules broken (skipped)"
    );
    assert!(
        rerouting > 0,
        "no change rerouted a case: the test sees nothing"
    );
}
