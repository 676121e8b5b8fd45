//! `dxmap route`: answer one case from a rules tree (compiled in memory) or
//! a built table, for people (human) or programs (`--format json`).
//!
//! `many` answers `--cases FILE`.
//!
//! Imports: `crate::{load, cases, source}`, `dxmap_runtime`, `super`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use dxmap_runtime::{Case, CaseError, Decision, PositionSource, Router, Sex, Step};

use super::{compile_tree, default_dir, usage_error, use_color, Exit, Format};
use crate::source::SourceMap;
use crate::{cases, diagnostics, load};

mod many;

/// Arguments of `dxmap route`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rules directory to compile (default `rules`).
    #[arg(long, value_name = "DIR", conflicts_with = "table")]
    rules: Option<PathBuf>,
    /// A table built by `dxmap build`.
    #[arg(long)]
    table: Option<PathBuf>,
    /// With `--rules`: a bundled release name or a catalogue file, replacing the tree's `release` line.
    #[arg(long, value_name = "NAME|FILE", conflicts_with = "table")]
    release: Option<String>,
    /// The disposition code, e.g. `Dx05`.
    #[arg(long, required_unless_present = "cases")]
    dx: Option<String>,
    /// The channel: `111`, `999` or `ooh`.
    #[arg(long, required_unless_present = "cases")]
    channel: Option<String>,
    /// Age: years (`40`) or with a unit (`18mo`, `10d`).
    #[arg(long, required_unless_present = "cases")]
    age: Option<String>,
    /// Sex: `female` or `male`.
    #[arg(long, value_enum)]
    sex: Option<SexArg>,
    /// The patient's postcode, e.g. `SO16 7AB`.
    #[arg(long, required_unless_present = "cases")]
    postcode: Option<String>,
    /// Many cases, one table: a YAML list of cases (or of test cases, whose
    /// `case` is used) or JSON lines, each with the fields of the HTTP API's
    /// `/v1/route` (`dx`, `channel`, `age`, `sex`, `postcode`, `at`,
    /// `location`, `capacity`, `explain`). One JSON answer per line, in
    /// order; a wrong case gets `{"error": …, "case": N}` on its line and
    /// the exit code is 1.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["dx", "channel", "age", "sex", "postcode", "at", "location", "capacity"]
    )]
    cases: Option<PathBuf>,
    /// When: RFC 3339 (`2020-05-08T15:00:00+01:00`) or local to Europe/London (`2020-05-08T15:00`); default now.
    #[arg(long)]
    at: Option<String>,
    /// The patient's location: `LAT,LON`.
    #[arg(long, allow_hyphen_values = true)]
    location: Option<String>,
    /// A capacity file (YAML: `FXX01: red`).
    #[arg(long)]
    capacity: Option<PathBuf>,
    /// Explain the answer step by step. Human output counts the skipped
    /// candidates per reason (the kept and gapped ones are listed);
    /// `--explain=full` lists every candidate. JSON keeps the whole trace.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "summary")]
    explain: Option<Explain>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// How much `--explain` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Explain {
    /// The steps, with skipped candidates counted per reason.
    Summary,
    /// The steps with every candidate.
    Full,
}

/// `--sex`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SexArg {
    Female,
    Male,
}

/// Builds the case from the arguments; a wrong value exits 1 (the case is
/// wrong), an unreadable file exits 2.
fn case(args: &Args) -> Result<Case, Exit> {
    let wrong = |problem: String| {
        errln!("error: {problem}");
        Exit::Rules
    };
    let channel =
        cases::parse_channel(args.channel.as_deref().unwrap_or_default()).map_err(wrong)?;
    let age_days = cases::parse_age(args.age.as_deref().unwrap_or_default()).map_err(wrong)?;
    let at = match &args.at {
        Some(text) => cases::parse_instant(text).map_err(wrong)?,
        None => jiff::Timestamp::now(),
    };
    let location = args
        .location
        .as_deref()
        .map(cases::parse_location)
        .transpose()
        .map_err(wrong)?;
    let capacity = match &args.capacity {
        None => Default::default(),
        Some(path) => {
            let mut sources = SourceMap::new();
            let file = read_case_file(&mut sources, path)?;
            let text = sources
                .get(file)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            let (entries, found) = cases::parse_capacity(file, &text);
            match entries {
                Some(entries) => entries,
                None => {
                    out!(
                        "{}",
                        diagnostics::human::render_all(&found, &sources, use_color())
                    );
                    return Err(Exit::Rules);
                }
            }
        }
    };
    Ok(Case {
        dx: args.dx.clone().unwrap_or_default(),
        channel,
        age_days,
        sex: args.sex.map(|sex| match sex {
            SexArg::Female => Sex::Female,
            SexArg::Male => Sex::Male,
        }),
        postcode: args.postcode.clone().unwrap_or_default(),
        at,
        location,
        capacity,
    })
}

