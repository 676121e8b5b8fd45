//! `dxmap-peers`: dxmap against regorus (Rego) and zen-engine (JDM) on the
//! same compiled rules and the same cases, in one process (issue
//! "Performance", item 4; issue 18 for the interleaving and the strict
//! equality).
//!
//! ```text
//! cargo run --release --manifest-path benches/peers/Cargo.toml --features zen -- \
//!     [--cases N] [--rounds R] [--chunk C] [--national]
//! ```
//!
//! For each generated tree (1×, 10×; national with `--national`):
//! 1. builds dxmap's table and a case stream of N cases
//!    (`dxmap_bench::cases::stream`);
//! 2. exports, from the compiled table, the services and rules as data for
//!    the Rego policy `dxmap.rego`, and a JDM decision graph (`jdm.rs`);
//! 3. checks, on every case, that every peer gives dxmap's answer field by
//!    field: overlay, rule, `no_search` reason, catch-all flag and ordered
//!    service ids (`answer.rs`). A peer that differs on one case is not
//!    timed. The counts are given by kind of answer (with services, of them
//!    catch-all, `no_search`, empty), so a peer answering nothing cannot
//!    pass on the empty ones unnoticed;
//! 4. times dxmap and the peers that agree in R interleaved rounds of C
//!    cases (`rounds.rs`): dxmap, regorus interpreter, regorus RVM,
//!    zen-engine, then dxmap again. Each peer's speed-up is worked out per
//!    round, and reported as its median with the interquartile range and
//!    the range over the rounds.
//!
//! Precomputed outside the timed region, for the peers only (dxmap's
//! `Router::route` computes all of it itself, per case): the postcode's
//! units, the local date, capacity red, open-in-window per service and code
//! searched (dxmap's own `hours::open_in_window` over `route::search_window`)
//! and great-circle distances. zen-engine also gets the catch-all's two
//! services precomputed, a favour to it (see `jdm.rs`): its graph decides
//! only whether the answer falls to the catch-all.

mod answer;
#[cfg(feature = "zen")]
mod jdm;
mod prep;
mod rounds;

use std::process::ExitCode;

use dxmap::load::{self, Tree};
use dxmap_bench::Params;
use dxmap_runtime::{Case, Router};
use serde_json::Value as Json;

use answer::{check, Answer, Kinds};
use prep::Prep;
use rounds::{num, ratios, Engine, Samples, Spread};

/// dxmap's `Router::route`, timed unchanged.
struct Dxmap<'a> {
    router: &'a Router,
    cases: &'a [Case],
}

impl Engine for Dxmap<'_> {
    fn route(&mut self, i: usize) {
        if let Some(c) = self.cases.get(i) {
            std::hint::black_box(self.router.route(c).ok());
        }
    }
}

/// A regorus value as an answer (all five fields required).
fn rego_answer(v: &regorus::Value) -> Result<Answer, String> {
    let text = v.to_json_str().map_err(|e| e.to_string())?;
    let json: Json = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Answer::from_json(&json)
}

/// The rule evaluated per case.
const RESULT: &str = "data.dxmap.result";

/// regorus's interpreter, `Engine::eval_rule`.
struct Interpreter<'a> {
    engine: regorus::Engine,
    inputs: &'a [regorus::Value],
}

impl Interpreter<'_> {
    fn eval(&mut self, i: usize) -> Option<Result<regorus::Value, String>> {
        let input = self.inputs.get(i)?;
        self.engine.set_input(input.clone());
        Some(
            self.engine
                .eval_rule(RESULT.to_owned())
                .map_err(|e| e.to_string()),
        )
    }

    fn answer(&mut self, i: usize) -> Result<Answer, String> {
        match self.eval(i) {
            None => Err(format!("no case {i}")),
            Some(r) => r.and_then(|v| rego_answer(&v)),
        }
    }
}

impl Engine for Interpreter<'_> {
    fn route(&mut self, i: usize) {
        std::hint::black_box(self.eval(i));
    }
}

/// regorus's compiled RVM program, `RegoVM::execute`.
struct Vm<'a> {
    vm: regorus::rvm::vm::RegoVM,
    inputs: &'a [regorus::Value],
}

