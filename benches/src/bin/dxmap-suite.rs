//! `dxmap-suite`: dxmap's own benchmark tables in one run: compiler phases,
//! table write and load, and route latency and throughput on generated
//! trees of 1×, 10×, 100×, 300× and 1,000× the shipped tree and of
//! national size; the growth from 10× to 100×, and from 100× to 300× and
//! 300× to 1,000× as an exponent in source size; the targets of the
//! Performance issue, met or not; optionally a growth plot (SVG).
//!
//! ```text
//! cargo run -p dxmap-bench --release --bin dxmap-suite [-- --cases N] [--runs N] [--svg FILE]
//! ```
//!
//! `benches/run` calls it, then the peers (`benches/peers/`), and prints
//! everything as markdown. Exit codes: 0 done, 1 a generated tree has
//! errors, 2 usage or I/O error.
//!
//! Imports: `dxmap`, `dxmap_runtime`, `dxmap_bench`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use dxmap::load::{self, Tree};
use dxmap_bench::measure::{self, median, timed, RouteFigures};
use dxmap_bench::Params;
use dxmap_runtime::Router;

const USAGE: &str = "usage: dxmap-suite [--cases N] [--runs N] [--svg FILE]";

/// One tree's figures.
struct Figures {
    name: &'static str,
    /// Services divided by the shipped tree's 47: the x axis of the plot.
    scale: f64,
    files: usize,
    bytes: usize,
    layers: usize,
    services: usize,
    rules: usize,
    parse: Duration,
    check: Duration,
    analyses: Duration,
    compile: Duration,
    write: Duration,
    artifact_bytes: usize,
    load: Duration,
    route: RouteFigures,
}

impl Figures {
    fn build(&self) -> Duration {
        self.parse + self.check + self.compile
    }
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn measure_tree(
    name: &'static str,
    texts: &[(String, String)],
    runs: usize,
    n_cases: usize,
) -> Result<Figures, String> {
    let files = texts.len();
    let bytes = texts.iter().map(|(_, t)| t.len()).sum();
    let mut samples: [Vec<Duration>; 6] = Default::default();
    let mut last = None;
    let mut artifact_bytes = 0;
    for _ in 0..runs {
        let (checked, parse, check) = checked(name, texts)?;
        let model = model_of(name, &checked)?;
        let (_, analyses) = timed(|| {
            (
                dxmap::check::analysis::overlaps(model).len(),
                dxmap::check::analysis::never_fire(model).len(),
                dxmap::check::analysis::gaps(model).len(),
            )
        });
        let (table, compile) = timed(|| dxmap::compile::compile(model, &checked.sources));
        let (artifact, write) = timed(|| table.to_artifact());
        let (router, load) = timed(|| {
            dxmap_runtime::Table::from_artifact(&artifact)
                .map_err(|e| e.to_string())
                .and_then(|t| Router::new(t).map_err(|e| e.to_string()))
        });
        let router = router.map_err(|e| format!("{name}: {e}"))?;
        for (slot, d) in samples
            .iter_mut()
            .zip([parse, check, analyses, compile, write, load])
        {
            slot.push(d);
        }
        artifact_bytes = artifact.len();
        last = Some(router);
    }
    let router = last.ok_or(USAGE)?;
    let table = router.table().map_err(|e| e.to_string())?;
    let cases = dxmap_bench::cases::stream(table, n_cases, 7);
    let route = measure::route(&router, &cases, 5);
    let [parse, check, analyses, compile, write, load] = samples.map(median);
    Ok(Figures {
        name,
        scale: table.services.len() as f64 / 47.0,
        files,
        bytes,
        layers: table.layers.len(),
        services: table.services.len(),
        rules: table.rules.len(),
        parse,
        check,
        analyses,
        compile,
        write,
        artifact_bytes,
        load,
        route,
    })
}

/// The growth of a cost from one tree to another, against the growth of
/// the tree (services).
fn growth(a: &Figures, b: &Figures, cost: impl Fn(&Figures) -> f64) -> String {
    let size = b.scale / a.scale;
    let ratio = cost(b) / cost(a).max(1e-12);
    format!("{ratio:.1}× for {size:.0}× the services")
}

/// A generated tree parsed and checked, with the time each took.
fn checked(
    name: &str,
    texts: &[(String, String)],
) -> Result<(load::Checked, Duration, Duration), String> {
    let (tree, parse) = timed(|| Tree::from_texts(Path::new("generated"), texts.to_vec()));
    let (checked, check) = timed(|| load::check_loaded(tree, None));
    let checked = checked.map_err(|e| format!("{name}: {e}"))?;
    Ok((checked, parse, check))
}

/// The model of a checked tree; an error if the tree has errors.
fn model_of<'c>(
    name: &str,
    checked: &'c load::Checked,
) -> Result<&'c dxmap::check::model::Model, String> {
    checked
        .model
        .as_ref()
        .filter(|_| !checked.has_errors())
        .ok_or_else(|| format!("{name}: the generated tree has errors"))
}

