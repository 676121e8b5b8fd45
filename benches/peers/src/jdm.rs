//! zen-engine: a JDM decision graph exported from dxmap's compiled table,
//! evaluated with `DecisionEngine::create_decision` + `compile()` +
//! `evaluate` on a current-thread tokio runtime.
//!
//! The graph, node by node (each passes its input through and adds to it):
//!
//! 1. `layer` — decision table, hit policy `first`: the most specific overlay
//!    claiming the postcode's sector, district or area (sector rows first),
//!    else the national layer; its index and its name (the answer's
//!    `overlay`).
//! 2. `codes` — decision table, `first`, inputs layer and disposition: the
//!    remap, `no_search` and `same_as` resolution, flattened per (layer,
//!    code) at export, as a DoS lead writing the table by hand would. It
//!    gives, for each code searched, its `no_search` reason or null (`ns1`,
//!    `ns2`) and the rule list it uses (`key1`, `key2`).
//! 3. `rules1`, `rules2` — THE rule table: rule list, channel, age and sex as
//!    inputs, hit policy `first`, rows highest priority first. One row per
//!    rule and channel; its output is the rule's name and its route (types
//!    that serve the channel and are usable in the layer, with their caps).
//! 4. `query1` — expression: one query per routed type.
//! 5. `services1` — decision table, run in loop mode once per routed type:
//!    one row per service and catchment unit; inputs type, layer (the layers
//!    whose `extends` chain includes the service's), sector / district /
//!    area, date (validity), age, sex, and an expression column for
//!    suspensions, capacity red and open-in-window.
//! 6. `order1` — expression, loop mode: per type, ordering by declared rank,
//!    distance when located, id, and the type's cap. zen-expression 2.1 has
//!    no `sort`, so the first `cap` candidates are selected by repeated
//!    `min` over one exact decimal key (rank, distance class, distance to the
//!    millimetre, id order).
//! 7. `search2` — the same for the code as triaged, when a remap found
//!    nothing (steps 4–6 again: `query2`, `services2`, `order2`).
//! 8. `answer` — expression: DESIGN's cascade (no_search, first search,
//!    re-query, catch-all), writing every field the benchmark compares:
//!    `overlay` (from `layer`), `rule`, `no_search`, `catch_all` and
//!    `services`. None is left for the reader to infer from absence.
//!    zen-engine merges each node's output into its input as a JSON merge
//!    patch, which deletes a key whose value is null, so `rule` and
//!    `no_search` are written as lists of none or one string (`answer.rs`
//!    reads them back; anything else is a mismatch).
//!
//! Precomputed per case for zen-engine as for regorus (`prep.rs`), and, as
//! a favour to zen-engine that regorus does not get, the catch-all's two
//! services (`catch_all` below: validity, suspensions, the layer's
//! `extends` chain and the ordering, all outside the timed region): the
//! graph would need a third copy of the service table for it. The graph
//! still decides whether the answer falls to the catch-all, and sets the
//! catch-all flag itself. The benchmark's output says so beside
//! zen-engine's timings.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use dxmap_runtime::Table;
use serde_json::{json, Value as Json};
use zen_engine::model::DecisionContent;
use zen_engine::DecisionEngine;

use crate::answer::Answer;
use crate::prep::{chain, ymd, Prep};
use crate::rounds::Engine;

/// A zen-expression string literal.
fn lit(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `[min..max)` style unary test of an age in days.
fn age_cell(min: u32, max: Option<u32>) -> String {
    match (min, max) {
        (0, None) => String::new(),
        (m, None) => format!(">= {m}"),
        (m, Some(x)) => format!("[{m}..{x})"),
    }
}

fn sex_str(s: dxmap_runtime::Sex) -> &'static str {
    s.as_str()
}

/// Which of sector, district or area a catchment unit is (the forms of
/// `Postcode::units`: "SO16 7", "SO16", "SO").
fn unit_kind(u: &str) -> &'static str {
    if u.contains(' ') {
        "sector"
    } else if u.chars().any(|c| c.is_ascii_digit()) {
        "district"
    } else {
        "area"
    }
}

fn rule_key(layer: usize, code: &str) -> String {
    format!("{layer}:{code}")
}

