//! The per-request time limit: a request whose body does not arrive in time
//! is answered 503 `timeout`, and counted as a server error.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a broken answer should fail the test loudly"
)]

mod support;

use std::time::{Duration, Instant};

use support::{artifact, begin, config, finish, get, post, serve_file, write, Scratch, DX28};

#[test]
fn a_request_whose_body_stalls_past_the_time_limit_gets_503_timeout() {
    let dir = Scratch::new("timeout");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(
        &table,
        dxmap_server::Config {
            request_timeout: Duration::from_millis(300),
            ..config()
        },
    );
    let started = Instant::now();
    let stalled = begin(server.addr, "/v1/route", DX28.as_bytes(), 10);
    let reply = finish(stalled, b"");
    let waited = started.elapsed();
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "timeout");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "answered after {waited:?}"
    );
    // A request that arrives whole is answered as usual, and the timeout
    // shows in the metrics as a server error of the endpoint.
    assert_eq!(post(server.addr, "/v1/route", DX28).status, 200);
    let metrics = get(server.addr, "/metrics").body;
    assert!(
        metrics.contains(r#"dxmap_requests_total{endpoint="route",outcome="server_error"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"dxmap_requests_total{endpoint="route",outcome="ok"} 1"#),
        "{metrics}"
    );
    server.stop();
}
