//! Arbitrary text as a test file and as a capacity file:
//! `cases::parse_tests` and `cases::parse_capacity`. Every case that
//! parses is routed through the shipped `rules/` (extreme times, ages,
//! NaN or infinite locations, capacity expiries); a capacity file that
//! parses is given to a fixed case.

#![no_main]

use dxmap::source::{FileId, SourceMap};
use dxmap_runtime::{Case, Channel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = dxmap_fuzz::text_of(data);
    let mut sources = SourceMap::new();
    let file = sources.add("tests.yaml", text.as_ref());
    assert_eq!(file, FileId(0));
    let router = dxmap_fuzz::shipped_router();

    let (tests, found) = dxmap::cases::parse_tests(FileId(0), &text);
    dxmap_fuzz::assert_diagnostics_sound(&found, &sources);
    dxmap_fuzz::render(&found, &sources);
    let cases: Vec<Case> = tests
        .iter()
        .filter_map(|test| {
            let at = test.span.start as usize;
            assert!(at <= text.len() && text.is_char_boundary(at), "{test:?}");
            test.case.as_ref().ok().cloned()
        })
        .collect();
    dxmap_fuzz::route_cases(router, &cases);

    let (capacity, found) = dxmap::cases::parse_capacity(FileId(0), &text);
    dxmap_fuzz::assert_diagnostics_sound(&found, &sources);
    dxmap_fuzz::render(&found, &sources);
    if let Some(capacity) = capacity {
        let case = Case {
            dx: "Dx28".to_owned(),
            channel: Channel::Nhs111,
            age_days: 14_610,
            sex: None,
            postcode: "SO16 7AB".to_owned(),
            at: "2020-05-08T15:00:00+01:00".parse().unwrap_or_default(),
            location: Some([50.92, -1.43]),
            capacity,
        };
        dxmap_fuzz::route_cases(router, &[case]);
    }
});
