//! The analyses are exact and their witnesses are real:
//! - every overlap and gap witness of the `err` fixtures, routed through the
//!   compiled table, is matched by both rules (overlap) or by no rule (gap);
//! - on random small rule sets, overlaps, gaps and rules that never fire
//!   agree with brute-force enumeration over every case of a grid that holds
//!   one point of each elementary age interval;
//! - reach witnesses (the Cornwall story), routed, find no service of the
//!   rule (the catch-all or nothing); hours witnesses, routed in an
//!   uncovered time, find nothing open; remaps search the other code, and
//!   a chain takes one step only;
//! - reach agrees with brute force on 1,000 random trees with an overlay
//!   (`DXMAP_REACH_ROUNDS` sets another number).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use dxmap::catalogue;
use dxmap::check::analysis::{self, Witness};
use dxmap::check::model::{self, Channel};
use dxmap::source::FileId;
use dxmap_runtime::{Case, CaseSex, Router};
use support::rng::Rng;

/// A postcode whose overlay is the witness's layer.
fn postcode_in(router: &Router, model: &model::Model, witness: &Witness) -> String {
    let layer = model.layer(witness.layer).unwrap();
    let candidates: Vec<String> = if layer.area.is_empty() {
        vec![
            "ZE1 0AA".to_owned(),
            "KW1 4AA".to_owned(),
            "TR1 1AA".to_owned(),
        ]
    } else {
        layer
            .area
            .iter()
            .flat_map(|unit| {
                let unit = unit.text.clone();
                (1..=99).map(move |n| {
                    if unit.contains(' ') {
                        format!("{unit}AA")
                    } else if unit.chars().all(|c| c.is_ascii_alphabetic()) {
                        format!("{unit}{n} 1AA")
                    } else {
                        format!("{unit} {}AA", n % 10)
                    }
                })
            })
            .collect()
    };
    for postcode in candidates {
        let case = case_for(model, witness, &postcode);
        if let Ok(decision) = router.route(&case) {
            if decision.overlay == layer.name {
                return postcode;
            }
        }
    }
    panic!("no postcode found in layer `{}`", layer.name);
}

fn case_for(model: &model::Model, witness: &Witness, postcode: &str) -> Case {
    Case {
        dx: model.catalogue.code(witness.dx).to_owned(),
        channel: witness.channel,
        age_days: witness.age_days,
        sex: witness.sex.sex(),
        postcode: postcode.to_owned(),
        at: "2020-05-08T15:00:00+01:00".parse().unwrap(),
        location: None,
        capacity: Default::default(),
    }
}

fn checked_fixture(name: &str) -> (model::Model, Router) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/check/err")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let files = support::split_fixture(&path, &text);
    let dir = support::scratch_dir("analysis", &path);
    for (file, body) in &files {
        let target = dir.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    let rules_files = files
        .into_iter()
        .filter(|(n, _)| n.ends_with(".dxm"))
        .collect();
    let checked =
        dxmap::load::check_loaded(dxmap::load::Tree::from_texts(&dir, rules_files), None).unwrap();
    let model = checked.model.unwrap();
    let table = dxmap::compile::compile(&model, &checked.sources);
    (model, Router::new(table).unwrap())
}

#[test]
fn overlap_witnesses_are_matched_by_both_rules() {
    for fixture in ["rule-overlap.dxm", "rule-overlap-equal-priority.dxm"] {
        let (model, router) = checked_fixture(fixture);
        let overlaps = analysis::overlaps(&model);
        assert!(!overlaps.is_empty(), "{fixture}: no overlap found");
        for overlap in overlaps {
            let postcode = postcode_in(&router, &model, &overlap.witness);
            let case = case_for(&model, &overlap.witness, &postcode);
            let matching: Vec<String> = router
                .matching_rules(&case)
                .unwrap()
                .iter()
                .map(|r| r.name.clone())
                .collect();
            for rule in [overlap.first, overlap.second] {
                let name = &model.rule(rule).unwrap().name;
                assert!(
                    matching.contains(name),
                    "{fixture}: `{name}` does not match {case:?}: {matching:?}"
                );
            }
            let decision = router.route(&case).unwrap();
            assert!(
                decision.rule.is_some(),
                "{fixture}: the witness matched no rule"
            );
        }
    }
}

