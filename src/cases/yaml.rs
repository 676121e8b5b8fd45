//! Strict reading of the case formats' YAML (test and capacity files): a
//! key given twice in one mapping is refused where it is given the second
//! time; a capacity status is one word; a location is two numbers on the
//! globe; a test's `expect:` checks something. Each error is located at the
//! value it is about, in words a service lead reads (no paths of indices,
//! no type names).
//!
//! serde_yaml locates an error at the value being read when the error is
//! raised, so each check runs while its value is read, not afterwards.
//!
//! Imports: `crate::cases`, `crate::diagnostics`, `crate::source`,
//! `dxmap_runtime`, serde_yaml.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use dxmap_runtime::{Capacity, Rag};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Marks the start of a message written here, so that the path serde_yaml
/// puts before it can be cut (YAML text cannot hold this character).
const OURS: char = '\u{1}';

fn ours<E: de::Error>(message: impl fmt::Display) -> E {
    E::custom(format!("{OURS}{message}"))
}

/// Reads `text` as a `T`, strictly: a mapping that gives one key twice,
/// anywhere, is refused at the second key. Keys are compared as the text
/// they are written with, as the formats read them (`111` and `"111"` are
/// the same service). A leading byte-order mark is skipped (libyaml would
/// count it as a column and misread the indentation).
pub fn read<T: de::DeserializeOwned>(
    file: FileId,
    text: &str,
    what: &str,
) -> Result<T, Vec<Diagnostic>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skipped = text.len() - body.len();
    if let Some(found) =
        refused_character(file, body, skipped, what).or_else(|| too_deep(file, body, skipped, what))
    {
        return Err(vec![found]);
    }
    yaml_first(body)
        .and_then(|()| Walk.deserialize(serde_yaml::Deserializer::from_str(body)))
        .and_then(|()| serde_yaml::from_str(body))
        .map_err(|error| vec![diagnostic(file, text, skipped, &error, what)])
}

/// The first character YAML does not allow (libyaml's reader refuses it:
/// control characters but tab and line ends, surrogates, U+FFFE, U+FFFF),
/// found before parsing. libyaml reads ahead in chunks and reports such a
/// character before a mistake earlier in the file or not, depending on
/// where the chunks end; looking first makes the answer the same whatever
/// the line ends.
fn refused_character(file: FileId, body: &str, skipped: usize, what: &str) -> Option<Diagnostic> {
    let (offset, c) = body.char_indices().find(|(_, c)| {
        !matches!(u32::from(*c),
            0x9 | 0xA | 0xD | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF)
    })?;
    let at = u32::try_from(offset.saturating_add(skipped)).unwrap_or(0);
    Some(
        Diagnostic::new(
            Code::CaseInvalid,
            Span::new(file, at, at),
            format!(
                "{what} is not valid: control character U+{:04X} is not allowed in YAML",
                u32::from(c)
            ),
        )
        .with_help("remove it; YAML files hold text, tabs and line ends only"),
    )
}

/// The YAML's own errors (a character it refuses, a line it cannot
/// parse), whatever comes after them. serde_yaml reads values from the
/// events parsed before an error, and how many those are depends on
/// libyaml's buffers: without this, a key given twice before the error
/// would be reported instead of it, or not, depending on the line ends.
fn yaml_first(body: &str) -> Result<(), serde_yaml::Error> {
    serde_yaml::from_str::<de::IgnoredAny>(body).map(|_| ())
}

/// [`crate::diagnostics::yaml_too_deep`] of the text after a byte-order
/// mark (which would hide a first line's `#`), placed in the whole file.
fn too_deep(file: FileId, body: &str, skipped: usize, what: &str) -> Option<Diagnostic> {
    let mut too_deep = crate::diagnostics::yaml_too_deep(Code::CaseInvalid, file, body, what)?;
    let shift = u32::try_from(skipped).unwrap_or(0);
    let span = too_deep.primary.span;
    too_deep.primary.span = Span::new(file, span.start + shift, span.end + shift);
    Some(too_deep)
}

