//! The CheckCapacitySummary v1.5 shape: its request fields as JSON to a
//! case, and the answer to its response's shape. `server/CCS.md` lists the
//! fields one by one: what maps, and what has no counterpart here (those are
//! accepted and ignored, or left out of the response, never invented).
//!
//! Imports: `crate::{request, state, answer}`, dxmap-runtime, serde_json,
//! jiff.

use axum::http::StatusCode;
use dxmap_runtime::space::AgeUnit;
use dxmap_runtime::{Case, Channel, Rag, Sex};
use serde_json::{json, Map, Value};

use crate::answer::{local_time, Routed};
use crate::request::{instant, ApiError};
use crate::state::Active;

/// Request fields of v1.5 accepted; those not listed in `USED` are ignored.
const FIELDS: [&str; 16] = [
    "serviceVersion",
    "username",
    "password",
    "caseRef",
    "caseId",
    "postcode",
    "surgery",
    "age",
    "ageFormat",
    "disposition",
    "symptomGroup",
    "symptomDiscriminatorList",
    "searchDistance",
    "forceSearchDistance",
    "gender",
    "searchDateTime",
];

/// DoS's default search distance, in kilometres.
const DEFAULT_DISTANCE_KM: u64 = 60;

/// A CheckCapacitySummary request read as a case.
pub struct Request {
    /// The case.
    pub case: Case,
    /// `searchDistance`, echoed.
    pub search_distance: u64,
    /// Whether the request gave it.
    pub distance_given: bool,
}

/// Reads a request. `channel` is from `?channel=` (default `111`).
pub fn request(value: &Value, channel: Channel, now: jiff::Timestamp) -> Result<Request, ApiError> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_case",
            "a CheckCapacitySummary request is a JSON object",
        )
    })?;
    // `SearchDateTime` is how the documentation's table spells it.
    if let Some(unknown) = object
        .keys()
        .find(|key| !FIELDS.contains(&key.as_str()) && key.as_str() != "SearchDateTime")
    {
        return Err(ApiError::field(
            "unknown_field",
            unknown,
            format!("unknown field `{unknown}` of a CheckCapacitySummary v1.5 request"),
        ));
    }
    let postcode = match object.get("postcode") {
        Some(Value::String(text)) => text.clone(),
        _ => {
            return Err(ApiError::field(
                "missing_field",
                "postcode",
                "`postcode` is required, as a string",
            ))
        }
    };
    let age_days = age(object)?;
    let dx = disposition(object.get("disposition"))?;
    let sex = match object.get("gender") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match text.as_str() {
            "F" => Some(Sex::Female),
            "M" => Some(Sex::Male),
            "I" => None,
            _ => {
                return Err(ApiError::field(
                    "invalid_case",
                    "gender",
                    "`gender` is `M`, `F` or `I` (not given)",
                ))
            }
        },
        Some(_) => {
            return Err(ApiError::field(
                "invalid_case",
                "gender",
                "`gender` is `M`, `F` or `I` (not given)",
            ))
        }
    };
    let (field, when) = match (object.get("searchDateTime"), object.get("SearchDateTime")) {
        (Some(when), _) => ("searchDateTime", when),
        (None, Some(when)) => ("SearchDateTime", when),
        (None, None) => ("searchDateTime", &Value::Null),
    };
    let at = match when {
        Value::Null => now,
        Value::String(text) => {
            instant(text).map_err(|message| ApiError::field("invalid_case", field, message))?
        }
        _ => {
            return Err(ApiError::field(
                "invalid_case",
                field,
                "a time, e.g. `2019-01-20T08:44:00+00:00`",
            ))
        }
    };
    let (search_distance, distance_given) = match object.get("searchDistance") {
        None | Some(Value::Null) => (DEFAULT_DISTANCE_KM, false),
        Some(value) => match value.as_u64() {
            Some(km @ 1..=99) => (km, true),
            _ => {
                return Err(ApiError::field(
                    "invalid_case",
                    "searchDistance",
                    "`searchDistance` is kilometres, 1 to 99",
                ))
            }
        },
    };
    Ok(Request {
        case: Case {
            dx,
            channel,
            age_days,
            sex,
            postcode,
            at,
            location: None,
            capacity: Default::default(),
        },
        search_distance,
        distance_given,
    })
}

