//! `dxmap-route`: route latency (median and p99, one timer per case) and
//! throughput (a whole stream, no timer per case) on generated trees of 1×,
//! 10× and 100× the shipped tree and of national size, with a mixed stream
//! of realistic cases (`dxmap_bench::cases`), `--explain` off.
//!
//! ```text
//! cargo run -p dxmap-bench --release --bin dxmap-route [-- --cases N]
//! ```
//!
//! Prints one markdown table. Exit 1 if a generated tree has errors.
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_bench`.

use std::process::ExitCode;
use std::time::Instant;

use dxmap::load::{self, Tree};
use dxmap_bench::Params;
use dxmap_runtime::Router;

fn percentile(sorted: &[u64], pct: usize) -> f64 {
    let idx = (sorted.len() * pct / 100).min(sorted.len().saturating_sub(1));
    sorted.get(idx).copied().unwrap_or(0) as f64 / 1000.0
}

fn main() -> ExitCode {
    let mut cases_per_tree = 20_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--cases" {
            cases_per_tree = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(cases_per_tree);
        }
    }
    println!("| tree | layers | services | rules | table load | median | p99 | throughput, 1 core | throughput, all cores |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, params) in [
        ("1x", Params::shipped_scale(1)),
        ("10x", Params::shipped_scale(10)),
        ("100x", Params::shipped_scale(100)),
        ("national", Params::national()),
    ] {
        let texts = dxmap_bench::generate(&params);
        let tree = Tree::from_texts(std::path::Path::new("generated"), texts);
        let Ok(checked) = load::check_loaded(tree, None) else {
            eprintln!("{name}: the generated tree does not load");
            return ExitCode::from(1);
        };
        let Some(model) = checked.model.as_ref().filter(|_| !checked.has_errors()) else {
            eprintln!("{name}: the generated tree has errors");
            return ExitCode::from(1);
        };
        let artifact = dxmap::compile::compile(model, &checked.sources).to_artifact();
        let start = Instant::now();
        let Ok(table) = dxmap_runtime::Table::from_artifact(&artifact) else {
            eprintln!("{name}: the table does not load");
            return ExitCode::from(1);
        };
        let Ok(router) = Router::new(table) else {
            eprintln!("{name}: no router");
            return ExitCode::from(1);
        };
        let load_ms = start.elapsed().as_secs_f64() * 1000.0;
        let table = router.table();
        let (layers, services, rules) =
            (table.layers.len(), table.services.len(), table.rules.len());
        let cases = dxmap_bench::cases::stream(table, cases_per_tree, 7);
        // Warm up, then one timer per case.
        for case in cases.iter().take(1000) {
            let _ = router.route(case);
        }
        let mut nanos: Vec<u64> = Vec::with_capacity(cases.len() * 5);
        for _ in 0..5 {
            for case in &cases {
                let start = Instant::now();
                let decision = router.route(case);
                nanos.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
                std::hint::black_box(decision.ok());
            }
        }
        nanos.sort_unstable();
        // Throughput: the whole stream, no per-case timer.
        let rounds = 5;
        let start = Instant::now();
        for _ in 0..rounds {
            for case in &cases {
                std::hint::black_box(router.route(case).ok());
            }
        }
        let per_second = (rounds * cases.len()) as f64 / start.elapsed().as_secs_f64();
        // The same on every core: one router shared by the threads.
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..rounds {
                        for case in &cases {
                            std::hint::black_box(router.route(case).ok());
                        }
                    }
                });
            }
        });
        let all_cores = (threads * rounds * cases.len()) as f64 / start.elapsed().as_secs_f64();
        println!(
            "| {name} | {layers} | {services} | {rules} | {load_ms:.0} ms | {:.2} µs | {:.2} µs | {:.0} cases/s | {:.0} cases/s ({threads} threads) |",
            percentile(&nanos, 50),
            percentile(&nanos, 99),
            per_second,
            all_cores
        );
    }
    ExitCode::SUCCESS
}
