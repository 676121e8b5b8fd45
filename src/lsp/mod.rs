//! `dxmap lsp`: a language server for `.dxm` files, on rust-analyzer's
//! synchronous `lsp-server` library.
//!
//! [`serve`] runs the protocol over a connection that the caller opened
//! (`cli/lsp.rs` opens standard input and output): it answers requests
//! one at a time and publishes diagnostics. Diagnostics are what `check`
//! gives for the whole rules tree a document belongs to (`workspace`), with
//! the open documents' unsaved texts; after a change they are published
//! within [`DEBOUNCE`] of the first keystroke, the changes made meanwhile
//! included. Every request first brings the analyses up to date.
//!
//! The features (`features`, `complete`) work on our own types; the
//! protocol's types are named only in `protocol`, positions are converted
//! in `text`, and names are found in the syntax trees by `index`. A panic
//! inside a feature (there should be none: clippy denies them) fails that
//! one request, not the server.
//!
//! Imports: its submodules only.

mod complete;
mod features;
mod index;
mod protocol;
mod text;
mod workspace;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Request, Response};
use serde_json::Value;

use protocol::{Diag, Notification, Query};
use workspace::{Scope, Workspace};

/// How long after a change the tree is checked again: the changes made
/// meanwhile are checked together.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The protocol failed: the client broke the handshake or went away.
#[derive(Debug, thiserror::Error)]
#[error("language server protocol: {0}")]
pub struct LspError(String);

/// The server's state between messages.
#[derive(Debug, Default)]
struct Server {
    workspace: Workspace,
    /// Scopes to check again, by when.
    pending: BTreeMap<Scope, Instant>,
    /// What was last published, by scope and URI.
    published: BTreeMap<Scope, BTreeMap<String, Vec<Diag>>>,
}

/// Runs the server on `connection` until the client says `exit` or goes
/// away; `version` is reported to the client.
pub fn serve(connection: &Connection, version: &str) -> Result<(), LspError> {
    let (id, _params) = connection
        .initialize_start()
        .map_err(|error| LspError(error.to_string()))?;
    connection
        .initialize_finish(id, protocol::initialize_result(version))
        .map_err(|error| LspError(error.to_string()))?;
    let mut server = Server::default();
    loop {
        let deadline = server.pending.values().min().copied();
        let message = match deadline {
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                match connection.receiver.recv_timeout(wait) {
                    Ok(message) => message,
                    Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => {
                        server.check_due(connection, false);
                        continue;
                    }
                    Err(_) => return Ok(()),
                }
            }
            None => match connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => return Ok(()),
            },
        };
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|error| LspError(error.to_string()))?
                {
                    return Ok(());
                }
                server.check_due(connection, true);
                let id = request.id.clone();
                let response = catch_unwind(AssertUnwindSafe(|| server.answer(request)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "internal error, please report: dxmap failed answering this".into(),
                        )
                    });
                send(connection, Message::Response(response));
            }
            Message::Notification(notification) => {
                let read = protocol::notification(&notification.method, notification.params);
                if matches!(read, Notification::Exit) {
                    return Ok(());
                }
                server.notify(connection, read);
            }
            Message::Response(_) => {}
        }
    }
}

fn send(connection: &Connection, message: Message) {
    // A client that has gone away is noticed when its channel closes.
    let _ = connection.sender.send(message);
}

impl Server {
    fn notify(&mut self, connection: &Connection, notification: Notification) {
        let now = Instant::now();
        match notification {
            Notification::Open { uri, text, version } => {
                let scope = self.workspace.open(uri, text, version);
                self.pending.insert(scope, now);
            }
            Notification::Change {
                uri,
                version,
                changes,
            } => {
                if let Some(scope) = self.workspace.change(&uri, version, changes) {
                    self.pending.entry(scope).or_insert(now + DEBOUNCE);
                }
            }
            Notification::Close { uri } => match self.workspace.close(&uri) {
                Some((scope, true)) => {
                    self.pending.remove(&scope);
                    self.published.remove(&scope);
                    publish(connection, &uri, None, &[]);
                }
                Some((scope, false)) => {
                    self.pending.insert(scope, now);
                }
                None => {}
            },
            Notification::Save | Notification::Exit | Notification::Other => {}
        }
    }

