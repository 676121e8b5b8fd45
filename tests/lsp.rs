//! `dxmap lsp` driven over standard input and output with JSON-RPC, as an
//! editor drives it: the handshake, diagnostics of a broken file (the codes
//! `check` gives), hover, go to definition, completion, formatting, quick
//! fixes, the outline; and hostile input (random edits, half-typed files,
//! files outside any rules tree) that must never bring the server down.
//! Every wait is bounded, and the server is killed when a test ends.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::rng::Rng;

/// The longest any one answer may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// A running `dxmap lsp`.
struct Lsp {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications read while waiting for something else.
    seen: Vec<Value>,
    next_id: i64,
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Lsp {
    /// Starts the server and completes the handshake.
    fn start() -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dxmap"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let mut lsp = Lsp {
            child,
            stdin,
            messages,
            seen: Vec::new(),
            next_id: 1,
        };
        let result = lsp.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(result["serverInfo"]["name"], "dxmap");
        assert_eq!(result["capabilities"]["hoverProvider"], true);
        lsp.notify("initialized", json!({}));
        lsp
    }

    fn write(&mut self, message: &Value) {
        let body = serde_json::to_string(message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(wait) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from `dxmap lsp` in time"),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().unwrap();
                panic!("`dxmap lsp` ended: {status}")
            }
        }
    }

    /// The whole response to a request.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self.next(deadline);
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
            self.seen.push(message);
        }
    }

    /// The result of a request, which must not fail.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let published = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(at) = self.seen.iter().position(published) {
            let message = self.seen.remove(at);
            return message["params"]["diagnostics"].as_array().unwrap().clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let message = self.next(deadline);
            if published(&message) {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.seen.push(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dxmap", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Shuts the server down as an editor does; it must exit 0.
    fn shut_down(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("`dxmap lsp` did not exit");
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A copy of the shipped rules tree in a scratch directory.
fn shipped_tree(name: &str) -> PathBuf {
    let rules = support::cli::project().join("rules");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in walkdir::WalkDir::new(&rules) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(&rules).unwrap();
            files.push((
                format!("rules/{}", relative.display()),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    support::cli::scratch(name, &files).join("rules")
}

/// The `(line, character)` of the first `needle` in `text`, plus `shift`.
fn position_of(text: &str, needle: &str, shift: usize) -> Value {
    let at = text.find(needle).unwrap() + shift;
    let line = text[..at].matches('\n').count();
    let character = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_editor_session_on_the_shipped_tree() {
    let root = shipped_tree("session");
    let rules_path = root.join("rules.dxm");
    let rules_uri = uri(&rules_path);
    let good = std::fs::read_to_string(&rules_path).unwrap();
    let broken = good.replacen(
        "route emergency_department\n",
        "route emergency_departmnt\n",
        1,
    );
    let mut lsp = Lsp::start();

    // A broken file: the codes and messages `check` gives, for the whole tree.
    lsp.open(&rules_uri, &broken);
    let found = lsp.diagnostics(&rules_uri);
    assert_eq!(codes(&found), vec!["DX0202"], "{found:?}");
    assert_eq!(
        found[0]["message"],
        "unknown service type `emergency_departmnt`"
    );

    // The quick fix from the did-you-mean help.
    let fixes = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": rules_uri}, "range": found[0]["range"], "context": {"diagnostics": []}}),
    );
    let fix = &fixes[0];
    assert_eq!(fix["title"], "Change to `emergency_department`");
    assert_eq!(
        fix["edit"]["changes"][&rules_uri][0]["newText"],
        "emergency_department"
    );

    // Fixed: the diagnostics go (within `WAIT`: a bound against a hang, not
    // a speed test; a busy CI machine must not fail it).
    lsp.change(&rules_uri, 2, &good);
    assert!(lsp.diagnostics(&rules_uri).is_empty());

    // Hover on a code: its title, timeframe and status in the release.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&good, "dx = Dx28", 6)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**Dx28**"), "{text}");
    assert!(text.contains("timeframe: 12 hours"), "{text}");
    assert!(text.contains("in release `pathways-2020`"), "{text}");

    // Hover on a service type.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&good, "route emergency_department", 8)}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("responds within 1 hour"), "{text}");

    // Go to the definition of a service type: in another file of the tree.
    let found = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&good, "route emergency_department", 8)}),
    );
    let national = std::fs::read_to_string(root.join("national.dxm")).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["uri"], uri(&root.join("national.dxm")));
    assert_eq!(
        found[0]["range"]["start"],
        position_of(&national, "service_type emergency_department", 13)
    );

    // Find references: every use of it in the tree, and its definition.
    let found = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&good, "route emergency_department", 8), "context": {"includeDeclaration": true}}),
    );
    assert!(found.as_array().unwrap().len() > 5, "{found}");

    // Completion after `route `: the service types, not keywords.
    let typing = good.replacen("route emergency_department\n", "route \n", 1);
    lsp.change(&rules_uri, 3, &typing);
    let items = lsp.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&typing, "route \n", 6)}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"emergency_department"), "{labels:?}");
    assert!(labels.contains(&"gp_ooh"), "{labels:?}");
    assert!(!labels.contains(&"rule"), "{labels:?}");

    // Completion of codes, with their titles.
    let typing = good.replacen("dx = Dx28", "dx = ", 1);
    lsp.change(&rules_uri, 4, &typing);
    let items = lsp.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": rules_uri}, "position": position_of(&typing, "dx = ", 5)}),
    );
    let dx28 = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "Dx28")
        .unwrap();
    assert!(
        dx28["detail"].as_str().unwrap().contains("12 hours"),
        "{dx28}"
    );

    // The outline.
    lsp.change(&rules_uri, 5, &good);
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": rules_uri}}),
    );
    assert!(symbols
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Pharmacy, adults"));
    lsp.shut_down();
}

