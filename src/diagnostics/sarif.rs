//! SARIF 2.1.0 rendering, for code-scanning tools (GitHub code scanning,
//! editors with a SARIF viewer).
//!
//! One run whose `tool.driver.rules` holds a reporting descriptor for each
//! code that occurs in the run, sorted by id, and whose `results` hold one
//! result per diagnostic, in the order the diagnostics were given (sorted by
//! [`super::sort`]). Only the codes that occur are listed, so that the
//! document stays small and adding a code to the registry does not change
//! the output of a run that does not meet it. Keys are written in a fixed
//! order (the order of the fields below), so the output is byte-for-byte
//! stable. Columns count Unicode characters (`columnKind`
//! `unicodeCodePoints`), as the human and JSON renderers do, and
//! `endColumn` is exclusive, as SARIF wants. An analysis' finding carries
//! the case that shows it in `properties.witness` (as in the JSON output).
//! A finding silenced by `// dxmap: allow` has a `suppressions` entry of
//! kind `inSource` whose justification is the allow's reason.
//!
//! Imports: `super`, `super::json`, `crate::source`, serde, serde_json.

use serde::Serialize;

use super::{Code, Diagnostic, Label};
use crate::source::SourceMap;

/// The schema the document declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";

/// The tool's home: the package's `repository`, else its `homepage`; the
/// field is left out (it is optional in SARIF) when neither is set, rather
/// than pointing at an address that is not the project's.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

/// A finding silenced by a `// dxmap: allow` comment in the source.
#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct Properties {
    witness: serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// The message of a diagnostic with its help, as one line: `message (help)`.
/// The GitHub renderer writes the same text.
pub fn message_with_help(diagnostic: &Diagnostic) -> String {
    match &diagnostic.help {
        Some(help) => format!("{} ({help})", diagnostic.message),
        None => diagnostic.message.clone(),
    }
}

/// A file name as a URI reference: forward slashes, and characters outside
/// the URI's unreserved set percent-encoded. Relative names (the usual case:
/// `rules/national.dxm`) stay relative, so code scanning resolves them from
/// the checkout; absolute paths become `file://` URIs.
pub fn file_uri(name: &str) -> String {
    let slashed = name.replace('\\', "/");
    let mut out = String::with_capacity(slashed.len());
    let drive = slashed.as_bytes().get(..2).is_some_and(|head| {
        head.first().is_some_and(u8::is_ascii_alphabetic) && head.get(1) == Some(&b':')
    });
    if slashed.starts_with('/') {
        out.push_str("file://");
    } else if drive {
        out.push_str("file:///");
    }
    for (idx, byte) in slashed.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (drive && idx == 1);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn location(label: &Label, sources: &SourceMap, message: Option<String>) -> Location {
    let span = label.span;
    let region = sources.get(span.file).map(|file| {
        let (start_line, start_column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end.max(span.start));
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    });
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: file_uri(sources.name(span.file)),
            },
            region,
        },
        message: message.map(|text| Message { text }),
    }
}

fn descriptor(code: Code) -> ReportingDescriptor {
    let doc = code.doc();
    ReportingDescriptor {
        id: code.id(),
        name: code.name(),
        short_description: Message {
            text: doc.what.to_owned(),
        },
        full_description: Message {
            text: format!("{} {}", doc.what, doc.why),
        },
        help: MultiformatMessage {
            text: format!(
                "What it means: {}\nWhy it matters: {}\nExample:\n{}\nFix: {}",
                doc.what, doc.why, doc.example, doc.fix
            ),
            markdown: code.markdown(),
        },
        default_configuration: Configuration {
            level: code.severity().as_str(),
        },
    }
}

/// The whole run as a SARIF 2.1.0 log (pretty-printed JSON).
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort_by_key(|code| code.id());
    codes.dedup();
    let results = diagnostics
        .iter()
        .map(|diagnostic| SarifResult {
            rule_id: diagnostic.code.id(),
            rule_index: codes
                .iter()
                .position(|code| *code == diagnostic.code)
                .unwrap_or(0),
            level: diagnostic.severity().as_str(),
            message: Message {
                text: message_with_help(diagnostic),
            },
            locations: vec![location(
                &diagnostic.primary,
                sources,
                diagnostic.primary.message.clone(),
            )],
            related_locations: diagnostic
                .secondary
                .iter()
                .map(|label| {
                    // A related location must say why it is there.
                    let text = label
                        .message
                        .clone()
                        .unwrap_or_else(|| "related location".to_owned());
                    location(label, sources, Some(text))
                })
                .collect(),
            suppressions: diagnostic
                .allowed
                .iter()
                .map(|reason| Suppression {
                    kind: "inSource",
                    justification: reason.clone(),
                })
                .collect(),
            properties: diagnostic.witness.as_ref().map(|witness| Properties {
                witness: super::json::witness(witness),
            }),
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "dxmap",
                    information_uri: information_uri(),
                    version: env!("CARGO_PKG_VERSION"),
                    rules: codes.into_iter().map(descriptor).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(file_uri("rules/national.dxm"), "rules/national.dxm");
        assert_eq!(file_uri("rules\\a b.dxm"), "rules/a%20b.dxm");
        assert_eq!(file_uri("/srv/rules/x.dxm"), "file:///srv/rules/x.dxm");
        assert_eq!(file_uri("C:\\rules\\x.dxm"), "file:///C:/rules/x.dxm");
        assert_eq!(
            file_uri("<bundled release pathways-2015>"),
            "%3Cbundled%20release%20pathways-2015%3E"
        );
    }
}
