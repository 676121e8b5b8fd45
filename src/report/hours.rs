//! Opening hours in the report: for urgent dispositions (a timeframe of an
//! hour or less), a week × hour strip per layer and service type of how
//! many services are open; and every service with its weekly hours drawn
//! as bars, its dated exceptions and suspensions listed.
//!
//! Which sessions apply on a date is the runtime's (`dxmap_runtime::hours`),
//! as is the table the services come from; a service counts in a layer
//! when it is declared there or in a layer the overlay extends, valid on
//! the date and not suspended there.
//!
//! Imports: `super`, `dxmap_runtime::{table, hours, space}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use dxmap_runtime::hours::sessions_on;
use dxmap_runtime::space::Answering;
use dxmap_runtime::table::{Hours, Layer, Service, Session, Suspension, Table};
use jiff::civil::Date;

use super::{esc, slug, Input};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The seven dates, Monday first, of the week holding `day`.
fn week_of(day: Date) -> Vec<Date> {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    let monday = day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day);
    let mut out = Vec::with_capacity(7);
    let mut date = monday;
    for _ in 0..7 {
        out.push(date);
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

/// A layer and the layers it extends, down to the baseline.
fn chain<'t>(table: &'t Table, layer: &'t Layer) -> Vec<&'t Layer> {
    let mut out = vec![layer];
    let mut current = layer;
    while let Some(parent) = current.parent.as_deref().and_then(|p| table.layer(p)) {
        if out.iter().any(|l| l.name == parent.name) {
            break;
        }
        out.push(parent);
        current = parent;
    }
    out
}

/// The services each layer declares, by layer name and service type:
/// their indexes in the table, sorted.
type Declared<'t> = BTreeMap<(&'t str, u32), Vec<u32>>;

/// The services each layer of `table` declares, by type.
fn declared(table: &Table) -> Declared<'_> {
    let mut out = Declared::new();
    for layer in &table.layers {
        for (service_type, by_unit) in &layer.services_by_type {
            let mut ids: Vec<u32> = by_unit.values().flatten().copied().collect();
            ids.sort_unstable();
            ids.dedup();
            out.insert((layer.name.as_str(), *service_type), ids);
        }
    }
    out
}

