//! The safety analyses of an overlay agree with brute force on random
//! trees, written from DESIGN's words ("Safety analyses", routing steps 1
//! and 2) and not from the analyses' code (the generators and brute forces
//! are in `support/safety.rs`):
//! - hours gaps (DX0518): for every (rule, unit, case of a grid the rule
//!   wins) with a timeframe of at most 60 minutes that some counted service
//!   serves, every minute of the week is open if a counted serving service
//!   has a session then; the (rule, unit) pairs with a closed minute, and
//!   the closed times at each finding's witness, are the analysis's;
//! - remaps (DX0513 chains, DX0514 risks): the remaps in force in each
//!   overlay as generated (a chain when the target is remapped there too;
//!   risky when the search's timeframe is longer, or the target is of
//!   another section or not in use); on every fourth tree also by routing
//!   each remapped code through the compiled table and reading the trace;
//! - useless suspensions (DX0515): the overlay in force at a place of every
//!   part of the geography the tree's units cut out; on every fourth tree
//!   also by routing those postcodes before and during the suspensions (a
//!   suspension is useless when no case anywhere loses its service to it);
//! - the trees that showed the analyses wrong, as regressions.
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

use dxmap::catalogue::{self, Catalogue};
use dxmap::check::analysis::reach_units;
use dxmap::check::model::{self, Channel};
use dxmap::diagnostics::{Code, Diagnostic};
use dxmap::source::{FileId, SourceMap};
use dxmap_runtime::route::Step;
use dxmap_runtime::{Case, Router};
use support::rng::Rng;
use support::safety::{
    brute_hours, closed_at, defined_remaps, defined_useless, random_catalogue, random_hours_tree,
    random_remap_tree, random_suspension_tree, representative_postcodes, winners, Week,
    HOURS_CATALOGUE,
};

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
                Code::UnreachableUrgent | Code::CoverageGap | Code::RuleOverlap | Code::RemapChain
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

// ------------------------------------------------------------------ hours

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
        let week = Week::new(&model);
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
            .unwrap()
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
        assert!(n * 20 > compared, "{n} of {compared} trees had {what}");
    }
}

// ------------------------------------------------------------ suspensions

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

// ------------------------------------------------------------ regressions

/// The findings of a tree with one of the trees' catalogues.
fn findings(text: &str, catalogue: &str, code: Code) -> Vec<Diagnostic> {
    let (_, found) = checked(text, &parse_catalogue(catalogue)).unwrap();
    found.into_iter().filter(|d| d.code == code).collect()
}

/// Found by the cross-check: the hours of a children's service open all
/// week hid that adults' only service closes at weekends (the hours of
/// every service meeting the ages were put together).
#[test]
fn hours_are_judged_for_each_band_of_ages() {
    let text = "release \"tiny\"\nservice_type a \"A\" { responds_within 0m }\n\
        service \"Children\" id \"C\" { type a catchment TR1 ages 0..15 hours { all_hours } }\n\
        service \"Adults\" id \"A\" { type a catchment TR1 ages 16.. hours { mon-fri 08:00-18:00 } }\n\
        rule \"R\" {\n  when dx = Dx010\n  route a\n}\noverlay o {\n  area TR1\n}\n";
    let (model, _) = checked(text, &parse_catalogue(HOURS_CATALOGUE)).unwrap();
    let gaps: Vec<reach_units::Unreached> = reach_units::unreached(&model)
        .into_iter()
        .filter(|f| !f.closed.is_empty())
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    // The witness is an adult, and the weekend is closed.
    assert_eq!(gaps[0].witness.age_days, 5844, "{gaps:?}");
    assert!(gaps[0].closed.contains(&(5, 0, 1440)), "{gaps:?}");
}

