//! Counters and latency histograms, written as Prometheus text.
//!
//! Everything is an atomic, indexed by endpoint and outcome: recording a
//! request takes no lock.
//!
//! Imports: nothing of the crate; jiff.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiff::Timestamp;

/// The endpoints, as metrics label them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/route`.
    Route,
    /// `POST /v1/route/batch`.
    Batch,
    /// `POST /ccs/v1.5/check-capacity-summary`.
    Ccs,
    /// `GET /healthz`.
    Healthz,
    /// `GET /readyz`.
    Readyz,
    /// `GET /v1/table`.
    Table,
    /// `GET /metrics`.
    Metrics,
    /// `POST /v1/admin/reload`.
    Reload,
    /// `GET /openapi.json`.
    Openapi,
    /// Any other path.
    Other,
}

const ENDPOINTS: [Endpoint; 10] = [
    Endpoint::Route,
    Endpoint::Batch,
    Endpoint::Ccs,
    Endpoint::Healthz,
    Endpoint::Readyz,
    Endpoint::Table,
    Endpoint::Metrics,
    Endpoint::Reload,
    Endpoint::Openapi,
    Endpoint::Other,
];

impl Endpoint {
    /// The endpoint a path names.
    pub fn of(path: &str) -> Endpoint {
        match path {
            "/v1/route" => Endpoint::Route,
            "/v1/route/batch" => Endpoint::Batch,
            "/ccs/v1.5/check-capacity-summary" => Endpoint::Ccs,
            "/healthz" => Endpoint::Healthz,
            "/readyz" => Endpoint::Readyz,
            "/v1/table" => Endpoint::Table,
            "/metrics" => Endpoint::Metrics,
            "/v1/admin/reload" => Endpoint::Reload,
            "/openapi.json" => Endpoint::Openapi,
            _ => Endpoint::Other,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Endpoint::Route => "route",
            Endpoint::Batch => "route_batch",
            Endpoint::Ccs => "ccs",
            Endpoint::Healthz => "healthz",
            Endpoint::Readyz => "readyz",
            Endpoint::Table => "table",
            Endpoint::Metrics => "metrics",
            Endpoint::Reload => "admin_reload",
            Endpoint::Openapi => "openapi",
            Endpoint::Other => "other",
        }
    }
}

/// `ok` (2xx), `client_error` (4xx), `server_error` (5xx: not ready, timed out).
const OUTCOMES: [&str; 3] = ["ok", "client_error", "server_error"];

fn outcome(status: u16) -> usize {
    match status {
        400..=499 => 1,
        500..=599 => 2,
        _ => 0,
    }
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5,
];

const CELLS: usize = ENDPOINTS.len() * OUTCOMES.len();

/// One endpoint and outcome: its count, latency sum and the requests of
/// each bucket (not cumulative: each request counts in one).
#[derive(Default)]
struct Cell {
    count: AtomicU64,
    sum_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    cells: [Cell; CELLS],
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_success_seconds: AtomicU64,
    catch_all: AtomicU64,
    no_service: AtomicU64,
    log_errors: AtomicU64,
}

/// The table in force, for the info metric.
pub struct TableInfo<'a> {
    /// Its hash.
    pub hash: &'a str,
    /// Its release.
    pub release: &'a str,
    /// Whether the last reload failed.
    pub stale: bool,
}

