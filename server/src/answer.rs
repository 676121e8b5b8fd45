//! Answering a case: route it on the active table, shape the answer as
//! `dxmap route --format json` prints it, add `at`, `table` and
//! `decision_id`, count it and log it.
//!
//! Imports: `crate::{request, state, decision_log}`, dxmap-runtime,
//! serde_json, jiff.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use dxmap_runtime::{Case, Decision};
use serde_json::{json, Value};

use crate::decision_log::Entry;
use crate::request::ApiError;
use crate::state::{Active, Shared};

/// A decision id: unique within the process, and across restarts (it
/// starts with the process's start time).
pub fn decision_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static START: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let start = START.get_or_init(|| jiff::Timestamp::now().as_millisecond());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{start:x}-{n:08x}")
}

/// The time as the answer gives it: RFC 3339 with Europe/London's offset.
pub fn local_time(at: jiff::Timestamp) -> String {
    static LONDON: std::sync::OnceLock<Option<jiff::tz::TimeZone>> = std::sync::OnceLock::new();
    match LONDON.get_or_init(|| jiff::tz::TimeZone::get("Europe/London").ok()) {
        Some(tz) => at.display_with_offset(tz.to_offset(at)).to_string(),
        None => at.to_string(),
    }
}

/// The `table` object of an answer.
pub fn table_object(active: &Active) -> Value {
    json!({ "hash": active.hash, "format": dxmap_runtime::table::FORMAT_VERSION })
}

/// A routed case, with what the caller needs to shape or log it.
pub struct Routed<'a> {
    /// The decision.
    pub decision: Decision<'a>,
    /// Its id.
    pub decision_id: String,
}

/// Routes `case` on `active`; logs and counts the answer.
pub async fn route<'a>(
    shared: &Shared,
    active: &'a Active,
    case: &Case,
    explain: bool,
    endpoint: &str,
) -> Result<Routed<'a>, ApiError> {
    let started = Instant::now();
    let routed = if explain {
        active.router.explain(case)
    } else {
        active.router.route(case)
    };
    let decision = routed.map_err(|error| ApiError::from_case(&error))?;
    let latency_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    shared.metrics.answered(
        decision.catch_all,
        decision.services.is_empty() && decision.no_search.is_none(),
    );
    let decision_id = decision_id();
    if let Some(log) = &shared.log {
        let entry = Entry {
            decision_id: &decision_id,
            endpoint,
            table: &active.hash,
            case,
            decision: &decision,
            latency_micros,
        };
        log.write(entry.line()).await;
    }
    Ok(Routed {
        decision,
        decision_id,
    })
}

/// The `/v1/route` answer: the `route --format json` object (the trace only
/// when asked), plus `at`, `table` and `decision_id`, as JSON text, keys in
/// alphabetical order. It is written straight from the decision: keys and
/// the strings that need no escaping are copied as they are, numbers and
/// the trace are written by `serde_json`, with no intermediate
/// `serde_json::Value` (writing an answer was a fifth of the server's own
/// work per request before).
pub fn route_json(routed: &Routed<'_>, active: &Active, case: &Case, explain: bool) -> Vec<u8> {
    let d = &routed.decision;
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"at\":");
    string(&mut out, &local_time(case.at));
    out.extend_from_slice(b",\"catch_all\":");
    boolean(&mut out, d.catch_all);
    out.extend_from_slice(b",\"channel\":");
    string(&mut out, d.channel.as_str());
    out.extend_from_slice(b",\"decision_id\":");
    string(&mut out, &routed.decision_id);
    out.extend_from_slice(b",\"dx\":");
    string(&mut out, d.dx);
    out.extend_from_slice(b",\"no_search\":");
    optional(&mut out, d.no_search);
    out.extend_from_slice(b",\"overlay\":");
    string(&mut out, d.overlay);
    out.extend_from_slice(b",\"position\":");
    match &d.position {
        Some(position) => {
            out.extend_from_slice(b"{\"lat\":");
            number(&mut out, position.lat);
            out.extend_from_slice(b",\"lon\":");
            number(&mut out, position.lon);
            out.extend_from_slice(b",\"source\":");
            string(&mut out, position.source.as_str());
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"postcode\":");
    string(&mut out, &d.postcode);
    out.extend_from_slice(b",\"reason\":");
    optional(&mut out, d.reason.as_deref());
    out.extend_from_slice(b",\"rule\":");
    optional(&mut out, d.rule);
    out.extend_from_slice(b",\"rule_source\":");
    optional(&mut out, d.rule_source);
    out.extend_from_slice(b",\"searched_dx\":");
    string(&mut out, d.searched_dx);
    out.extend_from_slice(b",\"services\":[");
    for (i, service) in d.services.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        string(&mut out, service.id);
        out.extend_from_slice(b",\"name\":");
        string(&mut out, service.name);
        out.extend_from_slice(b",\"type\":");
        string(&mut out, service.service_type);
        out.extend_from_slice(b",\"capacity\":");
        string(&mut out, service.capacity.as_str());
        out.extend_from_slice(b",\"catch_all\":");
        boolean(&mut out, service.catch_all);
        out.extend_from_slice(b",\"distance_km\":");
        match service.distance_km {
            Some(km) => number(&mut out, km),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"table\":{\"format\":");
    // Writing to a `Vec` does not fail.
    let _ = write!(out, "{}", dxmap_runtime::table::FORMAT_VERSION);
    out.extend_from_slice(b",\"hash\":");
    string(&mut out, &active.hash);
    out.push(b'}');
    if explain {
        out.extend_from_slice(b",\"trace\":");
        // Writing to a `Vec` fails only if a value cannot be serialised,
        // which the trace's types always can.
        let _ = serde_json::to_writer(&mut out, &d.trace);
    }
    out.push(b'}');
    out
}