/// The services of `service_type` in force in `layer` (any date), with
/// their indexes in the table, in index order.
fn services_of<'t>(
    table: &'t Table,
    declared: &Declared<'_>,
    layer: &'t Layer,
    service_type: u32,
) -> Vec<(usize, &'t Service)> {
    let mut ids: Vec<u32> = Vec::new();
    for layer in chain(table, layer) {
        if let Some(own) = declared.get(&(layer.name.as_str(), service_type)) {
            ids.extend(own);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|idx| {
            let idx = usize::try_from(idx).ok()?;
            Some((idx, table.services.get(idx)?))
        })
        .collect()
}

fn suspended(windows: Option<&Vec<Suspension>>, date: Date) -> bool {
    windows.is_some_and(|windows| {
        windows
            .iter()
            .any(|s| s.from <= date && s.until.is_none_or(|until| date <= until))
    })
}

/// Each service's hours open in the week, by the service's index in the
/// table: per day, bit `h` set when it is open at some minute of hour `h`
/// and valid on the date. Suspensions, which belong to a layer, aside.
fn open_hours(table: &Table, week: &[Date]) -> Vec<Vec<u32>> {
    table
        .services
        .iter()
        .map(|service| {
            week.iter()
                .map(|date| {
                    let date = *date;
                    if service.valid_from.is_some_and(|from| date < from)
                        || service.valid_until.is_some_and(|until| date > until)
                    {
                        return 0;
                    }
                    let Some(hours) = table.hours_of(service) else {
                        return 0;
                    };
                    let (sessions, _) = sessions_on(hours, date, &table.calendar);
                    (0..24u16)
                        .filter(|hour| {
                            let (start, end) = (hour * 60, hour * 60 + 60);
                            sessions.iter().any(|s| s.open < end && s.close > start)
                        })
                        .fold(0u32, |mask, hour| mask | (1 << hour))
                })
                .collect()
        })
        .collect()
}

/// The service types that answer urgent dispositions in `layer`, each
/// with the codes it answers, in the order of the table's types.
fn urgent_types(table: &Table, layer: &Layer) -> BTreeMap<u32, Vec<String>> {
    let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for disposition in &table.dispositions {
        if disposition
            .timeframe_minutes
            .is_none_or(|minutes| minutes > 60)
        {
            continue;
        }
        let Answering::Rules { code, .. } = table.answering_code(layer, &disposition.code) else {
            continue;
        };
        let mut types = BTreeSet::new();
        for idx in layer.rules_by_dx.get(code).into_iter().flatten() {
            if let Some(rule) = table.rules.get(usize::try_from(*idx).unwrap_or(usize::MAX)) {
                types.extend(rule.route.iter().copied());
            }
        }
        for service_type in types {
            out.entry(service_type)
                .or_default()
                .push(disposition.code.clone());
        }
    }
    out
}

/// One strip: for each day, the services open at some hour of it (their
/// indexes in the table) with the hours they are open (bit `h` for hour
/// `h`).
type Strip = Vec<Vec<(usize, u32)>>;

/// At most this many services are named in a strip cell's tooltip; the
/// rest are counted.
const MOST_NAMED: usize = 5;

/// The services suspended in `layer` on each day of `week`: their indexes
/// in the table, sorted.
fn suspended_services(
    layer: &Layer,
    week: &[Date],
    index: &BTreeMap<&str, usize>,
) -> Vec<Vec<usize>> {
    week.iter()
        .map(|date| {
            let mut out: Vec<usize> = layer
                .suspended_services
                .iter()
                .filter(|(_, windows)| suspended(Some(windows), *date))
                .filter_map(|(id, _)| index.get(id.as_str()).copied())
                .collect();
            out.sort_unstable();
            out
        })
        .collect()
}

fn strip(
    table: &Table,
    declared: &Declared<'_>,
    layer: &Layer,
    service_type: u32,
    week: &[Date],
    open: &[Vec<u32>],
    off: &[Vec<usize>],
) -> Strip {
    let services = services_of(table, declared, layer, service_type);
    week.iter()
        .enumerate()
        .map(|(day, date)| {
            // Each service's hours that day in this layer: none when the
            // type is suspended, none for a service suspended.
            let type_suspended = suspended(layer.suspended_types.get(&service_type), *date);
            let off = off.get(day).map_or(&[][..], Vec::as_slice);
            services
                .iter()
                .filter(|_| !type_suspended)
                .filter(|(idx, _)| off.binary_search(idx).is_err())
                .map(|(idx, _)| {
                    let mask = open
                        .get(*idx)
                        .and_then(|days| days.get(day))
                        .copied()
                        .unwrap_or(0);
                    (*idx, mask)
                })
                .filter(|(_, mask)| *mask != 0)
                .collect()
        })
        .collect()
}

/// The ids of `open` services for a tooltip: the first [`MOST_NAMED`],
/// then how many more.
fn named(table: &Table, open: &[usize]) -> String {
    if open.is_empty() {
        return "none open".to_owned();
    }
    // Name them all when naming one more is as short as counting it.
    let named = if open.len() <= MOST_NAMED + 1 {
        open.len()
    } else {
        MOST_NAMED
    };
    let names: Vec<&str> = open
        .iter()
        .take(named)
        .filter_map(|idx| table.services.get(*idx))
        .map(|s| s.id.as_str())
        .collect();
    let more = open.len() - named;
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{}{more}", names.join(", "))
}

fn strip_table(caption: &str, week: &[Date], strip: &Strip, table: &Table, out: &mut String) {
    let _ = write!(
        out,
        "<table class=\"strip\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Day</th>",
        esc(caption)
    );
    for hour in 0..24 {
        let _ = write!(out, "<th scope=\"col\">{hour:02}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (date, hours) in week.iter().zip(strip) {
        let day = DAYS
            .get(usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0))
            .copied()
            .unwrap_or("");
        let holiday = table.calendar.get(date).map_or_else(String::new, |name| {
            format!(" <abbr title=\"{}\">BH</abbr>", esc(name))
        });
        let _ = write!(out, "<tr><th scope=\"row\">{day} {date}{holiday}</th>");
        for hour in 0..24u32 {
            let open: Vec<usize> = hours
                .iter()
                .filter(|(_, mask)| mask & (1 << hour) != 0)
                .map(|(idx, _)| *idx)
                .collect();
            let class = match open.len() {
                0 => "o0",
                1 => "o1",
                _ => "o2",
            };
            let who = named(table, &open);
            let _ = write!(
                out,
                "<td class=\"{class}\" title=\"{day} {hour:02}:00: {}\">{}</td>",
                esc(&who),
                open.len()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Writes the urgent strips of every layer.
pub(super) fn urgent(input: &Input<'_>, out: &mut String) {
    let table = input.table;
    let week = week_of(input.week);
    let (first, last) = (week.first().copied(), week.last().copied());
    out.push_str("<section id=\"urgent\">\n<h2>Urgent dispositions: who is open</h2>\n");
    let _ = writeln!(
        out,
        "<p>For the dispositions to be seen within an hour, per layer and service type they route to: \
         how many services are open in each hour of the week {} to {} \
         (<span class=\"o0 key\">0</span> none, <span class=\"o1 key\">1</span> one, \
         <span class=\"o2 key\">2</span> two or more; the cell's tooltip names them). \
         Bank holidays are marked BH. Catchments are not applied: a layer's services are counted wherever they are.</p>",
        first.map_or_else(String::new, |d| d.to_string()),
        last.map_or_else(String::new, |d| d.to_string()),
    );
    let open = open_hours(table, &week);
    let declared = declared(table);
    let index: BTreeMap<&str, usize> = table
        .services
        .iter()
        .enumerate()
        .map(|(idx, service)| (service.id.as_str(), idx))
        .collect();
    let mut shown: BTreeMap<String, BTreeMap<u32, Strip>> = BTreeMap::new();
    for layer in &table.layers {
        let _ = writeln!(
            out,
            "<h3 id=\"urgent-{}\">Layer {}</h3>",
            slug(&layer.name),
            esc(&layer.name)
        );
        let parent = layer.parent.as_ref().and_then(|p| shown.get(p));
        let mut mine = BTreeMap::new();
        let mut same = Vec::new();
        let off = suspended_services(layer, &week, &index);
        for (service_type, codes) in urgent_types(table, layer) {
            let name = table
                .service_types
                .get(usize::try_from(service_type).unwrap_or(usize::MAX))
                .map_or("", |t| t.name.as_str());
            let found = strip(table, &declared, layer, service_type, &week, &open, &off);
            if parent.and_then(|p| p.get(&service_type)) == Some(&found) {
                same.push(name.to_owned());
                mine.insert(service_type, found);
                continue;
            }
            let caption = format!("{name}, for {}", codes.join(", "));
            strip_table(&caption, &week, &found, table, out);
            mine.insert(service_type, found);
        }
        if !same.is_empty() {
            let _ = writeln!(
                out,
                "<p>As in {}: {}.</p>",
                esc(layer.parent.as_deref().unwrap_or("")),
                esc(&same.join(", "))
            );
        }
        shown.insert(layer.name.clone(), mine);
    }
    out.push_str("</section>\n");
}

fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn sessions_text(sessions: &[Session]) -> String {
    if sessions.is_empty() {
        return "closed".to_owned();
    }
    if let [Session {
        open: 0,
        close: 1440,
    }] = sessions
    {
        return "all day".to_owned();
    }
    let parts: Vec<String> = sessions
        .iter()
        .map(|s| format!("{}–{}", clock(s.open), clock(s.close)))
        .collect();
    parts.join(", ")
}

/// Weekly hours as text, runs of days with the same sessions together.
fn weekly_text(hours: &Hours) -> String {
    if hours.all_hours {
        return "open at all hours".to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut day = 0usize;
    while day < 7 {
        let sessions = hours.weekly.get(day).map_or(&[][..], Vec::as_slice);
        let mut end = day;
        while end + 1 < 7 && hours.weekly.get(end + 1).map_or(&[][..], Vec::as_slice) == sessions {
            end += 1;
        }
        let name = |d: usize| DAYS.get(d).copied().unwrap_or("");
        let days = if end == day {
            name(day).to_owned()
        } else {
            format!("{}–{}", name(day), name(end))
        };
        parts.push(format!("{days} {}", sessions_text(sessions)));
        day = end + 1;
    }
    if let Some(sessions) = &hours.bank_holiday {
        parts.push(format!("bank holidays {}", sessions_text(sessions)));
    }
    parts.join("; ")
}

/// The size of the bars of a week, width and height (`svg.bars` in the
/// style sheet).
const BARS: (u32, u32) = (270, 79);

/// The sessions of each day, Monday first, that the bars draw.
fn week_sessions(hours: &Hours) -> Vec<Vec<Session>> {
    (0..7)
        .map(|day| {
            if hours.all_hours {
                vec![Session {
                    open: 0,
                    close: 1440,
                }]
            } else {
                hours.weekly.get(day).cloned().unwrap_or_default()
            }
        })
        .collect()
}

/// Seven bars, Monday first, of the weekly sessions, as an SVG symbol
/// with the id `id` that each service's row uses. Colours are attributes:
/// the page's style sheet does not reach into a `<use>`'s copy.
fn bars_symbol(sessions: &[Vec<Session>], id: &str) -> String {
    const WIDTH: u32 = 240;
    const ROW: u32 = 11;
    let mut svg = format!("<symbol id=\"{id}\" viewBox=\"0 0 {} {}\">", BARS.0, BARS.1);
    for (day, name) in DAYS.iter().enumerate() {
        let y = u32::try_from(day).unwrap_or(0) * ROW;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" class=\"day\" font-size=\"9\" fill=\"#333\">{name}</text><rect x=\"30\" y=\"{}\" width=\"{WIDTH}\" height=\"{}\" class=\"closed\" fill=\"#e4e4e4\"/>",
            y + 9,
            y + 1,
            ROW - 2
        );
        for session in sessions.get(day).map_or(&[][..], Vec::as_slice) {
            let x = 30 + u32::from(session.open) * WIDTH / 1440;
            let width = u32::from(session.close.saturating_sub(session.open)) * WIDTH / 1440;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{width}\" height=\"{}\" class=\"open\" fill=\"#2e7d32\"><title>{name} {}–{}</title></rect>",
                y + 1,
                ROW - 2,
                clock(session.open),
                clock(session.close)
            );
        }
    }
    svg.push_str("</symbol>");
    svg
}

/// Dated entries, closures, validity and suspensions of a service.
fn exceptions(
    service: &Service,
    hours: &Hours,
    suspensions: &[(&str, &Suspension)],
) -> Vec<String> {
    let mut out = Vec::new();
    match (service.valid_from, service.valid_until) {
        (Some(from), Some(until)) => out.push(format!("valid {from} to {until}")),
        (Some(from), None) => out.push(format!("valid from {from}")),
        (None, Some(until)) => out.push(format!("valid until {until}")),
        (None, None) => {}
    }
    for (date, sessions) in &hours.dated {
        out.push(format!("{date}: {}", sessions_text(sessions)));
    }
    for closure in &hours.closed {
        let until = closure
            .until
            .map_or_else(|| "further notice".to_owned(), |d| d.to_string());
        let reason = closure
            .reason
            .as_ref()
            .map_or_else(String::new, |r| format!(" ({r})"));
        out.push(format!("closed {} to {until}{reason}", closure.from));
    }
    for (layer, window) in suspensions {
        out.push(format!("suspended in {layer} {}", suspension_text(window)));
    }
    out
}

/// A suspension's dates and reason.
fn suspension_text(window: &Suspension) -> String {
    let until = window
        .until
        .map_or_else(|| "further notice".to_owned(), |d| d.to_string());
    format!("{} to {until}: {}", window.from, window.reason)
}

/// The suspensions of whole service types, listed once rather than on
/// each service of the type; with, by type, how many layers suspend it.
fn type_suspensions(table: &Table, out: &mut String) -> BTreeMap<u32, usize> {
    let mut layers_by_type: BTreeMap<u32, usize> = BTreeMap::new();
    let mut items = String::new();
    for layer in &table.layers {
        for (service_type, windows) in &layer.suspended_types {
            *layers_by_type.entry(*service_type).or_default() += 1;
            let name = table
                .service_types
                .get(usize::try_from(*service_type).unwrap_or(usize::MAX))
                .map_or("", |t| t.name.as_str());
            for window in windows {
                let _ = write!(
                    items,
                    "<li><code>{}</code> in {} {}</li>",
                    esc(name),
                    esc(&layer.name),
                    esc(&suspension_text(window))
                );
            }
        }
    }
    if !items.is_empty() {
        let _ = writeln!(
            out,
            "<h3 id=\"suspended-types\">Service types suspended</h3>\n<p>Every service of these types is suspended in the layer, on these dates.</p>\n<ul class=\"suspended\">{items}</ul>"
        );
    }
    layers_by_type
}

/// Writes every service with its hours. Services with the same weekly
/// hours share one drawing of them (an SVG symbol each row uses), so a
/// tree of twenty thousand services draws its few dozen weekly patterns
/// once.
pub(super) fn services(input: &Input<'_>, out: &mut String) {
    let table = input.table;
    let mut services: Vec<&Service> = table.services.iter().collect();
    services.sort_by(|a, b| a.id.cmp(&b.id));
    // The layer each service is declared in, by id.
    let declared: BTreeMap<&str, &str> = input
        .model
        .services
        .iter()
        .map(|s| (s.id.as_str(), super::layer_name(input.model, s.layer)))
        .collect();
    // The weekly patterns, numbered in the order of the first service
    // that has each.
    let empty = Hours::default();
    let mut patterns: BTreeMap<Vec<Vec<Session>>, usize> = BTreeMap::new();
    let mut symbols = String::new();
    let mut rows = String::new();
    let mut suspensions = String::new();
    let suspended_types = type_suspensions(table, &mut suspensions);
    // Each suspended service's suspensions, with the layers.
    let mut suspended_services: BTreeMap<&str, Vec<(&str, &Suspension)>> = BTreeMap::new();
    for layer in &table.layers {
        for (id, windows) in &layer.suspended_services {
            for window in windows {
                suspended_services
                    .entry(id.as_str())
                    .or_default()
                    .push((layer.name.as_str(), window));
            }
        }
    }
    for service in services {
        let type_name = table
            .service_types
            .get(usize::try_from(service.service_type).unwrap_or(usize::MAX))
            .map_or("", |t| t.name.as_str());
        let layer = declared.get(service.id.as_str()).copied().unwrap_or("");
        let hours = table.hours_of(service).unwrap_or(&empty);
        let sessions = week_sessions(hours);
        let next = patterns.len();
        let pattern = *patterns.entry(sessions).or_insert_with_key(|sessions| {
            symbols.push_str(&bars_symbol(sessions, &format!("week-{next}")));
            next
        });
        let text = weekly_text(hours);
        let mut listed = exceptions(
            service,
            hours,
            suspended_services
                .get(service.id.as_str())
                .map_or(&[][..], Vec::as_slice),
        );
        if let Some(layers) = suspended_types.get(&service.service_type) {
            listed.push(format!(
                "its type is suspended in {layers} layer{} (above)",
                if *layers == 1 { "" } else { "s" }
            ));
        }
        let exceptions = if listed.is_empty() {
            "none".to_owned()
        } else {
            let items: Vec<String> = listed
                .iter()
                .map(|e| format!("<li>{}</li>", esc(e)))
                .collect();
            format!("<ul>{}</ul>", items.join(""))
        };
        let _ = writeln!(
            rows,
            "<tr id=\"service-{}\"><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td>\
             <td><svg class=\"bars\" aria-hidden=\"true\"><use href=\"#week-{pattern}\"/></svg>\
             <br><span class=\"hours-text\">{}</span></td><td>{exceptions}</td></tr>",
            slug(&service.id),
            esc(&service.id),
            esc(&service.name),
            esc(type_name),
            esc(layer),
            esc(&service.source),
            esc(&text),
        );
    }
    let _ = write!(
        out,
        "<section id=\"services\">\n<h2>Services</h2>\n\
         <svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\">{symbols}</svg>\n{suspensions}<table class=\"services\">\n\
         <caption>Every service, by id: its type, where it is declared, its weekly hours (bars: Monday at the top, midnight to midnight) and its dated exceptions</caption>\n\
         <thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th><th scope=\"col\">Type</th><th scope=\"col\">Declared in</th>\
         <th scope=\"col\">Weekly hours</th><th scope=\"col\">Dated exceptions</th></tr></thead>\n<tbody>\n{rows}"
    );
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{week_of, weekly_text};
    use dxmap_runtime::table::{Hours, Session};

    #[test]
    fn a_week_starts_on_monday_and_hours_read_in_runs() {
        let week = week_of(jiff::civil::date(2020, 5, 14));
        assert_eq!(
            week.first().map(ToString::to_string).as_deref(),
            Some("2020-05-11")
        );
        assert_eq!(week.len(), 7);
        let evening = vec![Session {
            open: 1110,
            close: 1440,
        }];
        let mut weekly = vec![evening; 5];
        weekly.extend([
            vec![Session {
                open: 0,
                close: 1440,
            }],
            Vec::new(),
        ]);
        let hours = Hours {
            weekly,
            ..Hours::default()
        };
        assert_eq!(
            weekly_text(&hours),
            "Mon–Fri 18:30–24:00; Sat all day; Sun closed"
        );
    }
}
