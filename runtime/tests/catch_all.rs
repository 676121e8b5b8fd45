//! Step 7 with positions: the catch-all is ordered nearest first from the
//! case's position (its postcode's centroid when no location is given), and
//! `catch_all T within D` keeps only services whose position lies within D
//! of the case's. A table built by hand, with a geography of a few units.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on an unexpected answer"
)]

use std::collections::BTreeMap;

use dxmap_runtime::geo::{Centroid, Geography, PositionSource};
use dxmap_runtime::table::{Disposition, Hours, Layer, Service, ServiceType, Table};
use dxmap_runtime::{Ages, Case, CaseError, Channel, Router};

fn service(id: &str, location: Option<[f64; 2]>, postcode: Option<&str>) -> Service {
    Service {
        id: id.to_owned(),
        name: id.to_owned(),
        service_type: 0,
        catchment: vec!["BH".to_owned(), "DT".to_owned()],
        location,
        postcode: postcode.map(str::to_owned),
        ages: Ages::ALL,
        sexes: None,
        rank: None,
        valid_from: None,
        valid_until: None,
        hours: 0,
        source: "test.dxm:1".to_owned(),
    }
}

/// Three emergency departments covering `BH` and `DT`: one in Bournemouth
/// (by location), one in Dorchester (by its postcode's sector), one with no
/// position; a national layer with no rule, so every case ends in step 7.
fn table(within_m: Option<u32>) -> Table {
    let c = |lat, lon| Centroid::from_degrees(lat, lon);
    let geography = Geography::new([
        ("BH", c(50.75, -1.90)),
        ("BH1", c(50.72527, -1.86303)),
        ("BH1 1", c(50.72394, -1.87170)),
        ("DT", c(50.70, -2.40)),
        ("DT1", c(50.71, -2.44)),
        ("DT1 1", c(50.71389, -2.43581)),
        ("DT1 2", None),
    ])
    .unwrap();
    let services = vec![
        service("ED-DOR", None, Some("DT1 1AA")),
        service("ED-NONE", None, None),
        service("ED-RBH", Some([50.7470, -1.8220]), None),
    ];
    let service_index = services
        .iter()
        .enumerate()
        .map(|(idx, s)| (s.id.clone(), u32::try_from(idx).unwrap()))
        .collect();
    let by_unit: BTreeMap<String, Vec<u32>> = [
        ("BH".to_owned(), vec![0, 1, 2]),
        ("DT".to_owned(), vec![0, 1, 2]),
    ]
    .into();
    Table {
        release: "test".to_owned(),
        dispositions: vec![Disposition {
            code: "Dx05".to_owned(),
            title: "Dx05".to_owned(),
            timeframe_minutes: Some(120),
            same_as: None,
        }],
        disposition_index: [("Dx05".to_owned(), 0)].into(),
        service_types: vec![ServiceType {
            name: "emergency_department".to_owned(),
            label: None,
            responds_within_minutes: 60,
            channels: Channel::ALL.to_vec(),
            requires: None,
            returns: 1,
        }],
        services,
        service_index,
        hours: vec![Hours {
            all_hours: true,
            weekly: vec![Vec::new(); 7],
            ..Hours::default()
        }],
        rules: Vec::new(),
        layers: vec![Layer {
            name: "national".to_owned(),
            parent: None,
            rules_by_dx: BTreeMap::new(),
            no_search: BTreeMap::new(),
            remaps: BTreeMap::new(),
            suspended_services: BTreeMap::new(),
            suspended_types: BTreeMap::new(),
            unusable_types: BTreeMap::new(),
            catch_all: Some(0),
            catch_all_within_m: within_m,
            services_by_type: [(0, by_unit)].into(),
        }],
        area_index: BTreeMap::new(),
        calendar: BTreeMap::new(),
        hierarchies: Vec::new(),
        geography,
    }
}

fn case(postcode: &str, location: Option<[f64; 2]>) -> Case {
    Case {
        dx: "Dx05".to_owned(),
        channel: Channel::Nhs111,
        age_days: 40 * 365,
        sex: None,
        postcode: postcode.to_owned(),
        at: "2020-05-08T15:00:00+01:00".parse().unwrap(),
        location,
        capacity: BTreeMap::new(),
    }
}

/// The ids answered and their distances.
fn answer(router: &Router, case: &Case) -> Vec<(String, Option<f64>)> {
    let decision = router.route(case).unwrap();
    assert!(decision.catch_all || decision.services.is_empty());
    decision
        .services
        .iter()
        .map(|s| (s.id.to_owned(), s.distance_km))
        .collect()
}

#[test]
fn the_catch_all_is_nearest_first_from_the_postcodes_centroid() {
    let router = Router::new(table(None)).unwrap();
    // Bournemouth: its own ED first, then Dorchester's, two even though
    // the type returns 1; the one without a position is left out by the
    // cap of two.
    let near = answer(&router, &case("BH1 1AA", None));
    assert_eq!(
        near.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["ED-RBH", "ED-DOR"]
    );
    let (rbh, dor) = (near[0].1.unwrap(), near[1].1.unwrap());
    assert!(
        (3.0..5.0).contains(&rbh) && (38.0..44.0).contains(&dor),
        "{near:?}"
    );
    // Dorchester: the other way round.
    let far = answer(&router, &case("DT1 1AB", None));
    assert_eq!(far[0].0, "ED-DOR");
    // A sector without a centroid falls back to its district's.
    let decision = router.route(&case("DT1 2ZZ", None)).unwrap();
    let position = decision.position.unwrap();
    assert_eq!(position.source, PositionSource::District);
    assert_eq!(decision.services[0].id, "ED-DOR");
    // A location wins over the postcode.
    let decision = router
        .route(&case("DT1 1AB", Some([50.7240, -1.8717])))
        .unwrap();
    assert_eq!(decision.position.unwrap().source, PositionSource::Location);
    assert_eq!(decision.services[0].id, "ED-RBH");
}

#[test]
fn a_catch_all_within_a_distance_leaves_out_the_far_and_the_unplaced() {
    let router = Router::new(table(Some(20_000))).unwrap();
    assert_eq!(
        answer(&router, &case("BH1 1AA", None))
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        ["ED-RBH"]
    );
    // Within 50 km both, never the one without a position.
    let router = Router::new(table(Some(50_000))).unwrap();
    assert_eq!(answer(&router, &case("BH1 1AA", None)).len(), 2);
    // Nothing within 1 km: no service, and the decision says why.
    let router = Router::new(table(Some(1_000))).unwrap();
    let decision = router.route(&case("BH1 1AA", None)).unwrap();
    assert!(decision.services.is_empty());
    assert!(decision.reason.unwrap().contains("catch-all"));
}

#[test]
fn a_postcode_of_an_unknown_district_is_an_error_in_the_case() {
    let router = Router::new(table(None)).unwrap();
    assert_eq!(
        router.route(&case("BH99 1AA", None)).unwrap_err(),
        CaseError::UnknownDistrict {
            postcode: "BH99 1AA".to_owned(),
            district: "BH99".to_owned()
        }
    );
    // The table survives its artifact, geography included.
    let table = table(Some(20_000));
    let loaded = Table::from_artifact(&table.to_artifact()).unwrap();
    assert_eq!(loaded, table);
}
