//! Routing cases from YAML: test files (`DIR/tests/*.yaml`) and capacity
//! files (`route --capacity`), in the formats of DESIGN.md "Data files".
//!
//! Text in, data out: reading the files is `load`'s and `cli`'s job. YAML
//! errors are diagnostics with the file and line; a case whose values are
//! wrong (a time that is not RFC 3339, an age without a known unit) is kept
//! with its error so that `dxmap test` reports it by name.
//!
//! Imports: `crate::diagnostics`, `crate::source`, `dxmap_runtime`, serde_yaml.

use std::collections::BTreeMap;

use dxmap_runtime::{Capacity, Case, Channel, Rag, Sex};
use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
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

/// A capacity status, bare or with an expiry.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawCapacity {
    /// `red`.
    Status(String),
    /// `{ status: amber, until: "…" }`.
    Full(RawCapacityFull),
}

/// `{ status: amber, until: "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityFull {
    status: String,
    #[serde(default)]
    until: Option<String>,
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
    location: Option<[f64; 2]>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    case: RawCase,
    #[serde(default)]
    capacity: BTreeMap<String, RawCapacity>,
    #[serde(default)]
    expect: RawExpect,
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

/// Parses a location written `LAT,LON` in degrees, e.g. `50.92,-1.43`;
/// the latitude lies in -90 to 90 and the longitude in -180 to 180.
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
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("`{text}` is not a latitude and longitude"));
    }
    Ok([lat, lon])
}

/// Parses an age: `40`, `40y`, `18mo`, `10d`; returns days.
pub fn parse_age(text: &str) -> Result<u32, String> {
    dxmap_runtime::space::parse_age(text)
        .ok_or_else(|| format!("`{text}` is not an age (`40`, `40y`, `18mo` or `10d`)"))
}

/// Converts capacity entries, naming every bad status.
pub fn capacity(raw: BTreeMap<String, RawCapacity>) -> Result<BTreeMap<String, Capacity>, String> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (id, entry) in raw {
        let (status, until) = match entry {
            RawCapacity::Status(status) => (status, None),
            RawCapacity::Full(full) => (full.status, full.until),
        };
        let Some(status) = Rag::parse(&status) else {
            problems.push(format!(
                "`{id}` has unknown status `{status}` (use red, amber or green)"
            ));
            continue;
        };
        let until = match until.map(|text| parse_instant(&text)).transpose() {
            Ok(until) => until,
            Err(problem) => {
                problems.push(format!("`{id}`: {problem}"));
                continue;
            }
        };
        out.insert(id, Capacity { status, until });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("; "))
    }
}

fn yaml_error(file: FileId, error: &serde_yaml::Error, what: &str) -> Diagnostic {
    crate::diagnostics::yaml_error(Code::CaseInvalid, file, error, what)
}

/// Parses a capacity file (`FXX01: red`, `CAS01: { status: amber, until: … }`).
pub fn parse_capacity(
    file: FileId,
    text: &str,
) -> (Option<BTreeMap<String, Capacity>>, Vec<Diagnostic>) {
    if let Some(too_deep) =
        crate::diagnostics::yaml_too_deep(Code::CaseInvalid, file, text, "capacity file")
    {
        return (None, vec![too_deep]);
    }
    let raw: BTreeMap<String, RawCapacity> = if text.trim().is_empty() {
        BTreeMap::new()
    } else {
        match serde_yaml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => return (None, vec![yaml_error(file, &error, "capacity file")]),
        }
    };
    match capacity(raw) {
        Ok(entries) => (Some(entries), Vec::new()),
        Err(problem) => (
            None,
            vec![Diagnostic::new(
                Code::CaseInvalid,
                Span::new(file, 0, 0),
                format!("capacity file: {problem}"),
            )],
        ),
    }
}

/// The byte offset of each `- name:` entry start, in order.
fn entry_offsets(text: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-')
            && trimmed
                .trim_start_matches('-')
                .trim_start()
                .starts_with("name:")
        {
            offsets.push(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    offsets
}

fn case(raw: RawCase, capacity_entries: BTreeMap<String, RawCapacity>) -> Result<Case, String> {
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
        location: raw.location,
        capacity: capacity(capacity_entries)?,
    })
}

/// Parses a test file: a list of named cases with expectations.
pub fn parse_tests(file: FileId, text: &str) -> (Vec<TestCase>, Vec<Diagnostic>) {
    if let Some(too_deep) =
        crate::diagnostics::yaml_too_deep(Code::CaseInvalid, file, text, "test file")
    {
        return (Vec::new(), vec![too_deep]);
    }
    let raw: Vec<RawTest> = match serde_yaml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => return (Vec::new(), vec![yaml_error(file, &error, "test file")]),
    };
    let offsets = entry_offsets(text);
    let tests = raw
        .into_iter()
        .enumerate()
        .map(|(idx, test)| {
            let at = offsets
                .get(idx)
                .map_or(0, |o| u32::try_from(*o).unwrap_or(0));
            TestCase {
                name: test.name,
                case: case(test.case, test.capacity),
                expect: Expect {
                    overlay: test.expect.overlay,
                    rule: test.expect.rule,
                    services: test.expect.services,
                    catch_all: test.expect.catch_all,
                    no_search: test.expect.no_search,
                    searched_dx: test.expect.searched_dx,
                    gapped: test.expect.gapped,
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
            Err("`-1.43,180.5` is not a latitude and longitude".to_owned())
        );
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
        let text = "- name: x\n  case: { dx: Dx05, channel: \"112\", age: 40, postcode: SO16 7AB, at: now }\n";
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
            found[0].message.contains("missing field"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn capacity_files_name_bad_statuses_and_expiries() {
        let (entries, found) = parse_capacity(
            FileId(0),
            "FXX01: red\nCAS01: { status: amber, until: \"2020-05-08T18:00:00+01:00\" }\n",
        );
        assert!(found.is_empty());
        let entries = entries.unwrap();
        assert_eq!(entries["FXX01"].status, Rag::Red);
        assert!(entries["CAS01"].until.is_some());
        let (entries, found) = parse_capacity(
            FileId(0),
            "FXX01: purple\nFXX02: { status: red, until: soon }\n",
        );
        assert!(entries.is_none());
        assert!(
            found[0]
                .message
                .contains("`FXX01` has unknown status `purple`"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("`FXX02`"), "{}", found[0].message);
    }
}
