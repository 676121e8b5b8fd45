//! Generated trees check cleanly, have the sizes asked for, and are the
//! same bytes for the same seed.
//!
//! The national tree is checked with the library exactly as `dxmap check`
//! does (`load::Tree::from_texts`, `load::check_loaded`).

use std::path::Path;

use dxmap::diagnostics::{self, Diagnostic};
use dxmap::load::{self, Checked};
use dxmap_bench::{calendar, Params};

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a tree that does not load should fail the test loudly"
)]
fn check(files: Vec<(String, String)>) -> Checked {
    let tree = load::Tree::from_texts(Path::new("generated"), files);
    load::check_loaded(tree, None).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a tree without a model should fail the test loudly"
)]
fn assert_clean(params: &Params) -> Checked {
    let files = dxmap_bench::generate(params);
    let counted = dxmap_bench::count(&files);
    let checked = check(files);
    let rendered =
        diagnostics::human::render_findings(&checked.diagnostics, &checked.sources, false);
    let errors: Vec<Diagnostic> = checked.diagnostics.select(|d| d.is_error());
    assert!(
        errors.is_empty(),
        "{params:?}: {} errors\n{rendered}",
        errors.len()
    );
    if !checked.diagnostics.is_empty() {
        eprintln!(
            "{params:?}: {} warnings\n{rendered}",
            checked.diagnostics.len()
        );
    }
    let model = checked.model.as_ref().unwrap();
    assert_eq!(model.layers.len() - 1, params.overlays, "overlays");
    assert_eq!(model.services.len(), params.services, "services");
    assert_eq!(model.rules.len(), params.rules, "rules");
    assert_eq!(counted.overlays, params.overlays);
    assert_eq!(counted.services, params.services);
    assert_eq!(counted.rules, params.rules);
    checked
}

#[test]
fn national_tree_checks_cleanly_at_its_size() {
    let params = Params::national();
    assert_eq!(
        (params.overlays, params.services, params.rules),
        (40, 20_000, 2_000)
    );
    let checked = assert_clean(&params);
    let model = checked.model.as_ref().unwrap();
    // Every service type has services, and some overlays lack the
    // clinician, extend another overlay or run PODs.
    for (idx, service_type) in model.service_types.iter().enumerate() {
        assert!(
            model.services.iter().any(|s| s.service_type.index() == idx),
            "{} has no services",
            service_type.name
        );
    }
    assert!(model
        .layers
        .iter()
        .any(|l| l.parent.is_some_and(|p| p.index() > 0)));
    assert!(model.layers.iter().skip(1).any(|l| l.skills.is_empty()));
    assert!(model.layers.iter().any(|l| !l.suspensions.is_empty()));
    assert!(model.layers.iter().any(|l| !l.remaps.is_empty()));
    assert!(model.layers.iter().any(|l| !l.removed.is_empty()));
    assert!(model.services.iter().any(|s| s.sexes.is_some()));
    assert!(model.services.iter().any(|s| s.ages.max_days.is_some()));
    assert!(model.services.iter().any(|s| !s.hours.dated.is_empty()));
    assert!(model.services.iter().any(|s| !s.hours.closed.is_empty()));
    assert!(model
        .services
        .iter()
        .any(|s| s.hours.bank_holiday.is_some()));
}

#[test]
fn shipped_scale_trees_check_cleanly() {
    for factor in [1, 10] {
        assert_clean(&Params::shipped_scale(factor));
    }
    // Odd sizes and another seed, with no calendar.
    assert_clean(&Params {
        seed: 99,
        overlays: 7,
        services: 300,
        rules: 120,
        calendar_years: 0,
    });
}

#[test]
fn same_seed_same_bytes() {
    let params = Params::shipped_scale(10);
    let first = dxmap_bench::generate(&params);
    let second = dxmap_bench::generate(&params);
    assert!(first == second, "two runs with one seed differ");
    let national = Params::national();
    assert!(dxmap_bench::generate(&national) == dxmap_bench::generate(&national));
    let other = dxmap_bench::generate(&Params {
        seed: params.seed + 1,
        ..params
    });
    assert!(first != other, "another seed gives the same tree");
}

#[test]
fn compiled_table_loads() {
    let checked = check(dxmap_bench::generate(&Params::shipped_scale(1)));
    let table = dxmap::compile::compile(checked.model.as_ref().unwrap(), &checked.sources);
    let loaded = dxmap_runtime::Table::from_artifact(&table.to_artifact()).unwrap();
    assert_eq!(loaded.services.len(), 47);
}

#[test]
fn bank_holidays_match_gov_uk() {
    // gov.uk/bank-holidays.json, England and Wales, 2019-2027 (as in the
    // shipped rules/calendar.dxm).
    let expected = "2019-01-01 2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26 2019-12-25 2019-12-26 \
        2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 2020-12-25 2020-12-28 \
        2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 2021-12-27 2021-12-28 \
        2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19 2022-12-26 2022-12-27 \
        2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28 2023-12-25 2023-12-26 \
        2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26 \
        2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26 \
        2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28 \
        2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28";
    let computed: Vec<String> = calendar::calendar(9)
        .iter()
        .map(|(date, _)| date.to_string())
        .collect();
    assert_eq!(
        computed.join(" "),
        expected.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let names: Vec<String> = calendar::calendar(9).into_iter().map(|(_, n)| n).collect();
    assert!(names.contains(&"Early May bank holiday (VE day)".to_owned()));
    assert!(names.contains(&"Platinum Jubilee bank holiday".to_owned()));
}
