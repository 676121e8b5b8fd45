//! A routing case from a JSON body, and the errors a request can get.
//!
//! Every problem names the field it is about, so an integrator can fix the
//! case without reading logs. Unknown fields are refused (a misspelt
//! `postcode` must not route a case without one). Times are RFC 3339, or a
//! local time in Europe/London (a time that does not exist is refused, one
//! that occurs twice means the first).
//!
//! Imports: `crate` (limits), dxmap-runtime, serde_json, jiff.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use dxmap_runtime::{Capacity, Case, CaseError, Channel, Rag, Sex};
use jiff::Timestamp;
use serde_json::{Map, Value};

/// An error answer: `{ "error": { "code", "message", "field" } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status (4xx, or 503 before a table is loaded).
    pub status: StatusCode,
    /// A stable, machine-readable code.
    pub code: &'static str,
    /// One line for people.
    pub message: String,
    /// The field at fault, if one is.
    pub field: Option<String>,
}

impl ApiError {
    /// A 400 about `field`.
    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// An error with no field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The error object `{ "code", "message", "field" }`.
    pub fn object(&self) -> Value {
        serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
            }
        })
    }

    /// A routing error as the answer to a case.
    pub fn from_case(error: &CaseError) -> ApiError {
        let field = match error {
            CaseError::UnknownDisposition { .. } => "dx",
            CaseError::BadPostcode(_) | CaseError::UnknownDistrict { .. } => "postcode",
            CaseError::UnknownCapacityServices(_) => "capacity",
            // Served tables are read and checked whole before they are
            // swapped in (`Table::from_artifact`), so no part of one fails
            // to decode; were it to, the fault is the server's.
            CaseError::Table(_) => {
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "table",
                    error.to_string(),
                )
            }
        };
        ApiError::field("invalid_case", field, error.to_string())
    }
}

/// Refuses JSON nested deeper than `limit` before parsing it (serde_json
/// would stop at 128 levels; this is the server's own, tighter, limit).
pub fn check_depth(body: &[u8], limit: usize) -> Result<(), ApiError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for byte in body {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "too_deep",
                        format!("the JSON body is nested deeper than {limit} levels"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses a JSON body, within the depth limit.
pub fn parse_json(body: &[u8], depth: usize) -> Result<Value, ApiError> {
    check_depth(body, depth)?;
    serde_json::from_slice(body).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not JSON: {error}"),
        )
    })
}

/// A `/v1/route` body as most callers send it, read without building a
/// `serde_json::Value`: a flat object of unescaped strings, the age as a
/// whole number of years or as text, `sex`, `at`, `location`, `explain`
/// and `capacity` (service id to a status, or to `status` and `until`).
/// Anything else (another field, a repeated one or a repeated service id,
/// an escape in a string, a value of the wrong kind, a case [`case`]
/// would refuse)
/// is not read here, and the body goes the general way ([`parse_json`],
/// then [`case`]), which gives the answer or the error. So this path
/// changes how fast a case is read, never what it reads as.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    dx: &'a str,
    channel: &'a str,
    age: PlainAge<'a>,
    #[serde(default)]
    sex: Option<&'a str>,
    postcode: &'a str,
    #[serde(default)]
    at: Option<&'a str>,
    #[serde(default)]
    location: Option<[f64; 2]>,
    #[serde(default)]
    explain: Option<bool>,
    #[serde(default)]
    capacity: Option<PlainCapacity<'a>>,
}