impl Metrics {
    /// Records one answered request.
    pub fn request(&self, endpoint: Endpoint, status: u16, took: Duration) {
        let idx = ENDPOINTS
            .iter()
            .position(|e| *e == endpoint)
            .unwrap_or(ENDPOINTS.len() - 1)
            * OUTCOMES.len()
            + outcome(status);
        let Some(cell) = self.cells.get(idx) else {
            return;
        };
        cell.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        cell.sum_micros.fetch_add(micros, Ordering::Relaxed);
        // One bucket per request (the first whose bound it is within);
        // `render` adds them up into Prometheus's cumulative buckets.
        let seconds = took.as_secs_f64();
        if let Some(bucket) = BUCKETS
            .iter()
            .zip(&cell.buckets)
            .find_map(|(bound, bucket)| (seconds <= *bound).then_some(bucket))
        {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records a reload.
    pub fn reloaded(&self, ok: bool, at: Timestamp) {
        if ok {
            self.reloads_ok.fetch_add(1, Ordering::Relaxed);
            let seconds = u64::try_from(at.as_second()).unwrap_or(0);
            self.last_success_seconds.store(seconds, Ordering::Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records an answer's kind.
    pub fn answered(&self, catch_all: bool, no_service: bool) {
        if catch_all {
            self.catch_all.fetch_add(1, Ordering::Relaxed);
        }
        if no_service {
            self.no_service.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records a decision log line that could not be written.
    pub fn log_error(&self) {
        self.log_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, table: Option<TableInfo<'_>>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP dxmap_requests_total Requests answered, by endpoint and outcome.\n# TYPE dxmap_requests_total counter"
        );
        for (cell, endpoint, outcome) in self.labelled() {
            let _ = writeln!(
                out,
                "dxmap_requests_total{{endpoint=\"{}\",outcome=\"{outcome}\"}} {}",
                endpoint.label(),
                cell.count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP dxmap_request_duration_seconds Time to answer a request, by endpoint and outcome.\n# TYPE dxmap_request_duration_seconds histogram"
        );
        for (cell, endpoint, outcome) in self.labelled() {
            let count = cell.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let labels = format!("endpoint=\"{}\",outcome=\"{outcome}\"", endpoint.label());
            let mut within = 0;
            for (bound, bucket) in BUCKETS.iter().zip(&cell.buckets) {
                within += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "dxmap_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {within}"
                );
            }
            let _ = writeln!(
                out,
                "dxmap_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = cell.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "dxmap_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "dxmap_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        let counters = [
            (
                "dxmap_reloads_total{result=\"success\"}",
                &self.reloads_ok,
                "dxmap_reloads_total Table loads, by result (the first load counts).",
            ),
            (
                "dxmap_reloads_total{result=\"failure\"}",
                &self.reloads_failed,
                "",
            ),
            (
                "dxmap_answers_catch_all_total",
                &self.catch_all,
                "dxmap_answers_catch_all_total Answers given by the catch-all.",
            ),
            (
                "dxmap_answers_no_service_total",
                &self.no_service,
                "dxmap_answers_no_service_total Answers with no service and no no-search reason.",
            ),
            (
                "dxmap_decision_log_errors_total",
                &self.log_errors,
                "dxmap_decision_log_errors_total Decision log lines that could not be written.",
            ),
        ];
        for (name, counter, help) in counters {
            if let Some((family, _)) = help.split_once(' ') {
                let _ = writeln!(out, "# HELP {help}\n# TYPE {family} counter");
            }
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP dxmap_last_reload_success_timestamp_seconds When a table was last loaded.\n# TYPE dxmap_last_reload_success_timestamp_seconds gauge\ndxmap_last_reload_success_timestamp_seconds {}",
            self.last_success_seconds.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP dxmap_table_info The table in force (value 1).\n# TYPE dxmap_table_info gauge"
        );
        if let Some(table) = &table {
            let _ = writeln!(
                out,
                "dxmap_table_info{{hash=\"{}\",format=\"{}\",release=\"{}\"}} 1",
                table.hash,
                dxmap_runtime::table::FORMAT_VERSION,
                table.release.replace(['"', '\\', '\n'], "_")
            );
        }
        let _ = writeln!(
            out,
            "# HELP dxmap_table_stale 1 when the last reload failed and an older table serves.\n# TYPE dxmap_table_stale gauge\ndxmap_table_stale {}",
            u8::from(table.is_some_and(|t| t.stale))
        );
        out
    }

    fn labelled(&self) -> impl Iterator<Item = (&Cell, Endpoint, &'static str)> {
        self.cells.iter().enumerate().filter_map(|(idx, cell)| {
            let endpoint = ENDPOINTS.get(idx / OUTCOMES.len())?;
            let outcome = OUTCOMES.get(idx % OUTCOMES.len())?;
            Some((cell, *endpoint, *outcome))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_the_last_is_the_count() {
        let metrics = Metrics::default();
        for micros in [50, 300, 300, 3_000_000] {
            metrics.request(Endpoint::Route, 200, Duration::from_micros(micros));
        }
        let text = metrics.render(None);
        let bucket = |le: &str| {
            let line = format!(
                "dxmap_request_duration_seconds_bucket{{endpoint=\"route\",outcome=\"ok\",le=\"{le}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(line.as_str()))
                .and_then(|n| n.parse::<u64>().ok())
        };
        assert_eq!(bucket("0.0001"), Some(1));
        assert_eq!(bucket("0.00025"), Some(1));
        assert_eq!(bucket("0.0005"), Some(3));
        assert_eq!(bucket("2.5"), Some(3));
        assert_eq!(bucket("+Inf"), Some(4));
        assert!(text
            .contains("dxmap_request_duration_seconds_count{endpoint=\"route\",outcome=\"ok\"} 4"));
    }
}
