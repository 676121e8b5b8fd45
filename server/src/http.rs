//! The endpoints, the limits every request meets, and the server's life:
//! bind, load the first table, serve, reload (signal, endpoint, file
//! watch), drain and stop.
//!
//! Every answer is JSON, and every malformed request gets a 4xx with
//! `{ "error": { "code", "message", "field" } }`: bodies over the limit get
//! 413, bodies nested too deep or not JSON 400, a request past the timeout
//! 503 (as does any request before the first table is loaded).
//!
//! Imports: `crate` (all modules), axum, tokio, serde_json, jiff.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::{json, Value};

use crate::answer::{self, table_object};
use crate::metrics::{Endpoint, TableInfo};
use crate::request::{self, ApiError};
use crate::state::{Active, Shared};
use crate::{ccs, decision_log, Config, ServeError, TableSource};

/// The OpenAPI document, served as it is in the repository.
const OPENAPI: &str = include_str!("../openapi.json");

type AppState = Arc<Shared>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.object())
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    json_text_response(status, serde_json::to_vec(value).unwrap_or_default())
}

/// A response of JSON already written.
fn json_text_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn not_ready() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        "no table is loaded yet",
    )
}

/// The body, or the error a rejected body gets (413 past the limit).
fn body(bytes: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    bytes.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "too_large",
                format!("the body is larger than {limit} bytes"),
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("the body could not be read: {}", rejection.body_text()),
            )
        }
    })
}

fn active(shared: &Shared) -> Result<Arc<Active>, ApiError> {
    shared.active.load_full().ok_or_else(not_ready)
}

async fn route(
    State(shared): State<AppState>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes, crate::MAX_BODY_BYTES)?;
    let now = jiff::Timestamp::now();
    // Most bodies are read without a `Value`; the others, the general way,
    // with the same answers and errors in the same order.
    let plain = request::plain_case(&bytes, now);
    let value = match plain {
        Some(_) => None,
        None => Some(request::parse_json(&bytes, crate::MAX_JSON_DEPTH)?),
    };
    // One table for the whole request, whatever reloads meanwhile.
    let active = active(&shared)?;
    let asked = match (plain, value) {
        (Some(asked), _) => asked,
        (None, value) => request::case(&value.unwrap_or_default(), now)?,
    };
    let routed = answer::route(&shared, &active, &asked.case, asked.explain, "route").await?;
    let text = answer::route_json(&routed, &active, &asked.case, asked.explain);
    Ok(json_text_response(StatusCode::OK, text))
}

async fn batch(
    State(shared): State<AppState>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes, crate::MAX_BATCH_BODY_BYTES)?;
    let value = request::parse_json(&bytes, crate::MAX_JSON_DEPTH)?;
    let Value::Array(cases) = value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_batch",
            "a batch is a JSON array of cases",
        ));
    };
    if cases.len() > crate::MAX_BATCH_CASES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "a batch holds at most {} cases, not {}",
                crate::MAX_BATCH_CASES,
                cases.len()
            ),
        ));
    }
    let active = active(&shared)?;
    let now = jiff::Timestamp::now();
    let mut answers = Vec::with_capacity(cases.len() * 1024 + 2);
    answers.push(b'[');
    for (i, value) in cases.iter().enumerate() {
        if i > 0 {
            answers.push(b',');
        }
        let answer = match request::case(value, now) {
            Ok(asked) => {
                match answer::route(&shared, &active, &asked.case, asked.explain, "route_batch")
                    .await
                {
                    Ok(routed) => answer::route_json(&routed, &active, &asked.case, asked.explain),
                    Err(error) => serde_json::to_vec(&error.object()).unwrap_or_default(),
                }
            }
            Err(error) => serde_json::to_vec(&error.object()).unwrap_or_default(),
        };
        answers.extend_from_slice(&answer);
    }
    answers.push(b']');
    Ok(json_text_response(StatusCode::OK, answers))
}