/// Reads a file of cases or statuses (`--cases`, `--capacity`) into
/// `sources`: exit 2 if it cannot be read, 1 (its problems printed) if it
/// is not text.
fn read_case_file(
    sources: &mut SourceMap,
    path: &std::path::Path,
) -> Result<crate::source::FileId, Exit> {
    let mut found = Vec::new();
    match load::read_text(sources, path, &mut found) {
        Ok(Some(file)) => Ok(file),
        Ok(None) => {
            out!(
                "{}",
                diagnostics::human::render_all(&found, sources, use_color())
            );
            Err(Exit::Rules)
        }
        Err(error) => Err(usage_error(error)),
    }
}

/// Runs `dxmap route`.
pub fn run(args: Args) -> Exit {
    let case = match &args.cases {
        Some(_) => None,
        None => match case(&args) {
            Ok(case) => Some(case),
            Err(exit) => return exit,
        },
    };
    // A table file is read lazily: one case decodes only the layer, rules
    // and services it touches.
    let router = match &args.table {
        Some(path) => match load::read_table_with(path, Router::from_artifact) {
            Ok(router) => router,
            Err(error) => return usage_error(error),
        },
        None => {
            let dir = args.rules.clone().unwrap_or_else(default_dir);
            let table = match compile_tree(&dir, args.release.as_deref()) {
                Ok(table) => table,
                Err(exit) => return exit,
            };
            match Router::new(table) {
                Ok(router) => router,
                Err(error) => return usage_error(error),
            }
        }
    };
    let (Some(case), None) = (case, &args.cases) else {
        return match &args.cases {
            Some(path) => many::run(path, &router, args.explain.is_some(), args.table.as_deref()),
            None => Exit::Usage,
        };
    };
    let routed = if args.explain.is_some() {
        router.explain(&case)
    } else {
        router.route(&case)
    };
    let decision = match routed {
        Ok(decision) => decision,
        Err(CaseError::Table(source)) => return table_error(args.table.as_deref(), source),
        Err(error) => {
            errln!("error: {error}");
            return Exit::Rules;
        }
    };
    match args.format {
        Format::Json => {
            let value = json(&decision, args.explain.is_some());
            outln!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Human => out!("{}", render(&decision, &case, args.explain)),
    }
    // The process ends after this one answer: freeing the table, a
    // million small allocations on the national tree, would cost more than
    // the route (about a tenth of `route --table`).
    std::mem::forget(router);
    Exit::Ok
}

/// A table part that does not decode, found while routing (`--table`
/// decodes parts as cases need them): the table is refused as a whole
/// table would have been on load, naming the file (exit 2).
fn table_error(table: Option<&std::path::Path>, source: dxmap_runtime::LoadError) -> Exit {
    match table {
        Some(path) => usage_error(load::LoadError::Table {
            path: path.to_owned(),
            source,
        }),
        None => usage_error(source),
    }
}

/// A decision as `--format json` gives it: the trace only with `explain`.
pub fn json(decision: &Decision, explain: bool) -> serde_json::Value {
    let mut value = serde_json::to_value(decision).unwrap_or_default();
    if !explain {
        if let Some(object) = value.as_object_mut() {
            object.remove("trace");
        }
    }
    value
}

/// A decision for people: the answer, then (with `explain`) the steps.
pub fn render(decision: &Decision, case: &Case, explain: Option<Explain>) -> String {
    let mut out = String::new();
    let at = jiff::tz::TimeZone::get("Europe/London")
        .map(|tz| {
            case.at
                .to_zoned(tz)
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| case.at.to_string());
    let _ = writeln!(
        out,
        "{} on {} for {} at {}, age {}{}",
        decision.dx,
        decision.channel.as_str(),
        decision.postcode,
        at,
        dxmap_runtime::space::age_text(case.age_days),
        case.sex
            .map_or_else(String::new, |sex| format!(", {}", sex.as_str()))
    );
    let _ = writeln!(out, "overlay  {}", decision.overlay);
    if decision.searched_dx != decision.dx {
        let _ = writeln!(out, "searched {}", decision.searched_dx);
    }
    match (&decision.rule, &decision.rule_source) {
        (Some(rule), Some(source)) => {
            let _ = writeln!(out, "rule     \"{rule}\" ({source})");
        }
        _ => {
            let _ = writeln!(out, "rule     none");
        }
    }
    if let Some(reason) = &decision.no_search {
        let _ = writeln!(out, "no search: {reason}");
    }
    if decision.services.is_empty() && decision.no_search.is_none() {
        let _ = writeln!(out, "no service");
    }
    for (rank, service) in decision.services.iter().enumerate() {
        let flags = [
            (service.capacity == dxmap_runtime::Rag::Amber).then_some("amber"),
            service.catch_all.then_some("catch-all"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let distance = service
            .distance_km
            .map_or_else(String::new, |km| format!("  {km:.1} km"));
        let _ = writeln!(
            out,
            "{:>2}. {:<14} {:<50} {}{}{}",
            rank + 1,
            service.id,
            service.name,
            service.service_type,
            distance,
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{flags}]")
            }
        );
    }
    if let Some(reason) = &decision.reason {
        let _ = writeln!(out, "why      {reason}");
    }
    if let Some(explain) = explain {
        let _ = writeln!(out, "\nexplanation:");
        // Skipped candidates (not kept, not gapped) of one run of
        // candidates, counted per reason unless the whole list is asked for:
        // a district can hold thousands.
        let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
        let mut skipped_total = 0usize;
        let flush = |out: &mut String, skipped: &mut BTreeMap<String, usize>, total: &mut usize| {
            if *total > 0 {
                let reasons: Vec<String> = skipped
                    .iter()
                    .map(|(reason, n)| format!("{reason} ({n})"))
                    .collect();
                let _ = writeln!(
                    out,
                    "  skipped  {total} other{}: {}",
                    if *total == 1 { "" } else { "s" },
                    reasons.join("; ")
                );
            }
            skipped.clear();
            *total = 0;
        };
        for step in &decision.trace {
            if let (
                Explain::Summary,
                Step::Candidate {
                    kept: false,
                    gapped: false,
                    reasons,
                    ..
                },
            ) = (explain, step)
            {
                skipped_total += 1;
                for reason in reasons {
                    *skipped.entry(reason_kind(reason)).or_insert(0) += 1;
                }
                continue;
            }
            flush(&mut out, &mut skipped, &mut skipped_total);
            let _ = writeln!(out, "  {}", step_text(step));
        }
        flush(&mut out, &mut skipped, &mut skipped_total);
    }
    out
}

/// A skip reason without its particulars (dates, the reason of a
/// suspension): what skipped candidates are counted by.
fn reason_kind(reason: &str) -> String {
    let cut = reason.find([':', '(']).unwrap_or(reason.len());
    reason.get(..cut).unwrap_or(reason).trim().to_owned()
}

fn step_text(step: &Step) -> String {
    match step {
        Step::Overlay {
            overlay,
            unit,
            postcode,
        } => match unit {
            Some(unit) => format!("overlay `{overlay}`: {postcode} is in its area `{unit}`"),
            None => format!("overlay `{overlay}`: no overlay claims {postcode}"),
        },
        Step::Position { position } => match position {
            Some(position) => format!(
                "position {:.5}, {:.5}: {}",
                position.lat,
                position.lon,
                match position.source {
                    PositionSource::Location => "the location given",
                    PositionSource::Sector => "the centroid of the postcode's sector",
                    PositionSource::District => "the centroid of the postcode's district",
                    PositionSource::Area => "the centroid of the postcode's area",
                }
            ),
            None => "position unknown: no unit of the postcode has a centroid".to_owned(),
        },
        Step::Remap { from, to, reason } => format!("remap {from} -> {to}: {reason}"),
        Step::SameAs { from, to } => format!("{from} routes as {to} (same_as in the catalogue)"),
        Step::NoSearch { code, reason } => format!("{code} is no_search: {reason}"),
        Step::Search {
            code,
            timeframe_minutes,
            window_from,
            window_to,
        } => format!(
            "search {code} (timeframe {}): open between {window_from} and {window_to}",
            timeframe_minutes.map_or_else(|| "none".to_owned(), |t| format!("{t} min"))
        ),
        Step::Rule {
            name,
            source,
            layer,
        } => format!("rule \"{name}\" of `{layer}` ({source})"),
        Step::NoRule { code } => format!("no rule matches {code} for this channel, age and sex"),
        Step::TypeSkipped {
            service_type,
            reason,
        } => format!("type {service_type} skipped: {reason}"),
        Step::Candidate {
            id,
            service_type,
            kept,
            gapped,
            reasons,
        } => {
            if *kept {
                format!("kept     {id} ({service_type})")
            } else {
                format!(
                    "{} {id} ({service_type}): {}",
                    if *gapped { "gapped  " } else { "skipped " },
                    reasons.join("; ")
                )
            }
        }
        Step::Capped { id, returns } => {
            format!("capped   {id}: its type returns at most {returns}")
        }
        Step::Requery { code } => {
            format!("nothing found: search again with the original code {code}")
        }
        Step::CatchAll {
            service_type,
            reason,
        } => format!("catch-all {service_type}: {reason}"),
        Step::NoService { reason } => format!("no service: {reason}"),
    }
}