/// Any YAML value, read only to see its keys.
struct Walk;

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Walk)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(Walk)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Walk)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while map.next_key_seed(Key { seen: &mut seen })?.is_some() {
            map.next_value_seed(Walk)?;
        }
        Ok(())
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!tag value`): its value may hold mappings.
        let ((), variant) = data.variant_seed(Walk)?;
        de::VariantAccess::newtype_variant_seed(variant, Walk)
    }
}

/// A mapping's key, refused if the mapping gave it before. Read as text,
/// as the formats read keys; a key that is a list or a mapping is walked.
struct Key<'s> {
    seen: &'s mut BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        if self.seen.insert(key.to_owned()) {
            Ok(())
        } else {
            Err(ours(format_args!(
                "`{key}` is given a second time here: give each name once"
            )))
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Walk.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Walk.visit_map(map)
    }
}

/// Most problems reported in one capacity file.
const MAX_CAPACITY_PROBLEMS: usize = 20;

/// Largest capacity file read again for its next problem.
const REREAD_BYTES: usize = 1 << 20;

/// Reads a capacity file: every service named once, each with a status
/// that is one word, and an `until` that is a time. Each wrong entry is an
/// error at its value (up to [`MAX_CAPACITY_PROBLEMS`]): the file is read
/// again without the entries already reported until it reads. A file over
/// [`REREAD_BYTES`] (a real one has a line a service) is read once, and
/// gives its first problem only, so that the time stays bounded.
pub fn read_capacity(
    file: FileId,
    text: &str,
) -> Result<BTreeMap<String, Capacity>, Vec<Diagnostic>> {
    let what = "capacity file";
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skipped = text.len() - body.len();
    if let Some(found) =
        refused_character(file, body, skipped, what).or_else(|| too_deep(file, body, skipped, what))
    {
        return Err(vec![found]);
    }
    yaml_first(body)
        .and_then(|()| Walk.deserialize(serde_yaml::Deserializer::from_str(body)))
        .map_err(|error| vec![diagnostic(file, text, skipped, &error, what)])?;
    let mut skip = BTreeSet::new();
    let mut problems = Vec::new();
    loop {
        let current = RefCell::new(None);
        let seed = Capacities {
            skip: &skip,
            current: &current,
        };
        let error = match seed.deserialize(serde_yaml::Deserializer::from_str(body)) {
            Ok(entries) if problems.is_empty() => return Ok(entries),
            Ok(_) => return Err(problems),
            Err(error) => error,
        };
        problems.push(diagnostic(file, text, skipped, &error, what));
        // An error outside every entry (the file is not a mapping) ends it.
        let Some(id) = current.into_inner() else {
            return Err(problems);
        };
        let most = if body.len() > REREAD_BYTES {
            1
        } else {
            MAX_CAPACITY_PROBLEMS
        };
        if problems.len() >= most || !skip.insert(id) {
            return Err(problems);
        }
    }
}

/// The capacity entries of a test (`capacity: { HH01: amber }`).
#[derive(Debug, Default)]
pub struct TestCapacity(pub BTreeMap<String, Capacity>);

impl<'de> Deserialize<'de> for TestCapacity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let current = RefCell::new(None);
        let seed = Capacities {
            skip: &BTreeSet::new(),
            current: &current,
        };
        seed.deserialize(deserializer).map(TestCapacity)
    }
}

/// A mapping of service ids to capacity entries, without the entries of
/// `skip`; `current` holds the id whose entry is being read.
struct Capacities<'a> {
    skip: &'a BTreeSet<String>,
    current: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Capacities<'_> {
    type Value = BTreeMap<String, Capacity>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Capacities<'_> {
    type Value = BTreeMap<String, Capacity>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("services' capacity, one a line, like `FXX01: red`")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(id) = map.next_key::<String>()? {
            if self.skip.contains(&id) {
                map.next_value::<de::IgnoredAny>()?;
                continue;
            }
            self.current.replace(Some(id.clone()));
            let capacity = map.next_value_seed(Entry { id: &id })?;
            self.current.replace(None);
            entries.insert(id, capacity);
        }
        Ok(entries)
    }
}

/// One service's capacity: `red`, or `{ status: amber, until: "…" }`.
struct Entry<'a> {
    id: &'a str,
}

impl<'de> DeserializeSeed<'de> for Entry<'_> {
    type Value = Capacity;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Capacity, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_> {
    type Value = Capacity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the status of `{}`: one word, red, amber or green, or `{{ status: …, until: … }}`",
            self.id
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Capacity, E> {
        Ok(Capacity {
            status: Status { id: self.id }.visit_str(text)?,
            until: None,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Capacity, A::Error> {
        Err(ours(format_args!(
            "`{}` has a list for its status: write one word, red, amber or green",
            self.id
        )))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Capacity, A::Error> {
        let mut found = None;
        let mut until = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "status" => found = Some(map.next_value_seed(Status { id: self.id })?),
                "until" => until = Some(map.next_value_seed(Until { id: self.id })?),
                other => {
                    return Err(ours(format_args!(
                        "`{}` has `{other}`, which a capacity entry does not have: give `status` and, if it ends, `until`",
                        self.id
                    )))
                }
            }
        }
        let status = found.ok_or_else(|| {
            ours(format_args!(
                "`{}` has no `status`: give red, amber or green",
                self.id
            ))
        })?;
        Ok(Capacity { status, until })
    }
}

/// A capacity status: one word, `red`, `amber` or `green`.
struct Status<'a> {
    id: &'a str,
}

impl<'de> DeserializeSeed<'de> for Status<'_> {
    type Value = Rag;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Rag, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for Status<'_> {
    type Value = Rag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the status of `{}`: one word, red, amber or green",
            self.id
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Rag, E> {
        Rag::parse(text).ok_or_else(|| {
            ours(format_args!(
                "`{}` has unknown status `{text}` (use red, amber or green)",
                self.id
            ))
        })
    }
}

/// A time when a status ends, read as `route --at` reads one.
struct Until<'a> {
    id: &'a str,
}

impl<'de> DeserializeSeed<'de> for Until<'_> {
    type Value = jiff::Timestamp;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for Until<'_> {
    type Value = jiff::Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time, like \"2020-05-08T18:00:00+01:00\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        super::parse_instant(text)
            .map_err(|problem| ours(format_args!("`{}`: `until` {problem}", self.id)))
    }
}

/// A case's `location: [LAT, LON]`, checked as `route --location` is.
#[derive(Debug)]
pub struct Location(pub [f64; 2]);

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LocationVisitor)
    }
}

struct LocationVisitor;

impl<'de> Visitor<'de> for LocationVisitor {
    type Value = Location;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a location: `[LAT, LON]` in degrees, like `[50.92, -1.43]`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Location, A::Error> {
        let mut numbers = Vec::new();
        while let Some(number) = seq.next_element::<f64>()? {
            numbers.push(number);
            if numbers.len() > 2 {
                break;
            }
        }
        let [lat, lon] = *numbers.as_slice() else {
            return Err(ours(
                "a location is two numbers, `[LAT, LON]` in degrees, like `[50.92, -1.43]`",
            ));
        };
        super::location_in_degrees(lat, lon)
            .map(Location)
            .map_err(|problem| {
                ours(format_args!(
                    "`[{lat}, {lon}]` is not a latitude and longitude: {problem}"
                ))
            })
    }
}

/// What a test expects: at least one thing to check.
#[derive(Debug)]
pub struct Expect(pub super::RawExpect);

impl<'de> Deserialize<'de> for Expect {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ExpectVisitor)
    }
}

struct ExpectVisitor;

impl<'de> Visitor<'de> for ExpectVisitor {
    type Value = Expect;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("what the test expects, like `{ services: [FXX01] }`")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Expect, A::Error> {
        let raw = super::RawExpect::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if raw.is_empty() {
            return Err(ours(EXPECT_NOTHING));
        }
        Ok(Expect(raw))
    }
}

const EXPECT_NOTHING: &str = "`expect` checks nothing: name at least one of overlay, rule, services, catch_all, no_search, searched_dx or gapped";

/// A YAML file that does not follow its format (`what`: "test file",
/// "capacity file"), at the place serde_yaml gives in the text read, which
/// starts `skipped` bytes into the file. libyaml gives a character it
/// refuses (a control character) as "at position N", a byte offset, not a
/// line: that is the place then.
fn diagnostic(
    file: FileId,
    text: &str,
    skipped: usize,
    error: &serde_yaml::Error,
    what: &str,
) -> Diagnostic {
    let full = error.to_string();
    let message = full.split(" at line ").next().unwrap_or(&full);
    let (message, position) = match message.rsplit_once(" at position ") {
        Some((before, digits)) => match digits.split(',').next().map(str::parse::<usize>) {
            Some(Ok(position)) => (before, Some(position)),
            _ => (message, None),
        },
        None => (message, None),
    };
    let offset = position
        .or_else(|| error.location().map(|location| location.index()))
        .map_or(0, |offset| offset.saturating_add(skipped));
    // Cut serde_yaml's path (`[0].case: `): the place is shown instead.
    let message = match message.split_once(OURS) {
        Some((_, ours)) => ours.to_owned(),
        None => words(message),
    };
    let at = char_start(text, offset);
    Diagnostic::new(
        Code::CaseInvalid,
        Span::new(file, at, at),
        format!("{what} is not valid: {message}"),
    )
    .with_help("the formats are in the book: docs/book/src/files.md")
}

/// `offset` inside `text`, moved back to the start of its character.
fn char_start(text: &str, offset: usize) -> u32 {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at = at.saturating_sub(1);
    }
    u32::try_from(at).unwrap_or(0)
}

/// serde's own messages without the path before them, and `missing field`
/// in words.
fn words(message: &str) -> String {
    const SERDE: [&str; 7] = [
        "missing field ",
        "unknown field ",
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
        "duplicate field ",
    ];
    let start = SERDE
        .iter()
        .filter_map(|phrase| message.find(phrase))
        .min()
        .unwrap_or(0);
    let message = message.get(start..).unwrap_or(message);
    match message.strip_prefix("missing field ") {
        Some(field) if field.trim_matches('`') == "expect" => {
            "this test has no `expect`: say what it expects, like `expect: { services: [FXX01] }`"
                .to_owned()
        }
        Some(field) => format!("{field} is missing here"),
        None => message.to_owned(),
    }
}
