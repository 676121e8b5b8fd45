//! `dxmap-peers`: dxmap against regorus (Rego) and zen-engine (JDM) on the
//! same compiled rules and the same cases, in one process (issue
//! "Performance", item 4).
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml [-- --cases N] [--national]
//! ```
//!
//! For each generated tree (1×, 10×; national with `--national`):
//! 1. builds dxmap's table and a case stream (`dxmap_bench::cases::stream`);
//! 2. exports, from the compiled table, the services and rules as data for
//!    the Rego policy `dxmap.rego`, and a JDM decision graph (`jdm.rs`);
//! 3. checks that every peer returns dxmap's rule name and ordered service
//!    ids on every case, and times no peer that differs on one;
//! 4. times route latency (one timer per case: median, p99) and throughput.
//!
//! Precomputed outside the timed region, for the peers only (dxmap's
//! `Router::route` computes all of it itself, per case): the postcode's
//! units, the local date, capacity red, open-in-window per service and code
//! searched (dxmap's own `hours::open_in_window` over `route::search_window`)
//! and great-circle distances. zen-engine also gets the catch-all answer
//! precomputed (see `jdm.rs`).

#[cfg(feature = "zen")]
mod jdm;
mod prep;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use dxmap::load::{self, Tree};
use dxmap_bench::Params;
use dxmap_runtime::{Case, Router};
use serde_json::Value as Json;

use prep::Prep;

/// The answer compared: the rule's name and the ordered service ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    rule: Option<String>,
    services: Vec<String>,
}