/// Rego's `resolved(code)`: (the `no_search` reason, the code whose rule
/// list applies).
fn resolved(table: &Table, layer: usize, code: &str) -> (Option<String>, Option<String>) {
    let Some(l) = table.layers.get(layer) else {
        return (None, None);
    };
    if let Some(reason) = l.no_search.get(code) {
        return (Some(reason.clone()), None);
    }
    if l.rules_by_dx.get(code).is_some_and(|rs| !rs.is_empty()) {
        return (None, Some(code.to_owned()));
    }
    let target = table
        .disposition_index
        .get(code)
        .and_then(|i| table.dispositions.get(*i as usize))
        .and_then(|d| d.same_as)
        .and_then(|t| table.dispositions.get(t as usize))
        .map(|t| t.code.clone());
    match target {
        Some(t) => match l.no_search.get(&t) {
            Some(reason) => (Some(reason.clone()), None),
            None if l.rules_by_dx.get(&t).is_some_and(|rs| !rs.is_empty()) => (None, Some(t)),
            None => (None, None),
        },
        None => (None, None),
    }
}

fn table_node(
    id: &str,
    inputs: &[(&str, Option<&str>)],
    outputs: &[(&str, &str)],
    rules: Vec<Json>,
    hit: &str,
    extra: Json,
) -> Json {
    let node = json!({
        "id": id,
        "name": id,
        "type": "decisionTableNode",
        "content": {
            "hitPolicy": hit,
            "inputs": inputs.iter().map(|(i, f)| json!({"id": i, "name": i, "field": f})).collect::<Vec<_>>(),
            "outputs": outputs.iter().map(|(i, f)| json!({"id": i, "name": i, "field": f})).collect::<Vec<_>>(),
            "rules": rules,
            "passThrough": true,
        }
    });
    with_content(node, &extra)
}

fn expression_node(id: &str, exprs: &[(String, String)], extra: Json) -> Json {
    let node = json!({
        "id": id,
        "name": id,
        "type": "expressionNode",
        "content": {
            "expressions": exprs.iter().enumerate().map(|(i, (k, v))| json!({"id": format!("{id}-{i}"), "key": k, "value": v})).collect::<Vec<_>>(),
            "passThrough": true,
        }
    });
    with_content(node, &extra)
}

/// A node whose content has `extra`'s fields too (transform attributes).
fn with_content(mut node: Json, extra: &Json) -> Json {
    if let (Some(content), Some(extra)) = (
        node.get_mut("content").and_then(Json::as_object_mut),
        extra.as_object(),
    ) {
        for (k, v) in extra {
            content.insert(k.clone(), v.clone());
        }
    }
    node
}

fn row(cells: &[(&str, String)]) -> Json {
    Json::Object(
        cells
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Json::String(v.clone())))
            .collect(),
    )
}

/// The `layer` table: the layer's index and its name (the answer's
/// overlay).
fn layer_table(table: &Table) -> Json {
    let name = |layer: u32| {
        lit(table
            .layers
            .get(layer as usize)
            .map_or("", |l| l.name.as_str()))
    };
    let mut rows = Vec::new();
    for kind in ["sector", "district", "area"] {
        for (unit, layer) in &table.area_index {
            if unit_kind(unit) == kind {
                rows.push(row(&[
                    (kind, lit(unit)),
                    ("out", layer.to_string()),
                    ("overlay", name(*layer)),
                ]));
            }
        }
    }
    rows.push(row(&[("out", "0".to_owned()), ("overlay", name(0))]));
    table_node(
        "layer",
        &[
            ("sector", Some("sector")),
            ("district", Some("district")),
            ("area", Some("area")),
        ],
        &[("out", "layer"), ("overlay", "overlay")],
        rows,
        "first",
        Json::Null,
    )
}

