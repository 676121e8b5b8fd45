//! Routing cases from YAML: test files (`DIR/tests/*.yaml`) and capacity
//! files (`route --capacity`), in the formats of DESIGN.md "Data files".
//!
//! Text in, data out: reading the files is `load`'s and `cli`'s job. The
//! YAML is read strictly (`cases/yaml.rs`): a key given twice, a status that is
//! not one word, a location off the globe, a test without `expect` are
//! errors located at the value, with the file and line. A case whose other
//! values are wrong (a time that is not RFC 3339, an age without a known
//! unit) is kept with its error so that `dxmap test` reports it by name.
//!
//! Imports: `crate::diagnostics`, `crate::source`, `dxmap_runtime`, serde.

mod yaml;

use std::collections::BTreeMap;

use dxmap_runtime::{Capacity, Case, Channel, Sex};
use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};

/// A channel written as `"111"`, `111` or `ooh`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawChannel {
    Number(u32),
    Text(String),
}

/// An age written as `40` or `"18mo"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawAge {
    Number(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    dx: String,
    channel: RawChannel,
    age: RawAge,
    #[serde(default)]
    sex: Option<Sex>,
    postcode: String,
    at: String,
    #[serde(default)]
    location: Option<yaml::Location>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    #[serde(default)]
    overlay: Option<String>,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    services: Option<Vec<String>>,
    #[serde(default)]
    catch_all: Option<bool>,
    #[serde(default)]
    no_search: Option<bool>,
    #[serde(default)]
    searched_dx: Option<String>,
    #[serde(default)]
    gapped: Option<Vec<String>>,
}

impl RawExpect {
    /// Whether it checks nothing.
    fn is_empty(&self) -> bool {
        self.overlay.is_none()
            && self.rule.is_none()
            && self.services.is_none()
            && self.catch_all.is_none()
            && self.no_search.is_none()
            && self.searched_dx.is_none()
            && self.gapped.is_none()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    case: RawCase,
    #[serde(default)]
    capacity: yaml::TestCapacity,
    expect: yaml::Expect,
}

/// What a test expects; `None` fields are not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// The overlay in force.
    pub overlay: Option<String>,
    /// The rule that matched.
    pub rule: Option<String>,
    /// The service ids, in order.
    pub services: Option<Vec<String>>,
    /// Whether the answer is the catch-all's.
    pub catch_all: Option<bool>,
    /// Whether the code answers "no search".
    pub no_search: Option<bool>,
    /// The code the search used (a remap's target, a `same_as` target).
    pub searched_dx: Option<String>,
    /// The ids reported gapped, in any order.
    pub gapped: Option<Vec<String>>,
}

/// One test of a test file.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Its name.
    pub name: String,
    /// The case, or why its values are wrong.
    pub case: Result<Case, String>,
    /// What it expects.
    pub expect: Expect,
    /// Where the test starts in its file.
    pub span: Span,
}

/// Parses a time: RFC 3339 (`2020-05-08T15:00:00+01:00`) or local to
/// Europe/London (`2020-05-08T15:00`), as the runtime reads one.
pub fn parse_instant(text: &str) -> Result<jiff::Timestamp, String> {
    dxmap_runtime::case::parse_time(text)
}

/// Parses a channel: `111`, `999` or `ooh`.
pub fn parse_channel(text: &str) -> Result<Channel, String> {
    Channel::parse(text).ok_or_else(|| format!("`{text}` is not a channel (`111`, `999` or `ooh`)"))
}

/// Parses a location written `LAT,LON` in degrees, e.g. `50.92,-1.43`,
/// checked by [`location_in_degrees`].
pub fn parse_location(text: &str) -> Result<[f64; 2], String> {
    let (lat, lon) = text
        .split_once(',')
        .ok_or_else(|| format!("`{text}` is not `LAT,LON`"))?;
    let lat: f64 = lat
        .trim()
        .parse()
        .map_err(|_| format!("`{lat}` is not a latitude"))?;
    let lon: f64 = lon
        .trim()
        .parse()
        .map_err(|_| format!("`{lon}` is not a longitude"))?;
    location_in_degrees(lat, lon)
        .map_err(|problem| format!("`{text}` is not a latitude and longitude: {problem}"))
}

/// The one check of a case's location (`route --location`, a test's
/// `location:`): a latitude from -90 to 90 and a longitude from -180 to
/// 180, in degrees; not a number is neither. The error says which is wrong.
pub fn location_in_degrees(lat: f64, lon: f64) -> Result<[f64; 2], String> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "the latitude {lat} is not from -90 to 90 degrees (the latitude comes first)"
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!(
            "the longitude {lon} is not from -180 to 180 degrees"
        ));
    }
    Ok([lat, lon])
}

