//! A mixed stream of realistic cases for a compiled table: every disposition
//! the rules answer (and a few they do not), all channels, ages across the
//! bands rules use, sex given or not, postcodes in every overlay's units and
//! outside them, times across 2020 with bank holidays, daylight-saving days
//! and midnights overrepresented, a location half the time and a few
//! capacity statuses. Deterministic: a function of the table and the seed.
//!
//! Imports: `crate::prng`, `dxmap_runtime`.

#![expect(
    clippy::indexing_slicing,
    reason = "every index is `rng.below(len)` of the slice it indexes, which the generator guarantees is below `len`"
)]

use std::collections::BTreeSet;

use dxmap_runtime::{Capacity, Case, Channel, Rag, Sex, Table};

use crate::prng::Rng;

/// A full postcode inside a unit (`SO` → `SO1 1AB`, `SO16` → `SO16 2CD`,
/// `SO16 7` → `SO16 7EF`).
fn postcode_in(unit: &str, rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let pick = |rng: &mut Rng| char::from(LETTERS[rng.below(LETTERS.len())]);
    let inward = |rng: &mut Rng, digit: Option<char>| {
        let digit =
            digit.unwrap_or_else(|| char::from(b'0' + u8::try_from(rng.below(10)).unwrap_or(0)));
        format!("{digit}{}{}", pick(rng), pick(rng))
    };
    if let Some((district, sector)) = unit.split_once(' ') {
        format!("{district} {}", inward(rng, sector.chars().next()))
    } else if unit.chars().all(|c| c.is_ascii_alphabetic()) {
        // A district of the area that exists.
        let districts = dxmap::geo::Geography::bundled().districts_of(unit);
        match districts.get(rng.below(districts.len().max(1))) {
            Some(district) => format!("{district} {}", inward(rng, None)),
            None => format!("{unit}1 {}", inward(rng, None)),
        }
    } else {
        format!("{unit} {}", inward(rng, None))
    }
}

/// `n` cases for `table`.
pub fn stream(table: &Table, n: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    // Codes the rules answer, and every fifth code of the release besides.
    let mut codes: BTreeSet<&str> = BTreeSet::new();
    for layer in &table.layers {
        codes.extend(layer.rules_by_dx.keys().map(String::as_str));
        codes.extend(layer.no_search.keys().map(String::as_str));
    }
    codes.extend(
        table
            .dispositions
            .iter()
            .step_by(5)
            .map(|d| d.code.as_str()),
    );
    let codes: Vec<&str> = codes.into_iter().collect();
    // Units: every overlay's area, and the catchments of the baseline.
    let mut units: BTreeSet<&str> = table.area_index.keys().map(String::as_str).collect();
    if let Some(national) = table.layers.first() {
        for by_unit in national.services_by_type.values() {
            units.extend(by_unit.keys().map(String::as_str));
        }
    }
    let units: Vec<&str> = units.into_iter().collect();
    let holidays: Vec<String> = table
        .calendar
        .keys()
        .map(|d| d.to_string())
        .filter(|d| d.starts_with("2020"))
        .collect();
    const AGES: [u32; 12] = [
        0, 10, 28, 29, 182, 365, 1826, 5843, 5844, 14_610, 23_741, 32_871,
    ];
    let service_ids: Vec<&str> = table.services.iter().map(|s| s.id.as_str()).collect();
    let mut cases = Vec::with_capacity(n);
    for _ in 0..n {
        let day = match rng.below(10) {
            0 => "2020-03-29".to_owned(),
            1 => "2020-10-25".to_owned(),
            2 if !holidays.is_empty() => holidays[rng.below(holidays.len())].clone(),
            _ => {
                let day_of_year = rng.below(366);
                let date = jiff::civil::Date::constant(2020, 1, 1)
                    .checked_add(jiff::Span::new().days(i64::try_from(day_of_year).unwrap_or(0)))
                    .unwrap_or(jiff::civil::Date::constant(2020, 6, 1));
                date.to_string()
            }
        };
        let minute = if rng.below(4) == 0 {
            [0, 30, 60, 90, 1410, 1439][rng.below(6)]
        } else {
            rng.below(1440)
        };
        let at = format!("{day}T{:02}:{:02}:00Z", minute / 60, minute % 60)
            .parse()
            .unwrap_or_default();
        let postcode = if units.is_empty() || rng.below(20) == 0 {
            "ZE1 0AA".to_owned()
        } else {
            postcode_in(units[rng.below(units.len())], &mut rng)
        };
        let mut capacity = std::collections::BTreeMap::new();
        if !service_ids.is_empty() && rng.below(4) == 0 {
            let status = [Rag::Red, Rag::Amber][rng.below(2)];
            capacity.insert(
                service_ids[rng.below(service_ids.len())].to_owned(),
                Capacity {
                    status,
                    until: None,
                },
            );
        }
        cases.push(Case {
            dx: codes[rng.below(codes.len())].to_owned(),
            channel: Channel::ALL[rng.below(3)],
            age_days: AGES[rng.below(AGES.len())],
            sex: [None, Some(Sex::Female), Some(Sex::Male)][rng.below(3)],
            postcode,
            at,
            location: (rng.below(2) == 0).then(|| {
                [
                    52.5 + rng.signed_unit() * 2.5,
                    -1.5 + rng.signed_unit() * 2.5,
                ]
            }),
            capacity,
        });
    }
    cases
}

/// A case as the JSON body of `POST /v1/route` and a line of
/// `dxmap route --cases`: `age` in days, `at` with its offset, `capacity`
/// by service id.
pub fn json_line(case: &Case) -> String {
    use serde_json::{json, Map, Value};
    let mut object = Map::new();
    object.insert("dx".into(), json!(case.dx));
    object.insert("channel".into(), json!(case.channel.as_str()));
    object.insert("age".into(), json!(format!("{}d", case.age_days)));
    if let Some(sex) = case.sex {
        object.insert("sex".into(), json!(sex.as_str()));
    }
    object.insert("postcode".into(), json!(case.postcode));
    object.insert("at".into(), json!(case.at.to_string()));
    if let Some(location) = case.location {
        object.insert("location".into(), json!(location));
    }
    if !case.capacity.is_empty() {
        let capacity: Map<String, Value> = case
            .capacity
            .iter()
            .map(|(id, c)| {
                let until = c.until.map(|t| t.to_string());
                (
                    id.clone(),
                    json!({ "status": c.status.as_str(), "until": until }),
                )
            })
            .collect();
        object.insert("capacity".into(), Value::Object(capacity));
    }
    Value::Object(object).to_string()
}