/// A JSON string: copied as it is when nothing in it needs escaping (a
/// quote, a backslash or a control character, as `serde_json` escapes),
/// else written by `serde_json`.
fn string(out: &mut Vec<u8>, text: &str) {
    // No early exit, so that the compiler checks many bytes at a time.
    let plain = !text.bytes().fold(false, |escape, b| {
        escape | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// A JSON string, or `null`.
fn optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// A number as `serde_json` writes it (a non-finite one as `null`).
fn number(out: &mut Vec<u8>, value: f64) {
    let _ = serde_json::to_writer(&mut *out, &value);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings are written as `serde_json` writes them, escapes included.
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in [
            "",
            "Southampton GP Out of Hours (2)",
            "St Mary's \"walk-in\"",
            "C:\\rules",
            "line\nbreak\ttab",
            "\u{1}\u{1f}\u{7f}",
            "Ysbyty Gwynedd – A&E, Bangor £ é ✓",
        ] {
            let mut out = Vec::new();
            string(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for value in [7.53, 0.0, -1.41355, 50.94059, 1e21, f64::NAN] {
            let mut out = Vec::new();
            number(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap(), "{value}");
        }
    }

    /// The answer written directly has the fields, and values, of the
    /// decision as `serde_json` gives it, plus `at`, `table` and
    /// `decision_id`; the trace only when asked.
    #[test]
    fn the_written_answer_is_the_decision_plus_at_table_and_id() {
        let artifact = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules.dxt"),
        )
        .unwrap();
        let table = dxmap_runtime::Table::from_artifact(&artifact).unwrap();
        let active = Active {
            router: dxmap_runtime::Router::new(table).unwrap(),
            hash: "0123abcd".into(),
            loaded_at: jiff::Timestamp::now(),
        };
        let case = Case {
            dx: "Dx28".into(),
            channel: dxmap_runtime::Channel::Nhs111,
            age_days: 40 * 365 + 10,
            sex: Some(dxmap_runtime::Sex::Female),
            postcode: "SO16 7AB".into(),
            at: "2020-05-08T15:00:00+01:00".parse().unwrap(),
            location: None,
            capacity: std::collections::BTreeMap::new(),
        };
        for explain in [false, true] {
            let decision = if explain {
                active.router.explain(&case)
            } else {
                active.router.route(&case)
            }
            .unwrap();
            let mut expected = serde_json::to_value(&decision).unwrap();
            let routed = Routed {
                decision,
                decision_id: "id-1".into(),
            };
            let written: Value =
                serde_json::from_slice(&route_json(&routed, &active, &case, explain)).unwrap();
            let object = expected.as_object_mut().unwrap();
            if !explain {
                object.remove("trace");
            } else {
                assert!(!object["trace"].as_array().unwrap().is_empty());
            }
            object.insert("at".into(), json!("2020-05-08T15:00:00+01:00"));
            object.insert("decision_id".into(), json!("id-1"));
            object.insert("table".into(), table_object(&active));
            assert_eq!(written, expected);
        }
    }
}