impl Vm<'_> {
    fn eval(&mut self, i: usize) -> Option<Result<regorus::Value, String>> {
        let input = self.inputs.get(i)?;
        self.vm.set_input(input.clone());
        Some(self.vm.execute().map_err(|e| e.to_string()))
    }

    fn answer(&mut self, i: usize) -> Result<Answer, String> {
        match self.eval(i) {
            None => Err(format!("no case {i}")),
            Some(r) => r.and_then(|v| rego_answer(&v)),
        }
    }
}

impl Engine for Vm<'_> {
    fn route(&mut self, i: usize) {
        std::hint::black_box(self.eval(i));
    }
}

/// One engine's line of the timing table.
struct Row {
    tree: String,
    engine: &'static str,
    timing: Option<Timing>,
    note: String,
}

struct Timing {
    /// Each round's median latency, µs.
    median_us: Spread,
    /// Over every timed case of every round, µs.
    p99_us: f64,
    /// Each round's cases per second.
    per_second: Spread,
    /// Per round: the peer's median ÷ dxmap's (none for dxmap).
    latency_ratio: Option<Spread>,
    /// Per round: dxmap's throughput ÷ the peer's.
    throughput_ratio: Option<Spread>,
}

impl Timing {
    fn of(s: &Samples, base: Option<&Samples>) -> Timing {
        Timing {
            median_us: Spread::of(&s.medians_us),
            p99_us: s.p99_us(),
            per_second: Spread::of(&s.per_second),
            latency_ratio: base
                .map(|b| Spread::of(&ratios(&b.medians_us, &s.medians_us, |p, d| p / d))),
            throughput_ratio: base
                .map(|b| Spread::of(&ratios(&b.per_second, &s.per_second, |p, d| d / p))),
        }
    }
}

/// The engines of the timing table, in the order they take their turns.
const DXMAP: &str = "dxmap `Router::route`";
const INTERPRETER: &str = "regorus 0.14 `Engine::eval_rule`";
const RVM: &str = "regorus 0.14 RVM (`RegoVM::execute`)";
#[cfg(feature = "zen")]
const ZEN: &str = "zen-engine 2.1 `Decision::evaluate`";

#[cfg(feature = "zen")]
const ENGINES: [&str; 4] = [DXMAP, INTERPRETER, RVM, ZEN];
#[cfg(not(feature = "zen"))]
const ENGINES: [&str; 3] = [DXMAP, INTERPRETER, RVM];

/// A row for an engine not timed.
fn untimed(tree: &str, engine: &'static str, note: String) -> Row {
    Row {
        tree: tree.to_owned(),
        engine,
        timing: None,
        note,
    }
}

struct Settings {
    n_cases: usize,
    rounds: usize,
    chunk: usize,
}

