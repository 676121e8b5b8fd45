//! Pathways release catalogues: one release's dispositions, from YAML.
//!
//! A catalogue is data, not rules: code, title, section, status, channels,
//! timeframe, urgency, `same_as`, whether it starts a DoS search. The format
//! is a contract (DESIGN.md, Data files). Catalogues named in
//! `fixtures/releases/` are bundled into the binary so `release "NAME"` works
//! from any directory. This is the only module that knows YAML catalogues.
//!
//! Imports: `crate::source`, `crate::diagnostics`, serde_yaml.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

pub use dxmap_runtime::Channel;

/// The catalogues bundled into the binary: (name, YAML text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "pathways-2015",
        include_str!("../../fixtures/releases/pathways-2015.yaml"),
    ),
    (
        "pathways-2020",
        include_str!("../../fixtures/releases/pathways-2020.yaml"),
    ),
];

/// The YAML text of a bundled catalogue.
pub fn bundled(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(bundled_name, _)| *bundled_name == name)
        .map(|(_, text)| *text)
}

/// Index of a disposition in its catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DispositionId(pub u32);

/// Where a disposition is used (DESIGN.md, Vocabulary: section / status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Used in pathways.
    InUse,
    /// Used by Pathways clinicians only (section 2).
    ClinicianOnly,
    /// Used on paper only.
    PaperOnly,
    /// Used only under the pandemic switch.
    PandemicSwitch,
    /// Used only under the epidemic switch.
    EpidemicSwitch,
    /// Not in use.
    NotInUse,
    /// In the data tables, never generated (section 3).
    NotUtilised,
    /// No longer used.
    NoLongerUsed,
}

impl Status {
    /// The status as written in catalogues.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InUse => "in_use",
            Status::ClinicianOnly => "clinician_only",
            Status::PaperOnly => "paper_only",
            Status::PandemicSwitch => "pandemic_switch",
            Status::EpidemicSwitch => "epidemic_switch",
            Status::NotInUse => "not_in_use",
            Status::NotUtilised => "not_utilised",
            Status::NoLongerUsed => "no_longer_used",
        }
    }
}

/// An ambulance response category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Urgency {
    /// Red 1.
    #[serde(rename = "red_1")]
    Red1,
    /// Red 2.
    #[serde(rename = "red_2")]
    Red2,
    /// Green 2.
    #[serde(rename = "green_2")]
    Green2,
    /// Green 3.
    #[serde(rename = "green_3")]
    Green3,
    /// Green 4.
    #[serde(rename = "green_4")]
    Green4,
}

/// The longest timeframe a catalogue may give (30 days, in minutes): the
/// longest Pathways gives is days, and a longer one would only be a
/// mistake (or push a search window past what a date can hold).
pub const MAX_TIMEFRAME_MINUTES: u32 = 30 * 24 * 60;

/// One disposition of a release.
#[derive(Debug, Clone, PartialEq)]
pub struct Disposition {
    /// The code, e.g. `Dx0101`; an opaque string.
    pub code: String,
    /// The Pathways term.
    pub title: String,
    /// Section 1, 2 or 3.
    pub section: u8,
    /// Where it is used.
    pub status: Status,
    /// The channels it is used on (default all three), sorted.
    pub channels: Vec<Channel>,
    /// The timeframe in minutes, where the title gives one.
    pub timeframe_minutes: Option<u32>,
    /// The ambulance category, where stated.
    pub urgency: Option<Urgency>,
    /// "The mapping is the same as" this code.
    pub same_as: Option<DispositionId>,
    /// Whether it starts a DoS search.
    pub dos_search: bool,
    /// What out-of-hours systems display instead of the title.
    pub ooh_display: Option<String>,
    /// Where the entry comes from.
    pub source: Option<String>,
    /// The entry in the YAML file.
    pub span: Span,
}

/// One Pathways release's dispositions.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// The release name, e.g. `pathways-2015`.
    pub release: String,
    /// The document it was derived from.
    pub source: String,
    // INVARIANT: `by_code` maps every disposition's code to its index, and
    // every `same_as` is an index into `dispositions`.
    dispositions: Vec<Disposition>,
    by_code: BTreeMap<String, DispositionId>,
}

