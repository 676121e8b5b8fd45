//! `dxmap-serve-load`: what routing over HTTP costs, on the national tree.
//!
//! Two servers of the same stack (`dxmap-server`: its tokio runtime, axum,
//! limits, metrics) listen on loopback ports of their own: one routes
//! `POST /v1/route` on the national table; the other, the baseline
//! (`dxmap_server::start_baseline`), answers the same request with a small
//! fixed JSON object. Client and servers have a core each, so that what is
//! measured is the server, not the two sides taking turns on the cores
//! (module `place`): this process, the client, pins itself to one core;
//! each server is a child process (this program in its hidden mode
//! `--serve-only routing|baseline --table FILE`) pinned to another, its
//! tokio runtime with one worker thread. Pinning uses the `taskset`
//! command; without it nothing is pinned and the report says so.
//!
//! The client is one thread busy-polling many non-blocking keep-alive
//! connections (module `load`, a hand-written HTTP/1.1 client). First, with
//! no server running, a thread spins for a few seconds on each core (on
//! the servers' core in a child process, `--spin-only SECONDS`) and counts
//! the times its loop did not come round for over a millisecond: the
//! machine's own stalls (other work, or on a virtual machine the virtual
//! CPU not running), which the latency tail cannot be below. Then it
//! measures, for both servers, in the same run:
//!
//! 1. the maximum throughput: closed loop, each connection sends its next
//!    request when the last is answered (rounds alternate the two servers;
//!    the median round counts);
//! 2. latency at 80% of that maximum: open loop, request `i` is due at
//!    `start + i / rate` whether or not earlier ones are answered, and is
//!    written on an idle connection when due; its latency runs from when it
//!    was due, waiting for an idle connection included (so a stalled
//!    server cannot hide its queue: no coordinated omission);
//!    then the same at lower loads (`--loads`, by default 10%, 25% and 50%
//!    of the maximum, `--curve-seconds` each; module `curve`), so that
//!    the tail the machine puts on every load shows apart from the one
//!    that load adds. Each run gives p50, p99 and p99.9, the share of
//!    requests over 2 ms, and the 100 ms windows whose p99 is within 2 ms;
//! 3. a reload storm on the routing server: the same paced load while the
//!    table file is replaced and `POST /v1/admin/reload` called every
//!    100 ms by a second, blocking thread of the client, alternating good
//!    table A, a corrupt table, good table B, a corrupt table, … (B is A
//!    with a service renamed, so its hash differs; the corrupt ones are a
//!    third table, C, with one byte changed, cut in half, of another format
//!    version, or not a table). After each good reload, `/v1/table` and a
//!    fresh answer must carry the hash just loaded; after each corrupt one,
//!    the previous hash with `stale: true`. Every answer's `table.hash` is
//!    counted: none may be C's.
//!
//! Cases are `dxmap_bench::cases::stream` on the table, as JSON bodies,
//! keeping those the router answers (the others are 4xx by design).
//!
//! ```text
//! cargo run -p dxmap-bench --release --bin dxmap-serve-load -- \
//!     [--table national.dxt] [--connections 32] [--seconds 2] [--rounds 5] \
//!     [--paced-seconds 10] [--loads 0.1,0.25,0.5] [--curve-seconds 5] \
//!     [--storm-seconds 10]
//! ```
//!
//! Without `--table` the national tree is generated and compiled in
//! process. Prints markdown: how it ran (the cores, the server's worker
//! threads, the connections), the machine's stalls, the figures (with how
//! busy the server's core was, with the server and with anything else, and
//! the client's own stalls during each paced run) and the targets of
//! issue 15, met or not as computed from the figures. Exit 1 if the storm failed a
//! request, gave an answer from the corrupt table or a good reload did not
//! take effect.
//!
//! Modules: `load` (the HTTP client and the closed- and open-loop runs),
//! `curve` (latency against load), `place` (the cores, and the server
//! child processes), `report` (the markdown).
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_server`, `dxmap_bench`,
//! serde_json.

mod curve;
mod load;
mod place;
mod report;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dxmap_runtime::{Router, Table};
use serde_json::Value;

use load::{answer_hash, drive, request, Conn, Pace, Run, Stalls};
use place::{Placement, Server};

/// The command line.
struct Args {
    table: Option<PathBuf>,
    connections: usize,
    seconds: f64,
    rounds: usize,
    paced_seconds: f64,
    storm_seconds: f64,
    /// Shares of the maximum at which latency is measured, below 80%.
    loads: Vec<f64>,
    curve_seconds: f64,
    cases: usize,
    /// The hidden mode of the server child processes: `routing` or
    /// `baseline`, serving `--table`.
    serve_only: Option<String>,
    /// The hidden mode of the stall probe's child process: spin this long.
    spin_only: Option<f64>,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args {
        table: None,
        connections: 32,
        seconds: 2.0,
        rounds: 5,
        paced_seconds: 10.0,
        storm_seconds: 10.0,
        loads: vec![0.1, 0.25, 0.5],
        curve_seconds: 5.0,
        cases: 5_000,
        serve_only: None,
        spin_only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{arg}` needs a value"))?;
        let number = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|n| *n > 0.0)
                .ok_or_else(|| format!("`{arg} {value}`: a positive number"))
        };
        match arg.as_str() {
            "--table" => parsed.table = Some(PathBuf::from(&value)),
            "--connections" => parsed.connections = number()? as usize,
            "--seconds" => parsed.seconds = number()?,
            "--rounds" => parsed.rounds = number()? as usize,
            "--paced-seconds" => parsed.paced_seconds = number()?,
            "--storm-seconds" => parsed.storm_seconds = number()?,
            "--curve-seconds" => parsed.curve_seconds = number()?,
            "--loads" => {
                parsed.loads = value
                    .split(',')
                    .filter(|share| !share.is_empty())
                    .map(|share| {
                        share
                            .parse::<f64>()
                            .ok()
                            .filter(|s| *s > 0.0 && *s < 0.8)
                            .ok_or_else(|| {
                                format!("`--loads {value}`: shares of the maximum between 0 and 0.8, such as 0.1,0.25,0.5")
                            })
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--cases" => parsed.cases = number()? as usize,
            "--serve-only" => parsed.serve_only = Some(value),
            "--spin-only" => parsed.spin_only = Some(number()?),
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    parsed.connections = parsed.connections.max(1);
    parsed.rounds = parsed.rounds.max(1);
    Ok(parsed)
}

/// The national table's artifact, read or generated and compiled.
fn national(table: Option<&Path>) -> Result<Vec<u8>, String> {
    if let Some(path) = table {
        return std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()));
    }
    let texts = dxmap_bench::generate(&dxmap_bench::Params::national());
    let tree = dxmap::load::Tree::from_texts(Path::new("generated"), texts);
    let checked = dxmap::load::check_loaded(tree, None)
        .map_err(|_| "the generated tree does not load".to_owned())?;
    let model = checked
        .model
        .as_ref()
        .filter(|_| !checked.has_errors())
        .ok_or("the generated tree has errors")?;
    Ok(dxmap::compile::compile(model, &checked.sources).to_artifact())
}

/// The header's hash of an artifact.
fn hash_of(artifact: &[u8]) -> String {
    let header = artifact.split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(header)
        .split(' ')
        .find_map(|field| field.strip_prefix("sha256="))
        .unwrap_or_default()
        .to_owned()
}

/// Good tables A and B, and corrupt versions of a third table C.
struct Tables {
    a: Vec<u8>,
    b: Vec<u8>,
    hashes: [String; 3],
    corrupt: Vec<(&'static str, Vec<u8>)>,
}

fn tables(a: Vec<u8>, table: &Table) -> Tables {
    let renamed = |tag: &str| {
        let mut table = table.clone();
        if let Some(service) = table.services.first_mut() {
            service.name = format!("{} ({tag})", service.name);
        }
        table.to_artifact()
    };
    let b = renamed("B");
    let c = renamed("C");
    let hashes = [hash_of(&a), hash_of(&b), hash_of(&c)];
    let header_end = c.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
    let mut flipped = c.clone();
    let middle = header_end + (c.len() - header_end) / 2;
    if let Some(byte) = flipped.get_mut(middle) {
        *byte ^= 0x20;
    }
    let truncated = c.get(..middle).unwrap_or_default().to_vec();
    let version = format!("v{}", dxmap_runtime::table::FORMAT_VERSION);
    let newer = format!("v{}", dxmap_runtime::table::FORMAT_VERSION + 1);
    let header = String::from_utf8_lossy(c.get(..header_end).unwrap_or_default())
        .replacen(&version, &newer, 1);
    let mut wrong_version = header.into_bytes();
    wrong_version.extend_from_slice(c.get(header_end..).unwrap_or_default());
    Tables {
        a,
        b,
        hashes,
        corrupt: vec![
            ("one byte changed", flipped),
            ("cut in half", truncated),
            ("another format version", wrong_version),
            ("not a table", b"{\"not\": \"a table\"}\n".to_vec()),
        ],
    }
}

/// Replaces a file whole: written beside, then renamed over.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let beside = path.with_extension("partial");
    std::fs::write(&beside, bytes)?;
    std::fs::rename(&beside, path)
}

/// What the reloads of a storm did.
#[derive(Default)]
struct Reloads {
    good: u64,
    good_effective: u64,
    corrupt: u64,
    corrupt_refused: u64,
    problems: Vec<String>,
}

/// Reloads every 100 ms until `stop`: A, corrupt, B, corrupt, …
fn reloader(
    addr: SocketAddr,
    file: &Path,
    tables: &Tables,
    probe: &[u8],
    stop: &AtomicBool,
) -> Reloads {
    let mut done = Reloads::default();
    let mut admin = Conn::new(addr);
    let reload = request("POST", "/v1/admin/reload", "");
    let table_request = b"GET /v1/table HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec();
    let start = Instant::now();
    let mut served = tables.hashes.first().cloned().unwrap_or_default();
    for step in 0u32.. {
        let due = start + Duration::from_millis(100) * step;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let corrupt_kinds = tables.corrupt.len().max(1);
        let (name, bytes, expected) = match step % 4 {
            0 => ("A", &tables.a, tables.hashes.first()),
            2 => ("B", &tables.b, tables.hashes.get(1)),
            _ => match tables.corrupt.get((step as usize / 2) % corrupt_kinds) {
                Some((kind, bytes)) => (*kind, bytes, None),
                None => break,
            },
        };
        if let Err(error) = replace(file, bytes) {
            done.problems
                .push(format!("step {step}: cannot write the table: {error}"));
            continue;
        }
        let status = admin.call(&reload).map(|(status, _)| status).ok();
        let table: Option<Value> = admin
            .call(&table_request)
            .ok()
            .and_then(|(_, body)| serde_json::from_slice(body).ok());
        let table_hash = table
            .as_ref()
            .and_then(|t| t["hash"].as_str())
            .unwrap_or("");
        let stale = table.as_ref().and_then(|t| t["stale"].as_bool());
        let answered = admin
            .call(probe)
            .ok()
            .and_then(|(_, body)| {
                answer_hash(body).map(|h| String::from_utf8_lossy(h).into_owned())
            })
            .unwrap_or_default();
        match expected {
            Some(expected) => {
                done.good += 1;
                if status == Some(200)
                    && table_hash == expected
                    && stale == Some(false)
                    && answered == *expected
                {
                    done.good_effective += 1;
                    served = expected.clone();
                } else {
                    done.problems.push(format!(
                        "step {step}: good table {name}: reload {status:?}, /v1/table {table_hash} stale {stale:?}, answer {answered}"
                    ));
                }
            }
            None => {
                done.corrupt += 1;
                if status == Some(422)
                    && table_hash == served
                    && stale == Some(true)
                    && answered == served
                {
                    done.corrupt_refused += 1;
                } else {
                    done.problems.push(format!(
                        "step {step}: corrupt table ({name}): reload {status:?}, /v1/table {table_hash} stale {stale:?}, answer {answered}"
                    ));
                }
            }
        }
    }
    done
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("dxmap-serve-load: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(seconds) = args.spin_only {
        place::spin_only(seconds);
        return ExitCode::SUCCESS;
    }
    if let Some(kind) = &args.serve_only {
        let Some(table) = &args.table else {
            eprintln!("dxmap-serve-load: `--serve-only` needs `--table`");
            return ExitCode::from(2);
        };
        return match place::serve_only(kind, table) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("dxmap-serve-load (server): {message}");
                ExitCode::from(2)
            }
        };
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("dxmap-serve-load: {message}");
            ExitCode::from(2)
        }
    }
}

