//! The served answers agree with the OpenAPI document: each endpoint's
//! answers are checked against the schema its response names (required
//! fields, types, enums, items, `$ref`s), by a small checker written here.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a broken document should fail the test loudly"
)]

mod support;

use serde_json::Value;
use support::{artifact, config, get, post, serve_file, write, Scratch, DX28};

/// Problems of `value` against `schema`, with their JSON paths.
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let mut target = doc;
        for part in reference.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        assert!(!target.is_null(), "dangling {reference}");
        return check(doc, target, value, path, problems);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().filter(|option| {
            let mut inner = Vec::new();
            check(doc, option, value, path, &mut inner);
            inner.is_empty()
        });
        if fits.count() != 1 {
            problems.push(format!("{path}: not exactly one of oneOf"));
        }
        return;
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            problems.push(format!("{path}: {value} is not {expected}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            problems.push(format!("{path}: {value} not in {allowed:?}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            problems.push(format!("{path}: {actual}, expected {types:?}"));
            return;
        }
    }
    if let (Some(required), Some(object)) = (
        schema.get("required").and_then(Value::as_array),
        value.as_object(),
    ) {
        for field in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(field) {
                problems.push(format!("{path}: `{field}` missing"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (key, item) in object {
            match properties.get(key) {
                Some(property) => check(doc, property, item, &format!("{path}.{key}"), problems),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    problems.push(format!("{path}: `{key}` not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{path}[{i}]"), problems);
        }
    }
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let mut response = &doc["paths"][path][method]["responses"][status.to_string()];
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        response = &doc["components"]["responses"][reference.rsplit('/').next().unwrap()];
    }
    let content = response["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} {status}: no content"));
    &content.values().next().unwrap()["schema"]
}

#[test]
fn served_answers_follow_the_openapi_document() {
    let dir = Scratch::new("openapi");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let server = serve_file(&table, config());
    let addr = server.addr;
    let doc = get(addr, "/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let ccs = r#"{"postcode":"SO16 7AB","age":40,"ageFormat":"Years","disposition":"Dx28","searchDateTime":"2020-05-08T15:00"}"#;
    let explained = DX28.replacen('{', r#"{"explain":true,"#, 1);
    let exchanges = [
        ("/v1/route", "post", post(addr, "/v1/route", DX28)),
        ("/v1/route", "post", post(addr, "/v1/route", &explained)),
        (
            "/v1/route",
            "post",
            post(addr, "/v1/route", r#"{"dx":"Dx28"}"#),
        ),
        (
            "/v1/route/batch",
            "post",
            post(addr, "/v1/route/batch", &format!(r#"[{DX28},{{"dx":1}}]"#)),
        ),
        (
            "/ccs/v1.5/check-capacity-summary",
            "post",
            post(addr, "/ccs/v1.5/check-capacity-summary", ccs),
        ),
        (
            "/ccs/v1.5/check-capacity-summary",
            "post",
            post(addr, "/ccs/v1.5/check-capacity-summary", "{}"),
        ),
        ("/healthz", "get", get(addr, "/healthz")),
        ("/readyz", "get", get(addr, "/readyz")),
        ("/v1/table", "get", get(addr, "/v1/table")),
        (
            "/v1/admin/reload",
            "post",
            post(addr, "/v1/admin/reload", ""),
        ),
    ];
    let mut problems = Vec::new();
    for (path, method, reply) in &exchanges {
        let schema = response_schema(&doc, path, method, reply.status);
        check(
            &doc,
            schema,
            &reply.json(),
            &format!("{method} {path} {}", reply.status),
            &mut problems,
        );
    }
    // Every example in the document fits its schema too.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut media = Vec::new();
            if let Some(body) = operation.get("requestBody") {
                media.extend(body["content"].as_object().unwrap().values());
            }
            for response in operation["responses"].as_object().unwrap().values() {
                if let Some(content) = response.get("content").and_then(Value::as_object) {
                    media.extend(content.values());
                }
            }
            for media in media {
                for (name, example) in media
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if media["schema"]["type"] == "string" {
                        continue;
                    }
                    check(
                        &doc,
                        &media["schema"],
                        &example["value"],
                        &format!("{method} {path} example {name}"),
                        &mut problems,
                    );
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    server.stop();
}
