//! The Language Server Protocol's messages, read into our types and written
//! from them: the only file that names `lsp_types`, so that the protocol's
//! types crate can be swapped without touching the features.
//!
//! Documents are named by their URI as the client wrote it (a `String`);
//! positions are [`text::Position`]s (UTF-16 columns, the protocol's
//! default).
//!
//! Imports: `super::text`, `super::index`.

use std::path::{Path, PathBuf};

use lsp_types as lsp;
use serde_json::Value;

use super::index::Kind;
use super::text::{Position, Range};

/// The method of the notification that publishes diagnostics.
pub const PUBLISH_DIAGNOSTICS: &str = "textDocument/publishDiagnostics";

/// The result of `initialize`: what this server can do.
pub fn initialize_result(version: &str) -> Value {
    let capabilities = lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![" ".into(), "\"".into(), "(".into()]),
            ..lsp::CompletionOptions::default()
        }),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..lsp::CodeActionOptions::default()
            },
        )),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        ..lsp::ServerCapabilities::default()
    };
    let result = lsp::InitializeResult {
        capabilities,
        server_info: Some(lsp::ServerInfo {
            name: "dxmap".into(),
            version: Some(version.into()),
        }),
    };
    serde_json::to_value(result).unwrap_or(Value::Null)
}

// ------------------------------------------------------------- incoming

/// A notification from the client.
#[derive(Debug, Clone)]
pub enum Notification {
    /// `didOpen`: the document's URI, text and version.
    Open {
        /// The document.
        uri: String,
        /// Its text.
        text: String,
        /// Its version.
        version: i32,
    },
    /// `didChange`: edits in order; a `None` range replaces the whole text.
    Change {
        /// The document.
        uri: String,
        /// Its new version.
        version: i32,
        /// The edits.
        changes: Vec<(Option<Range>, String)>,
    },
    /// `didClose`.
    Close {
        /// The document.
        uri: String,
    },
    /// `didSave`: nothing to do, the text is the editor's already.
    Save,
    /// `exit`.
    Exit,
    /// Anything else, or parameters that do not parse: ignored.
    Other,
}

fn position(position: lsp::Position) -> Position {
    Position {
        line: position.line,
        character: position.character,
    }
}

fn range(range: lsp::Range) -> Range {
    Range {
        start: position(range.start),
        end: position(range.end),
    }
}

/// Reads a notification.
pub fn notification(method: &str, params: Value) -> Notification {
    fn params_of<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
        serde_json::from_value(params).ok()
    }
    let read = match method {
        "textDocument/didOpen" => {
            params_of::<lsp::DidOpenTextDocumentParams>(params).map(|p| Notification::Open {
                uri: p.text_document.uri.to_string(),
                text: p.text_document.text,
                version: p.text_document.version,
            })
        }
        "textDocument/didChange" => {
            params_of::<lsp::DidChangeTextDocumentParams>(params).map(|p| Notification::Change {
                uri: p.text_document.uri.to_string(),
                version: p.text_document.version,
                changes: p
                    .content_changes
                    .into_iter()
                    .map(|change| (change.range.map(range), change.text))
                    .collect(),
            })
        }
        "textDocument/didClose" => {
            params_of::<lsp::DidCloseTextDocumentParams>(params).map(|p| Notification::Close {
                uri: p.text_document.uri.to_string(),
            })
        }
        "textDocument/didSave" => {
            params_of::<lsp::DidSaveTextDocumentParams>(params).map(|_| Notification::Save)
        }
        "exit" => Some(Notification::Exit),
        _ => None,
    };
    read.unwrap_or(Notification::Other)
}

/// A place in a document.
#[derive(Debug, Clone)]
pub struct Spot {
    /// The document.
    pub uri: String,
    /// The position.
    pub position: Position,
}

/// A request from the client.
#[derive(Debug, Clone)]
pub enum Query {
    /// `textDocument/hover`.
    Hover(Spot),
    /// `textDocument/definition`.
    Definition(Spot),
    /// `textDocument/references`, with the declarations or not.
    References(Spot, bool),
    /// `textDocument/completion`.
    Completion(Spot),
    /// `textDocument/formatting`.
    Formatting(String),
    /// `textDocument/codeAction` for a range.
    CodeActions(String, Range),
    /// `textDocument/documentSymbol`.
    Symbols(String),
    /// `shutdown`.
    Shutdown,
    /// A method this server does not answer.
    Unknown(String),
}

