//! Arbitrary bytes as a test file and as a capacity file, read as the
//! command line reads them (lone CR ends a line): `cases::parse_tests` and
//! `cases::parse_capacity`, the strict reader. Every case that parses is
//! routed through the shipped `rules/` (extreme times, ages, capacity
//! expiries); a capacity file that parses is given to a fixed case.
//!
//! Beyond soundness, the strict reader must keep its promises:
//! - a location that is read is on the globe (`cases::location_in_degrees`);
//! - a key that serde_yaml's own `Value` finds twice in a mapping (a string
//!   key) is refused by both readers;
//! - the same text with a byte-order mark before it, or with CRLF line
//!   ends, reads the same: the same tests, the same entries, the same
//!   errors at the same lines;
//! - no message shows the reader's internal marker.

#![no_main]

use dxmap::diagnostics::Diagnostic;
use dxmap::source::{FileId, SourceMap};
use dxmap_runtime::{Case, Channel};
use libfuzzer_sys::fuzz_target;

/// What a reading gives, with places as lines, to compare two texts.
#[derive(Debug, PartialEq)]
struct Read {
    tests: Vec<(String, u32, String)>,
    capacity: Option<String>,
    test_problems: Vec<(u32, String)>,
    capacity_problems: Vec<(u32, String)>,
}

/// The line (from 1) of a byte offset.
fn line(text: &str, offset: u32) -> u32 {
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

fn problems(text: &str, found: &[Diagnostic]) -> Vec<(u32, String)> {
    found
        .iter()
        .map(|d| (line(text, d.primary.span.start), d.message.clone()))
        .collect()
}

/// Reads `text` both ways, checking soundness and, if `route`, routing.
fn read(text: &str, route: bool) -> Read {
    let mut sources = SourceMap::new();
    let file = sources.add("tests.yaml", text);
    assert_eq!(file, FileId(0));

    let (tests, found) = dxmap::cases::parse_tests(FileId(0), text);
    dxmap_fuzz::assert_diagnostics_sound(&found, &sources);
    let test_problems = problems(text, &found);
    if route {
        dxmap_fuzz::render(&found, &sources);
        let cases: Vec<Case> = tests
            .iter()
            .filter_map(|test| test.case.as_ref().ok().cloned())
            .collect();
        dxmap_fuzz::route_cases(dxmap_fuzz::shipped_router(), &cases);
    }
    for test in &tests {
        let at = test.span.start as usize;
        assert!(at <= text.len() && text.is_char_boundary(at), "{test:?}");
        if let Ok(Case {
            location: Some([lat, lon]),
            ..
        }) = &test.case
        {
            assert!(
                dxmap::cases::location_in_degrees(*lat, *lon).is_ok(),
                "a location off the globe was read: {test:?}"
            );
        }
    }
    let tests = tests
        .iter()
        .map(|test| {
            (
                test.name.clone(),
                line(text, test.span.start),
                format!("{:?}{:?}", test.case, test.expect),
            )
        })
        .collect();

    let (capacity, found) = dxmap::cases::parse_capacity(FileId(0), text);
    dxmap_fuzz::assert_diagnostics_sound(&found, &sources);
    let capacity_problems = problems(text, &found);
    if route {
        dxmap_fuzz::render(&found, &sources);
    }
    let shown = capacity.as_ref().map(|entries| format!("{entries:?}"));
    if let (true, Some(capacity)) = (route, capacity) {
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
        dxmap_fuzz::route_cases(dxmap_fuzz::shipped_router(), &[case]);
    }
    for (_, message) in test_problems.iter().chain(&capacity_problems) {
        assert!(!message.contains('\u{1}'), "a marker shows: {message:?}");
    }
    Read {
        tests,
        capacity: shown,
        test_problems,
        capacity_problems,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = dxmap_fuzz::as_the_cli_reads(data, "yaml");
    let plain = read(&text, true);

    // serde_yaml's `Value` refuses a string key given twice: so must we.
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if let Err(error) = serde_yaml::from_str::<serde_yaml::Value>(body) {
        if error.to_string().contains("duplicate entry with key \"") {
            assert!(
                !plain.test_problems.is_empty() && !plain.capacity_problems.is_empty(),
                "a key given twice was read: {error}"
            );
        }
    }

    if text.starts_with('\u{feff}') || text.contains('\r') {
        return;
    }
    let with_bom = read(&format!("\u{feff}{text}"), false);
    assert_eq!(with_bom, plain, "a byte-order mark changes the reading");
    let crlf = read(&text.replace('\n', "\r\n"), false);
    assert_eq!(crlf, plain, "CRLF line ends change the reading");
});