/// One build of a tree, timed: parse, check (with the analyses), compile.
fn build_once(name: &str, texts: &[(String, String)]) -> Result<[Duration; 3], String> {
    let (checked, parse, check) = checked(name, texts)?;
    let model = model_of(name, &checked)?;
    let (_, compile) = timed(|| dxmap::compile::compile(model, &checked.sources));
    Ok([parse, check, compile])
}

/// The growth from each tree to the next as an exponent in source size,
/// from interleaved rounds: each round builds every tree one after the
/// other, so that a slow minute of the machine falls on both trees of a
/// pair, and gives one exponent per pair; the table shows each pair's
/// median exponent over the rounds, with the range.
fn growth_rounds(trees: &[(&str, &[(String, String)])], rounds: usize) -> Result<String, String> {
    // By round, by tree: check, and parse + check + compile.
    let mut costs: Vec<Vec<[f64; 2]>> = Vec::new();
    for round in 0..rounds {
        eprintln!("dxmap-suite: growth, round {}…", round + 1);
        let mut this = Vec::new();
        for (name, texts) in trees {
            let [parse, check, compile] = build_once(name, texts)?;
            this.push([check.as_secs_f64(), (parse + check + compile).as_secs_f64()]);
        }
        costs.push(this);
    }
    let bytes =
        |texts: &[(String, String)]| texts.iter().map(|(_, t)| t.len()).sum::<usize>() as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n### Growth in source size (target: exponent ≤ 1.10)\n\n{rounds} interleaved rounds, each building {} one after the other; an exponent per round, ln(time ratio) / ln(source ratio); the median over the rounds, then the range.\n",
        trees.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "| from → to | source | check | parse + check + compile | both ≤ 1.10 |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
    for (at, pair) in trees.windows(2).enumerate() {
        let [(a, a_texts), (b, b_texts)] = pair else {
            continue;
        };
        let size = bytes(b_texts) / bytes(a_texts).max(1.0);
        let exponents = |cost: usize| {
            let mut e: Vec<f64> = costs
                .iter()
                .filter_map(|round| {
                    let ta = round.get(at)?.get(cost)?;
                    let tb = round.get(at + 1)?.get(cost)?;
                    Some((tb / ta.max(1e-12)).ln() / size.ln())
                })
                .collect();
            e.sort_by(f64::total_cmp);
            e
        };
        let median = |e: &[f64]| e.get(e.len() / 2).copied().unwrap_or(f64::NAN);
        let shown = |e: &[f64]| {
            format!(
                "exponent {:.2} ({:.2}–{:.2})",
                median(e),
                e.first().copied().unwrap_or(f64::NAN),
                e.last().copied().unwrap_or(f64::NAN)
            )
        };
        let (check, build) = (exponents(0), exponents(1));
        let met = median(&check) <= 1.10 && median(&build) <= 1.10;
        let _ = writeln!(
            out,
            "| {a} → {b} | {size:.2}× | {} | {} | {} |",
            shown(&check),
            shown(&build),
            if met { "yes" } else { "no" }
        );
    }
    Ok(out)
}

