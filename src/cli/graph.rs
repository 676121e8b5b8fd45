//! `dxmap graph hierarchy [--rules DIR] [--overlay NAME | --postcode PC] [NAME]`: a queue hierarchy as a
//! Graphviz (DOT) digraph.
//!
//! The hierarchies drawn are those in force in the baseline, or in the
//! overlay named by `--overlay` or covering `--postcode` (see
//! [`crate::queues`]). Works from the compiled table, so a tree with errors prints its errors
//! and exits 1, as `queue` does. Nodes are codes, labelled with the code and
//! the catalogue's title (shortened, wrapped); each edge `a -> b` says `a`
//! is queued above `b`. With a NAME the graph is that hierarchy alone and
//! node ids are the codes (`"Dx321" -> "Dx32"`). Without one, every
//! hierarchy is a cluster (`cluster_NAME`, in declaration order) and node
//! ids are qualified by the hierarchy (`"clinician_queue_order/Dx321"`), so
//! that a code in two hierarchies is drawn in both. The structure is built
//! as a petgraph `Graph`; the DOT text is written by hand, because
//! `petgraph::dot::Dot` names nodes by index and cannot draw clusters.
//!
//! Imports: `super`, `crate::diagnostics`, petgraph, `dxmap_runtime::table`.

use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;
use std::fmt::Write;

use super::{hierarchies_at, usage_error, Exit};
use crate::diagnostics::did_you_mean;

/// Arguments of `dxmap graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

/// What to draw.
#[derive(Debug, clap::Subcommand)]
enum What {
    /// One queue hierarchy, or all of them (one cluster each), as in force in the baseline or an overlay.
    Hierarchy(HierarchyArgs),
}

/// Arguments of `dxmap graph hierarchy`.
#[derive(Debug, clap::Args)]
struct HierarchyArgs {
    #[command(flatten)]
    rules: super::RulesArgs,
    #[command(flatten)]
    place: super::PlaceArgs,
    /// The hierarchy to draw; all of them if omitted.
    name: Option<String>,
}

/// Titles longer than this many characters are cut at a word and end in `…`.
const TITLE_CHARS: usize = 96;

/// Title lines are wrapped at a word after this many characters.
const LINE_CHARS: usize = 32;

/// Runs `dxmap graph`.
pub fn run(args: Args) -> Exit {
    match args.what {
        What::Hierarchy(args) => hierarchy(args),
    }
}

fn hierarchy(args: HierarchyArgs) -> Exit {
    let dir = args.rules.dir();
    let (table, hierarchies) = match hierarchies_at(&dir, args.rules.release(), &args.place.place())
    {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    let dot = match &args.name {
        Some(name) => {
            let Some(hierarchy) = hierarchies.iter().find(|h| &h.name == name) else {
                let names: Vec<&str> = hierarchies.iter().map(|h| h.name.as_str()).collect();
                let hint = match (did_you_mean(name, names.iter().copied()), names.is_empty()) {
                    (Some(close), _) => format!("; did you mean `{close}`?"),
                    (None, true) => "; the rules declare no hierarchy".to_owned(),
                    (None, false) => format!("; hierarchies: {}", names.join(", ")),
                };
                return usage_error(format!("unknown hierarchy `{name}`{hint}"));
            };
            let mut dot = header(&format!("hierarchy {}", hierarchy.name));
            write_hierarchy(&mut dot, &table, hierarchy, "", "  ");
            dot.push_str("}\n");
            dot
        }
        None => {
            let mut dot = header("hierarchies");
            for hierarchy in &hierarchies {
                let _ = writeln!(
                    dot,
                    "  subgraph {} {{",
                    quote(&format!("cluster_{}", hierarchy.name))
                );
                let _ = writeln!(dot, "    label={};", quote(&hierarchy.name));
                write_hierarchy(
                    &mut dot,
                    &table,
                    hierarchy,
                    &format!("{}/", hierarchy.name),
                    "    ",
                );
                dot.push_str("  }\n");
            }
            dot.push_str("}\n");
            dot
        }
    };
    out!("{dot}");
    Exit::Ok
}

/// The opening of the digraph, with the layout every graph shares.
fn header(name: &str) -> String {
    let mut dot = String::new();
    let _ = writeln!(dot, "digraph {} {{", quote(name));
    dot.push_str("  rankdir=TB;\n");
    dot.push_str("  node [shape=box, fontname=\"Helvetica\"];\n");
    dot
}

/// Writes the nodes and edges of one hierarchy: node ids are `prefix` and
/// the code.
fn write_hierarchy(
    dot: &mut String,
    table: &dxmap_runtime::Table,
    hierarchy: &dxmap_runtime::table::Hierarchy,
    prefix: &str,
    indent: &str,
) {
    // Nodes in queue order; an edge from each code to the next one down.
    let mut graph: DiGraph<&str, ()> =
        DiGraph::with_capacity(hierarchy.codes.len(), hierarchy.codes.len());
    let mut previous = None;
    for code in &hierarchy.codes {
        let node = graph.add_node(code.as_str());
        if let Some(above) = previous {
            graph.add_edge(above, node, ());
        }
        previous = Some(node);
    }
    for node in graph.node_indices() {
        let Some(code) = graph.node_weight(node) else {
            continue;
        };
        let title = table
            .disposition_index
            .get(*code)
            .and_then(|idx| table.dispositions.get(usize::try_from(*idx).ok()?))
            .map(|disposition| disposition.title.as_str())
            .unwrap_or("");
        let mut label = escape(code);
        for line in wrap(&shorten(title)) {
            label.push_str("\\n");
            label.push_str(&escape(&line));
        }
        let _ = writeln!(
            dot,
            "{indent}{} [label=\"{label}\"];",
            quote(&format!("{prefix}{code}"))
        );
    }
    for edge in graph.edge_references() {
        let (Some(above), Some(below)) = (
            graph.node_weight(edge.source()),
            graph.node_weight(edge.target()),
        ) else {
            continue;
        };
        let _ = writeln!(
            dot,
            "{indent}{} -> {};",
            quote(&format!("{prefix}{above}")),
            quote(&format!("{prefix}{below}"))
        );
    }
}

/// Escapes text for a DOT double-quoted string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// A DOT double-quoted id.
fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// The title cut to [`TITLE_CHARS`] characters at a word, with `…`.
fn shorten(title: &str) -> String {
    if title.chars().count() <= TITLE_CHARS {
        return title.to_owned();
    }
    let mut out = String::new();
    for word in title.split_whitespace() {
        let extra = usize::from(!out.is_empty()) + word.chars().count();
        if out.chars().count() + extra + 1 > TITLE_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = title.chars().take(TITLE_CHARS.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

/// Splits text into lines of about [`LINE_CHARS`] characters, at words.
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > LINE_CHARS {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_shortened_at_a_word_and_wrapped() {
        let title = "Speak to a Clinician from our service Immediately Refused Emergency Treatment Centre Disposition (Green 3)";
        let short = shorten(title);
        assert!(short.chars().count() <= TITLE_CHARS, "{short}");
        assert_eq!(
            short,
            "Speak to a Clinician from our service Immediately Refused Emergency Treatment Centre…"
        );
        assert_eq!(
            wrap(&short),
            vec![
                "Speak to a Clinician from our",
                "service Immediately Refused",
                "Emergency Treatment Centre…"
            ]
        );
        assert_eq!(shorten("Short title"), "Short title");
        assert_eq!(escape("a \"b\" \\c"), "a \\\"b\\\" \\\\c");
    }
}