/// `age` with `ageFormat`: Days 0–31, Months 1–23, Years 2–129.
fn age(object: &Map<String, Value>) -> Result<u32, ApiError> {
    let format = match object.get("ageFormat") {
        Some(Value::String(text)) => text.as_str(),
        _ => {
            return Err(ApiError::field(
                "missing_field",
                "ageFormat",
                "`ageFormat` is required: `Days`, `Months` or `Years`",
            ))
        }
    };
    let (unit, range) = match format {
        "Days" => (AgeUnit::Days, 0..=31),
        "Months" => (AgeUnit::Months, 1..=23),
        "Years" => (AgeUnit::Years, 2..=129),
        "AgeGroup" => {
            return Err(ApiError::field(
                "invalid_case",
                "ageFormat",
                "`AgeGroup` is too coarse to route on: give `Days`, `Months` or `Years`",
            ))
        }
        _ => {
            return Err(ApiError::field(
                "invalid_case",
                "ageFormat",
                "`ageFormat` is `Days`, `Months` or `Years`",
            ))
        }
    };
    let value = object.get("age").and_then(Value::as_u64).ok_or_else(|| {
        ApiError::field("missing_field", "age", "`age` is required, a whole number")
    })?;
    if !range.contains(&value) {
        return Err(ApiError::field(
            "invalid_case",
            "age",
            format!(
                "with `ageFormat` `{format}`, `age` is {} to {}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(unit.days(value))
}

/// A Dx code. A DoS disposition id (a number) is refused: the table does
/// not record DoS's ids.
fn disposition(value: Option<&Value>) -> Result<String, ApiError> {
    match value {
        Some(Value::String(code)) => Ok(code.clone()),
        Some(Value::Number(_)) => Err(ApiError::field(
            "invalid_case",
            "disposition",
            "this table does not record DoS disposition ids: give the Dx code, e.g. `Dx05`",
        )),
        _ => Err(ApiError::field(
            "missing_field",
            "disposition",
            "`disposition` is required: a Dx code, e.g. `Dx05`",
        )),
    }
}

/// DoS's capacity words: High (green), Low (amber), None (red).
fn capacity(rag: Rag) -> &'static str {
    match rag {
        Rag::Green => "High",
        Rag::Amber => "Low",
        Rag::Red => "None",
    }
}

/// The response's shape.
pub fn response(
    routed: &Routed<'_>,
    active: &Active,
    request: &Request,
    requested_at: jiff::Timestamp,
) -> Value {
    let service_types = active.router.service_types();
    let services: Vec<Value> = routed
        .decision
        .services
        .iter()
        .map(|service| {
            let label = service_types
                .iter()
                .find(|t| t.name == service.service_type)
                .and_then(|t| t.label.as_deref())
                .unwrap_or(service.service_type);
            let name = if service.catch_all {
                format!("{} (Catch-all)", service.name)
            } else {
                service.name.to_owned()
            };
            json!({
                "id": service.id,
                "name": name,
                "capacity": capacity(service.capacity),
                "serviceType": { "id": service.service_type, "name": label },
                "distance": service.distance_km.map(|km| format!("{:.1}", km / 1.609_344)),
            })
        })
        .collect();
    json!({
        "TransactionID": routed.decision_id,
        "RequestedAtDateTime": local_time(requested_at),
        "SearchDateTime": local_time(request.case.at),
        "SearchDistance": request.search_distance,
        "SearchDistanceUsedSource": if request.distance_given { "web service" } else { "national" },
        "CalculatedAgeInDays": request.case.age_days,
        "services": services,
    })
}
