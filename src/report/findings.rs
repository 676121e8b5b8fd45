//! The findings section: the open findings of `dxmap check`, then the
//! accepted ones as a hazard log with their reasons.
//!
//! A tree can have thousands of findings of one kind (a national tree
//! whose overlays each leave the same codes to the catch-all); nobody
//! reads six thousand rows that say the same thing. So the findings are
//! grouped by code and by what they are about (the layer of their witness,
//! else their file), and at most [`PER_GROUP`] of a group are listed one
//! by one; a last row counts the rest ("… and 6,336 more like this") and
//! says that `dxmap check` lists them all. Heatmap cells link to a finding
//! when it is listed, else to the row that counts it ([`Listing`]).
//!
//! Imports: `super`, `crate::{diagnostics, source}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{esc, finding_anchor, place, slug, Input};
use crate::diagnostics::{Diagnostic, Severity};

/// At most this many findings of one code about one layer (or file) are
/// listed one by one.
pub(crate) const PER_GROUP: usize = 20;

/// What a finding is about, for grouping: the layer of its witness, else
/// the file it points into.
fn about(input: &Input<'_>, diagnostic: &Diagnostic) -> String {
    match &diagnostic.witness {
        Some(witness) => witness.layer.clone(),
        None => input
            .sources
            .get(diagnostic.primary.span.file)
            .map_or_else(String::new, |file| file.name.clone()),
    }
}

/// The anchor of the row counting the findings of a group not listed.
fn more_anchor(allowed: bool, code: &str, about: &str) -> String {
    format!(
        "more-{}-{code}-{}",
        if allowed { "allowed" } else { "open" },
        slug(about)
    )
}

/// Which findings are listed one by one, and where a link to each lands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    /// By the finding's index: whether it has a row of its own.
    listed: Vec<bool>,
    /// By the finding's index: the anchor a link to it lands on.
    anchors: Vec<String>,
}

impl Listing {
    /// Groups `input`'s findings and picks the first [`PER_GROUP`] of each.
    pub(crate) fn new(input: &Input<'_>) -> Listing {
        let mut seen: BTreeMap<(bool, &str, String), usize> = BTreeMap::new();
        let mut listing = Listing::default();
        for (n, diagnostic) in input.diagnostics.iter().enumerate() {
            let about = about(input, diagnostic);
            let key = (diagnostic.is_allowed(), diagnostic.code.id(), about);
            let count = seen.entry(key.clone()).or_default();
            *count += 1;
            let listed = *count <= PER_GROUP;
            listing.listed.push(listed);
            listing.anchors.push(if listed {
                finding_anchor(n)
            } else {
                more_anchor(key.0, key.1, &key.2)
            });
        }
        listing
    }

    /// The anchor a link to the `n`th finding lands on.
    pub(crate) fn anchor(&self, n: usize) -> &str {
        self.anchors.get(n).map_or("findings", String::as_str)
    }

    fn listed(&self, n: usize) -> bool {
        self.listed.get(n).copied().unwrap_or(false)
    }

    /// Whether some finding is counted, not listed.
    fn cut(&self) -> bool {
        self.listed.iter().any(|listed| !listed)
    }
}

/// Counts of findings: errors, warnings, allowed.
pub(crate) fn counts(diagnostics: &[Diagnostic]) -> (usize, usize, usize) {
    let allowed = diagnostics.iter().filter(|d| d.is_allowed()).count();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics
        .iter()
        .filter(|d| !d.is_allowed() && d.severity() == Severity::Warning)
        .count();
    (errors, warnings, allowed)
}