impl Answer {
    fn from_json(v: &Json) -> Answer {
        Answer {
            rule: v.get("rule").and_then(Json::as_str).map(str::to_owned),
            services: v
                .get("services")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

fn dxmap_answer(router: &Router, case: &Case) -> Answer {
    match router.route(case) {
        Ok(d) => Answer {
            rule: d.rule.map(str::to_owned),
            services: d.services.into_iter().map(|a| a.id.to_owned()).collect(),
        },
        Err(e) => Answer {
            rule: Some(format!("error: {e}")),
            services: Vec::new(),
        },
    }
}

struct Timing {
    median_us: f64,
    p99_us: f64,
    per_second: f64,
}

/// One timer per case over `rounds` passes, then a whole-stream pass with no
/// timer per case.
fn time<F: FnMut(usize)>(n: usize, rounds: usize, mut f: F) -> Timing {
    for i in 0..n.min(500) {
        f(i);
    }
    let mut nanos: Vec<u64> = Vec::with_capacity(n * rounds);
    for _ in 0..rounds {
        for i in 0..n {
            let start = Instant::now();
            f(i);
            nanos.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
    }
    nanos.sort_unstable();
    let pct = |p: usize| {
        let idx = (nanos.len() * p / 100).min(nanos.len().saturating_sub(1));
        nanos.get(idx).copied().unwrap_or(0) as f64 / 1000.0
    };
    let start = Instant::now();
    for _ in 0..rounds {
        for i in 0..n {
            f(i);
        }
    }
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    Timing {
        median_us: pct(50),
        p99_us: pct(99),
        per_second: (n * rounds) as f64 / elapsed.as_secs_f64(),
    }
}

/// Compares a peer's answers with dxmap's; prints the count and the first
/// mismatches. True when all agree.
fn check(peer: &str, tree: &str, expected: &[Answer], got: &[Answer], cases: &[Case]) -> bool {
    let mut bad = 0usize;
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        if e != g {
            bad += 1;
            if bad <= 5 {
                eprintln!(
                    "  mismatch {tree} {peer} case {i}: dxmap {e:?}, {peer} {g:?}; case {:?}",
                    cases.get(i)
                );
            }
        }
    }
    println!(
        "- {tree}, {peer}: {} cases checked, {} equal to dxmap, {bad} mismatches{}",
        expected.len(),
        expected.len() - bad,
        if bad > 0 { " (not timed)" } else { "" }
    );
    bad == 0
}

struct Row {
    tree: String,
    engine: &'static str,
    timing: Option<Timing>,
    note: String,
}

#[expect(
    clippy::too_many_lines,
    reason = "one tree after another, engine by engine"
)]
fn run_tree(
    name: &str,
    params: &Params,
    n_cases: usize,
    rounds: usize,
    rows: &mut Vec<Row>,
    analysis: &mut Vec<String>,
) -> Result<(), String> {
    let texts = dxmap_bench::generate(params);
    let tree = Tree::from_texts(std::path::Path::new("generated"), texts);
    let checked = load::check_loaded(tree, None).map_err(|_| format!("{name}: does not load"))?;
    let model = checked
        .model
        .as_ref()
        .filter(|_| !checked.has_errors())
        .ok_or_else(|| format!("{name}: errors"))?;
    let table = dxmap::compile::compile(model, &checked.sources);
    let router = Router::new(table).map_err(|e| e.to_string())?;
    let table = router.table();
    let cases = dxmap_bench::cases::stream(table, n_cases, 7);
    let preps: Vec<Prep> = cases.iter().map(|c| Prep::new(table, c)).collect();
    let expected: Vec<Answer> = cases.iter().map(|c| dxmap_answer(&router, c)).collect();
    let found = expected.iter().filter(|a| !a.services.is_empty()).count();
    println!(
        "\n### {name}: {} layers, {} services, {} rules, {} cases ({found} with services)\n",
        table.layers.len(),
        table.services.len(),
        table.rules.len(),
        cases.len()
    );

    // dxmap.
    let t = time(cases.len(), rounds, |i| {
        if let Some(c) = cases.get(i) {
            std::hint::black_box(router.route(c).ok());
        }
    });
    rows.push(Row {
        tree: name.to_owned(),
        engine: "dxmap `Router::route`",
        timing: Some(t),
        note: "computes hours, distances, postcode itself".to_owned(),
    });

    // regorus: the interpreter.
    let data = prep::rego_data(table);
    let data_value = regorus::Value::from(data.clone());
    let inputs: Vec<regorus::Value> = preps
        .iter()
        .map(|p| regorus::Value::from(p.rego_input()))
        .collect();
    if let Some(dir) = std::env::var_os("DXMAP_PEERS_DUMP") {
        let dir = std::path::Path::new(&dir);
        let inputs: Vec<Json> = preps.iter().map(Prep::rego_input).collect();
        let _ = std::fs::write(dir.join(format!("{name}.data.json")), data.to_string());
        let _ = std::fs::write(
            dir.join(format!("{name}.inputs.many.json")),
            Json::Array(inputs).to_string(),
        );
    }
    let policy = include_str!("dxmap.rego").to_owned();
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("dxmap.rego".to_owned(), policy)
        .map_err(|e| e.to_string())?;
    engine
        .add_data(data_value.clone())
        .map_err(|e| e.to_string())?;
    let eval = |engine: &mut regorus::Engine, input: &regorus::Value| {
        engine.set_input(input.clone());
        engine.eval_rule("data.dxmap.result".to_owned())
    };
    let mut got = Vec::with_capacity(inputs.len());
    let mut failed = None;
    for input in &inputs {
        match eval(&mut engine, input) {
            Ok(v) => got.push(Answer::from_json(
                &serde_json::from_str(&v.to_json_str().unwrap_or_default()).unwrap_or(Json::Null),
            )),
            Err(e) => {
                failed = Some(e.to_string());
                got.push(Answer {
                    rule: Some("regorus error".into()),
                    services: vec![],
                });
            }
        }
    }
    if let Some(e) = &failed {
        eprintln!("  regorus error: {e}");
    }
    let ok = check("regorus (interpreter)", name, &expected, &got, &cases);
    rows.push(Row {
        tree: name.to_owned(),
        engine: "regorus 0.14 `Engine::eval_rule`",
        timing: ok.then(|| {
            time(inputs.len(), rounds, |i| {
                if let Some(input) = inputs.get(i) {
                    std::hint::black_box(eval(&mut engine, input).ok());
                }
            })
        }),
        note: if ok {
            String::new()
        } else {
            "answers differ: not timed".into()
        },
    });

    // regorus: the compiled RVM program.
    let entry_name =
        std::env::var("DXMAP_RVM_ENTRY").unwrap_or_else(|_| "data.dxmap.result".to_owned());
    let entry: regorus::Rc<str> = entry_name.as_str().into();
    let rvm = engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())
        .and_then(|compiled| {
            regorus::languages::rego::compiler::Compiler::compile_from_policy(
                &compiled,
                &[entry_name.as_str()],
            )
            .map_err(|e| e.to_string())
        });
    match rvm {
        Ok(program) => {
            let mut vm = regorus::rvm::vm::RegoVM::new();
            vm.load_program(program);
            vm.set_data(data_value.clone()).map_err(|e| e.to_string())?;
            let run = |vm: &mut regorus::rvm::vm::RegoVM, input: &regorus::Value| {
                vm.set_input(input.clone());
                vm.execute()
            };
            let mut got = Vec::with_capacity(inputs.len());
            let mut failed = None;
            for input in &inputs {
                let r = run(&mut vm, input);
                if std::env::var_os("DXMAP_PEERS_DEBUG").is_some() && got.len() < 3 {
                    eprintln!(
                        "  rvm raw: {:?}",
                        r.as_ref().map(|v| v.to_json_str().unwrap_or_default())
                    );
                }
                match r {
                    Ok(v) => got.push(Answer::from_json(
                        &serde_json::from_str(&v.to_json_str().unwrap_or_default())
                            .unwrap_or(Json::Null),
                    )),
                    Err(e) => {
                        failed = Some(e.to_string());
                        got.push(Answer {
                            rule: Some("rvm error".into()),
                            services: vec![],
                        });
                    }
                }
            }
            if let Some(e) = &failed {
                eprintln!("  regorus RVM error: {e}");
            }
            let ok = check("regorus (RVM)", name, &expected, &got, &cases);
            rows.push(Row {
                tree: name.to_owned(),
                engine: "regorus 0.14 RVM (`RegoVM::execute`)",
                timing: ok.then(|| {
                    time(inputs.len(), rounds, |i| {
                        if let Some(input) = inputs.get(i) {
                            std::hint::black_box(run(&mut vm, input).ok());
                        }
                    })
                }),
                note: if ok {
                    String::new()
                } else {
                    "answers differ: not timed".into()
                },
            });
        }
        Err(e) => {
            println!("- {name}, regorus RVM: the policy does not compile to RVM: {e}");
            rows.push(Row {
                tree: name.to_owned(),
                engine: "regorus 0.14 RVM (`RegoVM::execute`)",
                timing: None,
                note: format!("does not compile: {}", e.lines().next().unwrap_or("")),
            });
        }
    }

