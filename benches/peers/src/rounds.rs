//! Interleaved timing: every engine is timed in every round, one after
//! another (dxmap, regorus interpreter, regorus RVM, zen-engine, then
//! dxmap again …), on the same chunk of cases, and each peer's ratio to
//! dxmap is worked out per round. A change of load on the machine then
//! moves dxmap's time and the peer's alike, instead of landing on one
//! engine's segment only; the spread of the per-round ratios shows what is
//! left of it.
//!
//! Round `r` covers the `chunk` cases from `r × chunk` on, wrapping around
//! the stream, so over `rounds × chunk / cases` rounds every case is timed
//! equally often. In each round, each engine:
//! 1. answers the chunk's first [`WARM`] cases untimed (its caches after the
//!    other engines' turns);
//! 2. answers the chunk with one timer per case (the round's median, and
//!    the samples for the p99 over all rounds);
//! 3. answers the chunk again with no timer per case (the round's
//!    throughput), going round it again until [`MIN_THROUGHPUT`] has
//!    passed. dxmap always is that fast (about 2 ms for 1,000 national
//!    cases), the RVM on the smallest tree too; without it, one time slice of another process on this shared
//!    machine could triple dxmap's time in a round, and the ratio with it.

use std::time::{Duration, Instant};

/// Untimed cases at the start of each engine's turn in a round.
pub const WARM: usize = 100;

/// The least time over which a round's throughput is measured.
pub const MIN_THROUGHPUT: Duration = Duration::from_millis(50);

/// An engine answering the cases of one tree, by index into its stream.
pub trait Engine {
    /// Routes case `i`, as timed: the engine's result is computed and
    /// discarded unread.
    fn route(&mut self, i: usize);

    /// One timer per case over `cases`; the samples are appended to `out`.
    fn latency(&mut self, cases: &[usize], out: &mut Vec<u64>) {
        for &i in cases {
            let start = Instant::now();
            self.route(i);
            out.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
    }

    /// Cases per second over `cases`, with no timer per case, going round
    /// them again until [`MIN_THROUGHPUT`] has passed.
    fn throughput(&mut self, cases: &[usize]) -> f64 {
        let start = Instant::now();
        let mut done = 0usize;
        loop {
            for &i in cases {
                self.route(i);
            }
            done += cases.len();
            let elapsed = start.elapsed();
            if elapsed >= MIN_THROUGHPUT || cases.is_empty() {
                return done as f64 / elapsed.max(Duration::from_nanos(1)).as_secs_f64();
            }
        }
    }
}

/// One engine's measurements, round by round.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    /// Each round's median latency, µs.
    pub medians_us: Vec<f64>,
    /// Each round's throughput, cases per second.
    pub per_second: Vec<f64>,
    /// Every per-case latency of every round, ns.
    pub nanos: Vec<u64>,
}

impl Samples {
    /// The p99 latency over all rounds, µs.
    pub fn p99_us(&self) -> f64 {
        let mut v = self.nanos.clone();
        v.sort_unstable();
        let idx = (v.len() * 99 / 100).min(v.len().saturating_sub(1));
        v.get(idx).copied().unwrap_or(0) as f64 / 1000.0
    }
}

/// The cases of round `round`.
pub fn chunk_of(n: usize, chunk: usize, round: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let chunk = chunk.min(n);
    (0..chunk).map(|k| (round * chunk + k) % n).collect()
}

/// Times `engines` in interleaved rounds over a stream of `n` cases.
pub fn interleave(
    engines: &mut [&mut dyn Engine],
    n: usize,
    rounds: usize,
    chunk: usize,
) -> Vec<Samples> {
    let warm: Vec<usize> = (0..n.min(500)).collect();
    for e in engines.iter_mut() {
        for &i in &warm {
            e.route(i);
        }
    }
    let mut out = vec![Samples::default(); engines.len()];
    for round in 0..rounds {
        let cases = chunk_of(n, chunk, round);
        for (e, s) in engines.iter_mut().zip(&mut out) {
            for &i in cases.iter().take(WARM) {
                e.route(i);
            }
            let mark = s.nanos.len();
            e.latency(&cases, &mut s.nanos);
            let mut this: Vec<u64> = s.nanos.get(mark..).unwrap_or_default().to_vec();
            this.sort_unstable();
            s.medians_us.push(median_u64(&this) / 1000.0);
            s.per_second.push(e.throughput(&cases));
        }
    }
    out
}

fn median_u64(sorted: &[u64]) -> f64 {
    let n = sorted.len();
    match (sorted.get((n.max(1) - 1) / 2), sorted.get(n / 2)) {
        (Some(a), Some(b)) => (*a as f64 + *b as f64) / 2.0,
        _ => 0.0,
    }
}

/// The median and spread of per-round values.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub p25: f64,
    pub p75: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Quantiles by linear interpolation between the sorted values.
    pub fn of(values: &[f64]) -> Spread {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if v.is_empty() {
                return f64::NAN;
            }
            let pos = p * (v.len() - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = pos.ceil() as usize;
            let (a, b) = (
                v.get(lo).copied().unwrap_or(f64::NAN),
                v.get(hi).copied().unwrap_or(f64::NAN),
            );
            a + (b - a) * (pos - lo as f64)
        };
        Spread {
            median: q(0.5),
            p25: q(0.25),
            p75: q(0.75),
            min: q(0.0),
            max: q(1.0),
        }
    }

    /// `518.2× (p25–p75 505.1–530.0×, min–max 480.3–560.9×)`.
    pub fn ratio(&self) -> String {
        format!(
            "{}× (p25–p75 {}–{}×, min–max {}–{}×)",
            num(self.median),
            num(self.p25),
            num(self.p75),
            num(self.min),
            num(self.max)
        )
    }
}

/// A ratio or time to three significant figures or one decimal.
pub fn num(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Per-round ratios `f(peer, dxmap)` of two engines' samples.
pub fn ratios(base: &[f64], peer: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    base.iter().zip(peer).map(|(b, p)| f(*p, *b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_wrap_and_cover_the_stream_evenly() {
        let mut seen = vec![0usize; 10];
        for r in 0..5 {
            for i in chunk_of(10, 4, r) {
                seen[i] += 1;
            }
        }
        assert_eq!(seen, vec![2; 10]);
        assert_eq!(chunk_of(3, 10, 1), vec![0, 1, 2]);
    }

    #[test]
    fn spread_interpolates() {
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0, 5.0]);
        assert_eq!(
            (s.median, s.p25, s.p75, s.min, s.max),
            (3.0, 2.0, 4.0, 1.0, 5.0)
        );
        assert!((Spread::of(&[1.0, 2.0]).median - 1.5).abs() < 1e-12);
    }
}