fn tables(figs: &[Figures]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Compiler and table (median of the runs)\n");
    let _ = writeln!(out, "| tree | files | source | layers | services | rules | parse | check | of which analyses | compile | parse + check + compile | write table | table size | load table |");
    let _ = writeln!(
        out,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for f in figs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.name,
            f.files,
            mb(f.bytes),
            f.layers,
            f.services,
            f.rules,
            ms(f.parse),
            ms(f.check),
            ms(f.analyses),
            ms(f.compile),
            ms(f.build()),
            ms(f.write),
            mb(f.artifact_bytes),
            ms(f.load)
        );
    }
    let _ = writeln!(
        out,
        "\n### Route (`Router::route_into`, one decision reused per thread, `--explain` off)\n"
    );
    let _ = writeln!(
        out,
        "| tree | median | p99 | throughput, 1 core | throughput, all cores |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
    for f in figs {
        let r = &f.route;
        let _ = writeln!(
            out,
            "| {} | {:.2} µs | {:.2} µs | {:.0} cases/s | {:.0} cases/s ({} threads) |",
            f.name, r.median_us, r.p99_us, r.per_second, r.all_cores, r.threads
        );
    }
    let find = |n: &str| figs.iter().find(|f| f.name == n);
    if let (Some(a), Some(b)) = (find("10x"), find("100x")) {
        let _ = writeln!(out, "\n### Growth from 10× to 100×\n");
        let _ = writeln!(out, "| cost | growth |");
        let _ = writeln!(out, "| --- | --- |");
        let secs = |d: Duration| d.as_secs_f64();
        let _ = writeln!(out, "| parse | {} |", growth(a, b, |f| secs(f.parse)));
        let _ = writeln!(out, "| check | {} |", growth(a, b, |f| secs(f.check)));
        let _ = writeln!(out, "| compile | {} |", growth(a, b, |f| secs(f.compile)));
        let _ = writeln!(out, "| table load | {} |", growth(a, b, |f| secs(f.load)));
        let _ = writeln!(
            out,
            "| route median | {} |",
            growth(a, b, |f| f.route.median_us)
        );
    }
    if let Some(n) = find("national") {
        let _ = writeln!(out, "\n### Targets (national tree)\n");
        let _ = writeln!(out, "| target | figure | met |");
        let _ = writeln!(out, "| --- | --- | --- |");
        let yes = |ok: bool| if ok { "yes" } else { "no" };
        let r = &n.route;
        let _ = writeln!(
            out,
            "| route median ≤ 2 µs | {:.2} µs | {} |",
            r.median_us,
            yes(r.median_us <= 2.0)
        );
        let _ = writeln!(
            out,
            "| route median ≤ 1.0 µs (Performance II) | {:.2} µs | {} |",
            r.median_us,
            yes(r.median_us <= 1.0)
        );
        let _ = writeln!(
            out,
            "| route p99 ≤ 10 µs | {:.2} µs | {} |",
            r.p99_us,
            yes(r.p99_us <= 10.0)
        );
        let _ = writeln!(
            out,
            "| check + compile ≤ 1 s (parse included) | {} | {} |",
            ms(n.build()),
            yes(n.build() <= Duration::from_secs(1))
        );
        let _ = writeln!(
            out,
            "| table load ≤ 50 ms | {} | {} |",
            ms(n.load),
            yes(n.load <= Duration::from_millis(50))
        );
        let _ = writeln!(
            out,
            "| a million cases a second | {:.0} cases/s on {} threads | {} |",
            r.all_cores,
            r.threads,
            yes(r.all_cores >= 1_000_000.0)
        );
    }
    out
}

/// A plotted cost: label, colour, the cost of a tree.
type Series = (&'static str, &'static str, fn(&Figures) -> f64);