#[test]
fn gap_witnesses_are_matched_by_no_rule() {
    let (model, router) = checked_fixture("coverage-gap.dxm");
    let gaps = analysis::gaps(&model);
    assert!(gaps.len() >= 4, "{gaps:?}");
    for gap in gaps {
        for (channel, sex, ages) in &gap.cells {
            for age_days in [Some(ages.min_days), ages.max_days.map(|max| max - 1)]
                .into_iter()
                .flatten()
            {
                let witness = Witness {
                    channel: *channel,
                    sex: sex.unwrap_or(CaseSex::NotGiven),
                    age_days,
                    ..gap.witness.clone()
                };
                let postcode = postcode_in(&router, &model, &witness);
                let case = case_for(&model, &witness, &postcode);
                let decision = router.route(&case).unwrap();
                assert_eq!(
                    decision.rule, None,
                    "gap witness {case:?} was routed by a rule"
                );
                assert_eq!(decision.no_search, None);
                assert!(
                    decision.reason.is_some(),
                    "an empty or catch-all answer must say why"
                );
            }
        }
    }
}

// ----------------------------------------------------------- properties

const CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx06, title: "Primary care 6h", section: 1, status: in_use, channels: ["111", ooh], timeframe_minutes: 360 }
  - { code: Dx07, title: "Primary care 12h", section: 1, status: in_use, timeframe_minutes: 720 }
"#;

const CODES: [&str; 3] = ["Dx05", "Dx06", "Dx07"];
const AGES: [&str; 6] = ["16", "5", "1", "28d", "6mo", "65"];

fn random_tree(rng: &mut Rng) -> String {
    let mut text = String::from(
        "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\nservice \"S\" id \"S1\" { type t catchment SO hours { all_hours } }\n",
    );
    let n_rules = 1 + rng.below(6);
    for idx in 0..n_rules {
        let mut conditions = Vec::new();
        let codes: Vec<&str> = CODES
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        let codes = if codes.is_empty() {
            vec![*rng.pick(&CODES)]
        } else {
            codes
        };
        conditions.push(format!("dx in ({})", codes.join(", ")));
        match rng.below(4) {
            0 => conditions.push(format!("channel = {}", rng.pick(&["111", "999", "ooh"]))),
            1 => conditions.push(format!(
                "channel in ({})",
                rng.pick(&["111, ooh", "999, ooh", "111, 999"])
            )),
            _ => {}
        }
        match rng.below(5) {
            0 => conditions.push(format!("age < {}", rng.pick(&AGES))),
            1 => conditions.push(format!("age >= {}", rng.pick(&AGES))),
            2 => conditions.push(format!("age <= {}", rng.pick(&AGES))),
            3 => {
                let (a, b) = (
                    rng.pick(&["0", "1", "5", "28d"]),
                    rng.pick(&["15", "64", "6mo"]),
                );
                conditions.push(format!("age in {a}..{b}"));
            }
            _ => {}
        }
        match rng.below(4) {
            0 => conditions.push("sex = female".to_owned()),
            1 => conditions.push("sex = male".to_owned()),
            _ => {}
        }
        let priority = rng.pick(&[0, 0, 0, 1, 2]);
        text.push_str(&format!(
            "rule \"R{idx}\" {{\n  when {}\n  route t\n  priority {priority}\n}}\n",
            conditions.join(" and ")
        ));
    }
    if rng.below(3) == 0 {
        text.push_str(&format!(
            "no_search {} because \"closed\"\n",
            rng.pick(&CODES)
        ));
    }
    text
}

/// A rule's conditions, evaluated directly.
fn matches(
    rule: &model::Rule,
    dx: catalogue::DispositionId,
    channel: Channel,
    sex: CaseSex,
    age: u32,
) -> bool {
    rule.dispositions.contains(&dx)
        && rule.when.channels.contains(&channel)
        && rule.when.ages.contains(age)
        && rule.when.sex.is_none_or(|s| sex.sex() == Some(s))
}

