//! Rules of generated trees: the baseline, split into disjoint boxes, and
//! the changes overlays make to it.
//!
//! A rule is a box of cases: codes × channels × an age band × (any sex or
//! female). The baseline splits each family's cases by channel blocks and
//! age bands into boxes that partition them, so no two baseline rules of
//! priority 0 can match one case and every case of every code is covered.
//! Some boxes get a companion for women at priority 10 (it overlaps its
//! box, with a higher priority, and the box still fires for men and for
//! cases without a sex).
//!
//! Overlays keep that property by construction: an `override` keeps the
//! conditions and changes the route; an `add` at priority 20 takes a strict
//! part of one untouched box (so the box still fires and no two adds of a
//! layer meet); a split removes an untouched box and adds two rules that
//! partition it; an overlay without the Pathways clinician removes every
//! rule that needs one and adds, at priority 0, rules for the codes in use
//! that lost their cover.
//!
//! Imports: `crate::data`, `crate::prng`, `crate::release`.

use std::collections::BTreeSet;

use crate::data::{self, Family, CUTS, FAMILIES, MAX_BANDS, SIXTEEN, TYPES};
use crate::prng::Rng;
use crate::release::{Need, Release, CHANNELS, CH_111, CH_999, CH_ALL, CH_OOH};

/// Priority of the baseline's companions for women.
pub const FEMALE_PRIORITY: u32 = 10;
/// Priority of the rules overlays add over part of a box.
pub const ADD_PRIORITY: u32 = 20;

/// A rule: a box of cases and a route.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its name, unique in every layer where it is in force.
    pub name: String,
    /// Index into [`FAMILIES`].
    pub family: usize,
    /// Its codes, in the family's order.
    pub codes: Vec<&'static str>,
    /// Channel bits.
    pub channels: u8,
    /// Age band: lower boundary (0 = birth, `b` = `CUTS[b - 1]`).
    pub lo: usize,
    /// Age band: upper boundary (`MAX_BANDS` = no upper bound).
    pub hi: usize,
    /// `sex = female`.
    pub female: bool,
    /// Priority (0 = none written).
    pub priority: u32,
    /// Ranked service types (indexes into [`TYPES`]).
    pub route: Vec<usize>,
    /// Part of a baseline pair (box and its women's companion): never
    /// narrowed or split by overlays.
    pub paired: bool,
    /// Why (overrides).
    pub because: Option<String>,
}

impl Rule {
    fn family(&self) -> Option<&'static Family> {
        FAMILIES.get(self.family)
    }

    /// Whether `other` is a strictly smaller box inside this one.
    fn strictly_contains(&self, other: &Rule) -> bool {
        let inside = other.codes.iter().all(|c| self.codes.contains(c))
            && other.channels & !self.channels == 0
            && other.lo >= self.lo
            && other.hi <= self.hi
            && (other.female || !self.female);
        let smaller = other.codes.len() < self.codes.len()
            || other.channels != self.channels
            || other.lo != self.lo
            || other.hi != self.hi
            || other.female != self.female;
        inside && smaller
    }

    /// The `when` clause.
    pub fn when(&self) -> String {
        let mut parts = Vec::new();
        let whole = self
            .family()
            .is_some_and(|f| f.codes.len() > 1 && f.codes.len() == self.codes.len());
        match (whole, self.codes.as_slice()) {
            (true, _) => parts.push(format!("dx in {}", self.family().map_or("?", |f| f.group))),
            (false, [one]) => parts.push(format!("dx = {one}")),
            (false, codes) => parts.push(format!("dx in ({})", codes.join(", "))),
        }
        if self.channels != CH_ALL {
            let names: Vec<&str> = CHANNELS
                .iter()
                .filter(|(bit, _, _)| self.channels & bit != 0)
                .map(|(_, text, _)| *text)
                .collect();
            match names.as_slice() {
                [one] => parts.push(format!("channel = {one}")),
                many => parts.push(format!("channel in ({})", many.join(", "))),
            }
        }
        if self.lo > 0 {
            if let Some(cut) = CUTS.get(self.lo - 1) {
                parts.push(format!("age >= {}", cut.text));
            }
        }
        if self.hi < MAX_BANDS {
            if let Some(cut) = self.hi.checked_sub(1).and_then(|i| CUTS.get(i)) {
                parts.push(format!("age < {}", cut.text));
            }
        }
        if self.female {
            parts.push("sex = female".to_owned());
        }
        parts.join(" and ")
    }

    /// The rule's text (`keyword` is `rule`, `override rule` or `add rule`),
    /// indented by `indent` spaces.
    pub fn text(&self, keyword: &str, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let route: Vec<&str> = self
            .route
            .iter()
            .filter_map(|t| TYPES.get(*t).map(|t| t.name))
            .collect();
        let mut out = format!(
            "{pad}{keyword} \"{}\" {{\n{pad}  when {}\n{pad}  route {}\n",
            self.name,
            self.when(),
            route.join(", ")
        );
        if self.priority > 0 {
            out.push_str(&format!("{pad}  priority {}\n", self.priority));
        }
        if let Some(because) = &self.because {
            out.push_str(&format!("{pad}  because \"{because}\"\n"));
        }
        out.push_str(&format!("{pad}}}\n"));
        out
    }
}