/// `capacity` as [`Plain`] reads it: each service id with its status, or
/// its status and `until`, in the order written.
struct PlainCapacity<'a>(Vec<(&'a str, &'a str, Option<&'a str>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for PlainCapacity<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = PlainCapacity<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("service ids with their capacity")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<PlainCapacity<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some(id) = map.next_key::<&'de str>()? {
                    let PlainEntry { status, until } = map.next_value()?;
                    entries.push((id, status, until));
                }
                Ok(PlainCapacity(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// A service's capacity as [`Plain`] reads it: `"red"`, or
/// `{"status": "red", "until": …}`.
struct PlainEntry<'a> {
    status: &'a str,
    until: Option<&'a str>,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for PlainEntry<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full<'a> {
            status: &'a str,
            #[serde(default)]
            until: Option<&'a str>,
        }
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = PlainEntry<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a status, or a status and `until`")
            }
            fn visit_borrowed_str<E>(self, status: &'de str) -> Result<PlainEntry<'a>, E> {
                Ok(PlainEntry {
                    status,
                    until: None,
                })
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                map: M,
            ) -> Result<PlainEntry<'a>, M::Error> {
                let Full { status, until } = serde::Deserialize::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(PlainEntry { status, until })
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// An age as [`Plain`] reads it: a whole number of years or unescaped text.
enum PlainAge<'a> {
    Years(u64),
    Text(&'a str),
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for PlainAge<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = PlainAge<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of years or text")
            }
            fn visit_u64<E>(self, years: u64) -> Result<PlainAge<'a>, E> {
                Ok(PlainAge::Years(years))
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<PlainAge<'a>, E> {
                Ok(PlainAge::Text(text))
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// The case of a `/v1/route` body in the common shape (see [`Plain`]), or
/// `None` when the body should be read the general way.
pub fn plain_case(body: &[u8], now: Timestamp) -> Option<Request> {
    let plain: Plain<'_> = serde_json::from_slice(body).ok()?;
    let channel = Channel::parse(plain.channel)?;
    let age_days = match plain.age {
        PlainAge::Years(years) => age_in_years(years)?,
        PlainAge::Text(text) => dxmap_runtime::space::parse_age(text)?,
    };
    let sex = match plain.sex {
        None => None,
        Some(text) => Some(sex_named(text)?),
    };
    let at = match plain.at {
        None => now,
        Some(text) => instant(text).ok()?,
    };
    let location = match plain.location {
        None => None,
        Some(degrees) => Some(on_earth(degrees)?),
    };
    let mut capacity = BTreeMap::new();
    for (id, status, until) in plain.capacity.map(|c| c.0).unwrap_or_default() {
        let entry = capacity_entry(id, status, until).ok()?;
        // A repeated id: the general way decides what it means.
        if capacity.insert(id.to_owned(), entry).is_some() {
            return None;
        }
    }
    Some(Request {
        case: Case {
            dx: plain.dx.to_owned(),
            channel,
            age_days,
            sex,
            postcode: plain.postcode.to_owned(),
            at,
            location,
            capacity,
        },
        explain: plain.explain.unwrap_or(false),
    })
}

/// A case read from a request, with what the answer echoes.
#[derive(Debug, Clone)]
pub struct Request {
    /// The case to route.
    pub case: Case,
    /// Whether to include the trace.
    pub explain: bool,
}

/// The fields of a `/v1/route` case.
const FIELDS: [&str; 9] = [
    "dx", "channel", "age", "sex", "postcode", "at", "location", "capacity", "explain",
];

/// Reads a case from a JSON object; `now` is used when `at` is absent.
pub fn case(value: &Value, now: Timestamp) -> Result<Request, ApiError> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_case",
            "a case is a JSON object",
        )
    })?;
    if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(ApiError::field(
            "unknown_field",
            unknown,
            format!(
                "unknown field `{unknown}` (a case has {})",
                FIELDS.map(|f| format!("`{f}`")).join(", ")
            ),
        ));
    }
    let dx = required_string(object, "dx")?;
    let channel_text = required_string(object, "channel")?;
    let channel = Channel::parse(&channel_text).ok_or_else(|| {
        ApiError::field(
            "invalid_case",
            "channel",
            format!("`{channel_text}` is not a channel (`111`, `999` or `ooh`)"),
        )
    })?;
    let age_days = age(object.get("age"))?;
    let sex = match object.get("sex") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_str().and_then(sex_named).ok_or_else(|| {
            ApiError::field("invalid_case", "sex", "`sex` is `female`, `male` or absent")
        })?),
    };
    let postcode = required_string(object, "postcode")?;
    let at = match object.get("at") {
        None | Some(Value::Null) => now,
        Some(Value::String(text)) => {
            instant(text).map_err(|m| ApiError::field("invalid_case", "at", m))?
        }
        Some(_) => {
            return Err(ApiError::field(
                "invalid_case",
                "at",
                "`at` is a time, e.g. `2020-05-08T15:00:00+01:00`",
            ))
        }
    };
    let location = location(object.get("location"))?;
    let capacity = capacity(object.get("capacity"))?;
    let explain = match object.get("explain") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(explain)) => *explain,
        Some(_) => {
            return Err(ApiError::field(
                "invalid_case",
                "explain",
                "`explain` is true or false",
            ))
        }
    };
    Ok(Request {
        case: Case {
            dx,
            channel,
            age_days,
            sex,
            postcode,
            at,
            location,
            capacity,
        },
        explain,
    })
}

