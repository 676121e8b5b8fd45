//! The report of `dxmap-serve-load`: markdown, the figures of a
//! [`Report`] and whether issue 15's targets are met.
//!
//! Imports: the crate's `Args`, `Report` and runs (`load`, `curve`,
//! `place`).

use dxmap_runtime::Table;

use crate::load::Stalls;
use crate::{curve, median, place, Args, Closed, Report, ServerSide, Tables, PROBE_SECONDS};

fn yes(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

pub fn print(
    args: &Args,
    table: &Table,
    n_requests: usize,
    n_cases: usize,
    mean_body: usize,
    tables: &Tables,
    r: &Report,
) {
    let load = &r.load;
    let placement = &r.placement;
    let per_second = |v: &[Closed]| v.iter().map(|r| r.per_second).collect::<Vec<_>>();
    let cpu = |v: &[Closed]| median(v.iter().map(|r| r.cpu_us).collect());
    let busy = |v: &[Closed]| median(v.iter().map(|r| r.busy.server).collect());
    let other = |b: ServerSide| {
        b.other
            .map_or("not pinned".to_owned(), |o| format!("{:.0}%", 100.0 * o))
    };
    let others = |v: &[Closed]| {
        v.iter()
            .map(|r| other(r.busy))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (trivial_paced, trivial_busy) = &r.trivial_paced;
    let (routing_paced, routing_busy) = &r.routing_paced;
    let trivial_max = median(per_second(&r.trivial_rounds));
    let routing_max = median(per_second(&r.routing_rounds));
    let ratio = routing_max / trivial_max.max(1.0);
    let rounds = |v: &[Closed]| {
        v.iter()
            .map(|x| format!("{:.0}", x.per_second))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let c = args.connections;
    println!(
        "National table: {} layers, {} services, {} rules. {n_requests} of {n_cases} generated cases route (the others are 4xx by design and left out); mean body {mean_body} bytes; `POST /v1/route`, explain off.",
        table.layers.len(),
        table.services.len(),
        table.rules.len()
    );
    println!();
    let workers = place::SERVER_WORKERS;
    let cores = placement.cores;
    match (placement.client, placement.server, &placement.unpinned) {
        (Some(client), Some(server), None) => println!(
            "Client and servers have a core each of the {cores} this process may use: the client (this process) is pinned to core {client}, one thread busy-polling {c} non-blocking keep-alive connections (the reload storm's reloader is a second, mostly sleeping thread there); each server (routing, and the trivial handler) is a child process pinned to core {server}, its tokio runtime with {workers} worker thread; the two servers are loaded in turn. Pinned with `taskset`. Other work on the machine shows in the figures: load average {load}."
        ),
        (_, _, why) => println!(
            "**Nothing is pinned** ({}): client and servers share the {cores} cores this process may use. The client (this process) is one thread busy-polling {c} non-blocking keep-alive connections; each server (routing, and the trivial handler) is a child process, its tokio runtime with {workers} worker thread. Other work on the machine shows in the figures: load average {load}.",
            why.as_deref().unwrap_or("unknown")
        ),
    }
    println!();
    let (client_stalls, server_stalls) = &r.machine;
    println!(
        "The machine's own stalls: before the runs, with nothing of the benchmark running, a thread spinning for {PROBE_SECONDS} s on each core (the client's, and the servers' in a child process{}) saw its loop not come round for more than {} ms (the thread not running: another task, or its virtual CPU not running) this often: client's core {}, servers' core {}. A stall of the server's core is time no answer is written, and at 80% of the maximum rate its backlog takes about four times as long to drain.",
        if placement.unpinned.is_some() {
            "; not pinned, so they may have shared a core"
        } else {
            ""
        },
        Stalls::MIN.as_millis(),
        client_stalls.describe(),
        server_stalls.map_or("not measured".to_owned(), |s| s.describe())
    );
    println!();
    println!("| | trivial handler (fixed JSON) | routing | routing / trivial |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| maximum throughput, closed loop, median of {} rounds of {} s | {trivial_max:.0} req/s ({}) | {routing_max:.0} req/s ({}) | {:.0}% |",
        args.rounds,
        args.seconds,
        rounds(&r.trivial_rounds),
        rounds(&r.routing_rounds),
        ratio * 100.0
    );
    println!(
        "| CPU of the server process (user and kernel) per answer, closed loop, median | {:.0} µs | {:.0} µs | {:.0}% |",
        cpu(&r.trivial_rounds),
        cpu(&r.routing_rounds),
        100.0 * cpu(&r.trivial_rounds) / cpu(&r.routing_rounds).max(1e-9)
    );
    println!(
        "| server core busy with the server (its CPU time over the round's), closed loop, median | {:.0}% | {:.0}% | |",
        100.0 * busy(&r.trivial_rounds),
        100.0 * busy(&r.routing_rounds),
    );
    println!(
        "| server core busy with anything else (other processes, interrupts), closed loop, each round | {} | {} | |",
        others(&r.trivial_rounds),
        others(&r.routing_rounds),
    );
    for (label, q) in [("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999)] {
        println!(
            "| {label} at 80% of its maximum, open loop, {} s | {:.2} ms | {:.2} ms | |",
            args.paced_seconds,
            trivial_paced.percentile(q),
            routing_paced.percentile(q)
        );
    }
    println!(
        "| max at 80% of its maximum | {:.2} ms | {:.2} ms | |",
        trivial_paced.percentile(1.0),
        routing_paced.percentile(1.0)
    );
    println!(
        "| requests sent at 80% (rate asked, rate achieved: sent over the time to the last answer) | {} ({:.0}/s, {:.0}/s) | {} ({:.0}/s, {:.0}/s) | |",
        trivial_paced.sent,
        0.8 * trivial_max,
        trivial_paced.sent as f64 / trivial_paced.seconds.max(1e-9),
        routing_paced.sent,
        0.8 * routing_max,
        routing_paced.sent as f64 / routing_paced.seconds.max(1e-9)
    );
    println!(
        "| server core busy at 80%: with the server; with anything else (other processes, interrupts) | {:.0}%; {} | {:.0}%; {} | |",
        100.0 * trivial_busy.server,
        other(*trivial_busy),
        100.0 * routing_busy.server,
        other(*routing_busy)
    );
    let slow = |side: &ServerSide| {
        side.slow
            .map_or("not read".to_owned(), |[all, over_1, over_2]| {
                format!(
                    "{over_1} ({:.3}%); {over_2} ({:.3}%)",
                    100.0 * over_1 as f64 / all.max(1) as f64,
                    100.0 * over_2 as f64 / all.max(1) as f64
                )
            })
    };
    println!(
        "| answers the server took over 1 ms; over 2 ms to handle at 80% (its own histogram, `/metrics`: from its middleware to the answer built, not the time a request waits to be read or its answer to be written) | {} | {} | |",
        slow(trivial_busy),
        slow(routing_busy)
    );
    println!(
        "| the client's own stalls at 80% (gaps over {} ms in its loop) | {} | {} | |",
        Stalls::MIN.as_millis(),
        trivial_paced.stalls.describe(),
        routing_paced.stalls.describe()
    );
    println!(
        "| failed requests (not 200) | {} | {} | |",
        trivial_paced.failed, routing_paced.failed
    );
    println!();
    curve::print(
        &r.curve,
        (trivial_paced, routing_paced),
        (args.curve_seconds, args.paced_seconds),
    );
    println!();
    let storm = &r.storm;
    let [by_a, by_b, by_c, other] = storm.by_table;
    let reloads = &r.reloads;
    println!(
        "Reload storm: routing at {:.0} req/s for {} s while the table file is replaced and `POST /v1/admin/reload` called every 100 ms: good A, corrupt, good B, corrupt, … (corrupt: a third table, C, {}).",
        r.storm_rate,
        args.storm_seconds,
        tables
            .corrupt
            .iter()
            .map(|(kind, _)| *kind)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("| storm | figure |");
    println!("| --- | --- |");
    println!("| requests | {} |", storm.sent);
    println!(
        "| failed requests (not 200, or no answer) | {} |",
        storm.failed
    );
    println!("| answers from the corrupt table (C's hash) | {by_c} |");
    println!("| answers by table A / B / neither | {by_a} / {by_b} / {other} |");
    println!(
        "| good reloads that took effect / attempted (reload 200, `/v1/table` and the next answer carry the new hash, not stale) | {} / {} |",
        reloads.good_effective, reloads.good
    );
    println!(
        "| corrupt reloads refused / attempted (reload 422, the previous hash still served, `stale: true`) | {} / {} |",
        reloads.corrupt_refused, reloads.corrupt
    );
    println!(
        "| p50 / p99 / max during the storm | {:.2} / {:.2} / {:.2} ms |",
        storm.percentile(0.5),
        storm.percentile(0.99),
        storm.percentile(1.0)
    );
    println!(
        "| the client's own stalls during the storm (gaps over {} ms in its loop; the reloader shares its core) | {} |",
        Stalls::MIN.as_millis(),
        storm.stalls.describe()
    );
    for problem in reloads.problems.iter().take(5) {
        println!("- {problem}");
    }
    println!();
    let p99 = routing_paced.percentile(0.99);
    let storm_ok = storm.failed == 0
        && by_c == 0
        && other == 0
        && reloads.good > 0
        && reloads.good_effective == reloads.good
        && reloads.corrupt_refused == reloads.corrupt;
    println!("| target (issue 15) | figure | met |");
    println!("| --- | --- | --- |");
    println!(
        "| routing over HTTP ≥ 60% of the trivial handler's throughput | {:.0}% | {} |",
        ratio * 100.0,
        yes(ratio >= 0.6)
    );
    println!(
        "| p99 ≤ 2 ms at 80% of the maximum rate | {p99:.2} ms | {} |",
        yes(p99 <= 2.0)
    );
    println!(
        "| reload storm: 0 failed, 0 from the corrupt table, every good reload takes effect | {} failed, {by_c} corrupt, {}/{} good | {} |",
        storm.failed,
        reloads.good_effective,
        reloads.good,
        yes(storm_ok)
    );
    if r.closed_failed > 0 {
        println!();
        println!(
            "{} requests failed in the closed-loop runs.",
            r.closed_failed
        );
    }
}