#[test]
fn analyses_agree_with_brute_force_on_random_rule_sets() {
    let mut rng = Rng(0x00D0_5EED);
    let (catalogue, found) = catalogue::parse(FileId(1), CATALOGUE);
    assert!(found.is_empty(), "{found:?}");
    let catalogue = catalogue.unwrap();
    for round in 0..400 {
        let text = random_tree(&mut rng);
        let (file, found) = dxmap::syntax::parse(FileId(0), &text);
        assert!(found.is_empty(), "{text}\n{found:?}");
        let (model, found) = dxmap::check::check(&[file], catalogue.clone());
        if found
            .iter()
            .any(|d| d.is_error() && d.code == dxmap::diagnostics::Code::EmptyAgeRange)
        {
            continue;
        }
        let layer = model.layer(model::NATIONAL).unwrap();
        let rules: Vec<(model::RuleId, &model::Rule)> = layer
            .rules
            .iter()
            .map(|id| (*id, model.rule(*id).unwrap()))
            .collect();
        // One age per elementary interval: every bound, and 0.
        let mut ages: BTreeSet<u32> = BTreeSet::from([0]);
        for (_, rule) in &rules {
            ages.insert(rule.when.ages.min_days);
            if let Some(max) = rule.when.ages.max_days {
                ages.insert(max);
            }
        }
        let mut brute_overlaps = BTreeSet::new();
        let mut brute_uncovered = BTreeSet::new();
        let mut brute_fires = BTreeSet::new();
        // Every channel: a rule's cases are judged as written; only coverage
        // is limited to the channels the catalogue gives a code.
        for (dx, disposition) in model.catalogue.iter() {
            for channel in &Channel::ALL {
                for sex in CaseSex::ALL {
                    for age in &ages {
                        let matching: Vec<&(model::RuleId, &model::Rule)> = rules
                            .iter()
                            .filter(|(_, r)| matches(r, dx, *channel, sex, *age))
                            .collect();
                        for (i, (a, ra)) in matching.iter().enumerate() {
                            for (b, rb) in matching.iter().skip(i + 1) {
                                if ra.priority == rb.priority {
                                    brute_overlaps.insert(((*a).min(*b), (*a).max(*b)));
                                }
                            }
                        }
                        if let Some(top) = matching.iter().map(|(_, r)| r.priority).max() {
                            for (id, rule) in &matching {
                                if rule.priority == top {
                                    brute_fires.insert(*id);
                                }
                            }
                        }
                        if matching.is_empty()
                            && !layer.no_search.contains_key(&dx)
                            && disposition.channels.contains(channel)
                        {
                            brute_uncovered.insert((dx, *channel, sex, *age));
                        }
                    }
                }
            }
        }
        // Every reported pair overlaps, and the rules reported are exactly
        // those that overlap an earlier rule (each once, with one partner).
        let found = analysis::overlaps(&model);
        for o in &found {
            let pair = (o.first.min(o.second), o.first.max(o.second));
            assert!(
                brute_overlaps.contains(&pair),
                "round {round}: {pair:?} do not overlap\n{text}"
            );
        }
        let reported: Vec<model::RuleId> = found.iter().map(|o| o.second).collect();
        let reported_set: BTreeSet<model::RuleId> = reported.iter().copied().collect();
        assert_eq!(
            reported.len(),
            reported_set.len(),
            "round {round}: a rule reported twice\n{text}"
        );
        let brute_seconds: BTreeSet<model::RuleId> =
            brute_overlaps.iter().map(|(_, b)| *b).collect();
        assert_eq!(
            reported_set, brute_seconds,
            "round {round}: overlaps differ\n{text}"
        );

        let never: BTreeSet<model::RuleId> = analysis::never_fire(&model)
            .iter()
            .map(|(r, _)| *r)
            .collect();
        let brute_never: BTreeSet<model::RuleId> = rules
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| {
                !brute_fires.contains(id)
                    && model.rule(*id).is_some_and(|r| !r.when.ages.is_empty())
            })
            .collect();
        assert_eq!(
            never, brute_never,
            "round {round}: rules that never fire differ\n{text}"
        );

        let gaps = analysis::gaps(&model);
        let mut reported = BTreeSet::new();
        for gap in &gaps {
            for (channel, sex, cell_ages) in &gap.cells {
                for point in &ages {
                    if cell_ages.contains(*point) {
                        for s in CaseSex::ALL {
                            if sex.is_none_or(|one| one == s) {
                                reported.insert((gap.witness.dx, *channel, s, *point));
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(
            reported, brute_uncovered,
            "round {round}: gaps differ\n{text}"
        );
    }
}

// ------------------------------------------------------ reach and hours

/// A postcode in a unit of the geography: `TR1` -> `TR1 1AA`,
/// `SO16 7` -> `SO16 7AA`.
fn postcode_of_unit(unit: &str) -> String {
    if unit.contains(' ') {
        format!("{unit}AA")
    } else {
        format!("{unit} 1AA")
    }
}

#[test]
fn reach_witnesses_find_no_service_of_the_rule() {
    let (model, router) = checked_fixture("cornwall.dxm");
    let found = analysis::reach_units::unreached(&model);
    let reach: Vec<_> = found.iter().filter(|f| f.closed.is_empty()).collect();
    assert!(!reach.is_empty(), "no reach finding in the Cornwall story");
    for finding in reach {
        let rule = model.rule(finding.rule).unwrap();
        let layer = model.layer(finding.witness.layer).unwrap();
        for unit in &finding.units {
            let case = case_for(&model, &finding.witness, &postcode_of_unit(unit));
            let decision = router.route(&case).unwrap();
            assert_eq!(decision.overlay, layer.name, "{case:?}");
            // Routing finds no service of the rule: the catch-all or nothing.
            assert!(
                decision.catch_all || decision.services.is_empty(),
                "`{}` in {unit} was answered by the rule's services: {decision:?}",
                rule.name
            );
        }
    }
    let dx010 = found
        .iter()
        .find(|f| model.catalogue.code(f.witness.dx) == "Dx010")
        .expect("Dx010 is unreachable in Cornwall");
    assert!(dx010.urgent);
    assert_eq!(dx010.witness.channel, Channel::Nhs999);
    assert!(dx010.shown_units.first().is_some_and(|u| u == "TR"));
}

#[test]
fn hours_witnesses_find_nothing_open() {
    let (model, router) = checked_fixture("hours-gap-warn.dxm");
    let found = analysis::reach_units::unreached(&model);
    let gaps: Vec<_> = found.iter().filter(|f| !f.closed.is_empty()).collect();
    assert!(!gaps.is_empty(), "no hours gap found");
    for finding in gaps {
        // The router keeps a service open at some instant of [t + 30, t + 60]
        // for a timeframe of 0 (DESIGN's search window): a case at
        // `from - 29` minutes looks at [from + 1, from + 31], inside the gap.
        assert_eq!(
            model
                .catalogue
                .get(finding.witness.dx)
                .unwrap()
                .timeframe_minutes,
            Some(0)
        );
        for (day, from, to) in &finding.closed {
            if to - from <= 31 {
                continue;
            }
            // 2020-05-10 is a Sunday, 2020-05-11 a Monday; British Summer Time.
            let total = 1440 + u32::try_from(*day).unwrap() * 1440 + u32::from(*from) - 29;
            let at = format!(
                "2020-05-{:02}T{:02}:{:02}:00+01:00",
                10 + total / 1440,
                total % 1440 / 60,
                total % 60
            );
            let mut case = case_for(&model, &finding.witness, &postcode_of_unit(&finding.unit));
            case.at = at.parse().unwrap();
            let decision = router.route(&case).unwrap();
            assert!(
                decision.catch_all || decision.services.is_empty(),
                "a service is open at {at}: {decision:?}"
            );
        }
    }
}

#[test]
fn remap_witnesses_search_the_other_code() {
    let (model, router) = checked_fixture("cornwall.dxm");
    let layer = model.layers.iter().find(|l| l.name == "cornwall").unwrap();
    for (from, remap) in &layer.remaps {
        let witness = Witness {
            layer: model::LayerId::from_index(1),
            dx: *from,
            channel: *model
                .catalogue
                .get(*from)
                .unwrap()
                .channels
                .first()
                .unwrap(),
            sex: CaseSex::Female,
            age_days: 10_000,
            ages: dxmap_runtime::space::Ages::ALL,
        };
        let case = case_for(&model, &witness, "TR1 1AA");
        let decision = router.route(&case).unwrap();
        let to = model.catalogue.code(remap.to);
        if let Some(next) = layer.remaps.get(&remap.to) {
            // A chain takes one step: the second remap is not followed.
            assert_ne!(
                decision.searched_dx,
                model.catalogue.code(next.to),
                "{decision:?}"
            );
        } else if !decision.catch_all && !decision.services.is_empty() {
            // A risky remap answers with the other code's rules.
            assert_eq!(decision.searched_dx, to, "{decision:?}");
        }
    }
}

const REACH_CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx010, title: "Ambulance", section: 1, status: in_use, channels: ["999"], timeframe_minutes: 0 }
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx06, title: "Primary care 6h", section: 1, status: in_use, channels: ["111", ooh], timeframe_minutes: 360 }
"#;

const REACH_CODES: [&str; 3] = ["Dx010", "Dx05", "Dx06"];
const AREA_UNITS: [&str; 5] = ["TR1", "TR2", "TR3 6", "PL10", "PL11"];
const CATCHMENTS: [&str; 7] = ["TR", "TR1", "TR2", "TR3 6", "PL", "PL10", "SO"];

fn random_reach_tree(rng: &mut Rng) -> String {
    let mut text = String::from(
        "release \"tiny\"\nservice_type a \"A\" { responds_within 0m }\nservice_type b \"B\" { responds_within 0m channels 111, ooh }\n",
    );
    for idx in 0..rng.below(9) {
        let catchment: Vec<&str> = CATCHMENTS
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        let catchment = if catchment.is_empty() {
            vec![*rng.pick(&CATCHMENTS)]
        } else {
            catchment
        };
        let mut extra = String::new();
        match rng.below(5) {
            0 => extra.push_str(" ages 16.."),
            1 => extra.push_str(" ages 0..15"),
            _ => {}
        }
        if rng.below(5) == 0 {
            extra.push_str(" sexes female");
        }
        match rng.below(6) {
            0 => extra.push_str(" valid 2020-01-01..2020-12-31"),
            1 => extra.push_str(" valid 2020-01-01.."),
            _ => {}
        }
        let hours = rng.pick(&[
            "all_hours",
            "all_hours",
            "mon-fri 08:00-18:00",
            "closed 2020-01-01..2020-01-02",
        ]);
        text.push_str(&format!(
            "service \"S{idx}\" id \"S{idx}\" {{ type {} catchment {}{extra} hours {{ {hours} }} }}\n",
            rng.pick(&["a", "b"]),
            catchment.join(", ")
        ));
    }
    for idx in 0..1 + rng.below(5) {
        let mut conditions = vec![format!("dx = {}", rng.pick(&REACH_CODES))];
        match rng.below(4) {
            0 => conditions.push(format!("age < {}", rng.pick(&["16", "5", "65"]))),
            1 => conditions.push(format!("age >= {}", rng.pick(&["16", "5", "65"]))),
            _ => {}
        }
        if rng.below(4) == 0 {
            conditions.push("sex = male".to_owned());
        }
        if rng.below(4) == 0 {
            conditions.push(format!("channel = {}", rng.pick(&["111", "999", "ooh"])));
        }
        text.push_str(&format!(
            "rule \"R{idx}\" {{\n  when {}\n  route {}\n  priority {}\n}}\n",
            conditions.join(" and "),
            rng.pick(&["a", "b", "a, b"]),
            idx
        ));
    }
    let area: Vec<&str> = AREA_UNITS
        .iter()
        .copied()
        .filter(|_| rng.below(2) == 0)
        .collect();
    let area = if area.is_empty() {
        vec![*rng.pick(&AREA_UNITS)]
    } else {
        area
    };
    text.push_str(&format!("overlay o {{\n  area {}\n}}\n", area.join(", ")));
    text
}

/// Reach, brute force: every (rule, unit) where some case of the grid that
/// the rule wins (highest priority among matching rules, on the code's
/// channels) has no counted service serving it.
fn brute_reach(model: &model::Model) -> BTreeSet<(model::RuleId, String)> {
    let mut out = BTreeSet::new();
    let layer_id = model::LayerId::from_index(1);
    let layer = model.layer(layer_id).unwrap();
    let rules: Vec<(model::RuleId, &model::Rule)> = layer
        .rules
        .iter()
        .map(|id| (*id, model.rule(*id).unwrap()))
        .collect();
    let mut ages: BTreeSet<u32> = BTreeSet::from([0]);
    for (_, rule) in &rules {
        ages.insert(rule.when.ages.min_days);
        ages.extend(rule.when.ages.max_days);
    }
    for service in &model.services {
        ages.insert(service.ages.min_days);
        ages.extend(service.ages.max_days);
    }
    for unit in layer.area.iter().map(|u| u.text.clone()) {
        for (dx, disposition) in model.catalogue.iter() {
            for channel in &disposition.channels {
                for sex in CaseSex::ALL {
                    for age in &ages {
                        let matching: Vec<&(model::RuleId, &model::Rule)> = rules
                            .iter()
                            .filter(|(_, r)| matches(r, dx, *channel, sex, *age))
                            .collect();
                        let Some(top) = matching.iter().map(|(_, r)| r.priority).max() else {
                            continue;
                        };
                        for (id, rule) in matching.iter().filter(|(_, r)| r.priority == top) {
                            let served = layer.services.iter().any(|s| {
                                let s = model.service(*s).unwrap();
                                let st = model.service_type(s.service_type).unwrap();
                                rule.route.contains(&s.service_type)
                                    && st.channels.contains(channel)
                                    && s.valid.until.is_none()
                                    && (s.hours.all_hours
                                        || s.hours.weekly.iter().any(|d| !d.is_empty()))
                                    && s.ages.contains(*age)
                                    && s.sexes.as_ref().is_none_or(|set| {
                                        sex.sex().is_some_and(|one| set.contains(&one))
                                    })
                                    && s.catchment
                                        .iter()
                                        .any(|c| analysis::unit_within(&unit, &c.text))
                            });
                            if !served {
                                out.insert((*id, unit.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Reach agrees with brute force on random trees: 1,000 in `cargo test`
/// (`DXMAP_REACH_ROUNDS` sets another number).
#[test]
fn reach_agrees_with_brute_force_on_random_trees() {
    let rounds: u32 = std::env::var("DXMAP_REACH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let mut rng = Rng(0x5EAC_4ED0);
    let (catalogue, found) = catalogue::parse(FileId(1), REACH_CATALOGUE);
    assert!(found.is_empty(), "{found:?}");
    let catalogue = catalogue.unwrap();
    let mut compared = 0;
    let mut with_findings = 0;
    for round in 0..rounds {
        let text = random_reach_tree(&mut rng);
        let (file, found) = dxmap::syntax::parse(FileId(0), &text);
        assert!(found.is_empty(), "{text}\n{found:?}");
        let (model, found) = dxmap::check::check(&[file], catalogue.clone());
        if found.iter().any(|d| {
            d.is_error()
                && !matches!(
                    d.code,
                    dxmap::diagnostics::Code::UnreachableUrgent
                        | dxmap::diagnostics::Code::CoverageGap
                        | dxmap::diagnostics::Code::RuleOverlap
                )
        }) {
            continue;
        }
        compared += 1;
        let reported: BTreeSet<(model::RuleId, String)> = analysis::reach_units::unreached(&model)
            .into_iter()
            .filter(|f| f.closed.is_empty())
            .flat_map(|f| f.units.into_iter().map(move |u| (f.rule, u)))
            .collect();
        if !reported.is_empty() {
            with_findings += 1;
        }
        assert_eq!(
            reported,
            brute_reach(&model),
            "round {round}: reach differs\n{text}"
        );
    }
    assert!(compared * 2 > rounds, "only {compared} trees compared");
    // Both outcomes are exercised.
    assert!(
        with_findings * 10 > compared && with_findings * 10 < compared * 9,
        "{with_findings} of {compared} trees had reach findings"
    );
}
