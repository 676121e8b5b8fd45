//! Helpers for the server's tests: a small HTTP/1.1 client over loopback,
//! servers on a free port that stop themselves, scratch directories and
//! tables.
//!
//! The table is `tests/data/rules.dxt`, built from the shipped `rules/` by
//! `cargo run -- build rules -o server/tests/data/rules.dxt` (the root
//! crate's `tests/server_artifact.rs` checks it is up to date). Other tables
//! are that one changed and written again with `Table::to_artifact`.

#![allow(dead_code, reason = "each test file uses some of the helpers")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: a broken answer should fail the test loudly"
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dxmap_runtime::Table;
use dxmap_server::{Config, FileSource, Running};

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on a fresh connection (`Connection: close`).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading the whole body and close.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

pub fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], b"")
}

pub fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    request(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

/// The committed test table.
pub fn artifact() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules.dxt")).unwrap()
}

/// The header's hash of an artifact.
pub fn hash_of(artifact: &[u8]) -> String {
    let end = artifact.iter().position(|b| *b == b'\n').unwrap();
    let header = std::str::from_utf8(&artifact[..end]).unwrap();
    header.split("sha256=").nth(1).unwrap().to_owned()
}

/// Another good table: the test table with a service renamed.
pub fn variant(tag: &str) -> Vec<u8> {
    let mut table = Table::from_artifact(&artifact()).unwrap();
    table.services[0].name = format!("{} ({tag})", table.services[0].name);
    table.to_artifact()
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("dxmap-server-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a file whole: written beside, then renamed over.
pub fn write(path: &Path, bytes: &[u8]) {
    let beside = path.with_extension("partial");
    std::fs::write(&beside, bytes).unwrap();
    std::fs::rename(&beside, path).unwrap();
}

/// A test configuration: a free loopback port, no signal handlers.
pub fn config() -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        signals: false,
        watch_interval: Duration::from_millis(50),
        ..Config::default()
    }
}

/// A server stopped when dropped.
pub struct Server {
    pub running: Option<Running>,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop();
        }
    }
}

impl Server {
    pub fn stop(mut self) {
        self.running.take().unwrap().stop().unwrap();
    }
}

/// Serves `path` and waits (at most 10 s) until it is ready.
pub fn serve_file(path: &Path, config: Config) -> Server {
    let running = dxmap_server::start(
        config,
        Box::new(FileSource {
            path: path.to_owned(),
        }),
    )
    .unwrap();
    let addr = running.addr;
    let server = Server {
        running: Some(running),
        addr,
    };
    wait_until(|| get(addr, "/readyz").status == 200);
    server
}

/// Waits at most 10 s for `done`.
pub fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The README's first look, as a `/v1/route` body.
pub const DX28: &str = r#"{"dx":"Dx28","channel":"111","age":40,"sex":"female","postcode":"SO16 7AB","at":"2020-05-08T15:00:00+01:00"}"#;

/// A request whose head and first `sent` bytes of body are written, the
/// rest held back: a request in flight.
pub fn begin(addr: SocketAddr, path: &str, body: &[u8], sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..sent]).unwrap();
    stream
}

/// Writes the rest of a request begun with `begin` (nothing if the server
/// has already answered) and reads the answer, by its `Content-Length`.
pub fn finish(mut stream: TcpStream, rest: &[u8]) -> Reply {
    let _ = stream.write_all(rest);
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).unwrap();
        raw.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .split("\r\n")
                .filter_map(|l| l.split_once(':'))
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.trim().parse().unwrap())
                .unwrap();
            if body.len() >= length {
                return parse(&raw);
            }
        }
        assert!(n > 0, "the connection closed before the answer: {text:?}");
    }
}
