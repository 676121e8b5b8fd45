//! Answering a case: route it on the active table, shape the answer as
//! `dxmap route --format json` prints it, add `at`, `table` and
//! `decision_id`, count it and log it.
//!
//! Imports: `crate::{request, state, decision_log}`, dxmap-runtime,
//! serde_json, jiff.

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
    match jiff::tz::TimeZone::get("Europe/London") {
        Ok(tz) => {
            let offset = tz.to_offset(at);
            at.display_with_offset(offset).to_string()
        }
        Err(_) => at.to_string(),
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
/// when asked), plus `at`, `table` and `decision_id`.
pub fn route_object(routed: &Routed<'_>, active: &Active, case: &Case, explain: bool) -> Value {
    let mut value = serde_json::to_value(&routed.decision).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        if !explain {
            object.remove("trace");
        }
        object.insert("at".into(), Value::String(local_time(case.at)));
        object.insert("table".into(), table_object(active));
        object.insert(
            "decision_id".into(),
            Value::String(routed.decision_id.clone()),
        );
    }
    value
}
