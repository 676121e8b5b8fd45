//! `dxmap-server`: routing over HTTP for integrators who do not embed Rust.
//!
//! The server answers cases from a [`dxmap_runtime::Router`] kept behind an
//! atomic pointer ([`arc_swap`]): a request loads the pointer once and is
//! answered by that table to the end, and a reload builds a new router
//! beside it and swaps it in. No request takes a lock a reload holds.
//!
//! Endpoints (the OpenAPI 3.1 document `server/openapi.json`, served at
//! `GET /openapi.json`, describes each):
//! - `POST /v1/route`, `POST /v1/route/batch`: a case, or up to 10,000, as
//!   JSON; each answer is what `dxmap route --format json` prints, plus
//!   `at`, `table` and `decision_id`;
//! - `POST /ccs/v1.5/check-capacity-summary`: the CheckCapacitySummary v1.5
//!   request and response shapes, for harnesses that compare with a DoS
//!   search (`server/CCS.md`);
//! - `GET /healthz`, `GET /readyz`, `GET /v1/table`, `GET /metrics`;
//! - `POST /v1/admin/reload` (loopback only unless an admin token is set).
//!
//! The server never depends on the compiler. Tables come from a
//! [`TableSource`]: a table file ([`FileSource`]), or whatever the caller
//! provides (`dxmap serve --rules` compiles a tree).
//!
//! Modules: `request` (a case from JSON), `answer` (a decision as JSON),
//! `ccs` (the CheckCapacitySummary shape), `metrics`, `decision_log`,
//! `state` (the active table and reloads), `http` (the endpoints, limits
//! and the server's life).
//!
//! Imports: dxmap-runtime, axum, tokio, arc-swap, serde_json, jiff.

mod answer;
mod ccs;
mod decision_log;
mod http;
mod metrics;
mod request;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use dxmap_runtime::table::LoadError;
use dxmap_runtime::{Router, Table};

pub use http::{run, start, start_baseline, Running};
/// A case from a JSON object, as `/v1/route` reads it (`dxmap route
/// --cases` reads its files with the same function).
pub use request::{case as case_from_json, ApiError, Request};

/// A JSON case's text as `/v1/route` reads it: at most
/// [`MAX_JSON_DEPTH`] deep, then parsed (`dxmap route --cases` reads JSON
/// lines with it).
pub fn parse_json_case(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    request::parse_json(body, MAX_JSON_DEPTH)
}

/// A table ready to serve, and the SHA-256 its artifact's header gives.
/// Every part is decoded and checked before a table is swapped in
/// (`Router::decode_all`), so a bad table is refused whole and no request
/// pays for decoding.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The router over the table.
    pub router: Router,
    /// The hex SHA-256 of the artifact's body.
    pub hash: String,
}

impl Loaded {
    /// Loads an artifact written by `dxmap build`, checking its version,
    /// its hash and every part; the hash is the header's.
    pub fn from_artifact(artifact: &[u8]) -> Result<Loaded, LoadError> {
        let router = Router::from_artifact(artifact)?;
        router.decode_all()?;
        Ok(Loaded {
            router,
            hash: header_hash(artifact).unwrap_or_default(),
        })
    }

    /// A table built in memory; its hash is the one its artifact would carry.
    pub fn from_table(table: &Table) -> Result<Loaded, LoadError> {
        Loaded::from_artifact(&table.to_artifact())
    }
}

/// The `sha256=` field of an artifact's header line.
fn header_hash(artifact: &[u8]) -> Option<String> {
    let end = artifact.iter().position(|byte| *byte == b'\n')?;
    let header = std::str::from_utf8(artifact.get(..end)?).ok()?;
    header
        .split(' ')
        .find_map(|field| field.strip_prefix("sha256="))
        .map(str::to_owned)
}

/// Where tables come from, at start and on each reload.
pub trait TableSource: Send + Sync + 'static {
    /// Reads and verifies a table. The error is one line for people.
    fn load(&self) -> Result<Loaded, String>;
    /// What is served, for `/v1/table` (`table.dxt`, `rules/`).
    fn describe(&self) -> String;
    /// The files or directories whose change `--watch` reloads on.
    fn watched(&self) -> Vec<PathBuf>;
}

/// A table file written by `dxmap build`.
#[derive(Debug, Clone)]
pub struct FileSource {
    /// The file.
    pub path: PathBuf,
}

/// The largest table file read (a national table is a few megabytes).
const MAX_TABLE_BYTES: u64 = 512 * 1024 * 1024;

impl TableSource for FileSource {
    fn load(&self) -> Result<Loaded, String> {
        let shown = self.path.display();
        let size = std::fs::metadata(&self.path)
            .map_err(|error| format!("cannot read `{shown}`: {error}"))?
            .len();
        if size > MAX_TABLE_BYTES {
            return Err(format!("`{shown}` is larger than {MAX_TABLE_BYTES} bytes"));
        }
        let bytes =
            std::fs::read(&self.path).map_err(|error| format!("cannot read `{shown}`: {error}"))?;
        Loaded::from_artifact(&bytes).map_err(|error| format!("`{shown}`: {error}"))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn watched(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }
}

/// Where decision log lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard output (`--decision-log -`).
    Stdout,
    /// A file, appended to.
    File(PathBuf),
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Reload when a watched file changes.
    pub watch: bool,
    /// How often `watch` looks at the files.
    pub watch_interval: Duration,
    /// One JSON line per answer, if set.
    pub decision_log: Option<LogTarget>,
    /// With a token, `/v1/admin/reload` accepts `Authorization: Bearer
    /// TOKEN` from anywhere; without, only loopback callers.
    pub admin_token: Option<String>,
    /// Install handlers for `SIGHUP` (reload) and `SIGTERM`/`SIGINT`
    /// (drain and stop). A process should have one server that does.
    pub signals: bool,
    /// A request not answered within this is answered 503.
    pub request_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            watch: false,
            watch_interval: Duration::from_secs(1),
            decision_log: None,
            admin_token: None,
            signals: true,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Why the server could not run.
#[derive(Debug)]
pub enum ServeError {
    /// The address could not be bound, or the runtime not started.
    Io(String),
    /// The first table could not be loaded.
    Load(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Io(message) => f.write_str(message),
            ServeError::Load(message) => write!(f, "cannot load the table: {message}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// The request body limits: 64 KiB for one case, 16 MiB for a batch.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The batch body limit.
pub const MAX_BATCH_BODY_BYTES: usize = 16 * 1024 * 1024;
/// At most this many cases in a batch.
pub const MAX_BATCH_CASES: usize = 10_000;
/// JSON bodies nested deeper than this are refused.
pub const MAX_JSON_DEPTH: usize = 16;