impl Catalogue {
    /// All dispositions, in file order.
    pub fn dispositions(&self) -> &[Disposition] {
        &self.dispositions
    }

    /// The disposition with this id.
    pub fn get(&self, id: DispositionId) -> Option<&Disposition> {
        self.dispositions.get(usize::try_from(id.0).ok()?)
    }

    /// The code of a disposition, or `"?"`.
    pub fn code(&self, id: DispositionId) -> &str {
        self.get(id).map_or("?", |d| d.code.as_str())
    }

    /// Looks a code up exactly (`Dx10` is not `Dx010`).
    pub fn lookup(&self, code: &str) -> Option<DispositionId> {
        self.by_code.get(code).copied()
    }

    /// All ids with their dispositions.
    pub fn iter(&self) -> impl Iterator<Item = (DispositionId, &Disposition)> {
        self.dispositions
            .iter()
            .enumerate()
            .map(|(idx, d)| (DispositionId(u32::try_from(idx).unwrap_or(u32::MAX)), d))
    }

    /// The codes a misspelt `code` may have meant: every code with the same
    /// digits once leading zeros are ignored, else the closest by spelling.
    pub fn suggestions(&self, code: &str) -> Vec<&str> {
        let wanted = code_digits(code);
        let same: Vec<&str> = self
            .by_code
            .keys()
            .filter(|candidate| {
                wanted.is_some() && candidate.as_str() != code && code_digits(candidate) == wanted
            })
            .map(String::as_str)
            .collect();
        if !same.is_empty() {
            return same;
        }
        self.suggest(code).into_iter().collect()
    }

    /// The code a misspelt `code` most likely meant: the same digits with
    /// leading zeros added or removed, else the closest code by spelling.
    pub fn suggest(&self, code: &str) -> Option<&str> {
        let digits = code_digits;
        if let Some(wanted) = digits(code) {
            if let Some(found) = self.by_code.keys().find(|candidate| {
                candidate.as_str() != code && digits(candidate).as_ref() == Some(&wanted)
            }) {
                return Some(found.as_str());
            }
        }
        crate::diagnostics::did_you_mean(code, self.by_code.keys().map(String::as_str))
    }
}

/// The digits of a code, leading zeros dropped (`Dx010` and `Dx10` give `10`).
fn code_digits(code: &str) -> Option<String> {
    let rest = code
        .strip_prefix("Dx")
        .or_else(|| code.strip_prefix("dx"))
        .or_else(|| code.strip_prefix("DX"))?;
    Some(rest.trim_start_matches('0').to_owned())
}

/// What changed between two releases.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ReleaseDiff {
    /// Codes only in the new release.
    pub added: Vec<String>,
    /// Codes only in the old release.
    pub retired: Vec<String>,
    /// Codes in both whose entry changed: (code, one line per changed field).
    pub changed: Vec<(String, Vec<String>)>,
}

