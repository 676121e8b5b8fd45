//! Cross-checks of the sweeps against the pairwise analyses they replace,
//! on random rule trees.
//!
//! Imports: `super`, `crate::check`, `crate::catalogue`, `crate::syntax`, `crate::source`.

use std::collections::BTreeSet;

use super::{never_fire, overlaps};

/// The pairwise analyses the sweeps replace, kept as their definition.
mod pairwise {
    use std::collections::{BTreeMap, BTreeSet};

    use crate::check::analysis::common::{rules_by_code, Witness};
    use crate::check::analysis::Overlap;
    use crate::check::model;

    /// Rules that can match a case an earlier rule of the same layer matches,
    /// with equal priorities: each such rule is reported once, with the first
    /// earlier rule it meets (so a hundred identical rules give 99 findings,
    /// not 4,950).
    pub(super) fn overlaps(model: &model::Model) -> Vec<Overlap> {
        let mut found = Vec::new();
        let mut seen: BTreeSet<(model::RuleId, model::RuleId)> = BTreeSet::new();
        let mut reported: BTreeSet<model::RuleId> = BTreeSet::new();
        for (layer_idx, layer) in model.layers.iter().enumerate() {
            for (dx, rules) in rules_by_code(model, layer) {
                for (i, first_id) in rules.iter().enumerate() {
                    for second_id in rules.iter().skip(i + 1) {
                        let (Some(first), Some(second)) =
                            (model.rule(*first_id), model.rule(*second_id))
                        else {
                            continue;
                        };
                        if first.priority != second.priority {
                            continue;
                        }
                        let key = ((*first_id).min(*second_id), (*first_id).max(*second_id));
                        if seen.contains(&key) || reported.contains(second_id) {
                            continue;
                        }
                        if let Some((channel, sex, ages)) = first.when.meeting(&second.when) {
                            seen.insert(key);
                            reported.insert(*second_id);
                            found.push(Overlap {
                                first: *first_id,
                                second: *second_id,
                                witness: Witness {
                                    layer: model::LayerId::from_index(layer_idx),
                                    dx,
                                    channel,
                                    sex,
                                    age_days: ages.min_days,
                                    ages,
                                },
                            });
                        }
                    }
                }
            }
        }
        found
    }

    /// Rules that can never fire: in every layer where they are in force, every
    /// case they match is taken by rules of higher priority.
    pub(super) fn never_fire(model: &model::Model) -> Vec<(model::RuleId, model::LayerId)> {
        let mut fires: BTreeSet<model::RuleId> = BTreeSet::new();
        let mut shadowed: BTreeMap<model::RuleId, model::LayerId> = BTreeMap::new();
        for (layer_idx, layer) in model.layers.iter().enumerate() {
            let by_code = rules_by_code(model, layer);
            for rule_id in &layer.rules {
                let Some(rule) = model.rule(*rule_id) else {
                    continue;
                };
                if rule.dispositions.is_empty() || rule.when.ages.is_empty() {
                    continue;
                }
                let can_fire = rule.dispositions.iter().any(|dx| {
                    let higher: Vec<&model::Rule> = by_code
                        .get(dx)
                        .into_iter()
                        .flatten()
                        .filter_map(|id| model.rule(*id))
                        .filter(|other| other.priority > rule.priority)
                        .collect();
                    rule.when.cells().any(|(channel, sex)| {
                        !rule
                            .when
                            .ages
                            .uncovered(
                                higher
                                    .iter()
                                    .filter(|r| r.when.admits_cell(channel, sex))
                                    .map(|r| r.when.ages),
                            )
                            .is_empty()
                    })
                });
                if can_fire {
                    fires.insert(*rule_id);
                } else {
                    shadowed
                        .entry(*rule_id)
                        .or_insert(model::LayerId::from_index(layer_idx));
                }
            }
        }
        shadowed
            .into_iter()
            .filter(|(rule, _)| !fires.contains(rule))
            .collect()
    }
}

/// SplitMix64, so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let at = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(at).copied().unwrap_or_default()
    }
}

const CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx05, title: "Primary care 2h", section: 1, status: in_use, timeframe_minutes: 120 }
  - { code: Dx06, title: "Primary care 6h", section: 1, status: in_use, timeframe_minutes: 360 }
  - { code: Dx07, title: "Primary care 12h", section: 1, status: in_use, timeframe_minutes: 720 }
"#;

fn random_rule(rng: &mut Rng, keyword: &str, name: &str) -> String {
    let mut conditions = vec![format!(
        "dx in ({})",
        rng.pick(&[
            "Dx05",
            "Dx06",
            "Dx07",
            "Dx05, Dx06",
            "Dx06, Dx07",
            "Dx05, Dx06, Dx07"
        ])
    )];
    if rng.below(3) == 0 {
        conditions.push(format!(
            "channel in ({})",
            rng.pick(&["111", "999", "ooh", "111, ooh", "999, ooh", "111, 999"])
        ));
    }
    let ages = ["0", "28d", "6mo", "1", "5", "16", "65"];
    match rng.below(4) {
        0 => conditions.push(format!("age < {}", rng.pick(&ages))),
        1 => conditions.push(format!("age >= {}", rng.pick(&ages))),
        2 => conditions.push(format!("age in {}..{}", rng.pick(&ages), rng.pick(&ages))),
        _ => {}
    }
    match rng.below(4) {
        0 => conditions.push("sex = female".to_owned()),
        1 => conditions.push("sex = male".to_owned()),
        _ => {}
    }
    format!(
        "{keyword} \"{name}\" {{\n  when {}\n  route t\n  priority {}\n  because \"b\"\n}}\n",
        conditions.join(" and "),
        rng.pick(&["0", "0", "1", "2", "3"])
    )
}