/// The `codes` table: per (layer, code), what each search uses.
fn codes_table(table: &Table) -> Json {
    let mut rows = Vec::new();
    for (li, l) in table.layers.iter().enumerate() {
        for d in &table.dispositions {
            let code = d.code.as_str();
            let remap = l.remaps.get(code).map(|r| r.to.clone());
            let first = remap.clone().unwrap_or_else(|| code.to_owned());
            let (ns1, k1) = resolved(table, li, &first);
            let (ns2, k2) = if remap.is_some() {
                resolved(table, li, code)
            } else {
                (None, None)
            };
            if remap.is_none() && ns1.is_none() && k1.is_none() {
                continue;
            }
            let reason = |r: Option<String>| r.map_or_else(|| "null".to_owned(), |r| lit(&r));
            rows.push(row(&[
                ("layer", li.to_string()),
                ("dx", lit(code)),
                ("remapped", remap.is_some().to_string()),
                ("ns1", reason(ns1)),
                (
                    "key1",
                    lit(&k1.map(|c| rule_key(li, &c)).unwrap_or_default()),
                ),
                ("ns2", reason(ns2)),
                (
                    "key2",
                    lit(&k2.map(|c| rule_key(li, &c)).unwrap_or_default()),
                ),
            ]));
        }
    }
    rows.push(row(&[
        ("remapped", "false".into()),
        ("ns1", "null".into()),
        ("key1", lit("")),
        ("ns2", "null".into()),
        ("key2", lit("")),
    ]));
    table_node(
        "codes",
        &[("layer", Some("layer")), ("dx", Some("dx"))],
        &[
            ("remapped", "remapped"),
            ("ns1", "ns1"),
            ("key1", "key1"),
            ("ns2", "ns2"),
            ("key2", "key2"),
        ],
        rows,
        "first",
        Json::Null,
    )
}

/// The rule rows (shared by both searches): one per rule and channel.
fn rule_rows(table: &Table) -> Vec<Json> {
    let mut rows = Vec::new();
    for (li, l) in table.layers.iter().enumerate() {
        for (code, list) in &l.rules_by_dx {
            for ri in list {
                let Some(r) = table.rules.get(*ri as usize) else {
                    continue;
                };
                for ch in &r.when.channels {
                    let route: Vec<String> = r
                        .route
                        .iter()
                        .filter(|t| !l.unusable_types.contains_key(t))
                        .filter_map(|t| {
                            let st = table.service_types.get(*t as usize)?;
                            st.channels
                                .contains(ch)
                                .then(|| format!("{{t: {t}, cap: {}}}", st.returns))
                        })
                        .collect();
                    let mut cells = vec![
                        ("key", lit(&rule_key(li, code))),
                        ("channel", lit(ch.as_str())),
                        ("age", age_cell(r.when.ages.min_days, r.when.ages.max_days)),
                        (
                            "out",
                            format!("{{name: {}, route: [{}]}}", lit(&r.name), route.join(", ")),
                        ),
                    ];
                    if let Some(s) = r.when.sex {
                        cells.push(("sex", lit(sex_str(s))));
                    }
                    rows.push(row(&cells));
                }
            }
        }
    }
    rows
}

fn rules_table(id: &str, key: &str, out: &str, rows: Vec<Json>) -> Json {
    table_node(
        id,
        &[
            ("key", Some(key)),
            ("channel", Some("channel")),
            ("age", Some("age")),
            ("sex", Some("sex")),
        ],
        &[("out", out)],
        rows,
        "first",
        Json::Null,
    )
}

