//! `dxmap-bench`: a deterministic generator of national-sized dxmap rules
//! trees, for the check and compile benchmark (`benches/check.rs`), the
//! `dxmap-gen` command and the scale tests (`tests/generated.rs`).
//!
//! [`generate`] turns [`Params`] into the files of a rules tree (relative
//! path, text) that `dxmap check` accepts without errors against the
//! bundled release `pathways-2015`: the same parameters always give the
//! same bytes (the generator has its own PRNG, [`prng::Rng`], and iterates
//! only ordered collections).
//!
//! The tree has the shipped tree's shape (`rules/`): a national baseline
//! whose rules cover every code Pathways uses (and every clinician-only
//! code) for every channel, age and sex, split into disjoint boxes of
//! cases ([`rules`]); overlays over real-looking postcode districts that
//! override, add, split and remove rules, remap codes, suspend services,
//! change the catch-all and declare services of their own; services spread
//! over postcode districts with catchments, locations, weekly split
//! sessions, bank-holiday and dated hours ([`services`]); and the England
//! and Wales bank holidays from 2019 ([`calendar`]).
//!
//! Modules: [`prng`], [`data`], [`release`], [`calendar`], [`places`],
//! [`rules`], [`services`]. This crate does no I/O (the `dxmap-gen` binary
//! writes the files).
//!
//! Imports: `dxmap` (the bundled catalogue), `dxmap_runtime` (channels).

pub mod calendar;
pub mod cases;
pub mod data;
pub mod measure;
pub mod places;
pub mod prng;
pub mod release;
pub mod rules;
pub mod services;

use std::collections::{BTreeMap, BTreeSet};

use crate::data::{FAMILIES, TYPES};
use crate::places::{OverlayPlan, Places};
use crate::prng::Rng;
use crate::release::Release;
use crate::rules::{Editor, LayerRules, Rule, RuleChanges};
use crate::services::{Dates, Ids, Service};

/// What to generate. Any values are accepted; a tree too small to hold the
/// baseline (fewer rules than it needs) gets the fewest it can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of overlays.
    pub overlays: usize,
    /// Number of services, the overlays' included.
    pub services: usize,
    /// Number of rule definitions: `rule`, `override rule` and `add rule`.
    pub rules: usize,
    /// Years of bank holidays, from 2019 (0: no calendar).
    pub calendar_years: u32,
}

/// The shipped tree's size: 3 overlays, 47 services, 38 rule definitions.
const SHIPPED: (usize, usize, usize) = (3, 47, 38);

impl Params {
    /// `factor` times the shipped tree (`rules/`): 3 overlays, 47 services
    /// and 38 rule definitions each time, bank holidays 2019–2027.
    pub fn shipped_scale(factor: usize) -> Params {
        let factor = factor.max(1);
        Params {
            seed: 2015,
            overlays: SHIPPED.0 * factor,
            services: SHIPPED.1 * factor,
            rules: SHIPPED.2 * factor,
            calendar_years: 9,
        }
    }

    /// A national tree: 40 regional overlays, 20,000 services, 2,000 rule
    /// definitions, every disposition of the release covered.
    pub fn national() -> Params {
        Params {
            seed: 1,
            overlays: 40,
            services: 20_000,
            rules: 2_000,
            calendar_years: 9,
        }
    }
}

