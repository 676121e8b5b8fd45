//! The load generator of `dxmap-serve-load`: a keep-alive HTTP/1.1
//! client over loopback, one blocking thread per connection; closed-loop
//! runs (each connection sends when its last answer is in) and open-loop
//! runs (request `i` is due at `start + i / rate`, its latency measured
//! from then).
//!
//! Imports: nothing of the crate.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A whole HTTP/1.1 request.
pub fn request(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A keep-alive connection that sends one request at a time.
pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    /// Sends a request and reads the answer: its status and body. On an
    /// error the connection is dropped and the next call opens another.
    pub fn call(&mut self, request: &[u8]) -> std::io::Result<(u16, &[u8])> {
        match self.exchange(request) {
            Ok((status, start, end)) => Ok((status, self.buf.get(start..end).unwrap_or_default())),
            Err(error) => {
                self.stream = None;
                Err(error)
            }
        }
    }

    fn exchange(&mut self, request: &[u8]) -> std::io::Result<(u16, usize, usize)> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut().ok_or_else(|| bad("no connection"))?;
        stream.write_all(request)?;
        self.buf.clear();
        let mut chunk = [0u8; 16 * 1024];
        let mut head_end = None;
        let mut needed = usize::MAX;
        let mut status = 0u16;
        while self.buf.len() < needed {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(bad("the server closed the connection"));
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
            if head_end.is_none() {
                let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = std::str::from_utf8(self.buf.get(..end).unwrap_or_default())
                    .map_err(|_| bad("the head is not text"))?;
                let mut lines = head.split("\r\n");
                status = lines
                    .next()
                    .and_then(|line| line.split(' ').nth(1))
                    .and_then(|code| code.parse().ok())
                    .ok_or_else(|| bad("no status"))?;
                let length: usize = lines
                    .filter_map(|line| line.split_once(':'))
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, value)| value.trim().parse().ok())
                    .ok_or_else(|| bad("no content-length"))?;
                head_end = Some(end + 4);
                needed = end + 4 + length;
            }
        }
        Ok((status, head_end.unwrap_or(0), needed))
    }
}

/// The `table.hash` of an answer, found without parsing the whole answer.
pub fn answer_hash(body: &[u8]) -> Option<&[u8]> {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let table = find(body, b"\"table\":{")?;
    let rest = body.get(table..)?;
    let start = find(rest, b"\"hash\":\"")? + 8;
    let rest = rest.get(start..)?;
    let end = rest.iter().position(|b| *b == b'"')?;
    rest.get(..end)
}

/// The CPU time this process (client and server, user and kernel) has
/// used, from `/proc/self/stat` (Linux; clock ticks of 1/100 s).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// What a closed-loop run gave.
#[derive(Clone, Copy)]
pub struct Closed {
    pub per_second: f64,
    pub failed: u64,
    /// Microseconds of this process's CPU per answer.
    pub cpu_us: f64,
}

/// A closed-loop run: answers per second.
pub fn closed(addr: SocketAddr, requests: &[Vec<u8>], connections: usize, seconds: f64) -> Closed {
    let next = AtomicU64::new(0);
    let ok = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let deadline = started + Duration::from_secs_f64(seconds);
    std::thread::scope(|scope| {
        for _ in 0..connections {
            scope.spawn(|| {
                let mut conn = Conn::new(addr);
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(request) = requests.get(i % requests.len()) else {
                        break;
                    };
                    match conn.call(request) {
                        Ok((200, _)) => ok.fetch_add(1, Ordering::Relaxed),
                        _ => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let answered = ok.load(Ordering::Relaxed);
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map_or(0.0, |(after, before)| after - before);
    Closed {
        per_second: answered as f64 / elapsed,
        failed: failed.load(Ordering::Relaxed),
        cpu_us: cpu * 1e6 / answered.max(1) as f64,
    }
}

/// What an open-loop run saw.
#[derive(Default)]
pub struct Paced {
    pub sent: u64,
    pub failed: u64,
    /// Microseconds from when each request was due to its answer.
    pub latencies: Vec<u64>,
    /// Answers by table: A, B, C (corrupt), another or none.
    pub by_table: [u64; 4],
    pub seconds: f64,
}

impl Paced {
    pub fn percentile(&self, q: f64) -> f64 {
        let n = self.latencies.len();
        let at = ((q * n as f64) as usize).min(n.saturating_sub(1));
        self.latencies.get(at).copied().unwrap_or(0) as f64 / 1000.0
    }
}

/// An open-loop run at `rate` requests a second for `seconds`.
pub fn paced(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    connections: usize,
    rate: f64,
    seconds: f64,
    hashes: Option<&[String; 3]>,
) -> Paced {
    let total = (rate * seconds) as u64;
    let next = AtomicU64::new(0);
    let start = Instant::now() + Duration::from_millis(20);
    let mut runs: Vec<Paced> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..connections)
            .map(|_| {
                scope.spawn(|| {
                    let mut conn = Conn::new(addr);
                    let mut seen = Paced::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let due = start + Duration::from_secs_f64(i as f64 / rate);
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        }
                        let Some(request) = requests.get(i as usize % requests.len()) else {
                            break;
                        };
                        seen.sent += 1;
                        match conn.call(request) {
                            Ok((200, body)) => {
                                if let Some(hashes) = hashes {
                                    let table = answer_hash(body).map_or(3, |hash| {
                                        hashes
                                            .iter()
                                            .position(|h| h.as_bytes() == hash)
                                            .unwrap_or(3)
                                    });
                                    if let Some(count) = seen.by_table.get_mut(table) {
                                        *count += 1;
                                    }
                                }
                            }
                            _ => seen.failed += 1,
                        }
                        let latency = due.elapsed().as_micros();
                        seen.latencies
                            .push(u64::try_from(latency).unwrap_or(u64::MAX));
                    }
                    seen
                })
            })
            .collect();
        threads.into_iter().filter_map(|t| t.join().ok()).collect()
    });
    let mut all = Paced {
        seconds: start.elapsed().as_secs_f64(),
        ..Paced::default()
    };
    for run in &mut runs {
        all.sent += run.sent;
        all.failed += run.failed;
        all.latencies.append(&mut run.latencies);
        for (sum, n) in all.by_table.iter_mut().zip(run.by_table) {
            *sum += n;
        }
    }
    all.latencies.sort_unstable();
    all
}