/// Found by the cross-check: where some ages of a case no service serves
/// (a reach finding), the hours of the service serving the others were
/// not looked at.
#[test]
fn ages_no_service_serves_do_not_hide_the_hours_of_the_others() {
    let text = "release \"tiny\"\nservice_type a \"A\" { responds_within 0m }\n\
        service \"Children\" id \"C\" { type a catchment TR1 ages 0..15 hours { mon-fri 08:00-18:00 } }\n\
        rule \"R\" {\n  when dx = Dx010\n  route a\n}\noverlay o {\n  area TR1\n}\n";
    let (model, _) = checked(text, &parse_catalogue(HOURS_CATALOGUE)).unwrap();
    let found = reach_units::unreached(&model);
    assert!(found.iter().any(|f| f.closed.is_empty()), "{found:?}");
    let gap = found
        .iter()
        .find(|f| !f.closed.is_empty())
        .expect("an hours gap");
    assert_eq!(gap.witness.age_days, 0, "{gap:?}");
}

const SAME_AS_CATALOGUE: &str = r#"release: tiny
dispositions:
  - { code: Dx04, title: "Within 1 hour", section: 1, status: in_use, timeframe_minutes: 60 }
  - { code: Dx07, title: "As Dx04", section: 1, status: in_use, same_as: Dx04 }
  - { code: Dx08, title: "Within 2 hours", section: 1, status: in_use, timeframe_minutes: 120 }
"#;

/// Found by the cross-check: a `same_as` code without a timeframe of its
/// own is searched with its target's, so a remap to it is not slower, and
/// a remap from it is judged against that timeframe.
#[test]
fn remap_timeframes_are_those_the_searches_use() {
    let text = "release \"tiny\"\n\
        overlay o1 {\n  area TR1\n  remap Dx04 -> Dx07 because \"as Dx04\"\n}\n\
        overlay o2 {\n  area TR2\n  remap Dx07 -> Dx08 because \"slower\"\n}\n";
    let risks = findings(text, SAME_AS_CATALOGUE, Code::RemapRisk);
    let messages: Vec<&str> = risks.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["`Dx07` (1 h) -> `Dx08` (2 h): slower"]);
}

const DX05_CATALOGUE: &str = "release: tiny\ndispositions:\n  - { code: Dx05, title: \"Primary care 2h\", section: 1, status: in_use, timeframe_minutes: 120 }\n";

/// Found by the cross-check: a suspension an overlay passes on to one
/// that extends it does something there, though not in its own area.
#[test]
fn a_suspension_in_force_in_an_extending_overlay_is_not_useless() {
    let text = "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\n\
        service \"S1\" id \"S1\" { type t catchment TR hours { all_hours } }\n\
        rule \"R\" {\n  when dx = Dx05\n  route t\n}\n\
        overlay o0 {\n  area PL10\n  suspend service \"S1\" from 2030-01-01 until 2030-01-31 because \"u1\"\n}\n\
        overlay o1 extends o0 {\n  area TR1\n}\n";
    assert_eq!(
        findings(text, DX05_CATALOGUE, Code::SuspensionOutOfArea),
        []
    );
}

/// Found by the cross-check: a suspension of a service whose catchment a
/// more specific overlay governs does nothing, though the catchment lies
/// in the overlay's area.
#[test]
fn a_suspension_where_a_more_specific_overlay_applies_is_useless() {
    let text = "release \"tiny\"\nservice_type t \"T\" { responds_within 0m }\n\
        service \"S1\" id \"S1\" { type t catchment TR1 hours { all_hours } }\n\
        rule \"R\" {\n  when dx = Dx05\n  route t\n}\n\
        overlay o0 {\n  area TR\n  suspend service \"S1\" from 2030-01-01 until 2030-01-31 because \"u1\"\n}\n\
        overlay o1 {\n  area TR1\n}\n";
    let found = findings(text, DX05_CATALOGUE, Code::SuspensionOutOfArea);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["suspending `S1` does nothing in `o0`: its catchment (TR1) lies only where more specific overlays apply"]
    );
}