/// One overlay, generated.
struct Overlay {
    plan: OverlayPlan,
    changes: RuleChanges,
    catch_all: Option<usize>,
    remap: Option<(&'static str, &'static str, &'static str)>,
    suspensions: Vec<String>,
    services: Vec<Service>,
}

/// Shares `total` among `weights` (largest remainder).
fn share(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let given: usize = out.iter().sum();
    let mut remainders: Vec<(usize, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| (total * w % sum, i))
        .collect();
    remainders.sort_by(|a, b| b.cmp(a));
    for (_, i) in remainders.into_iter().take(total - given) {
        if let Some(slot) = out.get_mut(i) {
            *slot += 1;
        }
    }
    out
}

/// The types a layer can route to (rules and catch-all).
fn routed(layer: &LayerRules, catch_all: usize) -> Vec<usize> {
    let mut types: BTreeSet<usize> = layer
        .rules
        .iter()
        .flat_map(|r| r.route.iter().copied())
        .filter(|t| !layer.lacks || TYPES.get(*t).is_some_and(|ty| ty.requires.is_none()))
        .collect();
    types.insert(catch_all);
    types.into_iter().collect()
}

/// Generates a rules tree: `(path relative to the rules directory, text)`,
/// sorted by path.
pub fn generate(params: &Params) -> Vec<(String, String)> {
    let release = Release::bundled();
    let seed = params.seed;

    // Places and overlays.
    let districts_needed = (params.services / 8).max(3 * params.overlays + 10);
    let places = Places::choose(&mut Rng::stream(seed, "places"), districts_needed);
    let plans = places::plan_overlays(&mut Rng::stream(seed, "overlays"), &places, params.overlays);

    // How many rules the baseline and each overlay define.
    let lacking_adds = rules::lacking_additions(&release);
    let forced: Vec<usize> = plans
        .iter()
        .map(|p| usize::from(p.pods) + if p.lacks { lacking_adds } else { 0 })
        .collect();
    let forced_total: usize = forced.iter().sum();
    let baseline_min: usize = FAMILIES.iter().map(rules::min_rules).sum();
    let baseline_max: usize = FAMILIES.iter().map(|f| rules::max_rules(&release, f)).sum();
    let mut discretionary = (params.rules / 5).saturating_sub(forced_total);
    let mut baseline = params.rules.saturating_sub(forced_total + discretionary);
    if baseline < baseline_min {
        discretionary = discretionary.saturating_sub(baseline_min - baseline);
        baseline = params
            .rules
            .saturating_sub(forced_total + discretionary)
            .max(baseline_min);
    }
    if baseline > baseline_max {
        discretionary += baseline - baseline_max;
        baseline = baseline_max;
    }

    // The baseline.
    let mut rule_rng = Rng::stream(seed, "rules");
    let per_family = rules::allocate(&release, baseline);
    let family_rules: Vec<Vec<Rule>> = per_family
        .iter()
        .enumerate()
        .map(|(idx, k)| rules::family_rules(&release, idx, *k, &mut rule_rng))
        .collect();
    let national_rules = LayerRules {
        rules: family_rules.iter().flatten().cloned().collect(),
        touched: BTreeSet::new(),
        lacks: false,
    };

    // The overlays' rules, parents before children.
    let mut overlay_rng = Rng::stream(seed, "overlay rules");
    let weights: Vec<usize> = plans.iter().map(|_| overlay_rng.range(1, 3)).collect();
    let quotas = share(discretionary, &weights);
    let catch_all_default = data::type_index("emergency_department").unwrap_or(0);
    let mut states: Vec<LayerRules> = vec![national_rules];
    let mut catch_alls: Vec<usize> = vec![catch_all_default];
    let mut overlays: Vec<Overlay> = Vec::with_capacity(plans.len());
    let mut carry = 0usize;
    for (i, plan) in plans.iter().enumerate() {
        let parent_layer = plan.parent.map_or(0, |p| p + 1);
        let inherited = states.get(parent_layer).cloned().unwrap_or_default();
        let mut editor = Editor::new(&release, inherited, &plan.label);
        let mut plan = plan.clone();
        if plan.lacks && !editor.layer.lacks {
            editor.lose_clinician();
        }
        if plan.pods && !editor.add_pod_rule(&mut overlay_rng) {
            plan.pods = false;
            carry += 1;
        }
        let mut quota = quotas.get(i).copied().unwrap_or(0) + carry;
        while quota > 0 {
            let before = editor.changes.n_rules();
            let roll = overlay_rng.below(100);
            // Splits, adds over part of a box and overrides, in an order
            // drawn at random; the first that finds a rule to change wins.
            let order: &[u8] = if roll < 25 && quota >= 2 {
                &[0, 1, 2]
            } else if roll < 55 {
                &[1, 2]
            } else {
                &[2, 1]
            };
            let done = order.iter().any(|op| match op {
                0 => editor.split_one(&mut overlay_rng),
                1 => editor.add_over_part(&mut overlay_rng),
                _ => editor.override_one(&mut overlay_rng),
            });
            if !done {
                break;
            }
            quota = quota.saturating_sub(editor.changes.n_rules() - before);
        }
        carry = quota;
        let parent_catch_all = catch_alls
            .get(parent_layer)
            .copied()
            .unwrap_or(catch_all_default);
        let catch_all = if overlay_rng.percent(20) {
            data::type_index("urgent_treatment_centre")
        } else {
            None
        };
        // Remaps are one step: none whose code or target an inherited
        // remap already uses (which would make a chain, an error).
        let mut inherited: Vec<(&str, &str)> = Vec::new();
        let mut ancestor = plan.parent;
        while let Some(idx) = ancestor {
            let Some(parent) = overlays.get(idx) else {
                break;
            };
            inherited.extend(parent.remap.map(|(from, to, _)| (from, to)));
            ancestor = parent.plan.parent;
        }
        let allowed: Vec<(&str, &str, &str)> = data::REMAPS
            .iter()
            .copied()
            .filter(|(from, to, _)| {
                inherited
                    .iter()
                    .all(|(f, t)| f != from && f != to && t != from)
            })
            .collect();
        let remap = if overlay_rng.percent(30) {
            overlay_rng.pick(&allowed).copied()
        } else {
            None
        };
        catch_alls.push(catch_all.unwrap_or(parent_catch_all));
        let (layer, changes) = editor.finish();
        states.push(layer);
        overlays.push(Overlay {
            plan,
            changes,
            catch_all,
            remap,
            suspensions: Vec::new(),
            services: Vec::new(),
        });
    }

    // Services: the baseline's, then each overlay's.
    let holidays = calendar::calendar(params.calendar_years);
    let first = calendar::Date::new(2019, 1, 1);
    let years = i32::try_from(params.calendar_years.max(1)).unwrap_or(1);
    let dates = Dates {
        holidays: holidays.iter().map(|(d, _)| *d).collect(),
        first,
        span: calendar::Date::new(2019 + years, 1, 1).days() - first.days(),
    };
    let mut service_rng = Rng::stream(seed, "services");
    let n_pods = overlays.iter().filter(|o| o.plan.pods).count();
    let n_national_types = TYPES.iter().filter(|t| !t.overlay_only).count();
    let n_overlay_services = if overlays.is_empty() {
        0
    } else {
        (params.services / 25)
            .max(n_pods)
            .min(params.services.saturating_sub(n_national_types))
    };
    let mut ids = Ids::default();
    let counts = services::counts(params.services - n_overlay_services);
    let mut national_services =
        services::national(&mut service_rng, &places, &counts, &dates, &mut ids);
    let mut per_overlay = vec![0usize; overlays.len()];
    let mut left = n_overlay_services;
    for (slot, overlay) in per_overlay.iter_mut().zip(&overlays) {
        if overlay.plan.pods && left > 0 {
            *slot += 1;
            left -= 1;
        }
    }
    for _ in 0..left {
        let i = service_rng.below(overlays.len());
        if let Some(slot) = per_overlay.get_mut(i) {
            *slot += 1;
        }
    }
    for (i, overlay) in overlays.iter_mut().enumerate() {
        let layer_routed = routed(
            states.get(i + 1).unwrap_or(&LayerRules::default()),
            catch_alls.get(i + 1).copied().unwrap_or(catch_all_default),
        );
        overlay.services = services::overlay_services(
            &mut service_rng,
            &overlay.plan,
            per_overlay.get(i).copied().unwrap_or(0),
            &layer_routed,
            &mut ids,
        );
    }

    // Every service reachable: a national service whose units are all
    // governed by overlays that do not route its type also covers its area.
    let routed_by_layer: Vec<Vec<usize>> = states
        .iter()
        .zip(&catch_alls)
        .map(|(layer, catch_all)| routed(layer, *catch_all))
        .collect();
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for (i, overlay) in overlays.iter().enumerate() {
        for unit in &overlay.plan.area {
            claims.insert(unit.clone(), i + 1);
        }
    }
    for service in &mut national_services {
        if !reachable(service, &claims, &routed_by_layer, &overlays) {
            let area = places::area_code(service.home_area).to_owned();
            if !service.catchment.contains(&area) {
                service.catchment.push(area);
            }
        }
    }

    // Suspensions.
    let mut suspend_rng = Rng::stream(seed, "suspensions");
    let mut by_district: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (idx, service) in national_services.iter().enumerate() {
        if let Some(district) = &service.home_district {
            by_district.entry(district.as_str()).or_default().push(idx);
        }
    }
    for overlay in &mut overlays {
        let mut candidates: Vec<usize> = overlay
            .plan
            .districts
            .iter()
            .flat_map(|(a, n)| {
                by_district
                    .get(places::district(*a, *n).as_str())
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|idx| {
                national_services
                    .get(*idx)
                    .is_some_and(|s| s.valid.as_ref().is_none_or(|v| v.ends_with("..")))
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        suspend_rng.shuffle(&mut candidates);
        let n = if suspend_rng.percent(60) {
            suspend_rng.range(1, 3)
        } else {
            0
        };
        for idx in candidates.into_iter().take(n) {
            let Some(service) = national_services.get(idx) else {
                continue;
            };
            let from = dates.first.plus(
                i64::try_from(suspend_rng.below(usize::try_from(dates.span.max(1)).unwrap_or(1)))
                    .unwrap_or(0),
            );
            let until = from.plus(i64::try_from(suspend_rng.range(7, 84)).unwrap_or(7));
            let reason = suspend_rng
                .pick(data::SUSPEND_REASONS)
                .copied()
                .unwrap_or("Temporarily closed");
            overlay.suspensions.push(format!(
                "suspend service \"{}\" from {from} until {until} because \"{reason}\"",
                service.id
            ));
        }
        if suspend_rng.percent(10) {
            overlay.suspensions.push(
                "suspend service_type pharmacy_cpcs_plus from 2020-03-23 until 2020-04-01 because \"COVID-19: CPCS+ referrals paused\""
                    .to_owned(),
            );
        }
    }

    write_tree(
        params,
        &family_rules,
        &national_services,
        &overlays,
        &holidays,
    )
}

/// Whether a national service can be reached: some layer routes its type
/// and governs one of its units.
fn reachable(
    service: &Service,
    claims: &BTreeMap<String, usize>,
    routed: &[Vec<usize>],
    overlays: &[Overlay],
) -> bool {
    let routes = |layer: usize| routed.get(layer).is_some_and(|t| t.contains(&service.ty));
    for unit in &service.catchment {
        // The layer owning the unit: the most specific claim containing it.
        let owner = places::units_containing(unit)
            .iter()
            .find_map(|u| claims.get(u).copied())
            .unwrap_or(0);
        if routes(owner) {
            return true;
        }
        // Or an overlay claiming a part of it.
        for (i, overlay) in overlays.iter().enumerate() {
            if overlay
                .plan
                .area
                .iter()
                .any(|a| places::unit_within(a, unit))
                && routes(i + 1)
            {
                return true;
            }
        }
    }
    false
}

const HEADER: &str = "// Generated by dxmap-gen (benches/): a synthetic national-scale tree.\n// Places are real postcode areas; services, ids, hours and overlays are invented.\n";

fn write_tree(
    params: &Params,
    family_rules: &[Vec<Rule>],
    national_services: &[Service],
    overlays: &[Overlay],
    holidays: &[(calendar::Date, String)],
) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let has_pods = overlays.iter().any(|o| o.plan.pods);

    // national.dxm: release, skill, types, catch-all, hierarchies, no_search.
    let mut national = format!(
        "{HEADER}// Seed {}. The national baseline: the release in force, skills, service\n// types, the catch-all, queue hierarchies and the codes answered without a search.\n\nrelease \"{}\"\n\nskill {} \"Pathways clinician\"\nhas {}\n\n",
        params.seed,
        release::RELEASE,
        data::CLINICIAN_SKILL,
        data::CLINICIAN_SKILL
    );
    for ty in TYPES {
        if ty.overlay_only && !has_pods {
            continue;
        }
        let mut clauses = vec![format!("responds_within {}", ty.responds)];
        if let Some(channels) = ty.channels {
            clauses.push(format!("channels {channels}"));
        }
        if let Some(skill) = ty.requires {
            clauses.push(format!("requires {skill}"));
        }
        if let Some(n) = ty.returns {
            clauses.push(format!("returns {n}"));
        }
        if clauses.len() == 1 {
            national.push_str(&format!(
                "service_type {} \"{}\" {{ {} }}  // DoS type {}\n",
                ty.name,
                ty.label,
                clauses.join(" "),
                ty.dos_id
            ));
        } else {
            national.push_str(&format!(
                "service_type {} \"{}\" {{  // DoS type {}\n",
                ty.name, ty.label, ty.dos_id
            ));
            for clause in clauses {
                national.push_str(&format!("  {clause}\n"));
            }
            national.push_str("}\n");
        }
    }
    national.push_str("\ncatch_all emergency_department  // when nothing survives: nearest two, capacity ignored\n\n");
    national.push_str("// The order of the in-house clinician queue: highest first.\nhierarchy clinician_queue_order {\n  Dx321 > Dx32 > Dx325 > Dx327 > Dx322 > Dx323 > Dx324 > Dx326 > Dx328\n}\n\n");
    national.push_str("// Ambulance dispatch: the most urgent first.\nhierarchy ambulance_order {\n  Dx010 > Dx011 > Dx012 > Dx014 > Dx028 > Dx024 > Dx025 > Dx016 > Dx026\n}\n\n");
    for (codes, reason) in data::NO_SEARCH {
        national.push_str(&format!(
            "no_search {} because \"{reason}\"\n",
            codes.join(", ")
        ));
    }
    files.push(("national.dxm".to_owned(), national));

    if !holidays.is_empty() {
        let mut text = format!(
            "{HEADER}// Bank holidays in England and Wales, {}-{}, computed by the rules of the\n// Banking and Financial Dealings Act 1971 and the one-off changes of 2020-2023.\ncalendar england_and_wales {{\n",
            holidays.first().map_or(2019, |(d, _)| d.year),
            holidays.last().map_or(2019, |(d, _)| d.year)
        );
        for (date, name) in holidays {
            text.push_str(&format!("  {date} \"{name}\"\n"));
        }
        text.push_str("}\n");
        files.push(("calendar.dxm".to_owned(), text));
    }

    let mut groups = format!(
        "{HEADER}// Disposition groups used by the baseline rules ({}).\n\n",
        release::RELEASE
    );
    for family in FAMILIES {
        if family.codes.len() > 1 {
            groups.push_str(&format!(
                "group {} = {}\n",
                family.group,
                family.codes.join(", ")
            ));
        }
    }
    files.push(("groups.dxm".to_owned(), groups));

    for (idx, (family, rules)) in FAMILIES.iter().zip(family_rules).enumerate() {
        let mut text = format!(
            "{HEADER}// {}: {} (split by channel, age and sex into {} rules).\n",
            family.name,
            family.codes.join(", "),
            rules.len()
        );
        for rule in rules {
            text.push('\n');
            text.push_str(&rule.text("rule", 0));
        }
        files.push((format!("rules/{:02}_{}.dxm", idx + 1, family.group), text));
    }

    // Services, by area; area-wide ones together.
    let mut by_file: BTreeMap<String, Vec<&Service>> = BTreeMap::new();
    for service in national_services {
        let file = if service.home_district.is_some() {
            format!(
                "services/{}.dxm",
                places::area_code(service.home_area).to_ascii_lowercase()
            )
        } else {
            "services/regional.dxm".to_owned()
        };
        by_file.entry(file).or_default().push(service);
    }
    for (file, list) in by_file {
        let mut text = HEADER.to_owned();
        let town = list
            .first()
            .and_then(|s| places::area(s.home_area))
            .map_or("", |a| a.town);
        if file.ends_with("regional.dxm") {
            text.push_str("// Area-wide services: ambulance trusts, 111 clinical assessment, GP out of hours, duty teams.\n");
        } else {
            text.push_str(&format!("// Services of the {town} postcode area.\n"));
        }
        for service in list {
            text.push('\n');
            text.push_str(&service.text(0));
        }
        files.push((file, text));
    }

    for overlay in overlays {
        files.push((
            format!("overlays/{}.dxm", overlay.plan.name),
            overlay_text(overlay, overlays),
        ));
    }
    files.sort();
    files
}

fn overlay_text(overlay: &Overlay, all: &[Overlay]) -> String {
    let plan = &overlay.plan;
    let parent = plan
        .parent
        .and_then(|p| all.get(p))
        .map_or("national", |p| p.plan.name.as_str());
    let mut what = Vec::new();
    if plan.lacks {
        what.push("no Pathways clinician");
    }
    if plan.pods {
        what.push("COVID-19 Priority Assessment PODs");
    }
    if overlay.remap.is_some() {
        what.push("a validation remap");
    }
    if !overlay.suspensions.is_empty() {
        what.push("suspended services");
    }
    if !overlay.changes.overrides.is_empty() || !overlay.changes.adds.is_empty() {
        what.push("local rules");
    }
    // A generated region's services are spread at random, so some urgent
    // dispositions have no service of their routed type in every unit of
    // its area: accepted, with the reason, as a DoS lead accepts a region
    // still being entered.
    const REACH_ALLOW: &str = "// dxmap: allow DX0516 because \"generated services are spread at random: the catch-all answers where a type has none\"";
    let mut text = format!(
        "{HEADER}// {}: {}.\n\n{REACH_ALLOW}\noverlay {} extends {parent} {{\n  area {}\n",
        plan.label,
        if what.is_empty() {
            "local services".to_owned()
        } else {
            what.join(", ")
        },
        plan.name,
        plan.area.join(", ")
    );
    if plan.lacks {
        text.push_str(&format!("  lacks {}\n", data::CLINICIAN_SKILL));
    }
    if let Some((from, to, why)) = overlay.remap {
        text.push_str(&format!("  remap {from} -> {to} because \"{why}\"\n"));
    }
    if let Some(catch_all) = overlay.catch_all.and_then(|t| TYPES.get(t)) {
        text.push_str(&format!("  catch_all {}\n", catch_all.name));
    }
    for line in &overlay.suspensions {
        text.push_str(&format!("  {line}\n"));
    }
    for (name, because) in &overlay.changes.removes {
        text.push_str(&format!("  remove rule \"{name}\" because \"{because}\"\n"));
    }
    for rule in &overlay.changes.overrides {
        text.push('\n');
        text.push_str(&rule.text("override rule", 2));
    }
    for rule in &overlay.changes.adds {
        text.push('\n');
        text.push_str(&rule.text("add rule", 2));
    }
    for service in &overlay.services {
        text.push('\n');
        text.push_str(&service.text(2));
    }
    text.push_str("}\n");
    text
}

/// Counts of a generated tree, as `dxmap check` would count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Overlays.
    pub overlays: usize,
    /// Services.
    pub services: usize,
    /// Rule definitions.
    pub rules: usize,
}

/// Counts the definitions in generated files by their keywords.
pub fn count(files: &[(String, String)]) -> Counts {
    let mut counts = Counts {
        overlays: 0,
        services: 0,
        rules: 0,
    };
    for (_, text) in files {
        for line in text.lines() {
            let line = line.trim_start();
            if line.starts_with("overlay ") {
                counts.overlays += 1;
            } else if line.starts_with("service \"") {
                counts.services += 1;
            } else if line.starts_with("rule \"")
                || line.starts_with("override rule \"")
                || line.starts_with("add rule \"")
            {
                counts.rules += 1;
            }
        }
    }
    counts
}