/// The service rows: one per service and catchment unit.
fn service_rows(table: &Table) -> Vec<Json> {
    // The layer that declares each service, and the layers whose chain
    // includes each layer.
    let mut owner: BTreeMap<u32, usize> = BTreeMap::new();
    for (li, l) in table.layers.iter().enumerate() {
        for by_unit in l.services_by_type.values() {
            for ids in by_unit.values() {
                for i in ids {
                    owner.insert(*i, li);
                }
            }
        }
    }
    let mut seen_in: Vec<Vec<usize>> = vec![Vec::new(); table.layers.len()];
    for li in 0..table.layers.len() {
        for anc in chain(table, li) {
            if let Some(v) = seen_in.get_mut(anc) {
                v.push(li);
            }
        }
    }
    // Id order for the tie-break.
    let mut by_id: Vec<usize> = (0..table.services.len()).collect();
    by_id.sort_by(|a, b| {
        let ida = table.services.get(*a).map(|s| s.id.as_str());
        let idb = table.services.get(*b).map(|s| s.id.as_str());
        ida.cmp(&idb)
    });
    let mut ord = vec![0usize; table.services.len()];
    for (pos, i) in by_id.iter().enumerate() {
        if let Some(o) = ord.get_mut(*i) {
            *o = pos;
        }
    }
    let mut rows = Vec::new();
    for (i, s) in table.services.iter().enumerate() {
        let Some(&li) = owner.get(&(i as u32)) else {
            continue;
        };
        let layers: Vec<String> = seen_in
            .get(li)
            .map(|v| v.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let date = match (s.valid_from, s.valid_until) {
            (None, None) => String::new(),
            (Some(f), None) => format!(">= {}", ymd(f)),
            (None, Some(u)) => format!("<= {}", ymd(u)),
            (Some(f), Some(u)) => format!("[{}..{}]", ymd(f), ymd(u)),
        };
        // Suspensions of the service or its type, in the case's layer.
        let mut susp = Vec::new();
        for (lj, l) in table.layers.iter().enumerate() {
            let windows = l
                .suspended_services
                .get(&s.id)
                .into_iter()
                .flatten()
                .chain(l.suspended_types.get(&s.service_type).into_iter().flatten());
            for w in windows {
                let until = w
                    .until
                    .map(|u| format!(" and date <= {}", ymd(u)))
                    .unwrap_or_default();
                susp.push(format!(
                    "(layer == {lj} and date >= {}{until})",
                    ymd(w.from)
                ));
            }
        }
        let id = lit(&s.id);
        let mut ok = format!("open[{id}] == true and red[{id}] != true");
        if !susp.is_empty() {
            ok.push_str(&format!(" and ({}) == false", susp.join(" or ")));
        }
        let rk = s.rank.map_or(1_000_000_000u64, u64::from);
        let out = format!(
            "{{id: {id}, rk: {rk}, ord: {}}}",
            ord.get(i).copied().unwrap_or(0)
        );
        for unit in &s.catchment {
            let mut cells = vec![
                ("t", s.service_type.to_string()),
                ("layer", layers.join(", ")),
                (unit_kind(unit), lit(unit)),
                ("date", date.clone()),
                ("age", age_cell(s.ages.min_days, s.ages.max_days)),
                ("ok", ok.clone()),
                ("c", out.clone()),
            ];
            if let Some(sexes) = &s.sexes {
                cells.push((
                    "sex",
                    sexes
                        .iter()
                        .map(|x| lit(x.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            rows.push(row(&cells));
        }
    }
    rows
}

fn services_table(id: &str, input: &str, out: &str, rows: Vec<Json>) -> Json {
    table_node(
        id,
        &[
            ("t", Some("t")),
            ("layer", Some("layer")),
            ("sector", Some("sector")),
            ("district", Some("district")),
            ("area", Some("area")),
            ("date", Some("date")),
            ("age", Some("age")),
            ("sex", Some("sex")),
            ("ok", None),
        ],
        &[("c", "c[]")],
        rows,
        "first",
        json!({"inputField": input, "outputPath": out, "executionMode": "loop"}),
    )
}

/// `query1` / `query2`: one query per routed type, carrying the case.
fn query_expr(rule: &str, open: &str, guard: &str) -> String {
    format!(
        "{guard}({rule} == null ? [] : map({rule}.route, {{t: #.t, cap: #.cap, layer: layer, sector: sector, district: district, area: area, date: date, age: age, sex: sex, open: {open}, red: red, km: km, located: located}}))"
    )
}

/// `order1` / `order2`: per type, the first `cap` candidates in order.
fn order_node(id: &str, input: &str, out: &str, max_cap: u32) -> Json {
    // key = rk·10^18 + distance class·10^17 + round(km·10^6)·10^6 + id order.
    let mut exprs = vec![(
        "ks".to_owned(),
        "map(c ?? [], {id: #.id, key: #.rk * 1000000000000000000 + (located ? (km[#.id] == null ? 100000000000000000 : round(km[#.id] * 1000000) * 1000000) : 0) + #.ord})".to_owned(),
    )];
    let mut picks = Vec::new();
    for k in 1..=max_cap {
        let prev = if k == 1 {
            "true".to_owned()
        } else {
            format!("$.k{} != null", k - 1)
        };
        let rest = if k == 1 {
            "map($.ks, #.key)".to_owned()
        } else {
            format!("map(filter($.ks, #.key > $.k{}), #.key)", k - 1)
        };
        exprs.push((
            format!("k{k}"),
            format!("cap >= {k} and {prev} and len({rest}) > 0 ? min({rest}) : null"),
        ));
        exprs.push((
            format!("i{k}"),
            format!("$.k{k} == null ? null : filter($.ks, #.key == $.k{k})[0].id"),
        ));
        picks.push(format!("$.i{k}"));
    }
    exprs.push((
        "ids".to_owned(),
        format!("filter([{}], # != null)", picks.join(", ")),
    ));
    expression_node(
        id,
        &exprs,
        json!({"inputField": input, "outputPath": out, "executionMode": "loop"}),
    )
}

/// The whole graph.
pub fn graph(table: &Table) -> Json {
    let rules = rule_rows(table);
    let services = service_rows(table);
    let max_cap = table
        .service_types
        .iter()
        .map(|t| t.returns)
        .max()
        .unwrap_or(1)
        .max(1);
    let nodes = vec![
        json!({"id": "input", "name": "input", "type": "inputNode", "content": {}}),
        layer_table(table),
        codes_table(table),
        rules_table("rules1", "key1", "r1", rules.clone()),
        rules_table("rules2", "key2", "r2", rules),
        expression_node("query1", &[("q1".to_owned(), query_expr("r1", "open1", ""))], Json::Null),
        services_table("services1", "q1", "d1", services.clone()),
        order_node("order1", "d1", "e1", max_cap),
        expression_node(
            "search2",
            &[
                ("sv1".to_owned(), "flatMap(e1, #.ids)".to_owned()),
                ("q2".to_owned(), query_expr("r2", "open2", "remapped == false or ns1 != null or len($.sv1) > 0 ? [] : ")),
            ],
            Json::Null,
        ),
        services_table("services2", "q2", "d2", services),
        order_node("order2", "d2", "e2", max_cap),
        expression_node(
            "answer",
            &[
                ("sv2".to_owned(), "flatMap(e2, #.ids)".to_owned()),
                ("ns1b".to_owned(), "ns1 != null".to_owned()),
                ("has1".to_owned(), "len(sv1) > 0".to_owned()),
                ("ns2b".to_owned(), "remapped == true and ns2 != null".to_owned()),
                ("has2".to_owned(), "remapped == true and len($.sv2) > 0".to_owned()),
                ("n1".to_owned(), "r1 == null ? null : r1.name".to_owned()),
                ("n2".to_owned(), "r2 == null ? null : r2.name".to_owned()),
                ("ruleOrNull".to_owned(), "$.ns1b ? null : ($.has1 ? $.n1 : ($.ns2b ? null : ($.has2 ? $.n2 : (remapped == true and $.n2 != null ? $.n2 : $.n1))))".to_owned()),
                ("rule".to_owned(), "$.ruleOrNull == null ? [] : [$.ruleOrNull]".to_owned()),
                ("services".to_owned(), "$.ns1b ? [] : ($.has1 ? sv1 : ($.ns2b ? [] : ($.has2 ? $.sv2 : catchAll)))".to_owned()),
                ("noSearchOrNull".to_owned(), "$.ns1b ? ns1 : ($.has1 ? null : ($.ns2b ? ns2 : null))".to_owned()),
                ("no_search".to_owned(), "$.noSearchOrNull == null ? [] : [$.noSearchOrNull]".to_owned()),
                ("catch_all".to_owned(), "($.ns1b or $.has1 or $.ns2b or $.has2) ? false : len(catchAll) > 0".to_owned()),
            ],
            Json::Null,
        ),
        json!({"id": "output", "name": "output", "type": "outputNode", "content": {}}),
    ];
    let ids: Vec<String> = nodes
        .iter()
        .filter_map(|n| n.get("id").and_then(Json::as_str).map(str::to_owned))
        .collect();
    let edges: Vec<Json> = ids
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| Some(json!({"id": format!("e{i}"), "sourceId": w.first()?, "targetId": w.get(1)?, "type": "edge"})))
        .collect();
    json!({"nodes": nodes, "edges": edges})
}

/// Rego's `key(s)` without the id: rank class, rank, distance class, km.
type OrderKey = (u8, u32, u8, f64);

/// The catch-all's answer for a case (Rego's `catch_all`), precomputed
/// outside the timed region: a favour to zen-engine (see the module docs).
fn catch_all(table: &Table, p: &Prep) -> Vec<String> {
    let Some(l) = table.layers.get(p.layer) else {
        return Vec::new();
    };
    let Some(t) = l.catch_all else {
        return Vec::new();
    };
    let in_window = |ws: &[dxmap_runtime::table::Suspension]| {
        ws.iter()
            .any(|w| ymd(w.from) <= p.date && w.until.is_none_or(|u| p.date <= ymd(u)))
    };
    let mut cands: Vec<u32> = Vec::new();
    for li in chain(table, p.layer) {
        let Some(by_unit) = table
            .layers
            .get(li)
            .and_then(|x| x.services_by_type.get(&t))
        else {
            continue;
        };
        for u in &p.units {
            for i in by_unit.get(u).into_iter().flatten() {
                if !cands.contains(i) {
                    cands.push(*i);
                }
            }
        }
    }
    let km: BTreeMap<&str, f64> = p.km.iter().map(|(id, d)| (id.as_str(), *d)).collect();
    let mut keyed: Vec<(OrderKey, &str)> = cands
        .iter()
        .filter_map(|i| table.services.get(*i as usize))
        .filter(|s| {
            s.valid_from.is_none_or(|f| ymd(f) <= p.date)
                && s.valid_until.is_none_or(|u| p.date <= ymd(u))
                && !l
                    .suspended_services
                    .get(&s.id)
                    .is_some_and(|w| in_window(w))
                && !l.suspended_types.get(&t).is_some_and(|w| in_window(w))
        })
        .map(|s| {
            let rk = s.rank.map_or((1, 0), |r| (0, r));
            let dk = if !p.located {
                (0, 0.0)
            } else {
                km.get(s.id.as_str()).map_or((1, 0.0), |d| (0, *d))
            };
            ((rk.0, rk.1, dk.0, dk.1), s.id.as_str())
        })
        .collect();
    keyed.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    keyed
        .into_iter()
        .take(2)
        .map(|(_, id)| id.to_owned())
        .collect()
}

fn input(table: &Table, p: &Prep) -> Json {
    let mut v = p.rego_input();
    if let Some(o) = v.as_object_mut() {
        let [sector, district, area] = &p.units;
        o.insert("sector".into(), json!(sector));
        o.insert("district".into(), json!(district));
        o.insert("area".into(), json!(area));
        o.insert("catchAll".into(), json!(catch_all(table, p)));
    }
    v
}

/// The graph's answer with `rule` and `no_search` as Rego writes them: a
/// list of none or one string becomes null or the string (see the module
/// docs). A field that is not such a list is left for
/// [`Answer::from_json`] to refuse.
fn nulls_from_lists(mut json: Json) -> Result<Json, String> {
    for field in ["rule", "no_search"] {
        if let Some(v) = json.get_mut(field) {
            let one = match v.as_array().map(Vec::as_slice) {
                Some([]) => Json::Null,
                Some([s @ Json::String(_)]) => s.clone(),
                Some(other) => {
                    return Err(format!(
                        "`{field}` is not a list of at most one string: {other:?}"
                    ))
                }
                None => return Err(format!("`{field}` is not a list: {v}")),
            };
            *v = one;
        }
    }
    Ok(json)
}

/// zen-engine on one tree: the compiled decision, its runtime and the
/// inputs of the case stream, converted before timing.
pub struct Zen {
    decision: zen_engine::Decision,
    rt: tokio::runtime::Runtime,
    inputs: Vec<zen_engine::Variable>,
}

impl Zen {
    /// Builds and compiles the graph of `table`, and the inputs of the
    /// cases `preps` describe (with the catch-all precomputed).
    pub fn new(name: &str, table: &Table, preps: &[Prep]) -> Result<Zen, String> {
        let graph = graph(table);
        if let Ok(path) = std::env::var("DXMAP_JDM_OUT") {
            let _ = std::fs::write(
                format!("{path}-{name}.json"),
                serde_json::to_vec_pretty(&graph).unwrap_or_default(),
            );
        }
        let content: DecisionContent =
            serde_json::from_value(graph).map_err(|e| format!("JDM: {e}"))?;
        let engine = DecisionEngine::default();
        let mut decision = engine
            .create_decision(Arc::new(content))
            .map_err(|e| format!("JDM: {e:?}"))?;
        decision.compile();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        let inputs = preps.iter().map(|p| input(table, p).into()).collect();
        Ok(Zen {
            decision,
            rt,
            inputs,
        })
    }

    fn eval(
        &self,
        i: usize,
    ) -> Option<Result<zen_engine::DecisionGraphResponse, Box<zen_engine::EvaluationError>>> {
        let v = self.inputs.get(i)?;
        Some(self.rt.block_on(self.decision.evaluate(v.clone())))
    }

    /// The answer to case `i`: the graph's output, all five fields read
    /// from it (none inferred from absence).
    pub fn answer(&self, i: usize) -> Result<Answer, String> {
        match self.eval(i) {
            None => Err(format!("no case {i}")),
            Some(Err(e)) => Err(format!(
                "zen-engine: {}",
                format!("{e:?}").chars().take(300).collect::<String>()
            )),
            Some(Ok(r)) => {
                let json: Json = serde_json::to_value(&r.result).map_err(|e| e.to_string())?;
                Answer::from_json(&nulls_from_lists(json)?)
            }
        }
    }

    /// The answers to every case of the stream.
    pub fn answers(&self) -> Vec<Result<Answer, String>> {
        (0..self.inputs.len()).map(|i| self.answer(i)).collect()
    }
}

impl Engine for Zen {
    fn route(&mut self, i: usize) {
        std::hint::black_box(self.eval(i));
    }
}

/// The rule table's analysis, for trees other than the national one.
pub fn analysis(
    name: &str,
    table: &Table,
    model: &dxmap::check::model::Model,
    analysis: &mut Vec<String>,
) -> Result<(), String> {
    // The rule table's analysis: zen-engine's Workspace diagnostics on a
    // graph holding only the rule table (the rows of `rules1`), against
    // dxmap's overlap, never-fire and gap analyses of the same rules.
    let rules_only = json!({
        "nodes": [
            {"id": "input", "name": "input", "type": "inputNode", "content": {}},
            rules_table("rules", "key", "rule", rule_rows(table)),
            {"id": "output", "name": "output", "type": "outputNode", "content": {}},
        ],
        "edges": [
            {"id": "e0", "sourceId": "input", "targetId": "rules", "type": "edge"},
            {"id": "e1", "sourceId": "rules", "targetId": "output", "type": "edge"},
        ],
    });
    let rules_only: DecisionContent =
        serde_json::from_value(rules_only).map_err(|e| format!("JDM: {e}"))?;
    let start = Instant::now();
    let mut ws = zen_engine::workspace::Workspace::new();
    ws.set_document("rules.json", rules_only);
    let diags = ws.all_diagnostics();
    let zen_time = start.elapsed();
    if std::env::var_os("DXMAP_ZEN_DIAG").is_some() {
        for d in diags.iter().take(8) {
            eprintln!("  zen diagnostic: {:?} {} {:?}", d.code, d.message, d.args);
        }
    }
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for d in &diags {
        *codes.entry(format!("{:?}", d.code)).or_default() += 1;
    }
    let start = Instant::now();
    let overlaps = dxmap::check::analysis::overlaps(model);
    let never = dxmap::check::analysis::never_fire(model);
    let gaps = dxmap::check::analysis::gaps(model);
    let dx_time = start.elapsed();
    analysis.push(format!(
        "| {name} | dxmap | overlaps + never-fire + gaps (`check::analysis`) | {:.1} ms | {} overlaps, {} never fire, {} gaps |",
        dx_time.as_secs_f64() * 1000.0,
        overlaps.len(),
        never.len(),
        gaps.len()
    ));
    analysis.push(format!(
        "| {name} | zen-engine | `Workspace::all_diagnostics` | {:.1} ms | {} |",
        zen_time.as_secs_f64() * 1000.0,
        codes
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(())
}