#[test]
fn formatting_and_a_missing_because() {
    let root = shipped_tree("formatting");
    let path = root.join("overlays/hampshire.dxm");
    let file_uri = uri(&path);
    let good = std::fs::read_to_string(&path).unwrap();
    let line = good
        .lines()
        .find(|l| l.trim_start().starts_with("remap "))
        .unwrap();
    let bare = line.split(" because").next().unwrap();
    let broken = good.replacen(line, bare, 1);
    let mut lsp = Lsp::start();
    lsp.open(&file_uri, &broken);
    let found = lsp.diagnostics(&file_uri);
    assert_eq!(codes(&found), vec!["DX0303"], "{found:?}");
    let fixes = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": file_uri}, "range": found[0]["range"], "context": {"diagnostics": []}}),
    );
    let edit = &fixes[0]["edit"]["changes"][&file_uri][0];
    assert_eq!(edit["newText"], " because \"TODO: say why\"");
    assert_eq!(edit["range"]["start"], found[0]["range"]["end"]);

    // Formatting: one edit to the canonical text.
    let messy = good.replacen("remap Dx06 -> Dx05", "remap   Dx06   ->   Dx05", 1);
    lsp.change(&file_uri, 2, &messy);
    let edits = lsp.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": file_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], good.as_str());
    // Refused with syntax errors.
    lsp.change(&file_uri, 3, &format!("{messy}\nrule \"x\" {{ when\n"));
    let response = lsp.call(
        "textDocument/formatting",
        json!({"textDocument": {"uri": file_uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let message = response["error"]["message"].as_str().unwrap();
    assert!(message.contains("syntax errors"), "{message}");
    lsp.shut_down();
}

/// Random text: pieces of the language, broken at random.
fn random_text(rng: &mut Rng, base: &str) -> String {
    const PIECES: &[&str] = &[
        "rule \"",
        "{",
        "}",
        "when dx = Dx",
        "route ",
        "overlay x extends ",
        "service \"S\" id \"",
        "hours { mon-fri 08:",
        "\"",
        "\n",
        "Dx28",
        "..",
        "é😀",
        "\r",
        "\u{feff}",
        "// dxmap: allow DX",
        "postcodes p = PL10..",
        "    ",
        "release \"",
    ];
    let mut text: Vec<char> = base.chars().collect();
    for _ in 0..rng.below(6) + 1 {
        let at = rng.index(text.len() + 1);
        match rng.below(3) {
            0 => {
                let end = (at + rng.index(40)).min(text.len());
                text.drain(at..end);
            }
            _ => {
                let piece: Vec<char> = rng.pick(PIECES).chars().collect();
                text.splice(at..at, piece);
            }
        }
    }
    text.into_iter().collect()
}

#[test]
fn hostile_edits_never_bring_the_server_down() {
    let root = shipped_tree("hostile");
    let inside = root.join("rules.dxm");
    let base = std::fs::read_to_string(&inside).unwrap();
    let outside = support::cli::scratch("hostile-outside", &[("notes/loose.dxm", "")])
        .join("notes/loose.dxm");
    let mut lsp = Lsp::start();
    let documents = [
        uri(&inside),
        uri(&outside),
        uri(&root.join("overlays/unsaved.dxm")),
        "untitled:Untitled-1".to_owned(),
    ];
    for document in &documents {
        lsp.open(document, "");
    }
    let mut rng = Rng(0x5eed_1175);
    for version in 2..120 {
        let document = rng.pick(&documents).clone();
        let start = if rng.chance(70) { base.as_str() } else { "" };
        let text = random_text(&mut rng, start);
        lsp.change(&document, version, &text);
        if version % 10 == 0 {
            // Requests at random places of a random text.
            let position = json!({"line": rng.below(200), "character": rng.below(80)});
            for method in [
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
            ] {
                lsp.call(
                    method,
                    json!({"textDocument": {"uri": document}, "position": position}),
                );
            }
            lsp.call(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": document}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}),
            );
            lsp.call(
                "textDocument/formatting",
                json!({"textDocument": {"uri": document}, "options": {"tabSize": 2, "insertSpaces": true}}),
            );
        }
    }
    // Still answering, and a file outside any tree is checked alone.
    lsp.change(&documents[1], 500, "group g = Dx05\n");
    let found = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": documents[1]}}),
    );
    assert_eq!(found[0]["name"], "g");
    // Garbage in the protocol itself is answered, not fatal.
    let response = lsp.call("textDocument/hover", json!({"nonsense": true}));
    assert!(response.get("error").is_some());
    lsp.shut_down();
}
