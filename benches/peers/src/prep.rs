//! What the peers get precomputed per case (outside the timed region), and
//! the Rego data exported from the compiled table.
//!
//! Precomputed: the postcode's units, the local date, capacity red, and for
//! every service whose catchment names a unit of the postcode: whether it is
//! open in the search window of each code searched (dxmap's own
//! `hours::open_in_window` over `route::search_window`) and its
//! great-circle distance from the case's position. Positions are dxmap's
//! (`Geography::case_position`, `Geography::service_position`): a case's
//! `location`, else the centroid of its postcode's sector, district or
//! area; a service's `location`, else its address postcode's sector or
//! district centroid.

use std::collections::BTreeMap;

use dxmap_runtime::postcode::Postcode;
use dxmap_runtime::table::{Suspension, Table};
use dxmap_runtime::{Case, Rag};
use jiff::tz::TimeZone;
use serde_json::{json, Map, Value as Json};

/// A date as the integer YYYYMMDD (ordered like the date).
pub fn ymd(d: jiff::civil::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// The timeframe a search of `code` uses (its own, else its `same_as`
/// target's), as in `route.rs`.
fn timeframe(table: &Table, code: &str) -> Option<u32> {
    let d = table
        .disposition_index
        .get(code)
        .and_then(|i| table.dispositions.get(*i as usize))?;
    d.timeframe_minutes.or_else(|| {
        d.same_as
            .and_then(|t| table.dispositions.get(t as usize))
            .and_then(|t| t.timeframe_minutes)
    })
}

/// One case, as the peers take it.
pub struct Prep {
    pub units: [String; 3],
    pub dx: String,
    pub channel: &'static str,
    pub age: u32,
    pub sex: Option<&'static str>,
    pub date: i64,
    /// Whether the case has a position (its location or a centroid): the
    /// peers order by distance only then.
    pub located: bool,
    pub red: Vec<String>,
    /// Open in the window of the first code searched (the remap's target, or
    /// the code).
    pub open1: Vec<String>,
    /// Open in the window of the code as triaged (the re-query).
    pub open2: Vec<String>,
    pub km: Vec<(String, f64)>,
    /// The layer in force (used only to precompute the above; zen-engine
    /// will take its catch-all precomputed from it).
    #[cfg_attr(
        not(feature = "zen"),
        expect(dead_code, reason = "read by the zen-engine half")
    )]
    pub layer: usize,
}

impl Prep {
    pub fn new(table: &Table, case: &Case) -> Prep {
        let tz = TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC);
        let pc = Postcode::parse(&case.postcode)
            .or_else(|| Postcode::parse("ZE1 0AA"))
            .expect("a postcode");
        let units = pc.units().map(str::to_owned);
        let layer = units
            .iter()
            .find_map(|u| table.area_index.get(u))
            .map_or(0, |l| *l as usize);
        let date = dxmap_runtime::hours::local_date(&tz, case.at);
        let first = table
            .layers
            .get(layer)
            .and_then(|l| l.remaps.get(&case.dx))
            .map_or(case.dx.clone(), |r| r.to.clone());
        let mut open1 = Vec::new();
        let mut open2 = Vec::new();
        let mut km = Vec::new();
        let position = table
            .geography
            .case_position(&pc, case.location)
            .ok()
            .flatten()
            .map(dxmap_runtime::Position::degrees);
        let w1 = dxmap_runtime::route::search_window(case.at, timeframe(table, &first));
        let w2 = dxmap_runtime::route::search_window(case.at, timeframe(table, &case.dx));
        for s in &table.services {
            if !s.catchment.iter().any(|u| units.contains(u)) {
                continue;
            }
            let Some(hours) = table.hours_of(s) else {
                continue;
            };
            if dxmap_runtime::hours::open_in_window(hours, &table.calendar, &tz, w1.0, w1.1) {
                open1.push(s.id.clone());
            }
            if dxmap_runtime::hours::open_in_window(hours, &table.calendar, &tz, w2.0, w2.1) {
                open2.push(s.id.clone());
            }
            let to = table
                .geography
                .service_position(s.location, s.postcode.as_deref())
                .map(dxmap_runtime::Position::degrees);
            if let (Some(from), Some(to)) = (position, to) {
                km.push((s.id.clone(), dxmap_runtime::geo::distance_km(from, to)));
            }
        }
        Prep {
            units,
            dx: case.dx.clone(),
            channel: case.channel.as_str(),
            age: case.age_days,
            sex: case.sex.map(dxmap_runtime::Sex::as_str),
            date: ymd(date),
            located: position.is_some(),
            red: case
                .capacity
                .iter()
                .filter(|(_, c)| c.at(case.at) == Rag::Red)
                .map(|(id, _)| id.clone())
                .collect(),
            open1,
            open2,
            km,
            layer,
        }
    }

    fn set(ids: &[String]) -> Json {
        Json::Object(
            ids.iter()
                .map(|id| (id.clone(), Json::Bool(true)))
                .collect(),
        )
    }

    /// The Rego input.
    pub fn rego_input(&self) -> Json {
        json!({
            "units": self.units,
            "dx": self.dx,
            "channel": self.channel,
            "age": self.age,
            "sex": self.sex,
            "date": self.date,
            "located": self.located,
            "red": Self::set(&self.red),
            "open1": Self::set(&self.open1),
            "open2": Self::set(&self.open2),
            "km": Json::Object(self.km.iter().map(|(id, d)| (id.clone(), json!(d))).collect()),
        })
    }
}

