//! The decision log: one JSON line per answer, written by one thread.
//!
//! A line holds the decision id, the time, the table's hash, the case with
//! its postcode cut to the sector (never the full postcode, the location or
//! a case reference) and what was answered: service ids, rule, overlay,
//! catch-all, no-search, and the time it took. Lines go through a bounded
//! channel: when the writer falls behind, requests wait for room (back
//! pressure) rather than a line being dropped. A line that cannot be
//! written is counted in the metrics.
//!
//! Imports: `crate::{LogTarget, metrics}`, dxmap-runtime, tokio, serde_json.

use std::io::Write;
use std::sync::Arc;

use dxmap_runtime::{Case, Decision};
use serde_json::{json, Value};

use crate::LogTarget;

/// Lines waiting for the writer; a full channel makes requests wait.
const QUEUE: usize = 4096;

/// The sending side of the log.
pub struct DecisionLog {
    sender: tokio::sync::mpsc::Sender<String>,
}

/// The writer thread, joined when the server stops.
pub struct Writer {
    thread: std::thread::JoinHandle<()>,
}

impl Writer {
    /// Waits until every line sent has been written.
    pub fn finish(self) {
        // The thread ends when every sender is gone; a panic there (none is
        // expected) has nothing left to report to.
        let _ = self.thread.join();
    }
}

/// Opens the log and starts its writer. `on_error` is called for each line
/// that could not be written.
pub fn open(
    target: &LogTarget,
    on_error: Arc<dyn Fn(&std::io::Error) + Send + Sync>,
) -> std::io::Result<(DecisionLog, Writer)> {
    let mut out: Box<dyn Write + Send> = match target {
        LogTarget::Stdout => Box::new(std::io::stdout()),
        LogTarget::File(path) => Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        ),
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<String>(QUEUE);
    let thread = std::thread::Builder::new()
        .name("dxmap-decision-log".into())
        .spawn(move || {
            let mut buffer = Vec::new();
            while let Some(line) = receiver.blocking_recv() {
                buffer.clear();
                buffer.extend_from_slice(line.as_bytes());
                buffer.push(b'\n');
                // Take whatever else is waiting, then write and flush once.
                while let Ok(line) = receiver.try_recv() {
                    buffer.extend_from_slice(line.as_bytes());
                    buffer.push(b'\n');
                }
                if let Err(error) = out.write_all(&buffer).and_then(|()| out.flush()) {
                    on_error(&error);
                }
            }
        })?;
    Ok((DecisionLog { sender }, Writer { thread }))
}

impl DecisionLog {
    /// Queues a line, waiting for room if the writer is behind.
    pub async fn write(&self, line: Value) {
        // The receiver lives until every sender is dropped, so sending can
        // fail only while the server stops, after the writer has ended.
        let _ = self.sender.send(line.to_string()).await;
    }
}

/// The postcode's sector (`SO16 7`), or `null` if it is not a postcode.
fn sector(postcode: &str) -> Value {
    dxmap_runtime::postcode::Postcode::parse(postcode)
        .map_or(Value::Null, |p| Value::String(p.sector().to_owned()))
}

/// One log line.
pub struct Entry<'a> {
    /// The decision's id.
    pub decision_id: &'a str,
    /// The endpoint (`route`, `route_batch`, `ccs`).
    pub endpoint: &'a str,
    /// The table's hash.
    pub table: &'a str,
    /// The case.
    pub case: &'a Case,
    /// The answer.
    pub decision: &'a Decision<'a>,
    /// Microseconds to route it.
    pub latency_micros: u64,
}

impl Entry<'_> {
    /// The line: no full postcode, no location, no case reference.
    pub fn line(&self) -> Value {
        let case = self.case;
        let decision = self.decision;
        json!({
            "decision_id": self.decision_id,
            "time": jiff::Timestamp::now().to_string(),
            "endpoint": self.endpoint,
            "table": self.table,
            "case": {
                "dx": case.dx,
                "channel": case.channel,
                "age_days": case.age_days,
                "sex": case.sex,
                "postcode_sector": sector(&case.postcode),
                "at": case.at.to_string(),
                "capacity": case.capacity.iter().map(|(id, c)| (id.clone(), c.status.as_str())).collect::<std::collections::BTreeMap<_, _>>(),
            },
            "answer": {
                "searched_dx": decision.searched_dx,
                "overlay": decision.overlay,
                "rule": decision.rule,
                "no_search": decision.no_search.is_some(),
                "catch_all": decision.catch_all,
                "services": decision.services.iter().map(|s| s.id).collect::<Vec<_>>(),
            },
            "latency_us": self.latency_micros,
        })
    }
}