/// A baseline and up to four overlays, some extending others, that
/// override, add and remove rules.
fn random_tree(rng: &mut Rng) -> String {
    let mut text = String::from(
        "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\nservice \"S\" id \"S1\" { type t catchment SO hours { all_hours } }\n",
    );
    let baseline = 1 + rng.below(10);
    let mut names: Vec<Vec<String>> = vec![(0..baseline).map(|r| format!("R{r}")).collect()];
    // Each rule's text after its keyword, by name: an override may copy
    // the rule it overrides (the same priority and conditions).
    let mut written: std::collections::BTreeMap<String, String> = Default::default();
    for r in 0..baseline {
        let rule = random_rule(rng, "rule", &format!("R{r}"));
        written.insert(format!("R{r}"), rule.trim_start_matches("rule").to_owned());
        text.push_str(&rule);
    }
    let areas = ["SO", "PO", "BH", "DT"];
    for (o, area) in areas
        .iter()
        .enumerate()
        .take(usize::try_from(rng.below(5)).unwrap_or(0))
    {
        let parent = usize::try_from(rng.below(o as u64 + 1)).unwrap_or(0);
        let mut rules = names.get(parent).cloned().unwrap_or_default();
        let extends = if parent == 0 {
            String::new()
        } else {
            format!(" extends o{}", parent - 1)
        };
        text.push_str(&format!("overlay o{o}{extends} {{\n  area {area}\n"));
        let mut changed = BTreeSet::new();
        for change in 0..rng.below(6) {
            let at = usize::try_from(rng.below(rules.len().max(1) as u64)).unwrap_or(0);
            match (rng.below(3), rules.get(at).cloned()) {
                (0, Some(name)) if changed.insert(name.clone()) => {
                    let same = written.get(&name).filter(|_| rng.below(2) == 0).cloned();
                    let rule = match same {
                        Some(rest) => format!("override rule{rest}"),
                        None => random_rule(rng, "override rule", &name),
                    };
                    text.push_str(&rule);
                }
                (1, Some(name)) if changed.insert(name.clone()) => {
                    text.push_str(&format!("remove rule \"{name}\" because \"b\"\n"));
                    rules.retain(|r| *r != name);
                }
                _ => {
                    let name = format!("A{o}x{change}");
                    let rule = random_rule(rng, "add rule", &name);
                    written.insert(name.clone(), rule.trim_start_matches("add rule").to_owned());
                    text.push_str(&rule);
                    rules.push(name);
                }
            }
        }
        text.push_str("}\n");
        names.push(rules);
    }
    text
}

/// A thousand random trees from `seed`, checked, each given to `test`
/// with its round and text; together they hold over a thousand overlays.
fn each_random_model(seed: u64, mut test: impl FnMut(usize, &str, &crate::check::model::Model)) {
    let (catalogue, found) = crate::catalogue::parse(crate::source::FileId(1), CATALOGUE);
    assert!(found.is_empty(), "{found:?}");
    let Some(catalogue) = catalogue else {
        return;
    };
    let mut rng = Rng(seed);
    let mut overlays = 0;
    for round in 0..1_000 {
        let text = random_tree(&mut rng);
        let (file, found) = crate::syntax::parse(crate::source::FileId(0), &text);
        assert!(found.is_empty(), "{text}\n{found:?}");
        let (model, _) = crate::check::check(&[file], catalogue.clone());
        overlays += model.layers.len() - 1;
        test(round, &text, &model);
    }
    assert!(overlays > 1_000, "{overlays} overlays");
}

#[test]
fn sweeps_agree_with_the_pairwise_analyses() {
    each_random_model(0x005E_ED0F_0E7A, |round, text, model| {
        assert_eq!(
            overlaps(model),
            pairwise::overlaps(model),
            "round {round}: overlaps differ\n{text}"
        );
        assert_eq!(
            never_fire(model),
            pairwise::never_fire(model),
            "round {round}: rules that never fire differ\n{text}"
        );
    });
}

/// What each rule wins, made incrementally (an overlay's unchanged codes
/// taken from its parent, a code whose rules are only swapped for rules
/// of the same priority and conditions renamed), is what sweeping every
/// code of every layer afresh finds.
#[test]
fn won_cases_made_incrementally_agree_with_a_fresh_sweep() {
    use super::common;
    use super::won::{by_rule, won_by, won_cases, WonCache};
    use dxmap_runtime::space::{answering, Answering};

    each_random_model(0x0057_A9ED, |round, text, model| {
        let mut cache = WonCache::new(model);
        for (layer_idx, layer) in model.layers.iter().enumerate() {
            let held = won_cases(model, layer_idx, layer, &mut cache);
            let made: Vec<_> = by_rule(&held)
                .into_iter()
                .map(|(id, cases)| (id, cases.to_vec()))
                .collect();
            let by_code = common::rules_by_code(model, layer);
            let fresh: Vec<_> = by_code
                .iter()
                .filter(|(dx, _)| {
                    let answer = answering(
                        **dx,
                        model.catalogue.get(**dx).and_then(|d| d.same_as),
                        |code| layer.no_search.get(&code),
                        |code| by_code.contains_key(&code),
                    );
                    matches!(answer, Answering::Rules { code, .. } if code == **dx)
                })
                .map(|(dx, rules)| std::sync::Arc::new(won_by(model, *dx, rules)))
                .collect();
            let swept: Vec<_> = by_rule(&fresh)
                .into_iter()
                .map(|(id, cases)| (id, cases.to_vec()))
                .collect();
            assert_eq!(made, swept, "round {round}, layer {layer_idx}\n{text}");
        }
    });
}
