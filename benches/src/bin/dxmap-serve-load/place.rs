//! Where `dxmap-serve-load`'s client and servers run: a core each.
//!
//! The client (this process) pins itself to the first core it may run on
//! ([`pin_client`], before it starts any thread, so its threads inherit
//! the core). Each server is a child process, this same program in its
//! hidden mode `--serve-only routing|baseline --table FILE`
//! ([`serve_only`]), started under `taskset -c CORE` on the second core
//! with `TOKIO_WORKER_THREADS=1`, so `dxmap_server`'s tokio runtime (its
//! default: the builder's worker count, which that variable sets) has one
//! worker thread. The child prints its port on standard output and serves
//! until its standard input closes ([`Server`]'s `drop` closes it, and so
//! does the parent's end, however it ends).
//!
//! [`probe`] measures the machine's own stalls on both cores the same way
//! (a child `--spin-only SECONDS` on the servers' core).
//!
//! Pinning uses the `taskset` command (util-linux): no `unsafe` here. If it
//! is missing or fails, or fewer than two cores are available, nothing is
//! pinned and [`Placement::unpinned`] says why; the report prints it.
//!
//! Imports: `dxmap_server`, and the `load` module's [`Conn`], [`spin`] and
//! [`Stalls`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dxmap_server::{Config, FileSource};

use crate::load::{cpu_seconds, spin, Conn, Stalls};

/// The server's tokio runtime has this many worker threads.
pub const SERVER_WORKERS: usize = 1;

/// The cores of the client and the servers.
#[derive(Default)]
pub struct Placement {
    /// How many cores this process could use before it was pinned.
    pub cores: usize,
    pub client: Option<usize>,
    pub server: Option<usize>,
    /// Why nothing is pinned, if it is not.
    pub unpinned: Option<String>,
}

/// The cores this process may run on, from `/proc/self/status`
/// (`Cpus_allowed_list: 0-1,4`).
fn allowed_cores() -> Vec<usize> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let Some(list) = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
    else {
        return Vec::new();
    };
    let mut cores = Vec::new();
    for part in list.trim().split(',') {
        let (first, last) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(first), Ok(last)) = (first.trim().parse::<usize>(), last.trim().parse::<usize>())
        {
            cores.extend(first..=last);
        }
    }
    cores
}

/// Pins this process (every thread it has, and so those it starts) to the
/// first allowed core, and chooses the second for the servers.
pub fn pin_client() -> Placement {
    let cores = allowed_cores();
    let unpinned = |why: String| Placement {
        cores: cores.len(),
        client: None,
        server: None,
        unpinned: Some(why),
    };
    let (Some(&client), Some(&server)) = (cores.first(), cores.get(1)) else {
        return unpinned(format!("{} core(s) available to this process", cores.len()));
    };
    let pinned = Command::new("taskset")
        .args(["-a", "-p", "-c", &client.to_string()])
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .output();
    match pinned {
        Ok(output) if output.status.success() => Placement {
            cores: cores.len(),
            client: Some(client),
            server: Some(server),
            unpinned: None,
        },
        Ok(output) => unpinned(format!(
            "`taskset` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            unpinned("`taskset` (util-linux) is not installed".to_owned())
        }
        Err(error) => unpinned(format!("cannot run `taskset`: {error}")),
    }
}

/// A server child process, ready to answer. Dropping it stops it.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// The core it is pinned to.
    pub core: Option<usize>,
}

impl Server {
    /// The CPU time the server process has used (all its threads).
    pub fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(self.child.id())
    }

    /// The time its core has been busy, with anything (from `/proc/stat`;
    /// clock ticks of 1/100 s): the server, other processes, interrupts.
    pub fn core_busy_seconds(&self) -> Option<f64> {
        let name = format!("cpu{} ", self.core?);
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let line = stat.lines().find_map(|line| line.strip_prefix(&name))?;
        let ticks: Vec<u64> = line
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal: all but idle
        // and iowait.
        let busy: u64 = ticks
            .iter()
            .take(8)
            .enumerate()
            .filter(|(i, _)| *i != 3 && *i != 4)
            .map(|(_, n)| n)
            .sum();
        Some(busy as f64 / 100.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Its standard input closing asks the server to drain and stop.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server of `file` (the routing one, or the baseline) in a child
/// process on `core`, and waits until it is ready.
pub fn spawn(file: &Path, baseline: bool, core: Option<usize>) -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut command = match core {
        Some(core) => {
            let mut taskset = Command::new("taskset");
            taskset.args(["-c", &core.to_string()]).arg(exe);
            taskset
        }
        None => Command::new(exe),
    };
    let kind = if baseline { "baseline" } else { "routing" };
    let mut child = command
        .args(["--serve-only", kind, "--table"])
        .arg(file)
        .env("TOKIO_WORKER_THREADS", SERVER_WORKERS.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the {kind} server: {e}"))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    let port = line.trim().parse::<u16>().ok();
    let server = Server {
        child,
        core,
        addr: SocketAddr::from(([127, 0, 0, 1], port.unwrap_or(0))),
    };
    if port.is_none() {
        return Err(format!("the {kind} server did not start"));
    }
    let mut conn = Conn::new(server.addr);
    let ready = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = conn.call(&ready) {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("the {kind} server was not ready within 60 s"))
}

/// The child's side: serves `file` on a free loopback port, prints the
/// port, and serves until standard input closes.
pub fn serve_only(kind: &str, file: &Path) -> Result<(), String> {
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        signals: false,
        ..Config::default()
    };
    let source = Box::new(FileSource {
        path: file.to_path_buf(),
    });
    let running = match kind {
        "routing" => dxmap_server::start(config, source),
        "baseline" => dxmap_server::start_baseline(config, source),
        _ => return Err(format!("`--serve-only {kind}`: routing or baseline")),
    }
    .map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", running.addr.port())
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    running.stop().map_err(|e| e.to_string())
}

/// The machine's own stalls, before any load: this thread spins on the
/// client's core while a child process (`--spin-only SECONDS`) spins on
/// the server's, for `seconds`. The server's side is `None` if its child
/// could not run.
pub fn probe(placement: &Placement, seconds: f64) -> (Stalls, Option<Stalls>) {
    let spawned = std::env::current_exe().ok().and_then(|exe| {
        let mut command = match placement.server {
            Some(core) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &core.to_string()]).arg(exe);
                taskset
            }
            None => Command::new(exe),
        };
        command
            .args(["--spin-only", &seconds.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .ok()
    });
    let client = spin(seconds);
    let server = spawned.and_then(|child| {
        let output = child.wait_with_output().ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        let mut numbers = text.split_whitespace().map(str::parse::<u64>);
        let (Some(Ok(count)), Some(Ok(total)), Some(Ok(largest))) =
            (numbers.next(), numbers.next(), numbers.next())
        else {
            return None;
        };
        Some(Stalls {
            count,
            total: Duration::from_micros(total),
            largest: Duration::from_micros(largest),
        })
    });
    (client, server)
}

/// The child's side of [`probe`]: spins, then prints its stalls' count,
/// total and largest (microseconds).
pub fn spin_only(seconds: f64) {
    let stalls = spin(seconds);
    println!(
        "{} {} {}",
        stalls.count,
        stalls.total.as_micros(),
        stalls.largest.as_micros()
    );
}