    /// Checks the scopes whose time has come (all pending ones with
    /// `all`) and publishes what changed.
    fn check_due(&mut self, connection: &Connection, all: bool) {
        let now = Instant::now();
        let due: Vec<Scope> = self
            .pending
            .iter()
            .filter(|(_, deadline)| all || **deadline <= now)
            .map(|(scope, _)| scope.clone())
            .collect();
        for scope in due {
            self.pending.remove(&scope);
            let workspace = &mut self.workspace;
            if catch_unwind(AssertUnwindSafe(|| workspace.analyse(&scope))).is_err() {
                continue;
            }
            self.publish(connection, &scope);
        }
    }

    /// Publishes a scope's diagnostics where they changed.
    fn publish(&mut self, connection: &Connection, scope: &Scope) {
        let Some(analysis) = self.workspace.analyses.get(scope) else {
            return;
        };
        let now = analysis.published();
        let before = self.published.remove(scope).unwrap_or_default();
        for uri in before.keys().filter(|uri| !now.contains_key(*uri)) {
            publish(connection, uri, None, &[]);
        }
        for (uri, diags) in &now {
            if before.get(uri) != Some(diags) {
                let version = self.workspace.docs.get(uri).map(|doc| doc.version);
                publish(connection, uri, version, diags);
            }
        }
        self.published.insert(scope.clone(), now);
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id;
        let query = match protocol::query(&request.method, request.params) {
            Ok(query) => query,
            Err(message) => {
                return Response::new_err(id, ErrorCode::InvalidParams as i32, message);
            }
        };
        let doc = |uri: &str| self.workspace.analysis_of(uri);
        let result = match query {
            Query::Hover(spot) => doc(&spot.uri).and_then(|(analysis, file)| {
                let offset = analysis.offset(file, spot.position);
                let (markdown, span) = features::hover(analysis, file, offset)?;
                Some(protocol::hover(markdown, Some(analysis.range(span))))
            }),
            Query::Definition(spot) => doc(&spot.uri).map(|(analysis, file)| {
                let offset = analysis.offset(file, spot.position);
                protocol::locations(&features::definition(analysis, file, offset))
            }),
            Query::References(spot, declarations) => doc(&spot.uri).map(|(analysis, file)| {
                let offset = analysis.offset(file, spot.position);
                protocol::locations(&features::references(analysis, file, offset, declarations))
            }),
            Query::Completion(spot) => doc(&spot.uri).map(|(analysis, file)| {
                let offset = analysis.offset(file, spot.position);
                protocol::completions(&complete::completion(analysis, file, offset))
            }),
            Query::Formatting(uri) => match doc(&uri) {
                Some((analysis, file)) => match features::format(analysis, file) {
                    Ok(edits) => Some(protocol::edits(&edits)),
                    Err(message) => {
                        return Response::new_err(id, ErrorCode::RequestFailed as i32, message);
                    }
                },
                None => None,
            },
            Query::CodeActions(uri, range) => doc(&uri).map(|(analysis, file)| {
                let start = analysis.offset(file, range.start);
                let end = analysis.offset(file, range.end);
                protocol::fixes(&features::fixes(analysis, file, start, end))
            }),
            Query::Symbols(uri) => doc(&uri)
                .map(|(analysis, file)| protocol::outline(&features::outline(analysis, file))),
            Query::Shutdown => None,
            Query::Unknown(method) => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("dxmap does not answer `{method}`"),
                );
            }
        };
        Response::new_ok(id, result.unwrap_or(Value::Null))
    }
}

fn publish(connection: &Connection, uri: &str, version: Option<i32>, diags: &[Diag]) {
    if let Some(params) = protocol::publish(uri, version, diags) {
        send(
            connection,
            Message::Notification(lsp_server::Notification::new(
                protocol::PUBLISH_DIAGNOSTICS.to_owned(),
                params,
            )),
        );
    }
}