async fn check_capacity_summary(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let requested_at = jiff::Timestamp::now();
    let bytes = body(bytes, crate::MAX_BODY_BYTES)?;
    let mut channel = dxmap_runtime::Channel::Nhs111;
    for pair in query.as_deref().unwrap_or("").split('&') {
        if let Some(("channel", text)) = pair.split_once('=') {
            channel = dxmap_runtime::Channel::parse(text).ok_or_else(|| {
                ApiError::field(
                    "invalid_case",
                    "channel",
                    "`?channel=` is `111`, `999` or `ooh`",
                )
            })?;
        }
    }
    let value = request::parse_json(&bytes, crate::MAX_JSON_DEPTH)?;
    let active = active(&shared)?;
    let asked = ccs::request(&value, channel, requested_at)?;
    let routed = answer::route(&shared, &active, &asked.case, false, "ccs").await?;
    let object = ccs::response(&routed, &active, &asked, requested_at);
    let mut response = json_response(StatusCode::OK, &object);
    if let Ok(hash) = HeaderValue::from_str(&active.hash) {
        response.headers_mut().insert("x-dxmap-table", hash);
    }
    Ok(response)
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({ "alive": true }))
}

async fn readyz(State(shared): State<AppState>) -> Response {
    let status = shared.status.load();
    match shared.active.load_full() {
        Some(active) => json_response(
            StatusCode::OK,
            &json!({ "ready": true, "stale": status.stale(true), "table": table_object(&active) }),
        ),
        None => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "ready": false, "stale": false, "error": status.last_error }),
        ),
    }
}

async fn table(State(shared): State<AppState>) -> Response {
    let status = shared.status.load();
    let active = shared.active.load_full();
    let code = if active.is_some() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(
        code,
        &json!({
            "hash": active.as_ref().map(|a| a.hash.clone()),
            "format": dxmap_runtime::table::FORMAT_VERSION,
            "release": active.as_ref().map(|a| a.router.release().to_owned()),
            "loaded_at": active.as_ref().map(|a| a.loaded_at.to_string()),
            "source": shared.source.describe(),
            "last_reload": {
                "at": status.last_attempt.map(|t| t.to_string()),
                "ok": status.last_attempt.is_some() && status.last_error.is_none(),
                "error": status.last_error,
            },
            "stale": status.stale(active.is_some()),
        }),
    )
}

async fn metrics(State(shared): State<AppState>) -> Response {
    let active = shared.active.load_full();
    let status = shared.status.load();
    let text = shared.metrics.render(active.as_ref().map(|a| TableInfo {
        hash: &a.hash,
        release: a.router.release(),
        stale: status.stale(true),
    }));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

/// Whether a caller may reload: with an admin token, whoever sends it as
/// `Authorization: Bearer TOKEN`; without, loopback callers only (an IPv4
/// loopback caller of a dual-stack listener, `::ffff:127.0.0.1`, is one).
fn may_reload(
    token: Option<&str>,
    peer: std::net::IpAddr,
    authorization: Option<&str>,
) -> Result<(), ApiError> {
    match token {
        Some(token) => {
            let given = authorization.and_then(|value| value.strip_prefix("Bearer "));
            if given.is_some_and(|given| same_secret(given, token)) {
                Ok(())
            } else {
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "reloading needs `Authorization: Bearer TOKEN` with the admin token",
                ))
            }
        }
        None if peer.to_canonical().is_loopback() => Ok(()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "reloading is allowed from loopback only unless the server has an admin token",
        )),
    }
}

/// Compares a given token with the secret in a time that does not depend
/// on where they first differ.
fn same_secret(given: &str, secret: &str) -> bool {
    given.len() == secret.len()
        && given
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
}