fn required_string(object: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match object.get(field) {
        Some(Value::String(text)) => Ok(text.clone()),
        None | Some(Value::Null) => Err(ApiError::field(
            "missing_field",
            field,
            format!("`{field}` is required"),
        )),
        Some(_) => Err(ApiError::field(
            "invalid_case",
            field,
            format!("`{field}` is a string"),
        )),
    }
}

/// An age: a whole number of years, or text with a unit (`18mo`, `10d`).
fn age(value: Option<&Value>) -> Result<u32, ApiError> {
    let wrong = || {
        ApiError::field(
            "invalid_case",
            "age",
            "`age` is years (`40`) or text with a unit (`\"18mo\"`, `\"10d\"`)",
        )
    };
    match value {
        None | Some(Value::Null) => {
            Err(ApiError::field("missing_field", "age", "`age` is required"))
        }
        Some(Value::Number(number)) => number.as_u64().and_then(age_in_years).ok_or_else(wrong),
        Some(Value::String(text)) => dxmap_runtime::space::parse_age(text).ok_or_else(wrong),
        Some(_) => Err(wrong()),
    }
}

/// An age given as a whole number of years, in days, as the runtime reads
/// `40` (and refuses beyond its limit). Both readings of a body use it.
fn age_in_years(years: u64) -> Option<u32> {
    dxmap_runtime::space::parse_age(&years.to_string())
}

/// `female` or `male`; anything else is no sex a case can have.
fn sex_named(text: &str) -> Option<Sex> {
    match text {
        "female" => Some(Sex::Female),
        "male" => Some(Sex::Male),
        _ => None,
    }
}

/// A location in degrees, if it is a latitude and a longitude.
fn on_earth([lat, lon]: [f64; 2]) -> Option<[f64; 2]> {
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some([lat, lon])
}

/// A time: RFC 3339 with an offset, or local to Europe/London (the
/// runtime's one reading of a time).
pub fn instant(text: &str) -> Result<Timestamp, String> {
    dxmap_runtime::case::parse_time(text)
}

fn location(value: Option<&Value>) -> Result<Option<[f64; 2]>, ApiError> {
    let wrong = || {
        ApiError::field(
            "invalid_case",
            "location",
            "`location` is [latitude, longitude] in degrees",
        )
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => match items.as_slice() {
            [lat, lon] => {
                let lat = lat.as_f64().ok_or_else(wrong)?;
                let lon = lon.as_f64().ok_or_else(wrong)?;
                on_earth([lat, lon]).map(Some).ok_or_else(wrong)
            }
            _ => Err(wrong()),
        },
        Some(_) => Err(wrong()),
    }
}

/// `{ "ID": "red" }` or `{ "ID": { "status": "red", "until": TIME } }`.
fn capacity(value: Option<&Value>) -> Result<BTreeMap<String, Capacity>, ApiError> {
    let wrong = |message: String| ApiError::field("invalid_case", "capacity", message);
    let mut out = BTreeMap::new();
    let entries = match value {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Object(entries)) => entries,
        Some(_) => {
            return Err(wrong(
                "`capacity` is an object: service id to `red`, `amber` or `green`".to_owned(),
            ))
        }
    };
    for (id, entry) in entries {
        let (status, until) = match entry {
            Value::String(status) => (status.as_str(), None),
            Value::Object(full) => {
                if let Some(key) = full.keys().find(|k| *k != "status" && *k != "until") {
                    return Err(wrong(format!("`{id}`: unknown field `{key}`")));
                }
                let status = full.get("status").and_then(Value::as_str).ok_or_else(|| {
                    wrong(format!("`{id}` needs a `status`: red, amber or green"))
                })?;
                let until = match full.get("until") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(text)) => Some(text.as_str()),
                    Some(_) => return Err(wrong(format!("`{id}`: `until` is a time"))),
                };
                (status, until)
            }
            _ => return Err(wrong(format!("`{id}` is `red`, `amber` or `green`"))),
        };
        out.insert(
            id.clone(),
            capacity_entry(id, status, until).map_err(wrong)?,
        );
    }
    Ok(out)
}