/// Words for a set of channels: `111 and out of hours`.
pub fn channel_words(bits: u8) -> String {
    let words: Vec<&str> = CHANNELS
        .iter()
        .filter(|(bit, _, _)| bits & bit != 0)
        .map(|(_, _, words)| *words)
        .collect();
    words.join(" and ")
}

/// Words for an age band: `16 years to under 65 years`.
pub fn age_words(lo: usize, hi: usize) -> String {
    let words = |b: usize| {
        b.checked_sub(1)
            .and_then(|i| CUTS.get(i))
            .map_or("?", |c| c.words)
    };
    match (lo, hi) {
        (0, hi) if hi >= MAX_BANDS => "any age".to_owned(),
        (0, hi) => format!("under {}", words(hi)),
        (lo, hi) if hi >= MAX_BANDS => format!("{} and over", words(lo)),
        (lo, hi) => format!("{} to under {}", words(lo), words(hi)),
    }
}

fn type_indexes(names: &[&str]) -> Vec<usize> {
    names.iter().filter_map(|n| data::type_index(n)).collect()
}

fn channel_count(bits: u8) -> usize {
    usize::try_from(bits.count_ones()).unwrap_or(0)
}

/// The channel bits of a family: every channel one of its codes uses.
fn family_channels(release: &Release, family: &Family) -> u8 {
    let bits = family
        .codes
        .iter()
        .fold(0u8, |bits, code| bits | release.channels(code));
    if bits == 0 {
        CH_ALL
    } else {
        bits
    }
}

/// The fewest rules a family can have.
pub fn min_rules(family: &Family) -> usize {
    if family.child_route.is_some() {
        2
    } else {
        1
    }
}

/// The most rules a family can have: every channel alone, every age band,
/// each with a companion for women.
pub fn max_rules(release: &Release, family: &Family) -> usize {
    channel_count(family_channels(release, family)) * MAX_BANDS * 2
}

/// Channel blocks partitioning `bits` into `n` blocks (1 ≤ n ≤ channels).
fn channel_blocks(bits: u8, n: usize) -> Vec<u8> {
    let singles: Vec<u8> = CHANNELS
        .iter()
        .map(|(bit, _, _)| *bit)
        .filter(|bit| bits & bit != 0)
        .collect();
    if n <= 1 || singles.len() <= 1 {
        return vec![bits];
    }
    if n >= singles.len() {
        return singles;
    }
    // Three channels in two blocks: 999 apart from 111 and out of hours.
    if bits & CH_999 != 0 {
        vec![bits & !CH_999, CH_999]
    } else {
        vec![CH_111, bits & !CH_111]
    }
}

/// A variation of a route for codes with timeframe `timeframe`: two types
/// swapped, the last moved first, or a type added at the end. `None` when
/// none is possible.
pub fn variation(route: &[usize], timeframe: Option<u32>, rng: &mut Rng) -> Option<Vec<usize>> {
    let mut options: Vec<Vec<usize>> = Vec::new();
    if route.len() >= 2 {
        let mut swapped = route.to_vec();
        swapped.swap(0, 1);
        options.push(swapped);
    }
    if route.len() >= 3 {
        let mut rotated = route.to_vec();
        rotated.rotate_right(1);
        options.push(rotated);
    }
    for extra in data::EXTRA_TYPES {
        let Some(idx) = data::type_index(extra) else {
            continue;
        };
        let fast_enough = TYPES
            .get(idx)
            .is_some_and(|t| timeframe.is_none_or(|tf| t.minutes <= tf));
        if !route.contains(&idx) && fast_enough {
            let mut longer = route.to_vec();
            longer.push(idx);
            options.push(longer);
        }
    }
    rng.pick(&options).cloned()
}