/// Reads a request; `Err` when its parameters do not parse.
pub fn query(method: &str, params: Value) -> Result<Query, String> {
    fn spot(params: lsp::TextDocumentPositionParams) -> Spot {
        Spot {
            uri: params.text_document.uri.to_string(),
            position: position(params.position),
        }
    }
    fn read<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, String> {
        serde_json::from_value(params).map_err(|error| format!("invalid parameters: {error}"))
    }
    Ok(match method {
        "textDocument/hover" => Query::Hover(spot(
            read::<lsp::HoverParams>(params)?.text_document_position_params,
        )),
        "textDocument/definition" => Query::Definition(spot(
            read::<lsp::GotoDefinitionParams>(params)?.text_document_position_params,
        )),
        "textDocument/references" => {
            let params = read::<lsp::ReferenceParams>(params)?;
            Query::References(
                spot(params.text_document_position),
                params.context.include_declaration,
            )
        }
        "textDocument/completion" => Query::Completion(spot(
            read::<lsp::CompletionParams>(params)?.text_document_position,
        )),
        "textDocument/formatting" => Query::Formatting(
            read::<lsp::DocumentFormattingParams>(params)?
                .text_document
                .uri
                .to_string(),
        ),
        "textDocument/codeAction" => {
            let params = read::<lsp::CodeActionParams>(params)?;
            Query::CodeActions(params.text_document.uri.to_string(), range(params.range))
        }
        "textDocument/documentSymbol" => Query::Symbols(
            read::<lsp::DocumentSymbolParams>(params)?
                .text_document
                .uri
                .to_string(),
        ),
        "shutdown" => Query::Shutdown,
        other => Query::Unknown(other.to_owned()),
    })
}

// ------------------------------------------------------------- outgoing

fn lsp_position(position: Position) -> lsp::Position {
    lsp::Position {
        line: position.line,
        character: position.character,
    }
}

fn lsp_range(range: Range) -> lsp::Range {
    lsp::Range {
        start: lsp_position(range.start),
        end: lsp_position(range.end),
    }
}

fn url(uri: &str) -> Option<lsp::Url> {
    lsp::Url::parse(uri).ok()
}

/// The file a `file:` URI names.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    url(uri)
        .filter(|url| url.scheme() == "file")?
        .to_file_path()
        .ok()
}

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<String> {
    lsp::Url::from_file_path(path).ok().map(String::from)
}

/// A range of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The document.
    pub uri: String,
    /// The range.
    pub range: Range,
}

/// How bad a published diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// An error.
    Error,
    /// A warning.
    Warning,
    /// A finding a `// dxmap: allow` comment silences.
    Allowed,
}

/// A diagnostic as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Diag {
    /// Where.
    pub range: Range,
    /// How bad.
    pub severity: Severity,
    /// The code, `DX0201`.
    pub code: String,
    /// The message, as `check` gives it.
    pub message: String,
    /// The secondary labels, the help and the allow's reason.
    pub related: Vec<(Location, String)>,
}

fn lsp_diagnostic(diag: &Diag) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = diag
        .related
        .iter()
        .filter_map(|(location, message)| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location {
                    uri: url(&location.uri)?,
                    range: lsp_range(location.range),
                },
                message: message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: lsp_range(diag.range),
        severity: Some(match diag.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Allowed => lsp::DiagnosticSeverity::HINT,
        }),
        code: Some(lsp::NumberOrString::String(diag.code.clone())),
        source: Some("dxmap".into()),
        message: diag.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

/// The parameters of `textDocument/publishDiagnostics`.
pub fn publish(uri: &str, version: Option<i32>, diagnostics: &[Diag]) -> Option<Value> {
    let params = lsp::PublishDiagnosticsParams {
        uri: url(uri)?,
        diagnostics: diagnostics.iter().map(lsp_diagnostic).collect(),
        version,
    };
    serde_json::to_value(params).ok()
}

/// A hover: Markdown text over a range.
pub fn hover(markdown: String, range: Option<Range>) -> Value {
    let hover = lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }),
        range: range.map(lsp_range),
    };
    serde_json::to_value(hover).unwrap_or(Value::Null)
}

/// A list of locations (definitions, references).
pub fn locations(found: &[Location]) -> Value {
    let list: Vec<lsp::Location> = found
        .iter()
        .filter_map(|location| {
            Some(lsp::Location {
                uri: url(&location.uri)?,
                range: lsp_range(location.range),
            })
        })
        .collect();
    serde_json::to_value(list).unwrap_or(Value::Null)
}

/// What a completion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    /// A keyword.
    Keyword,
    /// A disposition code.
    Code,
    /// A literal value (`111`, `female`).
    Value,
    /// A name of a kind.
    Name(Kind),
}