/// A service's capacity from its status and `until` as written: `until`
/// read first, then the status. Both readings of a body ([`plain_case`]
/// and [`case`]) come here.
fn capacity_entry(id: &str, status: &str, until: Option<&str>) -> Result<Capacity, String> {
    let until = match until {
        None => None,
        Some(text) => Some(instant(text).map_err(|m| format!("`{id}`: {m}"))?),
    };
    let status = Rag::parse(status)
        .ok_or_else(|| format!("`{id}` has unknown status `{status}` (use red, amber or green)"))?;
    Ok(Capacity { status, until })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_take_the_first_of_two_and_refuse_the_missing() {
        assert_eq!(
            instant("2020-05-08T15:00").unwrap(),
            "2020-05-08T15:00:00+01:00".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            instant("2020-10-25T01:30").unwrap(),
            "2020-10-25T01:30:00+01:00".parse::<Timestamp>().unwrap()
        );
        assert!(instant("2020-03-29T01:30")
            .unwrap_err()
            .contains("does not exist"));
    }

    /// The quick reading of a body, when it reads one, reads the case the
    /// general way reads; bodies it leaves are those with something
    /// unusual, whatever the general way makes of them.
    #[test]
    fn the_plain_reading_agrees_with_the_general_one() {
        let now: Timestamp = "2021-01-01T00:00:00Z".parse().unwrap();
        let plain = [
            r#"{"dx":"Dx05","channel":"111","age":40,"sex":"female","postcode":"SO16 7AB","at":"2020-05-08T15:00:00+01:00"}"#,
            r#"{"dx":"Dx05","channel":"ooh","age":0,"postcode":"so167ab"}"#,
            r#"{"dx":"Dx32","channel":"999","age":120,"sex":null,"postcode":"M1 1AE","at":null,"explain":true}"#,
            r#" { "postcode" : "LS1 4AP" , "age" : 7 , "channel" : "111" , "dx" : "Dx99" , "explain" : false } "#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","at":"2020-05-08T15:00"}"#,
            r#"{"dx":"Dx05","channel":"111","age":"18mo","postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":"10950d","sex":"male","postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":[50.9,-1.4]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":[51,0]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":null}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":"red"}}"#,
            r#"{"dx":"Dx05","channel":"111","age":"40y","postcode":"SO16 7AB","capacity":{"B":"amber","A":{"status":"red","until":"2020-05-08T18:00"},"C":{"status":"green","until":null}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":null}"#,
        ];
        let general = [
            // Another field, a repeated one, an escape, an age as text or
            // not whole, a value of the wrong kind, or a case refused.
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":[50.9,-1.4,0]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":[95,-1.4]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":{"lat":50}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","location":["50",1]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":"red","X":"green"}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":"purple"}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":{"status":"red","till":"2020-05-08T18:00"}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":{"until":"2020-05-08T18:00"}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":{"status":"red","until":"soon"}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":{"status":"red","until":5}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":{"status":"red","status":"red"}}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"\u0058":"red"}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":{"X":1}}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":["X"]}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","capacity":"X"}"#,
            r#"{"dx":"Dx05","dx":"Dx06","channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx\u00305","channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":"eighteen","postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":"1\u0038mo","postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":true,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40.0,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":-1,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"112","age":40,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"sex":"other","postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","at":"2020-03-29T01:30"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","explain":1}"#,
            r#"{"dx":null,"channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            r#"{"channel":"111","age":40,"postcode":"SO16 7AB"}"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB","Postcode":"x"}"#,
            r#"[{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB"}]"#,
            r#"{"dx":"Dx05","channel":"111","age":40,"postcode":"SO16 7AB"} x"#,
        ];
        let general_way =
            |body: &str| parse_json(body.as_bytes(), 32).and_then(|value| case(&value, now));
        for body in plain {
            let quick = plain_case(body.as_bytes(), now).expect(body);
            let slow = general_way(body).expect(body);
            assert_eq!(format!("{quick:?}"), format!("{slow:?}"), "{body}");
        }
        for body in general {
            assert!(plain_case(body.as_bytes(), now).is_none(), "{body}");
        }
    }

    #[test]
    fn depth_is_counted_outside_strings() {
        assert!(check_depth(b"[[[]]]", 3).is_ok());
        assert!(check_depth(b"[[[[]]]]", 3).is_err());
        assert!(check_depth(br#"["[[[[[[", "\"[[[["]"#, 2).is_ok());
    }
}
