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
//! Files in the repository are named relative to its root, whatever path
//! was typed (`rules`, `../rules`, `/tmp/x/rules`): the URI is the path
//! from the root with `uriBaseId` `%SRCROOT%`, which the run's
//! `originalUriBaseIds` describes without giving its absolute path (a
//! log carries no path of the machine that wrote it; code scanning reads
//! such URIs from the checkout's root). The caller, which may look at the
//! file system, says what each file's path from the root is; a file
//! outside the repository, or a bundled catalogue, keeps the name it was
//! read under.
//!
//! Every result has `partialFingerprints` `dxmap/v1`, so that code
//! scanning follows one finding from push to push: a 64-bit FNV-1a hash,
//! as 16 hex digits, of the code, the file's path from the root, the
//! source text the finding points at (blanks folded) and how many results
//! before it in the run share those three. Lines and columns are left
//! out, so that an edit above a finding does not make it a new one; so is
//! the message, which may quote counts or suggestions that change.
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
    original_uri_base_ids: BaseIds,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

/// The base of relative URIs, described but not located.
#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: BaseId,
}

#[derive(Serialize)]
struct BaseId {
    description: Message,
}

/// The base of the URIs of files in the repository.
pub const SRCROOT: &str = "%SRCROOT%";

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
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "dxmap/v1")]
    v1: String,
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
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
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

/// Where a file is for SARIF: its path from the repository's root (with
/// [`SRCROOT`]) when `from_root` knows it, else the name it was read under.
fn artifact(name: &str, from_root: &dyn Fn(&str) -> Option<String>) -> ArtifactLocation {
    match from_root(name) {
        Some(path) => ArtifactLocation {
            uri: file_uri(path.trim_start_matches(['/', '\\'])),
            uri_base_id: Some(SRCROOT),
        },
        None => ArtifactLocation {
            uri: file_uri(name),
            uri_base_id: None,
        },
    }
}

fn location(
    label: &Label,
    sources: &SourceMap,
    from_root: &dyn Fn(&str) -> Option<String>,
    message: Option<String>,
) -> Location {
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
            artifact_location: artifact(sources.name(span.file), from_root),
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

/// 64-bit FNV-1a: small, fixed forever, and enough to tell findings apart.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The `dxmap/v1` fingerprint of each diagnostic (see the module's doc).
fn fingerprints(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    from_root: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut seen: std::collections::BTreeMap<(&str, String, String), u32> =
        std::collections::BTreeMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let span = diagnostic.primary.span;
            let name = sources.name(span.file);
            let path = from_root(name).unwrap_or_else(|| name.to_owned());
            let text = sources
                .get(span.file)
                .map(|file| {
                    file.slice(span)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let count = seen
                .entry((diagnostic.code.id(), path.clone(), text.clone()))
                .or_default();
            let ordinal = *count;
            *count += 1;
            let hash = fnv1a(&[
                diagnostic.code.id().as_bytes(),
                path.as_bytes(),
                text.as_bytes(),
                &ordinal.to_le_bytes(),
            ]);
            format!("{hash:016x}")
        })
        .collect()
}

/// The whole run as a SARIF 2.1.0 log (pretty-printed JSON). `from_root`
/// gives a file's path from the repository's root, for a file name as the
/// source map has it, or `None` for a file outside the repository (or no
/// file at all, as a bundled catalogue).
pub fn render_all(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    from_root: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort_by_key(|code| code.id());
    codes.dedup();
    let results = diagnostics
        .iter()
        .zip(fingerprints(diagnostics, sources, from_root))
        .map(|(diagnostic, fingerprint)| SarifResult {
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
                from_root,
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
                    location(label, sources, from_root, Some(text))
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
            partial_fingerprints: Fingerprints { v1: fingerprint },
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
            original_uri_base_ids: BaseIds {
                src_root: BaseId {
                    description: Message {
                        text: "The root of the repository the rules are in (its git work tree, else the directory dxmap ran in)".to_owned(),
                    },
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
    use crate::source::Span;
    use serde_json::Value;

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

    /// The fingerprints and URIs of a one-finding run of `text`, read as
    /// `name` and placed at `path` from the root.
    fn run(text: &str, name: &str, path: Option<&str>, message: &str) -> Value {
        let mut sources = SourceMap::new();
        let file = sources.add(name, text);
        let start = u32::try_from(text.find("Dx10").unwrap_or(0)).unwrap_or(0);
        let diagnostics = vec![
            Diagnostic::new(
                Code::UnknownDisposition,
                Span::new(file, start, start + 4),
                message,
            ),
            Diagnostic::new(
                Code::UnknownDisposition,
                Span::new(file, start, start + 4),
                message,
            ),
        ];
        let path = path.map(str::to_owned);
        let log = render_all(&diagnostics, &sources, &|_| path.clone());
        serde_json::from_str(&log).unwrap_or_default()
    }

    fn fingerprints_of(log: &Value) -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .map(|results| {
                results
                    .iter()
                    .map(|r| {
                        r["partialFingerprints"]["dxmap/v1"]
                            .as_str()
                            .unwrap_or("")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn files_are_named_from_the_root_and_findings_keep_their_fingerprints() {
        let text = "rule \"A\" {\n  when dx = Dx10\n}\n";
        let log = run(
            text,
            "/tmp/x/rules/a b.dxm",
            Some("rules/a b.dxm"),
            "unknown",
        );
        let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "rules/a%20b.dxm");
        assert_eq!(location["artifactLocation"]["uriBaseId"], SRCROOT);
        assert!(log["runs"][0]["originalUriBaseIds"][SRCROOT]["description"]["text"].is_string());
        let first = fingerprints_of(&log);
        // Two findings alike in one place are told apart.
        assert_eq!(first.len(), 2);
        assert_ne!(first[0], first[1]);
        assert!(first.iter().all(|f| f.len() == 16));
        // Lines added above, another way of typing the path, another
        // message: the same findings.
        let moved = run(
            &format!("// Dorset\n\n{text}"),
            "rules/a b.dxm",
            Some("rules/a b.dxm"),
            "unknown disposition `Dx10` (did you mean `Dx01`?)",
        );
        assert_eq!(fingerprints_of(&moved), first);
        // Another file: other findings.
        let other = run(text, "rules/c.dxm", Some("rules/c.dxm"), "unknown");
        assert_ne!(fingerprints_of(&other)[0], first[0]);
        // A file outside the repository keeps the name it was read under.
        let outside = run(text, "/srv/a.dxm", None, "unknown");
        let artifact = &outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"];
        assert_eq!(artifact["uri"], "file:///srv/a.dxm");
        assert!(artifact.get("uriBaseId").is_none());
    }
}