    // zen-engine.
    #[cfg(feature = "zen")]
    jdm::run(
        name, table, &cases, &preps, &expected, rounds, rows, analysis, model,
    )?;
    #[cfg(not(feature = "zen"))]
    let _ = (model, analysis);
    Ok(())
}

fn main() -> ExitCode {
    let mut n_cases = 5_000usize;
    let mut rounds = 3usize;
    let mut national = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cases" => n_cases = args.next().and_then(|n| n.parse().ok()).unwrap_or(n_cases),
            "--rounds" => rounds = args.next().and_then(|n| n.parse().ok()).unwrap_or(rounds),
            "--national" => national = true,
            _ => {}
        }
    }
    println!("## Equality checks (before timing)\n");
    let mut rows = Vec::new();
    let mut analysis = Vec::new();
    let mut trees = vec![
        ("1x", Params::shipped_scale(1)),
        ("10x", Params::shipped_scale(10)),
    ];
    if national {
        trees.push(("national", Params::national()));
    }
    for (name, params) in &trees {
        if let Err(e) = run_tree(name, params, n_cases, rounds, &mut rows, &mut analysis) {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    }
    println!(
        "\n## Route, {n_cases} cases × {rounds} rounds per tree, one process\n\n| tree | engine | median | p99 | throughput, 1 core | dxmap speed-up (median) | dxmap speed-up (throughput) | note |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    let mut base: Option<(f64, f64)> = None;
    for row in &rows {
        match &row.timing {
            Some(t) => {
                if row.engine.starts_with("dxmap") {
                    base = Some((t.median_us, t.per_second));
                }
                let (m, p) = base.unwrap_or((t.median_us, t.per_second));
                println!(
                    "| {} | {} | {:.2} µs | {:.2} µs | {:.0} cases/s | {:.1}× | {:.1}× | {} |",
                    row.tree,
                    row.engine,
                    t.median_us,
                    t.p99_us,
                    t.per_second,
                    t.median_us / m,
                    p / t.per_second,
                    row.note
                );
            }
            None => println!(
                "| {} | {} | — | — | — | — | — | {} |",
                row.tree, row.engine, row.note
            ),
        }
    }
    if !analysis.is_empty() {
        println!("\n## Rule-table analysis\n\n| tree | engine | what | time | findings |\n| --- | --- | --- | --- | --- |");
        for line in &analysis {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}
