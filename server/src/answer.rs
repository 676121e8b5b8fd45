//! Answering a case: route it on the active table, shape the answer as
//! `dxmap route --format json` prints it, add `at`, `table` and
//! `decision_id`, count it and log it.
//!
//! Imports: `crate::{request, state, decision_log}`, dxmap-runtime,
//! serde, serde_json, jiff.

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
/// when asked), plus `at`, `table` and `decision_id`, as JSON text. It is
/// written straight from the decision, keys in alphabetical order, with no
/// intermediate `serde_json::Value`.
pub fn route_json(routed: &Routed<'_>, active: &Active, case: &Case, explain: bool) -> Vec<u8> {
    let answer = RouteAnswer {
        decision: &routed.decision,
        decision_id: &routed.decision_id,
        at: local_time(case.at),
        hash: &active.hash,
        explain,
    };
    let mut out = Vec::with_capacity(2048);
    // Writing to a `Vec` fails only if a value cannot be serialised, which
    // the decision's types always can.
    let _ = serde_json::to_writer(&mut out, &answer);
    out
}

/// The fields of a `/v1/route` answer, borrowed.
struct RouteAnswer<'a, 'r> {
    decision: &'a Decision<'r>,
    decision_id: &'a str,
    at: String,
    hash: &'a str,
    explain: bool,
}

impl serde::Serialize for RouteAnswer<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let d = self.decision;
        let mut out = serializer.serialize_struct("RouteAnswer", 16)?;
        out.serialize_field("at", &self.at)?;
        out.serialize_field("catch_all", &d.catch_all)?;
        out.serialize_field("channel", &d.channel)?;
        out.serialize_field("decision_id", self.decision_id)?;
        out.serialize_field("dx", d.dx)?;
        out.serialize_field("no_search", &d.no_search)?;
        out.serialize_field("overlay", d.overlay)?;
        out.serialize_field("position", &d.position)?;
        out.serialize_field("postcode", &d.postcode)?;
        out.serialize_field("reason", &d.reason)?;
        out.serialize_field("rule", &d.rule)?;
        out.serialize_field("rule_source", &d.rule_source)?;
        out.serialize_field("searched_dx", d.searched_dx)?;
        out.serialize_field("services", &d.services)?;
        out.serialize_field(
            "table",
            &TableRef {
                format: dxmap_runtime::table::FORMAT_VERSION,
                hash: self.hash,
            },
        )?;
        if self.explain {
            out.serialize_field("trace", &d.trace)?;
        }
        out.end()
    }
}

/// The `table` object of an answer, borrowed.
#[derive(serde::Serialize)]
struct TableRef<'a> {
    format: u32,
    hash: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

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