/// A log–log plot of each cost relative to its 1× value, with the linear
/// growth line for reference.
fn svg(figs: &[Figures]) -> String {
    let (w, h, left, bottom, top, right) = (720.0, 440.0, 70.0, 50.0, 30.0, 190.0);
    let x_max = figs
        .iter()
        .map(|f| f.scale)
        .fold(1.0_f64, f64::max)
        .log10()
        .ceil()
        .max(1.0);
    let series: [Series; 5] = [
        ("parse", "#1f77b4", |f| f.parse.as_secs_f64()),
        ("check", "#ff7f0e", |f| f.check.as_secs_f64()),
        ("compile", "#2ca02c", |f| f.compile.as_secs_f64()),
        ("table load", "#d62728", |f| f.load.as_secs_f64()),
        ("route median", "#9467bd", |f| f.route.median_us),
    ];
    let y_max = x_max;
    let px = |x: f64| left + (x.max(1.0).log10() / x_max) * (w - left - right);
    let py = |y: f64| h - bottom - (y.max(1.0).log10() / y_max) * (h - top - bottom);
    let mut out = String::new();
    let _ = writeln!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">");
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(out, "<text x=\"{left}\" y=\"18\" font-size=\"14\">dxmap: cost relative to the 1× tree (log–log)</text>");
    for d in 0..=(x_max as i32) {
        let v = 10f64.powi(d);
        let (x, y) = (px(v), py(v));
        let _ = writeln!(out, "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v}×</text>", h - bottom, h - bottom + 16.0);
        let _ = writeln!(out, "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}×</text>", w - right, left - 6.0, y + 4.0);
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">tree size (services ÷ the shipped tree's 47)</text>", (left + w - right) / 2.0, h - 12.0);
    let _ = writeln!(out, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"5,4\"/>", px(1.0), py(1.0), px(10f64.powf(x_max)), py(10f64.powf(x_max)));
    let mut legend_y = top + 10.0;
    let _ = writeln!(out, "<line x1=\"{:.1}\" y1=\"{legend_y:.1}\" x2=\"{:.1}\" y2=\"{legend_y:.1}\" stroke=\"#999\" stroke-dasharray=\"5,4\"/><text x=\"{:.1}\" y=\"{:.1}\">linear growth</text>", w - right + 15.0, w - right + 40.0, w - right + 46.0, legend_y + 4.0);
    let mut sorted: Vec<&Figures> = figs.iter().collect();
    sorted.sort_by(|a, b| a.scale.total_cmp(&b.scale));
    let base = sorted.first().copied();
    for (label, colour, cost) in series {
        let Some(base) = base else { break };
        let b = cost(base).max(1e-12);
        let points: Vec<String> = sorted
            .iter()
            .map(|f| format!("{:.1},{:.1}", px(f.scale / base.scale), py(cost(f) / b)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        for p in &points {
            let mut xy = p.split(',');
            let (x, y) = (xy.next().unwrap_or("0"), xy.next().unwrap_or("0"));
            let _ = writeln!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        legend_y += 20.0;
        let _ = writeln!(out, "<line x1=\"{:.1}\" y1=\"{legend_y:.1}\" x2=\"{:.1}\" y2=\"{legend_y:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\">{label}</text>", w - right + 15.0, w - right + 40.0, w - right + 46.0, legend_y + 4.0);
    }
    for f in &sorted {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            px(f.scale / base.map_or(1.0, |b| b.scale)),
            h - bottom - 6.0,
            f.name
        );
    }
    out.push_str("</svg>\n");
    out
}

fn run() -> Result<(), String> {
    let mut n_cases = 20_000usize;
    let mut runs = 3usize;
    let mut svg_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| USAGE.to_owned());
        match arg.as_str() {
            "--cases" => n_cases = value()?.parse().map_err(|_| USAGE)?,
            "--runs" => runs = value()?.parse::<usize>().map_err(|_| USAGE)?.max(1),
            "--svg" => svg_path = Some(value()?),
            _ => return Err(USAGE.to_owned()),
        }
    }
    let mut figs = Vec::new();
    let mut growing = Vec::new();
    for (name, params) in [
        ("1x", Params::shipped_scale(1)),
        ("10x", Params::shipped_scale(10)),
        ("100x", Params::shipped_scale(100)),
        ("300x", Params::shipped_scale(300)),
        ("1000x", Params::shipped_scale(1000)),
        ("national", Params::national()),
    ] {
        eprintln!("dxmap-suite: {name}…");
        let texts = dxmap_bench::generate(&params);
        // The largest trees take seconds a run: one run each here; their
        // growth is timed in interleaved rounds below.
        let large = matches!(name, "300x" | "1000x");
        figs.push(measure_tree(
            name,
            &texts,
            if large { 1 } else { runs },
            n_cases,
        )?);
        if large || name == "100x" {
            growing.push((name, texts));
        }
    }
    let growing: Vec<(&str, &[(String, String)])> = growing
        .iter()
        .map(|(name, texts)| (*name, texts.as_slice()))
        .collect();
    let growth = growth_rounds(&growing, runs)?;
    print!("{}", tables(&figs));
    print!("{growth}");
    if let Some(path) = svg_path {
        std::fs::write(&path, svg(&figs)).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("dxmap-suite: wrote {path}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("dxmap-suite: {message}");
            if message.contains("errors") {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