#[expect(
    clippy::too_many_lines,
    reason = "one tree: build, check every engine, then time them together"
)]
fn run_tree(
    name: &str,
    params: &Params,
    settings: &Settings,
    all_rows: &mut Vec<Row>,
    analysis: &mut Vec<String>,
) -> Result<(), String> {
    let mut rows = Vec::new();
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
    let table = router.table().map_err(|e| format!("{name}: {e}"))?;
    let cases = dxmap_bench::cases::stream(table, settings.n_cases, 7);
    let preps: Vec<Prep> = cases.iter().map(|c| Prep::new(table, c)).collect();
    let expected: Vec<Result<Answer, String>> = cases
        .iter()
        .map(|c| {
            router
                .route(c)
                .map(|d| Answer::from_decision(&d))
                .map_err(|e| e.to_string())
        })
        .collect();
    let kinds = Kinds::of_answers(&expected);
    println!(
        "\n### {name}: {} layers, {} services, {} rules, {} cases\n\ndxmap's answers: {}.\n",
        table.layers.len(),
        table.services.len(),
        table.rules.len(),
        cases.len(),
        kinds.describe()
    );
    let within = table
        .layers
        .iter()
        .filter(|l| l.catch_all_within_m.is_some())
        .count();
    if within > 0 {
        println!(
            "- {name}: {within} layers limit their catch-all by distance (`catch_all … within`), which neither peer models: their catch-all answers can differ there\n"
        );
    }

    // regorus: the data, the inputs, the interpreter.
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
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(
            "dxmap.rego".to_owned(),
            include_str!("dxmap.rego").to_owned(),
        )
        .map_err(|e| e.to_string())?;
    engine
        .add_data(data_value.clone())
        .map_err(|e| e.to_string())?;

    // regorus: the compiled RVM program, from the same engine.
    let entry_name = std::env::var("DXMAP_RVM_ENTRY").unwrap_or_else(|_| RESULT.to_owned());
    let entry: regorus::Rc<str> = entry_name.as_str().into();
    let program = engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| e.to_string())
        .and_then(|compiled| {
            regorus::languages::rego::compiler::Compiler::compile_from_policy(
                &compiled,
                &[entry_name.as_str()],
            )
            .map_err(|e| e.to_string())
        });
    let mut interpreter = Interpreter {
        engine,
        inputs: &inputs,
    };
    let mut vm = match program {
        Ok(program) => {
            let mut vm = regorus::rvm::vm::RegoVM::new();
            vm.load_program(program);
            vm.set_data(data_value).map_err(|e| e.to_string())?;
            Some(Vm {
                vm,
                inputs: &inputs,
            })
        }
        Err(e) => {
            println!("- {name}, regorus (RVM): the policy does not compile to RVM: {e}");
            rows.push(untimed(
                name,
                RVM,
                format!("does not compile: {}", e.lines().next().unwrap_or("")),
            ));
            None
        }
    };
    #[cfg(feature = "zen")]
    let mut zen = Some(jdm::Zen::new(name, table, &preps)?);

    // Every case, every peer, before any timing.
    let got: Vec<_> = (0..cases.len()).map(|i| interpreter.answer(i)).collect();
    let interpreter_ok = check("regorus (interpreter)", name, &expected, &got);
    let vm_ok = vm.as_mut().is_some_and(|vm| {
        let got: Vec<_> = (0..cases.len()).map(|i| vm.answer(i)).collect();
        check("regorus (RVM)", name, &expected, &got)
    });
    #[cfg(feature = "zen")]
    let zen_ok = zen
        .as_ref()
        .is_some_and(|z| check("zen-engine", name, &expected, &z.answers()));

    // Interleaved rounds: dxmap and every peer that agrees.
    let mut dxmap = Dxmap {
        router: &router,
        cases: &cases,
    };
    let mut timed: Vec<(&'static str, &mut dyn Engine)> =
        vec![(DXMAP, &mut dxmap as &mut dyn Engine)];
    let differ = || "answers differ: not timed".to_owned();
    if interpreter_ok {
        timed.push((INTERPRETER, &mut interpreter));
    } else {
        rows.push(untimed(name, INTERPRETER, differ()));
    }
    match vm.as_mut() {
        Some(vm) if vm_ok => timed.push((RVM, vm)),
        Some(_) => rows.push(untimed(name, RVM, differ())),
        None => {}
    }
    #[cfg(feature = "zen")]
    match zen.as_mut() {
        Some(z) if zen_ok => timed.push((ZEN, z)),
        _ => rows.push(untimed(name, ZEN, differ())),
    }
    let (labels, mut engines): (Vec<&'static str>, Vec<&mut dyn Engine>) =
        timed.into_iter().unzip();
    let samples = rounds::interleave(&mut engines, cases.len(), settings.rounds, settings.chunk);
    drop(engines);
    let base = samples.first();
    for (i, (label, s)) in labels.iter().zip(&samples).enumerate() {
        let note = match *label {
            DXMAP => "computes hours, distances, postcode itself".to_owned(),
            #[cfg(feature = "zen")]
            ZEN => "catch-all's services precomputed (a favour to zen-engine)".to_owned(),
            _ => String::new(),
        };
        rows.push(Row {
            tree: name.to_owned(),
            engine: label,
            timing: Some(Timing::of(s, if i == 0 { None } else { base })),
            note,
        });
    }

    rows.sort_by_key(|r| ENGINES.iter().position(|e| *e == r.engine));
    all_rows.append(&mut rows);

    // zen-engine's answers again after timing: evaluation must not have
    // changed the shared inputs.
    #[cfg(feature = "zen")]
    if let Some(z) = zen.as_ref().filter(|_| zen_ok) {
        let again = z
            .answers()
            .iter()
            .zip(&expected)
            .filter(|(g, e)| g != e)
            .count();
        if again > 0 {
            return Err(format!(
                "{name}: zen-engine answers changed after timing ({again} cases)"
            ));
        }
        if name != "national" {
            jdm::analysis(name, table, model, analysis)?;
        }
    }
    #[cfg(not(feature = "zen"))]
    let _ = (model, analysis);
    Ok(())
}

fn print_timings(settings: &Settings, rows: &[Row]) {
    let Settings {
        n_cases,
        rounds,
        chunk,
    } = *settings;
    let chunk = chunk.min(n_cases);
    println!("\n## Route: {rounds} interleaved rounds of {chunk} cases per tree, one process\n");
    println!(
        "Each round times every engine in turn on the same {chunk} cases (dxmap, regorus interpreter, regorus RVM, zen-engine, then the next round): {} untimed cases, the {chunk} cases with one timer each (the round's median latency), then again with no timer per case (the round's throughput; an engine through them in under {} ms goes round them again until {} ms have passed, as dxmap always does, so that one time slice of another process does not decide its round). Rounds follow each other around the stream of {n_cases} cases, so each case is timed about {} times per engine. A peer's speed-up over dxmap is worked out round by round and given as its median, interquartile range and range over the {rounds} rounds; the median and throughput columns are medians over the rounds (range in brackets), the p99 is over every timed case.\n",
        rounds::WARM.min(chunk),
        rounds::MIN_THROUGHPUT.as_millis(),
        rounds::MIN_THROUGHPUT.as_millis(),
        num((rounds * chunk) as f64 / n_cases.max(1) as f64),
    );
    println!(
        "Precomputed for the peers, outside the timed region (dxmap computes all of it, per case): postcode units, local date, capacity red, open-in-window per service and searched code, great-circle distances. For zen-engine only, as a further favour to it, the catch-all's two services (its graph would need a third copy of the service table); the graph still decides whether the answer falls to the catch-all.\n"
    );
    println!("| tree | engine | median | p99 | throughput, 1 core | dxmap speed-up, median | dxmap speed-up, throughput | note |\n| --- | --- | --- | --- | --- | --- | --- | --- |");
    for row in rows {
        match &row.timing {
            Some(t) => println!(
                "| {} | {} | {} µs ({}–{}) | {} µs | {:.0} cases/s ({:.0}–{:.0}) | {} | {} | {} |",
                row.tree,
                row.engine,
                num(t.median_us.median),
                num(t.median_us.min),
                num(t.median_us.max),
                num(t.p99_us),
                t.per_second.median,
                t.per_second.min,
                t.per_second.max,
                t.latency_ratio.map_or("1×".to_owned(), |s| s.ratio()),
                t.throughput_ratio.map_or("1×".to_owned(), |s| s.ratio()),
                row.note
            ),
            None => println!(
                "| {} | {} | — | — | — | — | — | {} |",
                row.tree, row.engine, row.note
            ),
        }
    }
}

fn main() -> ExitCode {
    let mut settings = Settings {
        n_cases: 5_000,
        rounds: 15,
        chunk: 1_000,
    };
    let mut national = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number =
            |default: usize| args.next().and_then(|n| n.parse().ok()).unwrap_or(default);
        match arg.as_str() {
            "--cases" => settings.n_cases = number(settings.n_cases),
            "--rounds" => settings.rounds = number(settings.rounds).max(1),
            "--chunk" => settings.chunk = number(settings.chunk).max(1),
            "--national" => national = true,
            other => {
                eprintln!("dxmap-peers: unknown argument `{other}` (--cases N, --rounds R, --chunk C, --national)");
                return ExitCode::from(2);
            }
        }
    }
    println!("## Equality checks (before timing)\n");
    println!(
        "Every case of every tree, field by field: the overlay, the rule's name, the `no_search` reason, the catch-all flag and the ordered service ids. A missing field, an undefined result or an error is a mismatch; a peer that differs on one case is not timed. Not compared, because the peers do not return them: each service's name, type, capacity colour and distance, the reason text of a catch-all or empty answer, the code searched and the trace."
    );
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
        if let Err(e) = run_tree(name, params, &settings, &mut rows, &mut analysis) {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    }
    print_timings(&settings, &rows);
    if !analysis.is_empty() {
        println!("\n## Rule-table analysis\n\n| tree | engine | what | time | findings |\n| --- | --- | --- | --- | --- |");
        for line in &analysis {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}
