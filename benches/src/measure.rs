//! Timing helpers shared by the benchmark binaries (`dxmap-route`,
//! `dxmap-suite`): route latency with one timer per case, throughput over a
//! whole stream on one core and on every core, medians of repeated phases.
//!
//! Imports: `dxmap_runtime` (the router and cases).

use std::time::{Duration, Instant};

use dxmap_runtime::{Case, Decision, Router};

/// Route figures for one tree and one case stream.
#[derive(Debug, Clone, Copy)]
pub struct RouteFigures {
    /// Median latency, microseconds.
    pub median_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// Cases per second on one core (no timer per case).
    pub per_second: f64,
    /// Cases per second on every core, one router shared by the threads.
    pub all_cores: f64,
    /// The number of threads of `all_cores`.
    pub threads: usize,
}

/// The value at `pct` percent of sorted nanoseconds, in microseconds.
pub fn percentile_us(sorted: &[u64], pct: usize) -> f64 {
    let idx = (sorted.len() * pct / 100).min(sorted.len().saturating_sub(1));
    sorted.get(idx).copied().unwrap_or(0) as f64 / 1000.0
}

/// Times `Router::route_into` (`--explain` off), each thread filling one
/// decision from case to case as an integrator routing many cases does,
/// on `cases`, `rounds` times: one timer per case for the median and p99,
/// then the whole stream without timers on one core and on every core.
pub fn route(router: &Router, cases: &[Case], rounds: usize) -> RouteFigures {
    let mut decision = Decision::default();
    for case in cases.iter().take(1000) {
        std::hint::black_box(router.route_into(case, &mut decision).ok());
    }
    let mut nanos: Vec<u64> = Vec::with_capacity(cases.len() * rounds);
    for _ in 0..rounds {
        for case in cases {
            let start = Instant::now();
            let answered = router.route_into(case, &mut decision);
            nanos.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
            std::hint::black_box(answered.ok());
        }
    }
    nanos.sort_unstable();
    let stream = || {
        let mut decision = Decision::default();
        for _ in 0..rounds {
            for case in cases {
                std::hint::black_box(router.route_into(case, &mut decision).ok());
            }
        }
    };
    let start = Instant::now();
    stream();
    let per_second = (rounds * cases.len()) as f64 / seconds(start.elapsed());
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(stream);
        }
    });
    let all_cores = (threads * rounds * cases.len()) as f64 / seconds(start.elapsed());
    RouteFigures {
        median_us: percentile_us(&nanos, 50),
        p99_us: percentile_us(&nanos, 99),
        per_second,
        all_cores,
        threads,
    }
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64().max(1e-9)
}

/// Runs `f` and returns its value with the time it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

/// The median of some durations (zero when there are none).
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}