/// How long the stall probe spins on each core before the runs.
const PROBE_SECONDS: f64 = 3.0;

/// Runs the benchmark; `Ok(false)` if the storm found a fault.
fn run(args: &Args) -> Result<bool, String> {
    // First, before this process starts any thread: they inherit the core.
    let placement = place::pin_client();
    let load_before = load_average();
    eprintln!("dxmap-serve-load: preparing the national table and cases…");
    let artifact = national(args.table.as_deref())?;
    let table = Table::from_artifact(&artifact).map_err(|e| e.to_string())?;
    let tables = tables(artifact, &table);
    let router = Router::new(table.clone()).map_err(|e| e.to_string())?;
    let cases = dxmap_bench::cases::stream(&table, args.cases, 7);
    let bodies: Vec<String> = cases
        .iter()
        .filter(|case| router.route(case).is_ok())
        .map(dxmap_bench::cases::json_line)
        .collect();
    let requests: Vec<Vec<u8>> = bodies
        .iter()
        .map(|b| request("POST", "/v1/route", b))
        .collect();
    let probe = requests.first().cloned().ok_or("no case routes")?;
    let mean_body = bodies.iter().map(String::len).sum::<usize>() / bodies.len().max(1);

    let dir = std::env::temp_dir().join(format!("dxmap-serve-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = dir.join("table.dxt");
    eprintln!("dxmap-serve-load: the machine's own stalls, {PROBE_SECONDS} s…");
    let machine = place::probe(&placement, PROBE_SECONDS);
    let result = (|| {
        replace(&file, &tables.a).map_err(|e| e.to_string())?;
        let routing = place::spawn(&file, false, placement.server)?;
        let baseline = place::spawn(&file, true, placement.server)?;
        let report = measure(args, &tables, &requests, &probe, &file, &routing, &baseline);
        drop(baseline);
        drop(routing);
        Ok::<_, String>(report)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let mut report = result?;
    report.load = format!("{load_before} at start, {} at the end", load_average());
    report.placement = placement;
    report.machine = machine;
    report::print(
        args,
        &table,
        requests.len(),
        cases.len(),
        mean_body,
        &tables,
        &report,
    );
    Ok(report.storm.failed == 0
        && report
            .storm
            .by_table
            .get(2..)
            .map_or(0, |r| r.iter().sum::<u64>())
            == 0
        && report.reloads.good_effective == report.reloads.good
        && report.reloads.corrupt_refused == report.reloads.corrupt)
}

/// What a closed-loop round gave.
struct Closed {
    per_second: f64,
    failed: u64,
    /// Microseconds of the server process's CPU per answer.
    cpu_us: f64,
    /// How busy the server's core was.
    busy: ServerSide,
}

/// A run on `server`, and how busy the server's core was (its process's
/// CPU time over the run's).
fn on(
    server: &Server,
    requests: &[Vec<u8>],
    connections: usize,
    pace: Pace,
    seconds: f64,
    hashes: Option<&[String; 3]>,
) -> (Run, ServerSide) {
    let handled_before = handled(server);
    let before = (server.cpu_seconds(), server.core_busy_seconds());
    let run = drive(server.addr, requests, connections, pace, seconds, hashes);
    let after = (server.cpu_seconds(), server.core_busy_seconds());
    let handled_after = handled(server);
    let slow = handled_after.zip(handled_before).map(|(after, before)| {
        let mut slow = [0u64; 3];
        for ((n, a), b) in slow.iter_mut().zip(after).zip(before) {
            *n = a.saturating_sub(b);
        }
        slow
    });
    let delta = |after: Option<f64>, before: Option<f64>| {
        after
            .zip(before)
            .map(|(after, before)| (after - before) / run.seconds.max(1e-9))
    };
    let server_share = delta(after.0, before.0).unwrap_or(0.0);
    let other = delta(after.1, before.1).map(|core| (core - server_share).max(0.0));
    (
        run,
        ServerSide {
            server: server_share,
            other,
            slow,
        },
    )
}

/// The server's side of a run: how busy its core was, as fractions of the
/// run's time, and how long it took over its answers.
#[derive(Clone, Copy)]
struct ServerSide {
    /// With the server process.
    server: f64,
    /// With anything else: other processes, interrupts (`None` if the
    /// server is not pinned).
    other: Option<f64>,
    /// `/v1/route` answers (200) in the run, and those the server took
    /// over 1 ms and over 2 ms to handle, by its own histogram.
    slow: Option<[u64; 3]>,
}

/// The server's own count of `/v1/route` answers (200): all, those it took
/// over 1 ms to handle and over 2 ms, from its
/// `dxmap_request_duration_seconds` histogram (`GET /metrics`; from its
/// middleware to the answer built, not the time a request waits to be read
/// or its answer to be written).
fn handled(server: &Server) -> Option<[u64; 3]> {
    let mut conn = Conn::new(server.addr);
    let (status, body) = conn
        .call(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    if status != 200 {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let within = |bound: &str| {
        let prefix = format!(
            "dxmap_request_duration_seconds_bucket{{endpoint=\"route\",outcome=\"ok\",le=\"{bound}\"}} "
        );
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|count| count.trim().parse::<u64>().ok())
    };
    let all = within("+Inf")?;
    Some([
        all,
        all.saturating_sub(within("0.001")?),
        all.saturating_sub(within("0.002")?),
    ])
}

fn closed(server: &Server, requests: &[Vec<u8>], connections: usize, seconds: f64) -> Closed {
    let (run, busy) = on(server, requests, connections, Pace::Closed, seconds, None);
    Closed {
        per_second: run.per_second(),
        failed: run.failed,
        cpu_us: busy.server * run.seconds * 1e6 / run.ok.max(1) as f64,
        busy,
    }
}

/// Every figure of a run.
struct Report {
    trivial_rounds: Vec<Closed>,
    routing_rounds: Vec<Closed>,
    closed_failed: u64,
    trivial_paced: (Run, ServerSide),
    routing_paced: (Run, ServerSide),
    /// Latency at the shares of `--loads`.
    curve: Vec<curve::Point>,
    storm: Run,
    reloads: Reloads,
    storm_rate: f64,
    /// The machine's load averages at the start and the end.
    load: String,
    /// Where the client and the servers ran.
    placement: Placement,
    /// The stalls a spin loop saw on the client's and the server's core
    /// before the runs.
    machine: (Stalls, Option<Stalls>),
}

fn measure(
    args: &Args,
    tables: &Tables,
    requests: &[Vec<u8>],
    probe: &[u8],
    file: &Path,
    routing: &Server,
    trivial: &Server,
) -> Report {
    let c = args.connections;
    eprintln!("dxmap-serve-load: warming up…");
    closed(trivial, requests, c, 1.0);
    closed(routing, requests, c, 1.0);
    let mut trivial_rounds = Vec::new();
    let mut routing_rounds = Vec::new();
    for round in 0..args.rounds {
        eprintln!("dxmap-serve-load: maximum throughput, round {}…", round + 1);
        trivial_rounds.push(closed(trivial, requests, c, args.seconds));
        routing_rounds.push(closed(routing, requests, c, args.seconds));
    }
    let closed_failed = trivial_rounds
        .iter()
        .chain(&routing_rounds)
        .map(|r| r.failed)
        .sum();
    let trivial_rate = 0.8 * median(trivial_rounds.iter().map(|r| r.per_second).collect());
    let routing_rate = 0.8 * median(routing_rounds.iter().map(|r| r.per_second).collect());
    eprintln!("dxmap-serve-load: latency at 80% of the maximum…");
    let seconds = args.paced_seconds;
    let trivial_paced = on(
        trivial,
        requests,
        c,
        Pace::Rate(trivial_rate),
        seconds,
        None,
    );
    let routing_paced = on(
        routing,
        requests,
        c,
        Pace::Rate(routing_rate),
        seconds,
        None,
    );
    let curve = curve::measure(
        (trivial.addr, routing.addr),
        (trivial_rate / 0.8, routing_rate / 0.8),
        requests,
        c,
        &args.loads,
        args.curve_seconds,
    );
    eprintln!("dxmap-serve-load: reload storm…");
    let stop = AtomicBool::new(false);
    let (storm, reloads) = std::thread::scope(|scope| {
        let reloads = scope.spawn(|| reloader(routing.addr, file, tables, probe, &stop));
        let storm = drive(
            routing.addr,
            requests,
            c,
            Pace::Rate(routing_rate),
            args.storm_seconds,
            Some(&tables.hashes),
        );
        stop.store(true, Ordering::Relaxed);
        (storm, reloads.join().unwrap_or_default())
    });
    Report {
        trivial_rounds,
        routing_rounds,
        closed_failed,
        trivial_paced,
        routing_paced,
        curve,
        storm,
        reloads,
        storm_rate: routing_rate,
        load: String::new(),
        placement: Placement::default(),
        machine: (Stalls::default(), None),
    }
}

/// The machine's load averages (1, 5, 15 minutes), from `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}