/// One completion.
#[derive(Debug, Clone)]
pub struct Completion {
    /// What is inserted and shown.
    pub label: String,
    /// What it is.
    pub kind: Completed,
    /// A line of detail (a code's title, a type's label).
    pub detail: Option<String>,
}

fn symbol_kind(kind: Kind) -> lsp::SymbolKind {
    match kind {
        Kind::Skill => lsp::SymbolKind::PROPERTY,
        Kind::Calendar => lsp::SymbolKind::EVENT,
        Kind::ServiceType => lsp::SymbolKind::CLASS,
        Kind::Group => lsp::SymbolKind::ENUM,
        Kind::Rule => lsp::SymbolKind::FUNCTION,
        Kind::Hierarchy => lsp::SymbolKind::ARRAY,
        Kind::PostcodeSet => lsp::SymbolKind::CONSTANT,
        Kind::Service => lsp::SymbolKind::OBJECT,
        Kind::Layer => lsp::SymbolKind::NAMESPACE,
    }
}

/// A list of completions.
pub fn completions(items: &[Completion]) -> Value {
    let list: Vec<lsp::CompletionItem> = items
        .iter()
        .map(|item| lsp::CompletionItem {
            label: item.label.clone(),
            kind: Some(match item.kind {
                Completed::Keyword => lsp::CompletionItemKind::KEYWORD,
                Completed::Code => lsp::CompletionItemKind::ENUM_MEMBER,
                Completed::Value => lsp::CompletionItemKind::VALUE,
                Completed::Name(Kind::ServiceType) => lsp::CompletionItemKind::CLASS,
                Completed::Name(Kind::Rule) => lsp::CompletionItemKind::FUNCTION,
                Completed::Name(Kind::Layer) => lsp::CompletionItemKind::MODULE,
                Completed::Name(_) => lsp::CompletionItemKind::VARIABLE,
            }),
            detail: item.detail.clone(),
            ..lsp::CompletionItem::default()
        })
        .collect();
    serde_json::to_value(list).unwrap_or(Value::Null)
}

fn lsp_edits(edits: &[(Range, String)]) -> Vec<lsp::TextEdit> {
    edits
        .iter()
        .map(|(range, text)| lsp::TextEdit {
            range: lsp_range(*range),
            new_text: text.clone(),
        })
        .collect()
}

/// A list of text edits (formatting).
pub fn edits(edits: &[(Range, String)]) -> Value {
    serde_json::to_value(lsp_edits(edits)).unwrap_or(Value::Null)
}

/// A quick fix: edits of one document.
#[derive(Debug, Clone)]
pub struct Fix {
    /// What the fix does.
    pub title: String,
    /// The document edited.
    pub uri: String,
    /// The edits.
    pub edits: Vec<(Range, String)>,
    /// The diagnostic it fixes.
    pub fixes: Diag,
}

/// A list of quick fixes.
pub fn fixes(found: &[Fix]) -> Value {
    let list: Vec<lsp::CodeActionOrCommand> = found
        .iter()
        .filter_map(|fix| {
            let changes =
                std::collections::HashMap::from([(url(&fix.uri)?, lsp_edits(&fix.edits))]);
            Some(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: fix.title.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diagnostic(&fix.fixes)]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..lsp::WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..lsp::CodeAction::default()
            }))
        })
        .collect();
    serde_json::to_value(list).unwrap_or(Value::Null)
}

/// An entry of a document's outline.
#[derive(Debug, Clone)]
pub struct Outline {
    /// The name shown.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// A line of detail.
    pub detail: Option<String>,
    /// The whole item.
    pub range: Range,
    /// Its name.
    pub selection: Range,
    /// The items inside it.
    pub children: Vec<Outline>,
}

#[expect(
    deprecated,
    reason = "`DocumentSymbol::deprecated` must be written, as `None`"
)]
fn document_symbol(outline: &Outline) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: outline.name.clone(),
        detail: outline.detail.clone(),
        kind: symbol_kind(outline.kind),
        tags: None,
        deprecated: None,
        range: lsp_range(outline.range),
        selection_range: lsp_range(outline.selection),
        children: (!outline.children.is_empty())
            .then(|| outline.children.iter().map(document_symbol).collect()),
    }
}

/// A document's outline.
pub fn outline(entries: &[Outline]) -> Value {
    let list: Vec<lsp::DocumentSymbol> = entries.iter().map(document_symbol).collect();
    serde_json::to_value(list).unwrap_or(Value::Null)
}