/// The baseline rules of one family, `k` of them (clamped to what the
/// family allows), partitioning its cases.
pub fn family_rules(release: &Release, family_idx: usize, k: usize, rng: &mut Rng) -> Vec<Rule> {
    let Some(family) = FAMILIES.get(family_idx) else {
        return Vec::new();
    };
    let bits = family_channels(release, family);
    let n_channels = channel_count(bits).max(1);
    let k = k.clamp(min_rules(family), max_rules(release, family).max(1));
    // Companions for women: about one rule in eight, more when the boxes
    // alone cannot make up `k`.
    let mut pairs = if k >= 4 { k / 8 } else { 0 };
    let mut boxes = k - pairs;
    if boxes > n_channels * MAX_BANDS {
        pairs += boxes - n_channels * MAX_BANDS;
        boxes = n_channels * MAX_BANDS;
    }
    let min_per_block = min_rules(family);
    let mut n_blocks = boxes.div_ceil(MAX_BANDS).max(1);
    if n_blocks < n_channels && boxes >= (n_blocks + 1) * min_per_block && rng.percent(50) {
        n_blocks += 1;
    }
    n_blocks = n_blocks.min(n_channels).min(boxes / min_per_block).max(1);
    let blocks = channel_blocks(bits, n_blocks);
    let n_blocks = blocks.len().max(1);
    let route = type_indexes(family.route);
    let child_route = family.child_route.map(type_indexes);
    let mut rules = Vec::new();
    for (block_idx, block) in blocks.iter().enumerate() {
        let n_bands =
            (boxes / n_blocks + usize::from(block_idx < boxes % n_blocks)).clamp(1, MAX_BANDS);
        // Boundaries 1..=CUTS.len(); a family with a children's route
        // always splits at 16.
        let forced: Vec<usize> = if child_route.is_some() {
            vec![SIXTEEN]
        } else {
            Vec::new()
        };
        let mut others: Vec<usize> = (1..MAX_BANDS).filter(|b| !forced.contains(b)).collect();
        rng.shuffle(&mut others);
        let mut cuts: Vec<usize> = forced
            .iter()
            .copied()
            .chain(others)
            .take(n_bands - 1)
            .collect();
        cuts.sort_unstable();
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(cuts)
            .chain(std::iter::once(MAX_BANDS))
            .collect();
        for band in bounds.windows(2) {
            let (lo, hi) = match band {
                [lo, hi] => (*lo, *hi),
                _ => continue,
            };
            let mut name = family.name.to_owned();
            if blocks.len() > 1 {
                name.push_str(&format!(", {}", channel_words(*block)));
            }
            if bounds.len() > 2 {
                name.push_str(&format!(", {}", age_words(lo, hi)));
            }
            let rule_route = match &child_route {
                Some(child) if hi <= SIXTEEN => child.clone(),
                _ => route.clone(),
            };
            rules.push(Rule {
                name,
                family: family_idx,
                codes: family.codes.to_vec(),
                channels: *block,
                lo,
                hi,
                female: false,
                priority: 0,
                route: rule_route,
                paired: false,
                because: None,
            });
        }
    }
    // Companions for women on `pairs` distinct boxes.
    let mut order: Vec<usize> = (0..rules.len()).collect();
    rng.shuffle(&mut order);
    let mut chosen: Vec<usize> = order.into_iter().take(pairs).collect();
    chosen.sort_unstable();
    let timeframe = release.min_timeframe(family.codes);
    let mut out = Vec::with_capacity(rules.len() + chosen.len());
    for (idx, mut rule) in rules.into_iter().enumerate() {
        if chosen.contains(&idx) {
            rule.paired = true;
            let mut companion = rule.clone();
            companion.name = format!("{}, female", rule.name);
            companion.female = true;
            companion.priority = FEMALE_PRIORITY;
            companion.route = variation(&rule.route, timeframe, rng).unwrap_or(rule.route.clone());
            out.push(rule);
            out.push(companion);
        } else {
            out.push(rule);
        }
    }
    out
}