fn channels_text(channels: &[Channel]) -> String {
    channels
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn timeframe_text(minutes: Option<u32>) -> String {
    minutes.map_or_else(|| "none".to_owned(), |m| format!("{m} min"))
}

/// Compares two releases code by code: title, section, status, channels,
/// timeframe, urgency, `same_as` and whether a DoS search is made.
pub fn compare(old: &Catalogue, new: &Catalogue) -> ReleaseDiff {
    let mut diff = ReleaseDiff::default();
    for (_, entry) in new.iter() {
        let Some(before) = old.lookup(&entry.code).and_then(|id| old.get(id)) else {
            diff.added.push(entry.code.clone());
            continue;
        };
        let mut fields = Vec::new();
        if before.title != entry.title {
            fields.push(format!(
                "title: \"{}\" -> \"{}\"",
                before.title, entry.title
            ));
        }
        if before.section != entry.section {
            fields.push(format!("section: {} -> {}", before.section, entry.section));
        }
        if before.status != entry.status {
            fields.push(format!(
                "status: {} -> {}",
                before.status.as_str(),
                entry.status.as_str()
            ));
        }
        if before.channels != entry.channels {
            fields.push(format!(
                "channels: {} -> {}",
                channels_text(&before.channels),
                channels_text(&entry.channels)
            ));
        }
        if before.timeframe_minutes != entry.timeframe_minutes {
            fields.push(format!(
                "timeframe: {} -> {}",
                timeframe_text(before.timeframe_minutes),
                timeframe_text(entry.timeframe_minutes)
            ));
        }
        if before.urgency != entry.urgency {
            fields.push(format!(
                "urgency: {:?} -> {:?}",
                before.urgency, entry.urgency
            ));
        }
        let same_as = |catalogue: &Catalogue, d: &Disposition| {
            d.same_as.map(|t| catalogue.code(t).to_owned())
        };
        if same_as(old, before) != same_as(new, entry) {
            fields.push(format!(
                "same_as: {:?} -> {:?}",
                same_as(old, before),
                same_as(new, entry)
            ));
        }
        if before.dos_search != entry.dos_search {
            fields.push(format!(
                "dos_search: {} -> {}",
                before.dos_search, entry.dos_search
            ));
        }
        if !fields.is_empty() {
            diff.changed.push((entry.code.clone(), fields));
        }
    }
    for (_, entry) in old.iter() {
        if new.lookup(&entry.code).is_none() {
            diff.retired.push(entry.code.clone());
        }
    }
    diff
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    release: String,
    #[serde(default)]
    source: String,
    dispositions: Vec<RawDisposition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisposition {
    code: String,
    title: String,
    section: u8,
    status: Status,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    timeframe_minutes: Option<u32>,
    #[serde(default)]
    urgency: Option<Urgency>,
    #[serde(default)]
    same_as: Option<String>,
    #[serde(default)]
    dos_search: Option<bool>,
    #[serde(default)]
    ooh_display: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// The span of the entry for `code` in the YAML text: the `code: …` value.
fn entry_span(file: FileId, text: &str, code: &str) -> Span {
    // An empty code matches everywhere: there is no entry to point at (and
    // searching for it would never move on).
    if code.is_empty() {
        return Span::new(file, 0, 0);
    }
    let mut search_from = 0;
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find(code)) {
        let start = search_from + found;
        let end = start + code.len();
        let before = text.get(..start).unwrap_or("");
        let after = text.get(end..).and_then(|rest| rest.chars().next());
        let is_code_line = before.trim_end_matches([' ', '"', '\'']).ends_with("code:");
        if is_code_line && after.is_none_or(|c| !(c.is_ascii_alphanumeric())) {
            return Span::new(
                file,
                u32::try_from(start).unwrap_or(0),
                u32::try_from(end).unwrap_or(0),
            );
        }
        search_from = end.max(start + 1);
    }
    Span::new(file, 0, 0)
}

fn is_code(code: &str) -> bool {
    code.strip_prefix("Dx")
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Parses a catalogue. `file` is its id in the source map (for spans).
pub fn parse(file: FileId, text: &str) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if let Some(too_deep) =
        crate::diagnostics::yaml_too_deep(Code::CatalogueInvalid, file, text, "catalogue")
    {
        return (None, vec![too_deep]);
    }
    let raw: RawCatalogue = match serde_yaml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            diagnostics.push(crate::diagnostics::yaml_error(
                Code::CatalogueInvalid,
                file,
                &error,
                "catalogue",
            ));
            return (None, diagnostics);
        }
    };
    let mut by_code: BTreeMap<String, DispositionId> = BTreeMap::new();
    let mut dispositions = Vec::with_capacity(raw.dispositions.len());
    let mut same_as_names = Vec::with_capacity(raw.dispositions.len());
    for entry in raw.dispositions {
        let span = entry_span(file, text, &entry.code);
        if !is_code(&entry.code) {
            diagnostics.push(
                Diagnostic::new(
                    Code::CatalogueInvalid,
                    span,
                    format!("`{}` is not a disposition code", entry.code),
                )
                .with_help("codes are `Dx` followed by digits, e.g. `Dx05`"),
            );
            continue;
        }
        if !(1..=3).contains(&entry.section) {
            diagnostics.push(Diagnostic::new(
                Code::CatalogueInvalid,
                span,
                format!(
                    "`{}` has section {}; sections are 1, 2 or 3",
                    entry.code, entry.section
                ),
            ));
        }
        if entry
            .timeframe_minutes
            .is_some_and(|minutes| minutes > MAX_TIMEFRAME_MINUTES)
        {
            diagnostics.push(
                Diagnostic::new(
                    Code::CatalogueInvalid,
                    span,
                    format!(
                        "`{}` has a timeframe of {} minutes, more than the {MAX_TIMEFRAME_MINUTES} (30 days) a disposition can have",
                        entry.code,
                        entry.timeframe_minutes.unwrap_or_default()
                    ),
                )
                .with_help("give the timeframe in minutes (`timeframe_minutes: 120` for 2 hours), or `null` where the title gives none"),
            );
            continue;
        }
        let mut channels = Vec::new();
        for channel in entry
            .channels
            .unwrap_or_else(|| vec!["111".into(), "999".into(), "ooh".into()])
        {
            match Channel::parse(&channel) {
                Some(channel) => channels.push(channel),
                None => diagnostics.push(Diagnostic::new(
                    Code::CatalogueInvalid,
                    span,
                    format!(
                        "`{}` has unknown channel `{channel}`; channels are `111`, `999` and `ooh`",
                        entry.code
                    ),
                )),
            }
        }
        channels.sort();
        channels.dedup();
        let id = DispositionId(u32::try_from(dispositions.len()).unwrap_or(u32::MAX));
        if let Some(previous) = by_code.insert(entry.code.clone(), id) {
            let first_span = usize::try_from(previous.0)
                .ok()
                .and_then(|idx| dispositions.get(idx))
                .map_or(span, |d: &Disposition| d.span);
            diagnostics.push(
                Diagnostic::new(
                    Code::CatalogueInvalid,
                    span,
                    format!("`{}` appears twice in the catalogue", entry.code),
                )
                .with_secondary(first_span, "first entry here"),
            );
            by_code.insert(entry.code.clone(), previous);
            continue;
        }
        same_as_names.push(entry.same_as.clone());
        dispositions.push(Disposition {
            code: entry.code,
            title: entry.title,
            section: entry.section,
            status: entry.status,
            channels,
            timeframe_minutes: entry.timeframe_minutes,
            urgency: entry.urgency,
            same_as: None,
            dos_search: entry.dos_search.unwrap_or(true),
            ooh_display: entry.ooh_display,
            source: entry.source,
            span,
        });
    }
    for (disposition, same_as) in dispositions.iter_mut().zip(same_as_names) {
        let Some(target) = same_as else { continue };
        match by_code.get(&target) {
            Some(id) if target != disposition.code => disposition.same_as = Some(*id),
            _ => diagnostics.push(Diagnostic::new(
                Code::UnknownSameAs,
                disposition.span,
                format!(
                    "`{}` is the same as `{target}`, which is not in the catalogue",
                    disposition.code
                ),
            )),
        }
    }
    let catalogue = Catalogue {
        release: raw.release,
        source: raw.source,
        dispositions,
        by_code,
    };
    (Some(catalogue), diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_2015() -> Catalogue {
        let text = bundled("pathways-2015").unwrap();
        let (catalogue, diagnostics) = parse(FileId(0), text);
        assert_eq!(diagnostics, vec![]);
        catalogue.unwrap()
    }

    #[test]
    fn counts_per_section_match_the_seed_document() {
        let catalogue = bundled_2015();
        let count = |section| {
            catalogue
                .dispositions()
                .iter()
                .filter(|d| d.section == section)
                .count()
        };
        assert_eq!((count(1), count(2), count(3)), (95, 15, 34));
        assert_eq!(catalogue.dispositions().len(), 144);
    }

    #[test]
    fn codes_are_opaque_strings() {
        let catalogue = bundled_2015();
        let ids = ["Dx10", "Dx010", "Dx0101"].map(|code| catalogue.lookup(code).unwrap());
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        assert_eq!(catalogue.lookup("Dx0010"), None);
        assert_eq!(catalogue.suggest("Dx0010"), Some("Dx010"));
        assert_eq!(catalogue.suggest("Dx0005"), Some("Dx05"));
        assert_eq!(catalogue.suggestions("Dx0010"), vec!["Dx010", "Dx10"]);
    }

    #[test]
    fn same_as_links_resolve() {
        let catalogue = bundled_2015();
        let same_as = |code: &str| {
            let id = catalogue.lookup(code).unwrap();
            catalogue
                .get(id)
                .unwrap()
                .same_as
                .map(|t| catalogue.code(t).to_owned())
        };
        assert_eq!(same_as("Dx0101").as_deref(), Some("Dx010"));
        assert_eq!(same_as("Dx1111").as_deref(), Some("Dx11"));
        assert_eq!(same_as("Dx05"), None);
    }

    #[test]
    fn pathways_2020_is_2015_plus_the_six_ccas_codes() {
        let (older, diagnostics) = parse(FileId(0), bundled("pathways-2015").unwrap());
        assert_eq!(diagnostics, vec![]);
        let (newer, diagnostics) = parse(FileId(1), bundled("pathways-2020").unwrap());
        assert_eq!(diagnostics, vec![]);
        let (older, newer) = (older.unwrap(), newer.unwrap());
        assert_eq!(newer.release, "pathways-2020");
        // Every 2015 entry unchanged (spans aside: the files differ) and in
        // the same order; the new codes come right after Dx1111.
        let strip = |d: &Disposition| Disposition {
            span: Span::default(),
            same_as: None,
            ..d.clone()
        };
        let same_as = |c: &Catalogue, d: &Disposition| d.same_as.map(|t| c.code(t).to_owned());
        let kept: Vec<&Disposition> = newer
            .dispositions()
            .iter()
            .filter(|d| older.lookup(&d.code).is_some())
            .collect();
        assert_eq!(kept.len(), older.dispositions().len());
        for (old, new) in older.dispositions().iter().zip(&kept) {
            assert_eq!(strip(old), strip(new));
            assert_eq!(same_as(&older, old), same_as(&newer, new));
        }
        assert_eq!(newer.dispositions().len(), older.dispositions().len() + 6);
        let at = usize::try_from(newer.lookup("Dx1111").unwrap().0).unwrap();
        let added = newer.dispositions().get(at + 1..at + 7).unwrap();
        let expected = [
            ("Dx1112", "1 hour", Some(60)),
            ("Dx1113", "2 hours", Some(120)),
            ("Dx1114", "4 hours", Some(240)),
            ("Dx1115", "6 hours", Some(360)),
            ("Dx1116", "12 hours", Some(720)),
            ("Dx1117", "next working day", None),
        ];
        for (d, (code, when, minutes)) in added.iter().zip(expected) {
            assert_eq!(older.lookup(code), None);
            assert_eq!(d.code, code);
            assert_eq!(
                d.title,
                format!("COVID risk Clinical Assessment Service {when}")
            );
            assert_eq!(
                (d.section, d.status, d.timeframe_minutes),
                (1, Status::InUse, minutes)
            );
            assert_eq!(d.channels.len(), 3, "{code}: all three channels");
            assert_eq!((d.same_as, d.urgency, d.dos_search), (None, None, true));
            assert!(d.source.as_deref().unwrap().contains("docs-uec-appts"));
        }
    }

    #[test]
    fn yaml_errors_name_the_line() {
        let text = "release: x\ndispositions:\n  - code: Dx05\n    title: t\n    section: four\n    status: in_use\n";
        let (catalogue, diagnostics) = parse(FileId(0), text);
        assert!(catalogue.is_none());
        let offset = usize::try_from(diagnostics[0].primary.span.start).unwrap();
        assert!(text[..offset].ends_with("section: "), "{diagnostics:?}");
    }

    #[test]
    fn unknown_same_as_is_reported() {
        let text = "release: x\ndispositions:\n  - code: Dx05\n    title: t\n    section: 1\n    status: in_use\n    same_as: Dx99\n";
        let (_, diagnostics) = parse(FileId(0), text);
        assert_eq!(diagnostics[0].code, Code::UnknownSameAs);
    }

    #[test]
    fn an_absurd_timeframe_is_refused() {
        let text = "release: x\ndispositions:\n  - code: Dx05\n    title: t\n    section: 1\n    status: in_use\n    timeframe_minutes: 4000000000\n";
        let (_, diagnostics) = parse(FileId(0), text);
        assert_eq!(diagnostics[0].code, Code::CatalogueInvalid);
        assert!(diagnostics[0].message.contains("30 days"));
    }
}
