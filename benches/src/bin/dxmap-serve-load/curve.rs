//! Latency against load: both servers, open loop, at a few shares of
//! their maximum rate below the 80% of issue 15's target, so that an
//! integrator can read at what rate this machine answers within 2 ms, and
//! how much of the tail is the machine at any load.
//!
//! Imports: the `load` module.

use std::net::SocketAddr;
use std::time::Duration;

use crate::load::{drive, Pace, Run};

/// The latency bound of issue 15's target.
pub const BOUND: Duration = Duration::from_millis(2);

/// The width of the windows in which the tail is looked at.
pub const WINDOW: Duration = Duration::from_millis(100);

/// Both servers' open-loop runs at one share of their maximum.
pub struct Point {
    pub share: f64,
    pub trivial: Run,
    pub routing: Run,
}

/// Runs both servers, in turn, open loop at each share of their maximum
/// (`maxima`: trivial, routing; requests a second) for `seconds` each.
pub fn measure(
    servers: (SocketAddr, SocketAddr),
    maxima: (f64, f64),
    requests: &[Vec<u8>],
    connections: usize,
    shares: &[f64],
    seconds: f64,
) -> Vec<Point> {
    shares
        .iter()
        .map(|&share| {
            eprintln!(
                "dxmap-serve-load: latency at {:.0}% of the maximum…",
                share * 100.0
            );
            let run = |addr, max: f64| {
                drive(
                    addr,
                    requests,
                    connections,
                    Pace::Rate(share * max),
                    seconds,
                    None,
                )
            };
            Point {
                share,
                trivial: run(servers.0, maxima.0),
                routing: run(servers.1, maxima.1),
            }
        })
        .collect()
}

/// `p50 / p99 / p99.9`, the share over 2 ms and the windows whose p99 is
/// within 2 ms.
fn cell(run: &Run) -> String {
    let (met, windows) = run.windows_within(WINDOW, 0.99, BOUND);
    format!(
        "{:.0}/s: {:.2} / {:.2} / {:.2} ms; {:.2}%; {met} of {windows}",
        run.sent as f64 / run.seconds.max(1e-9),
        run.percentile(0.5),
        run.percentile(0.99),
        run.percentile(0.999),
        100.0 * run.share_over(BOUND),
    )
}

/// The table: one row a share, then the 80% runs (`eighty`: trivial,
/// routing), with the client's own stalls in each.
pub fn print(points: &[Point], eighty: (&Run, &Run), seconds: (f64, f64)) {
    println!(
        "Latency against load, open loop, both servers in turn: the rate achieved; p50 / p99 / p99.9; the share of requests answered over {} ms after they were due; the {} ms windows (by when requests were due) whose p99 is within {} ms; and the client's own stalls in the run.",
        BOUND.as_millis(),
        WINDOW.as_millis(),
        BOUND.as_millis()
    );
    println!();
    println!(
        "| share of its maximum | trivial handler | client's stalls | routing | client's stalls |"
    );
    println!("| --- | --- | --- | --- | --- |");
    let row = |label: String, trivial: &Run, routing: &Run| {
        println!(
            "| {label} | {} | {} | {} | {} |",
            cell(trivial),
            trivial.stalls.describe(),
            cell(routing),
            routing.stalls.describe()
        );
    };
    for point in points {
        row(
            format!("{:.0}%, {} s", point.share * 100.0, seconds.0),
            &point.trivial,
            &point.routing,
        );
    }
    row(format!("80%, {} s", seconds.1), eighty.0, eighty.1);
}