/// Shares `total` among families in proportion to their size, at least the
/// minimum of each and at most its maximum.
pub fn allocate(release: &Release, total: usize) -> Vec<usize> {
    let mins: Vec<usize> = FAMILIES.iter().map(min_rules).collect();
    let maxs: Vec<usize> = FAMILIES.iter().map(|f| max_rules(release, f)).collect();
    let weights: Vec<usize> = FAMILIES.iter().map(|f| f.codes.len() + 2).collect();
    let mut counts = mins.clone();
    let mut left = total.saturating_sub(mins.iter().sum());
    // Largest remainder over the families not yet full, repeated while some
    // family reaches its maximum.
    while left > 0 {
        let open: Vec<usize> = (0..FAMILIES.len())
            .filter(|i| counts.get(*i) < maxs.get(*i))
            .collect();
        let weight_sum: usize = open.iter().filter_map(|i| weights.get(*i)).sum();
        if open.is_empty() || weight_sum == 0 {
            break;
        }
        let mut given = 0;
        let mut remainders: Vec<(usize, usize)> = Vec::new();
        for i in &open {
            let w = weights.get(*i).copied().unwrap_or(0);
            let share = left * w / weight_sum;
            let room = maxs.get(*i).copied().unwrap_or(0) - counts.get(*i).copied().unwrap_or(0);
            let add = share.min(room);
            if let Some(c) = counts.get_mut(*i) {
                *c += add;
            }
            given += add;
            remainders.push((left * w % weight_sum, *i));
        }
        left -= given;
        remainders.sort_by(|a, b| b.cmp(a));
        for (_, i) in remainders {
            if left == 0 {
                break;
            }
            if counts.get(i) < maxs.get(i) {
                if let Some(c) = counts.get_mut(i) {
                    *c += 1;
                }
                left -= 1;
            }
        }
        if given == 0 && left > 0 && open.iter().all(|i| counts.get(*i) >= maxs.get(*i)) {
            break;
        }
    }
    counts
}

/// The rules in force in one layer, and what overlays below it may still
/// change.
#[derive(Debug, Clone, Default)]
pub struct LayerRules {
    /// Rules in force, in order.
    pub rules: Vec<Rule>,
    /// Boxes already narrowed by an add: not narrowed or split again.
    pub touched: BTreeSet<String>,
    /// The layer lacks the Pathways clinician.
    pub lacks: bool,
}

/// What one overlay does to the rules of the layer below.
#[derive(Debug, Clone, Default)]
pub struct RuleChanges {
    /// `remove rule NAME because REASON`.
    pub removes: Vec<(String, String)>,
    /// `override rule`.
    pub overrides: Vec<Rule>,
    /// `add rule`.
    pub adds: Vec<Rule>,
}

impl RuleChanges {
    /// Rule definitions made (overrides and additions).
    pub fn n_rules(&self) -> usize {
        self.overrides.len() + self.adds.len()
    }
}

/// How many rules an overlay without the Pathways clinician must add.
pub fn lacking_additions(release: &Release) -> usize {
    FAMILIES
        .iter()
        .filter(|f| f.codes.iter().any(|c| release.need(c) == Need::InUse))
        .filter(|f| {
            f.route.iter().any(|t| {
                TYPES
                    .iter()
                    .any(|ty| ty.name == *t && ty.requires.is_some())
            })
        })
        .count()
}

fn rule_needs_clinician(release: &Release, rule: &Rule) -> bool {
    rule.route
        .iter()
        .any(|t| TYPES.get(*t).is_some_and(|ty| ty.requires.is_some()))
        || rule
            .codes
            .iter()
            .any(|c| release.need(c) == Need::ClinicianOnly)
}

/// Changes to one layer, made in place on `layer` and recorded.
pub struct Editor<'a> {
    /// The release.
    pub release: &'a Release,
    /// The layer's rules (inherited, then changed).
    pub layer: LayerRules,
    /// What was changed.
    pub changes: RuleChanges,
    /// Names changed (overridden or removed) or added here.
    changed: BTreeSet<String>,
    /// The overlay's label, for names and reasons.
    label: String,
}