fn finding_row(input: &Input<'_>, n: usize, diagnostic: &Diagnostic, out: &mut String) {
    let (class, label) = if diagnostic.is_allowed() {
        ("info", "allowed")
    } else if diagnostic.is_error() {
        ("bad", "error")
    } else {
        ("warn", "warning")
    };
    let about = diagnostic.witness.as_ref().map_or_else(String::new, |w| {
        format!(
            "{} · {} · {}",
            esc(&w.layer),
            esc(&w.dx),
            w.channel.as_str()
        )
    });
    let _ = write!(
        out,
        "<tr id=\"{}\" class=\"{class}\"><th scope=\"row\">F{n}</th><td><span class=\"tag {class}\">{label}</span></td>\
         <td><code>{}</code> {}</td><td>{}</td><td>{about}</td><td><code>{}</code></td><td>",
        finding_anchor(n),
        diagnostic.code.id(),
        esc(diagnostic.code.name()),
        esc(&diagnostic.message),
        esc(&place(input.sources, diagnostic.primary.span)),
    );
    if let Some(reason) = &diagnostic.allowed {
        let _ = write!(out, "<strong>Accepted:</strong> {}", esc(reason));
    } else if let Some(help) = &diagnostic.help {
        out.push_str(&esc(help));
    }
    out.push_str("</td></tr>\n");
}

/// The row that counts the findings of a group not listed.
fn more_row(allowed: bool, code: &str, about: &str, more: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "<tr id=\"{}\" class=\"more\"><td colspan=\"7\">… and {more} more <code>{code}</code> finding{} about {} like these \
         (<code>dxmap check</code> lists them all)</td></tr>",
        more_anchor(allowed, code, about),
        if more == 1 { "" } else { "s" },
        esc(about)
    );
}

const FINDINGS_HEAD: &str = "<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Kind</th><th scope=\"col\">Code</th>\
    <th scope=\"col\">Finding</th><th scope=\"col\">Layer · code · channel</th><th scope=\"col\">Where</th>\
    <th scope=\"col\">Reason or help</th></tr></thead>\n";

/// The rows of the open (or the accepted) findings: those listed, each
/// group's count of the rest after its last listed one.
fn rows(input: &Input<'_>, listing: &Listing, allowed: bool, out: &mut String) {
    // Findings not listed, by group, and the last listed finding of each
    // group (after which its count goes).
    let mut unlisted: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut last: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (n, diagnostic) in input.diagnostics.iter().enumerate() {
        if diagnostic.is_allowed() != allowed {
            continue;
        }
        let key = (diagnostic.code.id(), about(input, diagnostic));
        if listing.listed(n) {
            last.insert(key, n);
        } else {
            *unlisted.entry(key).or_default() += 1;
        }
    }
    let mut after: BTreeMap<usize, Vec<(&str, String, usize)>> = BTreeMap::new();
    for ((code, about), n) in last {
        if let Some(more) = unlisted.get(&(code, about.clone())) {
            after.entry(n).or_default().push((code, about, *more));
        }
    }
    for (n, diagnostic) in input.diagnostics.iter().enumerate() {
        if diagnostic.is_allowed() != allowed || !listing.listed(n) {
            continue;
        }
        finding_row(input, n, diagnostic, out);
        for (code, about, more) in after.get(&n).into_iter().flatten() {
            more_row(allowed, code, about, *more, out);
        }
    }
}

/// Writes the findings and the hazard log.
pub(super) fn findings(input: &Input<'_>, listing: &Listing, out: &mut String) {
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    let (errors, warnings, allowed) = counts(input.diagnostics);
    if errors + warnings == 0 {
        out.push_str("<p class=\"ok\">No open findings: the checker found no problem that is not accepted.</p>\n");
    } else {
        if listing.cut() {
            let _ = writeln!(
                out,
                "<p>At most {PER_GROUP} findings of one code about one layer are listed; a last row counts the rest.</p>"
            );
        }
        let _ = write!(
            out,
            "<table class=\"findings\">\n<caption>Open findings: errors and warnings of <code>dxmap check</code></caption>\n{FINDINGS_HEAD}<tbody>\n"
        );
        rows(input, listing, false, out);
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<h3 id=\"hazards\">Hazard log: accepted findings</h3>\n");
    if allowed == 0 {
        out.push_str(
            "<p>No finding is accepted with a <code>// dxmap: allow</code> comment.</p>\n",
        );
    } else {
        let _ = write!(
            out,
            "<table class=\"findings\">\n<caption>Findings accepted with a <code>// dxmap: allow</code> comment, and why</caption>\n{FINDINGS_HEAD}<tbody>\n"
        );
        rows(input, listing, true, out);
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}