fn windows(ws: &[Suspension]) -> Json {
    Json::Array(
        ws.iter()
            .map(|w| json!([ymd(w.from), w.until.map(ymd)]))
            .collect(),
    )
}

/// The chain of layers a layer extends, itself first.
pub fn chain(table: &Table, layer: usize) -> Vec<usize> {
    let mut out = vec![layer];
    let mut at = layer;
    while let Some(parent) = table.layers.get(at).and_then(|l| l.parent.as_ref()) {
        match table.layers.iter().position(|l| &l.name == parent) {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                at = p;
            }
            _ => break,
        }
    }
    out
}

/// The Rego data: everything routing needs, from the compiled table.
pub fn rego_data(table: &Table) -> Json {
    let layers: Vec<Json> = table
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let services: Map<String, Json> = l
                .services_by_type
                .iter()
                .map(|(t, by_unit)| (t.to_string(), json!(by_unit)))
                .collect();
            json!({
                "name": l.name,
                "chain": chain(table, i),
                "rules_by_dx": l.rules_by_dx,
                "no_search": l.no_search,
                "remaps": l.remaps.iter().map(|(k, r)| (k.clone(), Json::String(r.to.clone()))).collect::<Map<_, _>>(),
                "susp_services": l.suspended_services.iter().map(|(k, w)| (k.clone(), windows(w))).collect::<Map<_, _>>(),
                "susp_types": l.suspended_types.iter().map(|(k, w)| (k.to_string(), windows(w))).collect::<Map<_, _>>(),
                "unusable": l.unusable_types.iter().map(|(k, s)| (k.to_string(), Json::String(s.clone()))).collect::<Map<_, _>>(),
                "catch_all": l.catch_all.map(|t| t.to_string()),
                "services": services,
            })
        })
        .collect();
    let same_as: BTreeMap<&str, &str> = table
        .dispositions
        .iter()
        .filter_map(|d| {
            let t = table.dispositions.get(d.same_as? as usize)?;
            Some((d.code.as_str(), t.code.as_str()))
        })
        .collect();
    let types: Map<String, Json> = table
        .service_types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                i.to_string(),
                json!({
                    "name": t.name,
                    "channels": t.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "returns": t.returns,
                }),
            )
        })
        .collect();
    let rules: Vec<Json> = table
        .rules
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "channels": r.when.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "min": r.when.ages.min_days,
                "max": r.when.ages.max_days,
                "sex": r.when.sex.map(dxmap_runtime::Sex::as_str),
                "route": r.route.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    let services: Vec<Json> = table
        .services
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "type": s.service_type.to_string(),
                "min": s.ages.min_days,
                "max": s.ages.max_days,
                "sexes": s.sexes.as_ref().map(|v| v.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
                "rank": s.rank,
                "from": s.valid_from.map(ymd),
                "until": s.valid_until.map(ymd),
            })
        })
        .collect();
    json!({
        "areas": table.area_index,
        "layers": layers,
        "same_as": same_as,
        "types": types,
        "rules": rules,
        "services": services,
    })
}