async fn admin_reload(
    State(shared): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    may_reload(
        shared.config.admin_token.as_deref(),
        peer.ip(),
        authorization,
    )?;
    match shared.reload().await {
        Ok(hash) => Ok(json_response(
            StatusCode::OK,
            &json!({ "reloaded": true, "table": { "hash": hash, "format": dxmap_runtime::table::FORMAT_VERSION } }),
        )),
        Err(message) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reload_failed",
            format!("the table was refused and the previous one is still served: {message}"),
        )),
    }
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see /openapi.json)",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method (see /openapi.json)",
    )
}

/// Times each request out, and counts it by endpoint and outcome.
async fn limits(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let endpoint = Endpoint::of(request.uri().path());
    let started = Instant::now();
    let response =
        match tokio::time::timeout(shared.config.request_timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took longer than the server allows",
            )
            .into_response(),
        };
    shared
        .metrics
        .request(endpoint, response.status().as_u16(), started.elapsed());
    response
}

/// What `POST /v1/route` does: route the case, or (the load benchmark's
/// baseline) answer a fixed object without reading the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Route,
    Fixed,
}

/// The baseline's answer: small, fixed JSON.
async fn fixed(bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    body(bytes, crate::MAX_BODY_BYTES)?;
    Ok(json_response(StatusCode::OK, &json!({ "fixed": true })))
}

/// The application: every endpoint, with its limits.
fn app(shared: AppState, handler: Handler) -> axum::Router {
    let route_case = match handler {
        Handler::Route => post(route),
        Handler::Fixed => post(fixed),
    };
    axum::Router::new()
        .route(
            "/v1/route",
            route_case.layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES)),
        )
        .route(
            "/v1/route/batch",
            post(batch).layer(DefaultBodyLimit::max(crate::MAX_BATCH_BODY_BYTES)),
        )
        .route(
            "/ccs/v1.5/check-capacity-summary",
            post(check_capacity_summary).layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/v1/table", get(table))
        .route("/metrics", get(metrics))
        .route("/v1/admin/reload", post(admin_reload))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            limits,
        ))
        .with_state(shared)
}

/// A fingerprint of the watched files: paths, sizes and modification times.
fn fingerprint(source: &dyn TableSource) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut pending = source.watched();
    let mut seen = 0usize;
    while let Some(path) = pending.pop() {
        seen += 1;
        if seen > 100_000 {
            break;
        }
        path.hash(&mut hasher);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                if let Ok(entries) = std::fs::read_dir(&path) {
                    let mut children: Vec<_> = entries.flatten().map(|e| e.path()).collect();
                    children.sort();
                    pending.extend(children);
                }
            }
            Ok(meta) => {
                meta.len().hash(&mut hasher);
                meta.modified().ok().hash(&mut hasher);
            }
            Err(_) => 0u8.hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// Reloads whenever the watched files change.
async fn watch(shared: AppState, mut seen: u64) {
    let mut ticks = tokio::time::interval(shared.config.watch_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let source = Arc::clone(&shared);
        let now = tokio::task::spawn_blocking(move || fingerprint(source.source.as_ref()))
            .await
            .unwrap_or(seen);
        if now != seen {
            seen = now;
            // A failure is recorded in the status and the metrics.
            let _ = shared.reload().await;
        }
    }
}

/// A running server.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: std::thread::JoinHandle<Result<(), ServeError>>,
}

impl Running {
    /// Asks the server to drain and stop, and waits until it has.
    pub fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait()
    }

    /// Waits until the server stops (a signal, or the first load failing).
    pub fn wait(self) -> Result<(), ServeError> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err(ServeError::Io("the server thread stopped".into())))
    }
}

/// Binds `config.listen`, then serves on a thread of its own; the first
/// table loads in the background (`/readyz` says 503 until it has).
pub fn start(config: Config, source: Box<dyn TableSource>) -> Result<Running, ServeError> {
    start_with(config, source, Handler::Route)
}