/// Parses an age: `40`, `40y`, `18mo`, `10d`; returns days.
pub fn parse_age(text: &str) -> Result<u32, String> {
    dxmap_runtime::space::parse_age(text)
        .ok_or_else(|| format!("`{text}` is not an age (`40`, `40y`, `18mo` or `10d`)"))
}

/// Parses a capacity file (`FXX01: red`, `CAS01: { status: amber, until: … }`).
pub fn parse_capacity(
    file: FileId,
    text: &str,
) -> (Option<BTreeMap<String, Capacity>>, Vec<Diagnostic>) {
    match yaml::read_capacity(file, text) {
        Ok(entries) => (Some(entries), Vec::new()),
        Err(problems) => (None, problems),
    }
}

/// The byte offset of each item of the file's top-level list (a `-` at the
/// list's indentation), in order; empty unless there is one per test.
fn item_offsets(text: &str, n_tests: usize) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut indent = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches('\u{feff}').trim_start_matches(' ');
        let at = offset + (line.len() - body.len());
        offset += line.len();
        let blank = body.trim().is_empty() || body.starts_with('#') || body.starts_with("---");
        if blank {
            continue;
        }
        let item = body.starts_with('-')
            && body
                .get(1..)
                .is_none_or(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']));
        let here = line.len() - body.len();
        match indent {
            None if item => indent = Some(here),
            None => return Vec::new(),
            Some(_) => {}
        }
        if item && indent == Some(here) {
            offsets.push(at);
        }
    }
    if offsets.len() == n_tests {
        offsets
    } else {
        Vec::new()
    }
}

fn case(raw: RawCase, capacity: BTreeMap<String, Capacity>) -> Result<Case, String> {
    let channel = match raw.channel {
        RawChannel::Number(number) => parse_channel(&number.to_string())?,
        RawChannel::Text(text) => parse_channel(&text)?,
    };
    let age_days = match raw.age {
        RawAge::Number(years) => parse_age(&years.to_string())?,
        RawAge::Text(text) => parse_age(&text)?,
    };
    Ok(Case {
        dx: raw.dx,
        channel,
        age_days,
        sex: raw.sex,
        postcode: raw.postcode,
        at: parse_instant(&raw.at)?,
        location: raw.location.map(|location| location.0),
        capacity,
    })
}

