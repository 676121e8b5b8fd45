//! The analyses are exact and their witnesses are real:
//! - every overlap and gap witness of the `err` fixtures, routed through the
//!   compiled table, is matched by both rules (overlap) or by no rule (gap);
//! - on random small rule sets, overlaps, gaps and rules that never fire
//!   agree with brute-force enumeration over every case of a grid that holds
//!   one point of each elementary age interval.

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