/// The same server (runtime, endpoints, limits, metrics, reloads) except
/// that `POST /v1/route` answers `{"fixed":true}` without routing: the
/// baseline the load benchmark (`benches/src/bin/dxmap-serve-load/`)
/// divides routing's throughput by. Not for serving patients.
pub fn start_baseline(config: Config, source: Box<dyn TableSource>) -> Result<Running, ServeError> {
    start_with(config, source, Handler::Fixed)
}

fn start_with(
    config: Config,
    source: Box<dyn TableSource>,
    handler: Handler,
) -> Result<Running, ServeError> {
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|error| ServeError::Io(format!("cannot listen on {}: {error}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|error| ServeError::Io(error.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|error| ServeError::Io(error.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("dxmap-serve")
        .build()
        .map_err(|error| ServeError::Io(format!("cannot start the runtime: {error}")))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Signal handlers are installed before `start` returns, so a signal
    // sent afterwards is never the default one (which would end the process).
    let signals = if config.signals {
        Some(runtime.block_on(async { Signals::new() })?)
    } else {
        None
    };
    let thread = std::thread::Builder::new()
        .name("dxmap-serve".into())
        .spawn(move || runtime.block_on(serve(listener, config, source, stopped, signals, handler)))
        .map_err(|error| ServeError::Io(error.to_string()))?;
    Ok(Running {
        addr,
        stop: Some(stop),
        thread,
    })
}

/// Serves until `SIGTERM` or `SIGINT`: `start`, then `wait`.
pub fn run(config: Config, source: Box<dyn TableSource>) -> Result<(), ServeError> {
    let running = start(config, source)?;
    running.wait()
}

/// The signal streams the server listens to.
struct Signals {
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, ServeError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let install = |kind| {
                signal(kind)
                    .map_err(|error| ServeError::Io(format!("cannot handle signals: {error}")))
            };
            Ok(Signals {
                hangup: install(SignalKind::hangup())?,
                terminate: install(SignalKind::terminate())?,
                interrupt: install(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }
}

async fn serve(
    listener: std::net::TcpListener,
    config: Config,
    source: Box<dyn TableSource>,
    stopped: tokio::sync::oneshot::Receiver<()>,
    signals: Option<Signals>,
    handler: Handler,
) -> Result<(), ServeError> {
    // Answers go out as soon as they are written: without `TCP_NODELAY` an
    // answer written in two parts waits for the client's acknowledgement.
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|error| ServeError::Io(error.to_string()))?
        .tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
    // The log's errors are counted in the shared metrics, which exist only
    // once the state does: the writer reports through this cell.
    let errors: Arc<std::sync::OnceLock<std::sync::Weak<Shared>>> =
        Arc::new(std::sync::OnceLock::new());
    let (log, writer) = match &config.decision_log {
        Some(target) => {
            let errors = Arc::clone(&errors);
            let (log, writer) = decision_log::open(
                target,
                Arc::new(move |_error: &std::io::Error| {
                    if let Some(shared) = errors.get().and_then(std::sync::Weak::upgrade) {
                        shared.metrics.log_error();
                    }
                }),
            )
            .map_err(|error| ServeError::Io(format!("cannot open the decision log: {error}")))?;
            (Some(log), Some(writer))
        }
        None => (None, None),
    };
    let watching = config.watch;
    let shared = Arc::new(Shared::new(source, config, log));
    let _ = errors.set(Arc::downgrade(&shared));

    let (fail, failed) = tokio::sync::oneshot::channel::<String>();
    let mut background = tokio::task::JoinSet::<()>::new();
    {
        let shared = Arc::clone(&shared);
        background.spawn(async move {
            let seen = if watching {
                let probe = Arc::clone(&shared);
                tokio::task::spawn_blocking(move || fingerprint(probe.source.as_ref()))
                    .await
                    .ok()
            } else {
                None
            };
            if let Err(error) = shared.reload().await {
                let _ = fail.send(error);
                return;
            }
            if let Some(seen) = seen {
                watch(shared, seen).await;
            }
        });
    }

    let (terminate, hangup) = split_signals(signals);
    if let Some(mut hangup) = hangup {
        let shared = Arc::clone(&shared);
        background.spawn(async move {
            while hangup.recv().await.is_some() {
                let _ = shared.reload().await;
            }
        });
    }

    let first_load_failed = Arc::new(std::sync::Mutex::new(None::<String>));
    let record = Arc::clone(&first_load_failed);
    let shutdown = async move {
        let stop_requested = async {
            let _ = stopped.await;
        };
        let load_failed = async {
            match failed.await {
                Ok(error) => {
                    if let Ok(mut slot) = record.lock() {
                        *slot = Some(error);
                    }
                }
                // The loader finished without failing: wait forever.
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = stop_requested => {}
            () = load_failed => {}
            () = terminate => {}
        }
    };

    let app = app(Arc::clone(&shared), handler);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    background.abort_all();
    while background.join_next().await.is_some() {}
    // The log's sender goes with the state; the writer then drains and ends.
    drop(shared);
    if let Some(writer) = writer {
        let _ = tokio::task::spawn_blocking(move || writer.finish()).await;
    }
    served.map_err(|error| ServeError::Io(error.to_string()))?;
    let failure = first_load_failed
        .lock()
        .ok()
        .and_then(|mut slot| slot.take());
    match failure {
        Some(error) => Err(ServeError::Load(error)),
        None => Ok(()),
    }
}

type Hangup = Box<dyn SignalStream>;

/// A stream of one signal.
trait SignalStream: Send {
    fn recv(&mut self) -> std::pin::Pin<Box<dyn Future<Output = Option<()>> + Send + '_>>;
}

#[cfg(unix)]
impl SignalStream for tokio::signal::unix::Signal {
    fn recv(&mut self) -> std::pin::Pin<Box<dyn Future<Output = Option<()>> + Send + '_>> {
        Box::pin(tokio::signal::unix::Signal::recv(self))
    }
}

/// The signals as a future that ends on `SIGTERM`/`SIGINT`, and the
/// `SIGHUP` stream; without signals, a future that never ends.
fn split_signals(
    signals: Option<Signals>,
) -> (
    std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
    Option<Hangup>,
) {
    match signals {
        #[cfg(unix)]
        Some(Signals {
            hangup,
            mut terminate,
            mut interrupt,
        }) => (
            Box::pin(async move {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }),
            Some(Box::new(hangup)),
        ),
        #[cfg(not(unix))]
        Some(Signals {}) => (Box::pin(std::future::pending()), None),
        None => (Box::pin(std::future::pending()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloading_is_loopback_only_unless_a_token_is_set_then_the_token_is_needed() {
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        let status = |token, peer: &str, authorization| {
            may_reload(token, ip(peer), authorization).map_err(|error| error.status)
        };
        for loopback in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(status(None, loopback, None), Ok(()), "{loopback}");
        }
        for remote in [
            "192.0.2.7",
            "10.0.0.1",
            "2001:db8::1",
            "::ffff:192.0.2.7",
            "0.0.0.0",
        ] {
            assert_eq!(
                status(None, remote, Some("Bearer anything")),
                Err(StatusCode::FORBIDDEN),
                "{remote}"
            );
        }
        let token = Some("s3cret");
        assert_eq!(status(token, "192.0.2.7", Some("Bearer s3cret")), Ok(()));
        for wrong in [
            None,
            Some("s3cret"),
            Some("Bearer s3cre"),
            Some("Bearer s3cret "),
            Some("Bearer S3cret"),
            Some("Basic s3cret"),
        ] {
            assert_eq!(
                status(token, "127.0.0.1", wrong),
                Err(StatusCode::UNAUTHORIZED),
                "{wrong:?}"
            );
        }
    }
}
