//! The endpoints and their errors, reloads (endpoint and file watch),
//! refused tables, swaps under load, the decision log, and random bodies.
//! Every server listens on a free loopback port and stops at the end.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a broken answer should fail the test loudly"
)]

mod support;

use std::time::Duration;

use dxmap_runtime::table::FORMAT_VERSION;
use serde_json::{json, Value};
use support::{
    artifact, config, get, hash_of, post, request, serve_file, variant, write, Scratch, DX28,
};

fn ids(answer: &Value) -> Vec<String> {
    answer["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn route_answers_as_route_json_does_with_at_table_and_decision_id() {
    let dir = Scratch::new("route");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let reply = post(server.addr, "/v1/route", DX28);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    // The README's first look.
    assert_eq!(ids(&answer), ["FXX01", "GPOOH-SO", "HH01"]);
    assert_eq!(answer["overlay"], "hampshire");
    assert_eq!(answer["rule"], "Pharmacy, adults");
    assert_eq!(answer["catch_all"], false);
    assert_eq!(answer["at"], "2020-05-08T15:00:00+01:00");
    assert_eq!(
        answer["table"],
        json!({ "hash": hash_of(&artifact()), "format": FORMAT_VERSION })
    );
    assert!(answer["decision_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert!(answer.get("trace").is_none(), "no trace unless asked");
    for key in ["dx", "channel", "no_search", "services"] {
        assert!(answer.get(key).is_some(), "{key} missing");
    }
    let service = &answer["services"][0];
    for key in ["id", "name", "type", "capacity"] {
        assert!(service.get(key).is_some(), "service {key} missing");
    }

    // With `explain`, the trace; a local time means Europe/London.
    let explained = post(
        server.addr,
        "/v1/route",
        r#"{"dx":"Dx28","channel":"111","age":"40y","sex":"female","postcode":"so167ab","at":"2020-05-08T15:00","explain":true}"#,
    )
    .json();
    assert_eq!(ids(&explained), ["FXX01", "GPOOH-SO", "HH01"]);
    assert!(!explained["trace"].as_array().unwrap().is_empty());
    assert_eq!(explained["at"], "2020-05-08T15:00:00+01:00");

    // Without `at`, the server's clock, given back so it can be replayed.
    let now = post(
        server.addr,
        "/v1/route",
        r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB"}"#,
    )
    .json();
    let at: jiff::Timestamp = now["at"].as_str().unwrap().parse().unwrap();
    assert!((jiff::Timestamp::now() - at).get_seconds().abs() < 60);
    server.stop();
}

#[test]
fn wrong_requests_get_a_4xx_with_code_message_and_field() {
    let dir = Scratch::new("errors");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let addr = server.addr;
    let cases: &[(&str, &str, u16, &str, Value)] = &[
        ("/v1/route", "{", 400, "invalid_json", Value::Null),
        ("/v1/route", "[1]", 400, "invalid_case", Value::Null),
        (
            "/v1/route",
            r#"{"channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            400,
            "missing_field",
            json!("dx"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"112","age":40,"postcode":"SO16 7AB"}"#,
            400,
            "invalid_case",
            json!("channel"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":-1,"postcode":"SO16 7AB"}"#,
            400,
            "invalid_case",
            json!("age"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"nowhere"}"#,
            400,
            "invalid_case",
            json!("postcode"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx999","channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            400,
            "invalid_case",
            json!("dx"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB","postocde":"x"}"#,
            400,
            "unknown_field",
            json!("postocde"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB","at":"2020-03-29T01:30"}"#,
            400,
            "invalid_case",
            json!("at"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB","location":[91,0]}"#,
            400,
            "invalid_case",
            json!("location"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"NOPE":"red"}}"#,
            400,
            "invalid_case",
            json!("capacity"),
        ),
        (
            "/v1/route",
            r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"FXX01":"blue"}}"#,
            400,
            "invalid_case",
            json!("capacity"),
        ),
        (
            "/v1/route",
            &format!("{}1{}", "[".repeat(40), "]".repeat(40)),
            400,
            "too_deep",
            Value::Null,
        ),
        ("/v1/route/batch", "{}", 400, "invalid_batch", Value::Null),
        ("/v1/nothing", "{}", 404, "not_found", Value::Null),
        (
            "/ccs/v1.5/check-capacity-summary",
            r#"{"postcode":"SO16 7AB","age":2,"ageFormat":"AgeGroup","disposition":"Dx28"}"#,
            400,
            "invalid_case",
            json!("ageFormat"),
        ),
        (
            "/ccs/v1.5/check-capacity-summary",
            r#"{"postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":1011}"#,
            400,
            "invalid_case",
            json!("disposition"),
        ),
        (
            "/ccs/v1.5/check-capacity-summary",
            r#"{"postcode":"SO16 7AB","age":32,"ageFormat":"Days","disposition":"Dx28"}"#,
            400,
            "invalid_case",
            json!("age"),
        ),
        (
            "/ccs/v1.5/check-capacity-summary",
            r#"{"postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":"Dx28","gender":"X"}"#,
            400,
            "invalid_case",
            json!("gender"),
        ),
        (
            "/ccs/v1.5/check-capacity-summary?channel=112",
            r#"{"postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":"Dx28"}"#,
            400,
            "invalid_case",
            json!("channel"),
        ),
    ];
    for (path, body, status, code, field) in cases {
        let reply = post(addr, path, body);
        assert_eq!(reply.status, *status, "{path} {body}: {}", reply.body);
        let error = &reply.json()["error"];
        assert_eq!(error["code"], *code, "{path} {body}: {}", reply.body);
        assert_eq!(error["field"], *field, "{path} {body}: {}", reply.body);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Too large: 64 KiB for a case, 16 MiB for a batch.
    let big = format!(r#"{{"dx":"{}"}}"#, "x".repeat(70 * 1024));
    let reply = post(addr, "/v1/route", &big);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "too_large");
    assert_eq!(
        post(addr, "/v1/route/batch", &format!("[{big}]")).status,
        200
    );
    let too_many = format!("[{}]", vec!["{}"; 10_001].join(","));
    assert_eq!(post(addr, "/v1/route/batch", &too_many).status, 413);
    // Wrong method.
    let reply = get(addr, "/v1/route");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.json()["error"]["code"], "method_not_allowed");
    server.stop();
}

#[test]
fn a_batch_answers_each_case_or_its_error_in_order() {
    let dir = Scratch::new("batch");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let bad = r#"{"dx":"Dx28","channel":"111","age":40,"postcode":"nowhere"}"#;
    let reply = post(
        server.addr,
        "/v1/route/batch",
        &format!("[{DX28},{bad},{DX28}]"),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answers = reply.json();
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(ids(&answers[0]), ["FXX01", "GPOOH-SO", "HH01"]);
    assert_eq!(answers[1]["error"]["field"], "postcode");
    assert_eq!(ids(&answers[2]), ids(&answers[0]));
    assert_ne!(answers[0]["decision_id"], answers[2]["decision_id"]);
    assert_eq!(post(server.addr, "/v1/route/batch", "[]").json(), json!([]));
    server.stop();
}

#[test]
fn check_capacity_summary_gives_the_v1_5_shape_of_the_same_services() {
    let dir = Scratch::new("ccs");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let body = r#"{"caseRef":"ABC123","postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":"Dx28","gender":"F","searchDateTime":"2020-05-08T15:00:00+01:00","searchDistance":25,"username":"u","password":"p","symptomGroup":1011,"symptomDiscriminatorList":[4003]}"#;
    let reply = post(server.addr, "/ccs/v1.5/check-capacity-summary", body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("x-dxmap-table"),
        Some(hash_of(&artifact()).as_str())
    );
    let answer = reply.json();
    assert_eq!(answer["CalculatedAgeInDays"], 14610);
    assert_eq!(answer["SearchDistance"], 25);
    assert_eq!(answer["SearchDateTime"], "2020-05-08T15:00:00+01:00");
    assert!(answer["TransactionID"].as_str().is_some());
    assert_eq!(ids(&answer), ["FXX01", "GPOOH-SO", "HH01"]);
    let first = &answer["services"][0];
    assert_eq!(first["capacity"], "High");
    assert_eq!(first["serviceType"]["id"], "pharmacy_cpcs_plus");
    assert!(!reply.body.contains("ABC123"), "caseRef is not echoed");
    // Months, days, and `I` (not given).
    let infant = r#"{"postcode":"SO16 7AB","age":18,"ageFormat":"Months","disposition":"Dx28","gender":"I","searchDateTime":"2020-05-08T15:00"}"#;
    let reply = post(
        server.addr,
        "/ccs/v1.5/check-capacity-summary?channel=111",
        infant,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["CalculatedAgeInDays"], 547);
    server.stop();
}

#[test]
fn health_readiness_table_metrics_and_openapi() {
    let dir = Scratch::new("health");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let addr = server.addr;
    assert_eq!(get(addr, "/healthz").json(), json!({ "alive": true }));
    let ready = get(addr, "/readyz");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["stale"], false);
    let info = get(addr, "/v1/table").json();
    assert_eq!(info["hash"], hash_of(&artifact()));
    assert_eq!(info["format"], FORMAT_VERSION);
    assert_eq!(info["release"], "pathways-2020");
    assert_eq!(info["stale"], false);
    assert_eq!(info["last_reload"]["ok"], true);
    assert!(info["source"].as_str().unwrap().ends_with("table.dxt"));
    post(addr, "/v1/route", DX28);
    post(addr, "/v1/route", "{");
    let metrics = get(addr, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    for line in [
        "dxmap_requests_total{endpoint=\"route\",outcome=\"ok\"} 1",
        "dxmap_requests_total{endpoint=\"route\",outcome=\"client_error\"} 1",
        "dxmap_request_duration_seconds_count{endpoint=\"route\",outcome=\"ok\"} 1",
        "dxmap_reloads_total{result=\"success\"} 1",
        "dxmap_reloads_total{result=\"failure\"} 0",
        "dxmap_table_stale 0",
    ] {
        assert!(
            metrics.body.contains(line),
            "{line} not in\n{}",
            metrics.body
        );
    }
    assert!(metrics.body.contains(&format!(
        "dxmap_table_info{{hash=\"{}\",format=\"{FORMAT_VERSION}\",release=\"pathways-2020\"}} 1",
        hash_of(&artifact())
    )));
    let openapi = get(addr, "/openapi.json");
    assert_eq!(openapi.status, 200);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    assert_eq!(openapi.body, committed);
    assert_eq!(openapi.json()["openapi"], "3.1.0");
    server.stop();
}

/// A source that does not answer until told to, then serves the table.
struct Slow {
    gate: std::sync::Arc<std::sync::Barrier>,
}

impl dxmap_server::TableSource for Slow {
    fn load(&self) -> Result<dxmap_server::Loaded, String> {
        self.gate.wait();
        dxmap_server::Loaded::from_artifact(&artifact()).map_err(|e| e.to_string())
    }
    fn describe(&self) -> String {
        "slow".into()
    }
    fn watched(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }
}

#[test]
fn before_the_first_table_readiness_and_routing_say_503() {
    let gate = std::sync::Arc::new(std::sync::Barrier::new(2));
    let running = dxmap_server::start(config(), Box::new(Slow { gate: gate.clone() })).unwrap();
    let addr = running.addr;
    assert_eq!(get(addr, "/healthz").status, 200);
    let ready = get(addr, "/readyz");
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["ready"], false);
    let reply = post(addr, "/v1/route", DX28);
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["error"]["code"], "not_ready");
    assert_eq!(get(addr, "/v1/table").status, 503);
    gate.wait();
    support::wait_until(|| get(addr, "/readyz").status == 200);
    assert_eq!(post(addr, "/v1/route", DX28).status, 200);
    running.stop().unwrap();
}

#[test]
fn a_first_table_that_cannot_load_stops_the_server_with_its_error() {
    let dir = Scratch::new("first");
    let running = dxmap_server::start(
        config(),
        Box::new(dxmap_server::FileSource {
            path: dir.path("missing.dxt"),
        }),
    )
    .unwrap();
    let error = running.wait().unwrap_err();
    assert!(
        matches!(error, dxmap_server::ServeError::Load(_)),
        "{error}"
    );
    assert!(error.to_string().contains("missing.dxt"), "{error}");
}

#[test]
fn corrupt_truncated_and_wrong_version_tables_are_refused_and_the_old_one_serves_stale() {
    let dir = Scratch::new("refused");
    let table = dir.path("table.dxt");
    let good = artifact();
    write(&table, &good);
    let server = serve_file(&table, config());
    let addr = server.addr;
    let mut corrupt = good.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0x55;
    let truncated = good[..good.len() / 2].to_vec();
    let text = String::from_utf8_lossy(&good[..20]).into_owned();
    assert!(text.starts_with(&format!("dxmap-table v{FORMAT_VERSION} ")));
    let mut wrong_version = good.clone();
    wrong_version[13] = b'9';
    for (what, bytes) in [
        ("corrupt", corrupt),
        ("truncated", truncated),
        ("wrong version", wrong_version),
        ("empty", Vec::new()),
    ] {
        write(&table, &bytes);
        let reply = post(addr, "/v1/admin/reload", "");
        assert_eq!(reply.status, 422, "{what}: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "reload_failed", "{what}");
        let answer = post(addr, "/v1/route", DX28).json();
        assert_eq!(answer["table"]["hash"], hash_of(&good), "{what}");
        let info = get(addr, "/v1/table").json();
        assert_eq!(info["stale"], true, "{what}");
        assert_eq!(info["hash"], hash_of(&good), "{what}");
        assert!(info["last_reload"]["error"].as_str().is_some(), "{what}");
        let ready = get(addr, "/readyz");
        assert_eq!(ready.status, 200);
        assert_eq!(ready.json()["stale"], true, "{what}");
    }
    assert!(get(addr, "/metrics")
        .body
        .contains("dxmap_reloads_total{result=\"failure\"} 4"));
    // A good table clears `stale`.
    let next = variant("next");
    write(&table, &next);
    let reply = post(addr, "/v1/admin/reload", "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["table"]["hash"], hash_of(&next));
    assert_eq!(get(addr, "/v1/table").json()["stale"], false);
    assert_eq!(
        post(addr, "/v1/route", DX28).json()["table"]["hash"],
        hash_of(&next)
    );
    server.stop();
}

#[test]
fn with_an_admin_token_reloading_needs_it() {
    let dir = Scratch::new("token");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(
        &table,
        dxmap_server::Config {
            admin_token: Some("s3cret".into()),
            ..config()
        },
    );
    assert_eq!(post(server.addr, "/v1/admin/reload", "").status, 401);
    let wrong = request(
        server.addr,
        "POST",
        "/v1/admin/reload",
        &[("Authorization", "Bearer nope")],
        b"",
    );
    assert_eq!(wrong.status, 401);
    let right = request(
        server.addr,
        "POST",
        "/v1/admin/reload",
        &[("Authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!(right.status, 200, "{}", right.body);
    server.stop();
}

#[test]
fn with_watch_a_changed_file_is_reloaded_and_a_bad_one_refused() {
    let dir = Scratch::new("watch");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(
        &table,
        dxmap_server::Config {
            watch: true,
            ..config()
        },
    );
    let next = variant("watched");
    write(&table, &next);
    support::wait_until(|| {
        post(server.addr, "/v1/route", DX28).json()["table"]["hash"] == hash_of(&next)
    });
    write(
        &table,
        format!("dxmap-table v{FORMAT_VERSION} sha256=00\nnonsense").as_bytes(),
    );
    support::wait_until(|| get(server.addr, "/v1/table").json()["stale"] == true);
    assert_eq!(
        post(server.addr, "/v1/route", DX28).json()["table"]["hash"],
        hash_of(&next)
    );
    server.stop();
}

#[test]
fn requests_in_flight_during_swaps_are_answered_by_one_of_the_two_tables() {
    let dir = Scratch::new("swap");
    let table = dir.path("table.dxt");
    let a = artifact();
    let b = variant("b");
    let hashes = [hash_of(&a), hash_of(&b)];
    write(&table, &a);
    let server = serve_file(&table, config());
    let addr = server.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            let hashes = hashes.clone();
            std::thread::spawn(move || {
                let mut seen = std::collections::BTreeSet::new();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let batch = format!("[{DX28},{DX28},{DX28}]");
                    let reply = post(addr, "/v1/route/batch", &batch);
                    assert_eq!(reply.status, 200, "{}", reply.body);
                    let answers = reply.json();
                    let first = answers[0]["table"]["hash"].as_str().unwrap().to_owned();
                    assert!(hashes.contains(&first), "{first}");
                    // A batch is answered by one table, whatever swaps meanwhile.
                    for answer in answers.as_array().unwrap() {
                        assert_eq!(answer["table"]["hash"], first.as_str());
                    }
                    seen.insert(first);
                    n += 1;
                }
                (n, seen)
            })
        })
        .collect();
    for round in 0..20 {
        write(&table, if round % 2 == 0 { &b } else { &a });
        assert_eq!(post(addr, "/v1/admin/reload", "").status, 200);
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut all = std::collections::BTreeSet::new();
    for client in clients {
        let (n, seen) = client.join().unwrap();
        assert!(n > 0);
        all.extend(seen);
    }
    assert!(all.len() == 2, "both tables answered: {all:?}");
    server.stop();
}

#[test]
fn the_decision_log_has_one_line_per_answer_without_patient_detail() {
    let dir = Scratch::new("log");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let log = dir.path("decisions.jsonl");
    let server = serve_file(
        &table,
        dxmap_server::Config {
            decision_log: Some(dxmap_server::LogTarget::File(log.clone())),
            ..config()
        },
    );
    let located = r#"{"dx":"Dx28","channel":"111","age":40,"sex":"female","postcode":"SO16 7AB","at":"2020-05-08T15:00:00+01:00","location":[50.9271,-1.4368]}"#;
    let first = post(server.addr, "/v1/route", located).json();
    post(server.addr, "/v1/route/batch", &format!("[{DX28},{DX28}]"));
    post(
        server.addr,
        "/ccs/v1.5/check-capacity-summary",
        r#"{"caseRef":"REF-77","postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":"Dx28"}"#,
    );
    post(server.addr, "/v1/route", "{");
    server.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0]["decision_id"], first["decision_id"]);
    assert_eq!(lines[0]["table"], hash_of(&artifact()));
    assert_eq!(lines[0]["case"]["postcode_sector"], "SO16 7");
    assert_eq!(
        lines[0]["answer"]["services"],
        json!(["FXX01", "GPOOH-SO", "HH01"])
    );
    assert_eq!(lines[0]["answer"]["rule"], "Pharmacy, adults");
    assert!(lines[0]["latency_us"].as_u64().is_some());
    for forbidden in [
        "SO16 7AB", "50.92", "-1.43", "REF-77", "location", "caseRef",
    ] {
        assert!(!text.contains(forbidden), "`{forbidden}` logged: {text}");
    }
}

/// xorshift64*: the test's own PRNG, so a failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A random body: raw bytes, random JSON, or a good case with fields
/// replaced by random values.
fn random_body(rng: &mut Rng) -> Vec<u8> {
    let values = [
        "null",
        "true",
        "0",
        "-1",
        "1e308",
        "4294967296",
        "\"\"",
        "\"Dx28\"",
        "\"SO16 7AB\"",
        "\"111\"",
        "[]",
        "{}",
        "[1,2]",
        "[50.9,-1.4]",
        "\"2020-05-08T15:00\"",
        "\"2020-03-29T01:30\"",
        "\"18mo\"",
        "\"\\u0000\"",
        "{\"FXX01\":\"red\"}",
        "{\"FXX01\":{\"status\":\"amber\",\"until\":\"x\"}}",
        "\"female\"",
        "\"Years\"",
        "\"AgeGroup\"",
        "1.5",
        "\"ooh\"",
    ];
    let keys = [
        "dx",
        "channel",
        "age",
        "sex",
        "postcode",
        "at",
        "location",
        "capacity",
        "explain",
        "ageFormat",
        "disposition",
        "gender",
        "searchDateTime",
        "searchDistance",
        "caseRef",
        "zzz",
    ];
    match rng.below(4) {
        0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        1 => {
            let mut body = DX28.to_owned();
            for _ in 0..1 + rng.below(3) {
                let key = rng.pick(&keys);
                let value = rng.pick(&values);
                body = body.replacen('{', &format!("{{\"{key}\":{value},"), 1);
            }
            body.into_bytes()
        }
        2 => {
            let mut object = String::from("{");
            for i in 0..rng.below(8) {
                if i > 0 {
                    object.push(',');
                }
                object.push_str(&format!("\"{}\":{}", rng.pick(&keys), rng.pick(&values)));
            }
            object.push('}');
            if rng.below(2) == 0 {
                format!("[{object},{object}]").into_bytes()
            } else {
                object.into_bytes()
            }
        }
        _ => {
            let mut body = DX28.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(body.len());
                match rng.below(3) {
                    0 => body[at] = rng.next() as u8,
                    1 => body.truncate(at),
                    _ => body.insert(at, b"{[\",:}]"[rng.below(7)]),
                }
                if body.is_empty() {
                    break;
                }
            }
            body
        }
    }
}

/// Random bodies never get a 5xx (or a closed connection). 2,000 bodies
/// here; `DXMAP_SERVE_BODIES=100000 cargo test --release -p dxmap-server
/// --test serve random_bodies` runs more (docs/book/src/runtime.md, "Service mode").
#[test]
fn random_bodies_never_get_a_5xx() {
    let n: usize = std::env::var("DXMAP_SERVE_BODIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000);
    let seed: u64 = std::env::var("DXMAP_SERVE_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5EED_0015);
    let dir = Scratch::new("random");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let paths = [
        "/v1/route",
        "/v1/route/batch",
        "/ccs/v1.5/check-capacity-summary",
    ];
    let mut rng = Rng(seed);
    for i in 0..n {
        let body = random_body(&mut rng);
        let path = paths[rng.below(paths.len())];
        let reply = request(server.addr, "POST", path, &[], &body);
        assert!(
            reply.status < 500,
            "body {i} (seed {seed}) to {path} got {}: {:?} -> {}",
            reply.status,
            String::from_utf8_lossy(&body),
            reply.body
        );
        if reply.status >= 400 {
            assert!(reply.json()["error"]["code"].is_string(), "{}", reply.body);
        }
    }
    server.stop();
}
