//! The load generator of `dxmap-serve-load`: a hand-written HTTP/1.1
//! client over loopback.
//!
//! [`drive`] is the measuring client: ONE thread, busy-polling many
//! keep-alive connections whose sockets are non-blocking. It never sleeps
//! (it spins on [`Instant::now`] on a core of its own), so a request is
//! written when it is due and an answer read as soon as it is in, and
//! the client's own scheduling does not show in the figures. It runs
//!
//! - closed loops ([`Pace::Closed`]): every connection sends its next
//!   request as soon as its last answer is in, for the maximum throughput;
//! - open loops ([`Pace::Rate`]): request `i` is due at
//!   `start + i / rate`, written on an idle connection when due, and its
//!   latency runs from when it was due. If no connection is idle the
//!   request waits for one and the wait counts in its latency (no
//!   coordinated omission).
//!
//! Each run counts the client's own stalls ([`Stalls`]: gaps over a
//! millisecond in its loop, when the thread was not running); [`spin`]
//! counts them in a loop that does nothing else.
//!
//! [`Conn`] is a blocking connection that sends one request at a time, for
//! the reloader's admin calls and the readiness checks.
//!
//! Imports: nothing of the crate.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A whole HTTP/1.1 request.
pub fn request(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

/// The first whole answer at the start of `buf`: its status, where its
/// body starts and where it ends; `None` while it is incomplete.
fn parse(buf: &[u8]) -> std::io::Result<Option<(u16, usize, usize)>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(buf.get(..end).unwrap_or_default())
        .map_err(|_| bad("the head is not text"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let length: usize = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| bad("no content-length"))?;
    let needed = end + 4 + length;
    Ok((buf.len() >= needed).then_some((status, end + 4, needed)))
}

/// A keep-alive connection that sends one request at a time and blocks
/// until its answer is in.
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
        loop {
            if let Some(answer) = parse(&self.buf)? {
                return Ok(answer);
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(bad("the server closed the connection"));
            }
            self.buf
                .extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
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

/// The CPU time a process (all its threads, user and kernel) has used,
/// from `/proc/PID/stat` (Linux; clock ticks of 1/100 s).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// How requests are sent.
#[derive(Clone, Copy)]
pub enum Pace {
    /// Each connection sends its next request when its last answer is in.
    Closed,
    /// Request `i` is due at `start + i / rate` (requests a second).
    Rate(f64),
}

/// What a run saw.
#[derive(Default)]
pub struct Run {
    pub sent: u64,
    /// Answered 200.
    pub ok: u64,
    /// Not 200, or no answer.
    pub failed: u64,
    /// Microseconds from when each request was due to its answer, sorted
    /// (the latencies of `timeline`, made at the end of the run).
    pub latencies: Vec<u64>,
    /// Each request's due time (microseconds from the start) and latency
    /// (microseconds), in the order answered.
    pub timeline: Vec<(u64, u64)>,
    /// Answers by table: A, B, C (corrupt), another or none.
    pub by_table: [u64; 4],
    /// From the start to the last answer.
    pub seconds: f64,
    /// The client's own stalls: times its loop did not come round.
    pub stalls: Stalls,
}

/// Gaps longer than [`Stalls::MIN`] in a loop that should never pause:
/// times the thread was not running (descheduled, or its virtual CPU not
/// running), as seen from the thread.
#[derive(Default, Clone, Copy)]
pub struct Stalls {
    pub count: u64,
    pub total: Duration,
    pub largest: Duration,
}

impl Stalls {
    /// Shorter gaps are not counted.
    pub const MIN: Duration = Duration::from_millis(1);

    fn gap(&mut self, gap: Duration) {
        if gap > Stalls::MIN {
            self.count += 1;
            self.total += gap;
            self.largest = self.largest.max(gap);
        }
    }

    /// `12 (45.6 ms in all, largest 7.8 ms)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:.1} ms in all, largest {:.1} ms)",
            self.count,
            self.total.as_secs_f64() * 1000.0,
            self.largest.as_secs_f64() * 1000.0
        )
    }
}

/// Spins for `seconds` on this thread, counting its stalls.
pub fn spin(seconds: f64) -> Stalls {
    let mut stalls = Stalls::default();
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut last = start;
    while last < end {
        let now = Instant::now();
        stalls.gap(now - last);
        last = now;
    }
    stalls
}