/// Parses a test file: a list of named cases with expectations.
pub fn parse_tests(file: FileId, text: &str) -> (Vec<TestCase>, Vec<Diagnostic>) {
    let what = "test file";
    let raw = match yaml::read::<Vec<RawTest>>(file, text, what) {
        Ok(raw) => raw,
        Err(problems) => return (Vec::new(), problems),
    };
    let offsets = item_offsets(text, raw.len());
    let tests = raw
        .into_iter()
        .enumerate()
        .map(|(idx, test)| {
            let at = offsets
                .get(idx)
                .map_or(0, |o| u32::try_from(*o).unwrap_or(0));
            let expect = test.expect.0;
            TestCase {
                name: test.name,
                case: case(test.case, test.capacity.0),
                expect: Expect {
                    overlay: expect.overlay,
                    rule: expect.rule,
                    services: expect.services,
                    catch_all: expect.catch_all,
                    no_search: expect.no_search,
                    searched_dx: expect.searched_dx,
                    gapped: expect.gapped,
                },
                span: Span::new(file, at, at),
            }
        })
        .collect();
    (tests, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use dxmap_runtime::Rag;

    #[test]
    fn locations_are_latitude_then_longitude() {
        assert_eq!(parse_location("50.92, -1.43"), Ok([50.92, -1.43]));
        assert_eq!(
            parse_location("50.92"),
            Err("`50.92` is not `LAT,LON`".to_owned())
        );
        assert_eq!(
            parse_location("north,-1.43"),
            Err("`north` is not a latitude".to_owned())
        );
        assert_eq!(
            parse_location("-1.43,180.5"),
            Err(
                "`-1.43,180.5` is not a latitude and longitude: the longitude 180.5 is not from -180 to 180 degrees"
                    .to_owned()
            )
        );
        assert!(parse_location("NaN,0").is_err());
        assert!(location_in_degrees(f64::NAN, 0.0).is_err());
        assert!(location_in_degrees(0.0, f64::INFINITY).is_err());
    }

    #[test]
    fn parses_the_design_example() {
        let text = r#"
- name: "VE Day: pharmacy ordered open, hot hub after it"
  case: { dx: Dx28, channel: "111", age: 40, sex: female,
          postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00",
          location: [50.92, -1.43] }
  capacity: { HH01: amber }
  expect:
    overlay: hampshire
    rule: "Pharmacy, adults"
    services: [FXX01, HH01]
    catch_all: false
    no_search: false
- name: toddler
  case: { dx: Dx05, channel: ooh, age: "18mo", postcode: so167ab, at: "2020-05-08T15:00:00Z" }
  expect: { catch_all: true }
"#;
        let (tests, found) = parse_tests(FileId(0), text);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(tests.len(), 2);
        let first = tests[0].case.as_ref().unwrap();
        assert_eq!(first.channel, Channel::Nhs111);
        assert_eq!(first.age_days, 14_610);
        assert_eq!(first.capacity["HH01"].status, Rag::Amber);
        assert_eq!(
            tests[0].expect.services.as_deref(),
            Some(&["FXX01".to_owned(), "HH01".to_owned()][..])
        );
        let second = tests[1].case.as_ref().unwrap();
        assert_eq!(
            (second.channel, second.age_days, second.sex),
            (Channel::Ooh, 547, None)
        );
        assert_eq!(
            &text[usize::try_from(tests[1].span.start).unwrap()..][..12],
            "- name: todd"
        );
    }

    #[test]
    fn bad_values_are_kept_with_their_error() {
        let text = "- name: x\n  case: { dx: Dx05, channel: \"112\", age: 40, postcode: SO16 7AB, at: now }\n  expect: { rule: r }\n";
        let (tests, _) = parse_tests(FileId(0), text);
        assert!(tests[0]
            .case
            .as_ref()
            .unwrap_err()
            .contains("`112` is not a channel"));
    }

    #[test]
    fn yaml_errors_point_at_the_line() {
        let text = "- name: x\n  case: { dx: Dx05 }\n  expect: { services: [A] }\n";
        let (tests, found) = parse_tests(FileId(0), text);
        assert!(tests.is_empty());
        assert_eq!(found[0].code, Code::CaseInvalid);
        assert!(
            found[0].message.contains("`channel` is missing"),
            "{}",
            found[0].message
        );
    }

    /// The one error of a capacity file, with its line and column.
    fn capacity_error(text: &str) -> (usize, usize, String) {
        let (entries, found) = parse_capacity(FileId(0), text);
        assert!(entries.is_none(), "{text:?} was read");
        let [found] = &found[..] else {
            panic!("{found:?}")
        };
        let start = usize::try_from(found.primary.span.start).unwrap();
        let line = text[..start].matches('\n').count() + 1;
        let column = start - text[..start].rfind('\n').map_or(0, |n| n + 1) + 1;
        (line, column, found.message.clone())
    }

    #[test]
    fn capacity_files_name_bad_statuses_and_expiries_where_they_are() {
        let (entries, found) = parse_capacity(
            FileId(0),
            "FXX01: red\nCAS01: { status: amber, until: \"2020-05-08T18:00:00+01:00\" }\n",
        );
        assert!(found.is_empty());
        let entries = entries.unwrap();
        assert_eq!(entries["FXX01"].status, Rag::Red);
        assert!(entries["CAS01"].until.is_some());
        let (line, column, message) = capacity_error("# today\nFXX02: red\nFXX01: purple\n");
        assert_eq!((line, column), (3, 8), "{message}");
        assert!(
            message.contains("`FXX01` has unknown status `purple`"),
            "{message}"
        );
        let (line, column, message) =
            capacity_error("FXX01: red\nFXX02: { status: red, until: soon }\n");
        assert_eq!((line, column), (2, 30), "{message}");
        assert!(message.contains("`FXX02`: `until` `soon`"), "{message}");
        let (line, _, message) = capacity_error("FXX01: red\nFXX02: { until: soon }\n");
        assert_eq!(line, 2, "{message}");
    }

    #[test]
    fn a_status_is_one_word_and_a_service_is_named_once() {
        let (line, column, message) = capacity_error("FXX01: red\nPH1: [red]\n");
        assert_eq!((line, column), (2, 6), "{message}");
        assert!(
            message.contains("`PH1` has a list for its status"),
            "{message}"
        );
        let (line, column, message) =
            capacity_error("\u{feff}FXX01: red\nPH1: amber\nFXX01: green\n");
        assert_eq!((line, column), (3, 1), "{message}");
        assert!(
            message.contains("`FXX01` is given a second time"),
            "{message}"
        );
        assert!(!message.contains('\u{1}'), "{message:?}");
        let (entries, found) = parse_capacity(FileId(0), "# nothing today\n");
        assert!(found.is_empty() && entries.unwrap().is_empty());
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_a_first_line_comment() {
        // Found by the `cases_yaml` fuzz target: after a BOM, the `#` of a
        // first-line comment was not taken for one, so the `{` in it counted
        // as nesting and the file was refused as nested too deep.
        let text = format!("# {}\nA: purple\n", "{a: ".repeat(70));
        for text in [text.clone(), format!("\u{feff}{text}")] {
            let (line, column, message) = capacity_error(&text);
            assert_eq!((line, column), (2, 4), "{message}");
            let (tests, found) = parse_tests(FileId(0), &text);
            assert!(tests.is_empty());
            assert!(
                found[0].message.contains("expected a sequence"),
                "{found:?}"
            );
        }
        let deep = format!("\u{feff}A: {}", "{a: ".repeat(70));
        let (line, column, message) = capacity_error(&deep);
        // The 65th `{`, counted in bytes after the mark's three.
        assert_eq!((line, column), (1, 3 + 3 + 4 * 64 + 1), "{message}");
        assert!(message.contains("more than 64 deep"), "{message}");
    }

    #[test]
    fn a_file_that_is_not_yaml_says_so_first_whatever_its_line_ends() {
        // Found by the `cases_yaml` fuzz target: a key given twice (or a
        // line libyaml cannot parse) near the top and a control character
        // 30 KB later gave one or the other depending on the line ends, as
        // libyaml reads ahead in chunks. Characters are looked at first.
        let padding = "# padding\n".repeat(3000);
        for top in ["A: red\nA: red\n", "A: red\nB: { c\n"] {
            let text = format!("{top}{padding}B: r\u{1}ed\n");
            for text in [text.clone(), text.replace('\n', "\r\n")] {
                let (line, _, message) = capacity_error(&text);
                assert_eq!(line, 3003, "{message}");
                assert!(message.contains("control character U+0001"), "{message}");
                let (_, found) = parse_tests(FileId(0), &text);
                assert!(found[0].message.contains("control character"), "{found:?}");
            }
        }
    }

    #[test]
    fn a_large_capacity_file_is_read_once_for_its_first_problem() {
        let padding = "# padding\n".repeat(110_000);
        let text = format!("A: purple\n{padding}B: purple\n");
        let (entries, found) = parse_capacity(FileId(0), &text);
        assert!(entries.is_none());
        assert_eq!(found.len(), 1, "{found:?}");
        let small = "A: purple\nB: purple\n";
        assert_eq!(parse_capacity(FileId(0), small).1.len(), 2);
    }

    #[test]
    fn a_control_character_is_reported_at_its_line_not_at_a_position() {
        // Found by the `cases_yaml` fuzz target: libyaml gives no line for
        // a character it refuses, only "at position N".
        for text in [
            "A: red\nB: red\nC: r\u{e}ed\n",
            "A: red\r\nB: red\r\nC: r\u{e}ed\r\n",
        ] {
            let (line, column, message) = capacity_error(text);
            assert_eq!((line, column), (3, 5), "{message}");
            assert_eq!(
                message,
                "capacity file is not valid: control character U+000E is not allowed in YAML"
            );
        }
    }

    #[test]
    fn every_wrong_capacity_entry_is_reported_at_its_line() {
        let text = "A: red\nB: purple\nC: amber\nD:\n  status: red\n  until: soon\nE: [red]\n";
        let (entries, found) = parse_capacity(FileId(0), text);
        assert!(entries.is_none());
        let lines: Vec<usize> = found
            .iter()
            .map(|d| {
                text[..usize::try_from(d.primary.span.start).unwrap()]
                    .matches('\n')
                    .count()
                    + 1
            })
            .collect();
        assert_eq!(lines, [2, 6, 7], "{found:?}");
    }

    #[test]
    fn test_items_are_found_however_their_keys_are_ordered() {
        let text = "# tests\n- case: { dx: Dx05, channel: ooh, age: 1, postcode: SO16 7AB, at: \"2020-05-08T15:00:00Z\" }\n  name: a\n  expect: { rule: r }\n\n-   name: b\n    case: { dx: Dx05, channel: ooh, age: 1, postcode: SO16 7AB, at: \"2020-05-08T15:00:00Z\" }\n    expect:\n      services:\n        - X\n";
        let (tests, found) = parse_tests(FileId(0), text);
        assert!(found.is_empty(), "{found:?}");
        let lines: Vec<usize> = tests
            .iter()
            .map(|t| {
                text[..usize::try_from(t.span.start).unwrap()]
                    .matches('\n')
                    .count()
                    + 1
            })
            .collect();
        assert_eq!(lines, [2, 6]);
    }
}
