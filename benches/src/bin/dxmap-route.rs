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
        let Ok(table) = router.table() else {
            eprintln!("{name}: no table");
            return ExitCode::from(1);
        };
        let (layers, services, rules) =
            (table.layers.len(), table.services.len(), table.rules.len());
        let cases = dxmap_bench::cases::stream(table, cases_per_tree, 7);
        let f = dxmap_bench::measure::route(&router, &cases, 5);
        println!(
            "| {name} | {layers} | {services} | {rules} | {load_ms:.0} ms | {:.2} µs | {:.2} µs | {:.0} cases/s | {:.0} cases/s ({} threads) |",
            f.median_us, f.p99_us, f.per_second, f.all_cores, f.threads
        );
    }
    ExitCode::SUCCESS
}