impl Run {
    pub fn percentile(&self, q: f64) -> f64 {
        let n = self.latencies.len();
        let at = ((q * n as f64) as usize).min(n.saturating_sub(1));
        self.latencies.get(at).copied().unwrap_or(0) as f64 / 1000.0
    }

    /// The windows of `width` (by when requests were due) in which the
    /// `q` quantile of latency is at most `bound`, and how many windows
    /// had a request.
    pub fn windows_within(&self, width: Duration, q: f64, bound: Duration) -> (usize, usize) {
        let width = width.as_micros().max(1) as u64;
        let mut windows: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
        for (at, latency) in &self.timeline {
            windows.entry(at / width).or_default().push(*latency);
        }
        let bound = bound.as_micros() as u64;
        let met = windows
            .values_mut()
            .filter_map(|latencies| {
                latencies.sort_unstable();
                let at =
                    ((q * latencies.len() as f64) as usize).min(latencies.len().saturating_sub(1));
                latencies.get(at).filter(|l| **l <= bound)
            })
            .count();
        (met, windows.len())
    }

    /// The share of requests answered more than `bound` after they were due.
    pub fn share_over(&self, bound: Duration) -> f64 {
        let bound = bound.as_micros() as u64;
        let over = self.latencies.len() - self.latencies.partition_point(|l| *l <= bound);
        over as f64 / self.latencies.len().max(1) as f64
    }

    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }
}