impl<'a> Editor<'a> {
    /// An editor over `layer` for the overlay labelled `label`.
    pub fn new(release: &'a Release, layer: LayerRules, label: &str) -> Editor<'a> {
        Editor {
            release,
            layer,
            changes: RuleChanges::default(),
            changed: BTreeSet::new(),
            label: label.to_owned(),
        }
    }

    /// The layer's rules after the changes, and the changes.
    pub fn finish(self) -> (LayerRules, RuleChanges) {
        (self.layer, self.changes)
    }

    fn timeframe(&self, rule: &Rule) -> Option<u32> {
        self.release.min_timeframe(&rule.codes)
    }

    fn has_name(&self, name: &str) -> bool {
        self.layer.rules.iter().any(|r| r.name == name)
    }

    /// Boxes an add may narrow or a split may cut: priority 0, not paired,
    /// not touched, not changed here.
    fn free_boxes(&self) -> Vec<usize> {
        (0..self.layer.rules.len())
            .filter(|i| {
                self.layer.rules.get(*i).is_some_and(|r| {
                    r.priority == 0
                        && !r.paired
                        && !r.female
                        && !self.layer.touched.contains(&r.name)
                        && !self.changed.contains(&r.name)
                })
            })
            .collect()
    }

    /// The layer loses the Pathways clinician: remove every rule that needs
    /// one and cover the codes in use that lose their rules.
    pub fn lose_clinician(&mut self) {
        self.layer.lacks = true;
        let release = self.release;
        let (gone, kept): (Vec<Rule>, Vec<Rule>) = std::mem::take(&mut self.layer.rules)
            .into_iter()
            .partition(|r| rule_needs_clinician(release, r));
        self.layer.rules = kept;
        for rule in &gone {
            let reason = if rule
                .codes
                .iter()
                .any(|c| release.need(c) == Need::ClinicianOnly)
            {
                format!(
                    "Clinician-only code: no Pathways clinician in {}",
                    self.label
                )
            } else {
                format!(
                    "No Pathways clinician in {}: covered by the GP out-of-hours clinical queue",
                    self.label
                )
            };
            self.changed.insert(rule.name.clone());
            self.changes.removes.push((rule.name.clone(), reason));
        }
        for (family_idx, family) in FAMILIES.iter().enumerate() {
            let uncovered: Vec<&'static str> = family
                .codes
                .iter()
                .copied()
                .filter(|c| release.need(c) == Need::InUse)
                .filter(|c| !self.layer.rules.iter().any(|r| r.codes.contains(c)))
                .collect();
            if uncovered.is_empty() {
                continue;
            }
            let mut route: Vec<usize> = type_indexes(family.route)
                .into_iter()
                .filter(|t| TYPES.get(*t).is_some_and(|ty| ty.requires.is_none()))
                .collect();
            if route.is_empty() {
                route = type_indexes(&["gp_queue"]);
            }
            let rule = Rule {
                name: format!("{} ({}: no Pathways clinician)", family.name, self.label),
                family: family_idx,
                codes: uncovered,
                channels: CH_ALL,
                lo: 0,
                hi: MAX_BANDS,
                female: false,
                priority: 0,
                route,
                paired: false,
                because: None,
            };
            self.changed.insert(rule.name.clone());
            self.layer.rules.push(rule.clone());
            self.changes.adds.push(rule);
        }
    }

    /// Overrides one rule with a different route; false when no rule can be.
    pub fn override_one(&mut self, rng: &mut Rng) -> bool {
        let mut candidates: Vec<usize> = (0..self.layer.rules.len())
            .filter(|i| {
                self.layer
                    .rules
                    .get(*i)
                    .is_some_and(|r| !self.changed.contains(&r.name))
            })
            .collect();
        rng.shuffle(&mut candidates);
        for idx in candidates {
            let Some(rule) = self.layer.rules.get(idx).cloned() else {
                continue;
            };
            let Some(route) = variation(&rule.route, self.timeframe(&rule), rng) else {
                continue;
            };
            let mut new = rule.clone();
            new.route = route;
            new.because = Some(pick_reason(rng, &self.label));
            self.changed.insert(rule.name.clone());
            if let Some(slot) = self.layer.rules.get_mut(idx) {
                *slot = new.clone();
            }
            self.changes.overrides.push(new);
            return true;
        }
        false
    }

    /// Adds a rule of priority 20 over a strict part of one free box.
    pub fn add_over_part(&mut self, rng: &mut Rng) -> bool {
        let mut candidates = self.free_boxes();
        rng.shuffle(&mut candidates);
        for idx in candidates {
            let Some(target) = self.layer.rules.get(idx).cloned() else {
                continue;
            };
            let Some(mut part) = narrow(&target, rng, true) else {
                continue;
            };
            let Some(route) =
                variation(&target.route, self.release.min_timeframe(&part.codes), rng)
            else {
                continue;
            };
            part.name = format!("{} ({} local pathway)", target.name, self.label);
            part.priority = ADD_PRIORITY;
            part.route = route;
            part.because = None;
            if self.has_name(&part.name) || !target.strictly_contains(&part) {
                continue;
            }
            self.layer.touched.insert(target.name.clone());
            self.changed.insert(part.name.clone());
            self.layer.rules.push(part.clone());
            self.changes.adds.push(part);
            return true;
        }
        false
    }

    /// Removes one free box and adds two rules partitioning it.
    pub fn split_one(&mut self, rng: &mut Rng) -> bool {
        let mut candidates = self.free_boxes();
        rng.shuffle(&mut candidates);
        for idx in candidates {
            let Some(target) = self.layer.rules.get(idx).cloned() else {
                continue;
            };
            let Some((mut first, mut second)) = split(&target, rng) else {
                continue;
            };
            first.name = format!("{} ({}: {})", target.name, self.label, piece_words(&first));
            second.name = format!("{} ({}: {})", target.name, self.label, piece_words(&second));
            if first.name == second.name
                || self.has_name(&first.name)
                || self.has_name(&second.name)
            {
                continue;
            }
            if let Some(route) = variation(
                &target.route,
                self.release.min_timeframe(&second.codes),
                rng,
            ) {
                second.route = route;
            }
            self.layer.rules.remove(idx);
            self.changed.insert(target.name.clone());
            self.changes.removes.push((
                target.name.clone(),
                format!("{}: split to route part of it differently", self.label),
            ));
            for part in [first, second] {
                self.changed.insert(part.name.clone());
                self.layer.rules.push(part.clone());
                self.changes.adds.push(part);
            }
            return true;
        }
        false
    }

    /// Adds the COVID-19 priority assessment POD rule: face-to-face primary
    /// care cases on 111 and out of hours go to a POD first.
    pub fn add_pod_rule(&mut self, rng: &mut Rng) -> bool {
        let Some(pod) = data::type_index("covid_assessment_pod") else {
            return false;
        };
        let preferred = [
            "primary_care_contact",
            "primary_care_24h",
            "primary_care_speak",
            "palliative",
        ];
        let mut candidates = self.free_boxes();
        rng.shuffle(&mut candidates);
        candidates.sort_by_key(|i| {
            let family = self
                .layer
                .rules
                .get(*i)
                .and_then(|r| FAMILIES.get(r.family))
                .map_or("", |f| f.group);
            !preferred.contains(&family)
        });
        for idx in candidates {
            let Some(target) = self.layer.rules.get(idx).cloned() else {
                continue;
            };
            let release = self.release;
            let codes: Vec<&'static str> = target
                .codes
                .iter()
                .copied()
                .filter(|c| {
                    release.need(c) == Need::InUse
                        && release
                            .codes
                            .get(*c)
                            .and_then(|info| info.timeframe)
                            .is_some_and(|tf| tf >= 60)
                })
                .collect();
            let channels = target.channels & (CH_111 | CH_OOH);
            if codes.is_empty() || channels == 0 {
                continue;
            }
            let mut part = target.clone();
            part.codes = codes;
            part.channels = channels;
            if !target.strictly_contains(&part) {
                match narrow(&part, rng, false) {
                    Some(narrower) => part = narrower,
                    None => continue,
                }
            }
            if !target.strictly_contains(&part)
                || release.min_timeframe(&part.codes).is_some_and(|tf| tf < 60)
            {
                continue;
            }
            part.name = format!("COVID-19 priority assessment POD, {}", self.label);
            part.priority = ADD_PRIORITY;
            part.route = std::iter::once(pod)
                .chain(target.route.iter().copied().filter(|t| *t != pod))
                .collect();
            part.because = None;
            if self.has_name(&part.name) {
                continue;
            }
            self.layer.touched.insert(target.name.clone());
            self.changed.insert(part.name.clone());
            self.layer.rules.push(part.clone());
            self.changes.adds.push(part);
            return true;
        }
        false
    }
}

fn pick_reason(rng: &mut Rng, label: &str) -> String {
    let reasons = [
        "Local commissioning: re-ranked after the service review",
        "Winter pressures plan",
        "Local pathway agreed with the acute trust",
        "Capacity in primary care: urgent treatment first",
        "Clinical governance review of the local directory",
    ];
    let reason = rng
        .pick(&reasons)
        .copied()
        .unwrap_or("Local commissioning decision");
    format!("{label}: {reason}")
}

/// Words naming a part of a box, for rule names.
fn piece_words(rule: &Rule) -> String {
    let mut words = Vec::new();
    if let Some(family) = FAMILIES.get(rule.family) {
        if rule.codes.len() < family.codes.len() {
            words.push(rule.codes.join(", "));
        }
    }
    words.push(channel_words(rule.channels));
    words.push(age_words(rule.lo, rule.hi));
    if rule.female {
        words.push("female".to_owned());
    }
    words.join(", ")
}

/// A strict part of a box, cut along one dimension chosen at random
/// (codes, channels, ages, or women only when `sex` allows).
fn narrow(rule: &Rule, rng: &mut Rng, sex: bool) -> Option<Rule> {
    let mut dims: Vec<u8> = Vec::new();
    if rule.codes.len() >= 2 {
        dims.push(0);
    }
    if channel_count(rule.channels) >= 2 {
        dims.push(1);
    }
    if rule.hi > rule.lo + 1 {
        dims.push(2);
    }
    if sex && !rule.female {
        dims.push(3);
    }
    let dim = *rng.pick(&dims)?;
    let mut part = rule.clone();
    match dim {
        0 => {
            let mut codes = rule.codes.clone();
            rng.shuffle(&mut codes);
            let keep = rng.range(1, codes.len() - 1);
            codes.truncate(keep);
            part.codes = rule
                .codes
                .iter()
                .copied()
                .filter(|c| codes.contains(c))
                .collect();
        }
        1 => {
            let bits: Vec<u8> = CHANNELS
                .iter()
                .map(|(bit, _, _)| *bit)
                .filter(|bit| rule.channels & bit != 0)
                .collect();
            part.channels = *rng.pick(&bits)?;
        }
        2 => {
            let cut = rng.range(rule.lo + 1, rule.hi - 1);
            if rng.percent(50) {
                part.hi = cut;
            } else {
                part.lo = cut;
            }
        }
        _ => part.female = true,
    }
    Some(part)
}

/// Two boxes partitioning a box, cut along codes, channels or ages.
fn split(rule: &Rule, rng: &mut Rng) -> Option<(Rule, Rule)> {
    let mut dims: Vec<u8> = Vec::new();
    if rule.codes.len() >= 2 {
        dims.push(0);
    }
    if channel_count(rule.channels) >= 2 {
        dims.push(1);
    }
    if rule.hi > rule.lo + 1 {
        dims.push(2);
    }
    let dim = *rng.pick(&dims)?;
    let mut first = rule.clone();
    let mut second = rule.clone();
    match dim {
        0 => {
            let mut codes = rule.codes.clone();
            rng.shuffle(&mut codes);
            let keep = rng.range(1, codes.len() - 1);
            codes.truncate(keep);
            first.codes = rule
                .codes
                .iter()
                .copied()
                .filter(|c| codes.contains(c))
                .collect();
            second.codes = rule
                .codes
                .iter()
                .copied()
                .filter(|c| !codes.contains(c))
                .collect();
        }
        1 => {
            let bits: Vec<u8> = CHANNELS
                .iter()
                .map(|(bit, _, _)| *bit)
                .filter(|bit| rule.channels & bit != 0)
                .collect();
            let one = *rng.pick(&bits)?;
            first.channels = one;
            second.channels = rule.channels & !one;
        }
        _ => {
            let cut = rng.range(rule.lo + 1, rule.hi - 1);
            first.hi = cut;
            second.lo = cut;
        }
    }
    Some((first, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_adds_up() {
        let release = Release::bundled();
        for total in [34, 38, 100, 1600, 3000] {
            let counts = allocate(&release, total);
            assert_eq!(counts.iter().sum::<usize>(), total, "{total}");
        }
    }

    #[test]
    fn family_rules_have_the_count_asked() {
        let release = Release::bundled();
        let mut rng = Rng::new(3);
        for (idx, family) in FAMILIES.iter().enumerate() {
            for k in [1, 2, 5, 17, 40] {
                let k = k.clamp(min_rules(family), max_rules(&release, family));
                let rules = family_rules(&release, idx, k, &mut rng);
                assert_eq!(rules.len(), k, "{} {k}", family.name);
            }
        }
    }
}
