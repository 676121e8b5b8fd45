//! `dxmap route --cases FILE`: many cases answered by one table, one JSON
//! answer per line, in the order of the file.
//!
//! The file is a YAML list of cases (a test file works too: an entry with a
//! `case` mapping is routed as that case) or JSON lines (blank lines are
//! skipped). A case has the fields of the HTTP API's `/v1/route`, read by
//! the same function (`dxmap_server::case_from_json`), so a case the API
//! refuses is refused here with the same words. In YAML, an unquoted
//! channel (`channel: 111`) is read as the text it looks like. A case
//! without `at` is routed now, as `--at` would be.
//!
//! Imports: `crate::source`, `super` (its `read_case_file`), `crate::cli`,
//! dxmap-runtime, dxmap-server.

use std::path::Path;

use dxmap_runtime::{CaseError, Router};
use dxmap_server::{case_from_json, ApiError};
use serde_json::{json, Value};

use crate::cli::Exit;
use crate::source::SourceMap;

/// One case of the file: where it is, and its object (or why it is not
/// one).
struct Entry {
    /// Its number among the file's cases, from 1.
    number: usize,
    /// Its line, for JSON lines.
    line: Option<usize>,
    value: Result<Value, ApiError>,
}

/// Answers every case of `path`; exit 1 if one was wrong, 2 if the file
/// cannot be read or is not a list of cases.
pub(super) fn run(path: &Path, router: &Router, explain_all: bool, table: Option<&Path>) -> Exit {
    let mut sources = SourceMap::new();
    let file = match super::read_case_file(&mut sources, path) {
        Ok(file) => file,
        Err(exit) => return exit,
    };
    let text = sources.get(file).map(|f| f.text.as_str()).unwrap_or("");
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    let entries = if yaml {
        match yaml_entries(text) {
            Ok(entries) => entries,
            Err(problem) => {
                errln!("error: {}: {problem}", path.display());
                return Exit::Rules;
            }
        }
    } else {
        json_entries(text)
    };
    let now = jiff::Timestamp::now();
    let mut wrong = false;
    let mut out = String::new();
    for entry in entries {
        let answer = match entry.value.and_then(|value| case_from_json(&value, now)) {
            Ok(asked) => {
                let explain = explain_all || asked.explain;
                let routed = if explain {
                    router.explain(&asked.case)
                } else {
                    router.route(&asked.case)
                };
                match routed {
                    Ok(decision) => Ok(super::json(&decision, explain)),
                    Err(CaseError::Table(source)) => {
                        out!("{out}");
                        return super::table_error(table, source);
                    }
                    Err(error) => Err(ApiError::from_case(&error)),
                }
            }
            Err(error) => Err(error),
        };
        let value = match answer {
            Ok(value) => value,
            Err(error) => {
                wrong = true;
                let mut object = error.object();
                if let Some(fields) = object.as_object_mut() {
                    fields.insert("case".to_owned(), json!(entry.number));
                    if let Some(line) = entry.line {
                        fields.insert("line".to_owned(), json!(line));
                    }
                }
                object
            }
        };
        out.push_str(&serde_json::to_string(&value).unwrap_or_default());
        out.push('\n');
        // Written in blocks, so a long file streams without a write per case.
        if out.len() > 64 * 1024 {
            out!("{out}");
            out.clear();
        }
    }
    out!("{out}");
    if wrong {
        Exit::Rules
    } else {
        Exit::Ok
    }
}

/// The cases of a JSON-lines text, one per line that is not blank.
fn json_entries(text: &str) -> Vec<Entry> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .enumerate()
        .map(|(at, (line, body))| Entry {
            number: at + 1,
            line: Some(line + 1),
            value: dxmap_server::parse_json_case(body.as_bytes()).map_err(|mut error| {
                error.message = error.message.replacen("the body", "the line", 1);
                error
            }),
        })
        .collect()
}

/// The cases of a YAML list; an entry with a `case` mapping (a test case)
/// stands for that mapping.
fn yaml_entries(text: &str) -> Result<Vec<Entry>, String> {
    let document: Value = serde_yaml::from_str(text).map_err(|error| match error.location() {
        Some(at) => format!("line {}: {error}", at.line()),
        None => error.to_string(),
    })?;
    let Value::Array(items) = document else {
        return Err("a YAML cases file is a list of cases (`- { dx: Dx05, … }`)".to_owned());
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(at, item)| {
            let mut case = match item {
                Value::Object(mut fields) if fields.get("case").is_some_and(Value::is_object) => {
                    fields.remove("case").unwrap_or_default()
                }
                other => other,
            };
            if let Some(channel) = case.get_mut("channel") {
                if let Value::Number(number) = channel {
                    *channel = Value::String(number.to_string());
                }
            }
            Entry {
                number: at + 1,
                line: None,
                value: Ok(case),
            }
        })
        .collect())
}