/// A non-blocking keep-alive connection with at most one request in flight.
struct Slot {
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// The request in flight: its index and how much of it is written.
    request: usize,
    written: usize,
    /// When the request in flight was due; `None` when idle.
    due: Option<Instant>,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
            request: 0,
            written: 0,
            due: None,
        }
    }

    fn connect(&mut self, addr: SocketAddr) -> std::io::Result<()> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(addr)?;
            stream.set_nodelay(true)?;
            stream.set_nonblocking(true)?;
            self.stream = Some(stream);
        }
        Ok(())
    }

    /// Writes what it can of the request in flight.
    fn write(&mut self, requests: &[Vec<u8>]) -> std::io::Result<()> {
        let request = requests
            .get(self.request)
            .ok_or_else(|| bad("no request"))?;
        let stream = self.stream.as_mut().ok_or_else(|| bad("no connection"))?;
        while let Some(rest) = request.get(self.written..).filter(|r| !r.is_empty()) {
            match stream.write(rest) {
                Ok(0) => return Err(bad("the server closed the connection")),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads what has come in: the answer's status and body range once
    /// whole.
    fn read(&mut self, requests: &[Vec<u8>]) -> std::io::Result<Option<(u16, usize, usize)>> {
        if requests
            .get(self.request)
            .is_some_and(|r| self.written < r.len())
        {
            self.write(requests)?;
        }
        let stream = self.stream.as_mut().ok_or_else(|| bad("no connection"))?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => return Err(bad("the server closed the connection")),
                Ok(n) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    if let Some(answer) = parse(&self.buf)? {
                        return Ok(Some(answer));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }
}

/// The state of a run of [`drive`].
struct Driver<'a> {
    addr: SocketAddr,
    requests: &'a [Vec<u8>],
    hashes: Option<&'a [String; 3]>,
    pace: Pace,
    slots: Vec<Slot>,
    idle: VecDeque<usize>,
    busy: usize,
    start: Instant,
    /// Closed loops send until then.
    deadline: Instant,
    /// Open loops send this many.
    total: u64,
    next: u64,
    run: Run,
}

impl Driver<'_> {
    /// When the next request is due, if it is due by `now` and one is left.
    fn due(&self, now: Instant) -> Option<Instant> {
        match self.pace {
            Pace::Closed => (now < self.deadline).then_some(now),
            Pace::Rate(rate) => {
                let due = self.start + Duration::from_secs_f64(self.next as f64 / rate);
                (self.next < self.total && due <= now).then_some(due)
            }
        }
    }

    fn sending(&self, now: Instant) -> bool {
        match self.pace {
            Pace::Closed => now < self.deadline,
            Pace::Rate(_) => self.next < self.total,
        }
    }

    /// Writes every request due by now on an idle connection.
    fn send_due(&mut self) {
        let now = Instant::now();
        while let Some(due) = self.due(now) {
            let Some(k) = self.idle.pop_front() else {
                return;
            };
            let Some(slot) = self.slots.get_mut(k) else {
                return;
            };
            let request = self.next as usize % self.requests.len().max(1);
            self.next += 1;
            self.run.sent += 1;
            slot.request = request;
            slot.written = 0;
            slot.buf.clear();
            slot.due = Some(due);
            match slot
                .connect(self.addr)
                .and_then(|()| slot.write(self.requests))
            {
                Ok(()) => self.busy += 1,
                Err(_) => {
                    slot.stream = None;
                    slot.due = None;
                    self.run.failed += 1;
                    self.record(due);
                    self.idle.push_back(k);
                }
            }
        }
    }

    fn record(&mut self, due: Instant) {
        let latency = due.elapsed().as_micros();
        let at = due.saturating_duration_since(self.start).as_micros();
        self.run.timeline.push((
            u64::try_from(at).unwrap_or(u64::MAX),
            u64::try_from(latency).unwrap_or(u64::MAX),
        ));
    }

    /// Reads what connection `k` has received; frees it once answered.
    fn poll(&mut self, k: usize) {
        let Some(slot) = self.slots.get_mut(k) else {
            return;
        };
        let Some(due) = slot.due else {
            return;
        };
        let (status, body) = match slot.read(self.requests) {
            Ok(None) => return,
            Ok(Some((status, start, end))) => (status, slot.buf.get(start..end)),
            Err(_) => {
                slot.stream = None;
                (0, None)
            }
        };
        if status == 200 {
            self.run.ok += 1;
            if let Some(hashes) = self.hashes {
                let table = body.and_then(answer_hash).map_or(3, |hash| {
                    hashes
                        .iter()
                        .position(|h| h.as_bytes() == hash)
                        .unwrap_or(3)
                });
                if let Some(count) = self.run.by_table.get_mut(table) {
                    *count += 1;
                }
            }
        } else {
            self.run.failed += 1;
        }
        slot.due = None;
        slot.buf.clear();
        self.busy -= 1;
        self.idle.push_back(k);
        self.record(due);
    }
}

/// A run of `seconds` on `connections` keep-alive connections, on this
/// thread (see the module's documentation). Requests cycle through
/// `requests`; with `hashes`, answers are counted by their table's hash.
pub fn drive(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    connections: usize,
    pace: Pace,
    seconds: f64,
    hashes: Option<&[String; 3]>,
) -> Run {
    let mut slots: Vec<Slot> = (0..connections.max(1)).map(|_| Slot::new()).collect();
    for slot in &mut slots {
        // A connection that cannot be opened now is retried on its first
        // request, which fails if it still cannot.
        let _ = slot.connect(addr);
    }
    let start = Instant::now() + Duration::from_millis(20);
    let length = Duration::from_secs_f64(seconds);
    let total = match pace {
        Pace::Closed => 0,
        Pace::Rate(rate) => (rate * seconds) as u64,
    };
    let mut driver = Driver {
        addr,
        requests,
        hashes,
        pace,
        idle: (0..slots.len()).collect(),
        slots,
        busy: 0,
        start,
        deadline: start + length,
        total,
        next: 0,
        run: Run::default(),
    };
    // Answers not in 30 s after the last request was due are failures.
    let give_up = start + length + Duration::from_secs(30);
    while Instant::now() < start {
        std::hint::spin_loop();
    }
    let mut last = Instant::now();
    loop {
        driver.send_due();
        let now = Instant::now();
        driver.run.stalls.gap(now - last);
        last = now;
        if driver.busy == 0 && !driver.sending(now) {
            break;
        }
        if now > give_up {
            let unanswered: Vec<Instant> = driver
                .slots
                .iter_mut()
                .filter_map(|slot| slot.due.take())
                .collect();
            for due in unanswered {
                driver.run.failed += 1;
                driver.record(due);
            }
            break;
        }
        for k in 0..driver.slots.len() {
            driver.poll(k);
            driver.send_due();
        }
    }
    let mut run = driver.run;
    run.seconds = start.elapsed().as_secs_f64();
    run.latencies = run.timeline.iter().map(|(_, latency)| *latency).collect();
    run.latencies.sort_unstable();
    run
}
