//! The registry of diagnostic codes.
//!
//! Every code has a stable id (`DX0201`), a kebab-case name, a severity and a
//! four-part doc: what it means, why it matters, an example, and the fix. The
//! docs are what `dxmap explain CODE` prints and what `docs/diagnostics.md`
//! is generated from. Ids never change meaning once released: retire a code
//! rather than reuse it.
//!
//! Ranges: `DX00xx` inputs (files, YAML, limits), `DX01xx` syntax, `DX02xx`
//! names, `DX03xx` structure, `DX04xx` dates, times and ages, `DX05xx`
//! analysis (overlaps, coverage, timeframes, hierarchies, reachability).
//! Each range is a [`Family`], which [`Code::family`] gives: callers ask
//! it, never the id's digits.
//!
//! Imports: `super::Severity`.

use super::Severity;

/// The documentation of one code.
#[derive(Debug, Clone, Copy)]
pub struct CodeDoc {
    /// What it means.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A small example that triggers it.
    pub example: &'static str,
    /// How to fix it.
    pub fix: &'static str,
}

macro_rules! codes {
    ($(
        $(#[$meta:meta])*
        $variant:ident = $id:literal, $name:literal, $severity:ident,
        what: $what:literal, why: $why:literal, example: $example:literal, fix: $fix:literal;
    )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$meta])* $variant, )*
        }

        impl Code {
            /// Every code, in id order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable id, e.g. `DX0201`.
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }

            /// The kebab-case name, e.g. `unknown-disposition`.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity of every diagnostic with this code.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// The long documentation.
            pub fn doc(self) -> CodeDoc {
                match self {
                    $( Code::$variant => CodeDoc { what: $what, why: $why, example: $example, fix: $fix }, )*
                }
            }
        }
    };
}

codes! {
    /// A bug in dxmap itself.
    Internal = "DX0001", "internal-error", Error,
        what: "dxmap reached a state its own invariants rule out.",
        why: "The answer for this input cannot be trusted.",
        example: "(none: this is never the rules' fault)",
        fix: "Please report it with the input that caused it.";
    /// An input file over the size limit.
    FileTooLarge = "DX0002", "file-too-large", Error,
        what: "A rules file or catalogue is larger than dxmap accepts (8 MiB).",
        why: "Limits keep a malformed or hostile input from exhausting memory or time in CI.",
        example: "a 50 MB generated .dxm file",
        fix: "Split the rules into several files under the rules directory.";
    /// An input file that is not UTF-8.
    NotUtf8 = "DX0003", "not-utf8", Error,
        what: "A rules file or catalogue is not valid UTF-8 text.",
        why: "dxmap cannot read names and reasons that are not text.",
        example: "a .dxm file saved as Latin-1 with a `£` in a reason",
        fix: "Save the file as UTF-8.";
    /// A file has too many items.
    TooManyItems = "DX0004", "too-many-items", Error,
        what: "A file holds more items, or a rule more conditions, than dxmap accepts.",
        why: "Limits keep a malformed or hostile input from exhausting memory or time in CI.",
        example: "a group with a million members",
        fix: "Split the file; use groups to keep rules short.";
    /// The release catalogue could not be read.
    CatalogueInvalid = "DX0010", "catalogue-invalid", Error,
        what: "A release catalogue (YAML) does not follow the catalogue format.",
        why: "Every check runs against the catalogue: a broken one would check nothing.",
        example: "dispositions:\n  - code: Dx05\n    section: four",
        fix: "Correct the YAML at the line shown; the format is in the book, docs/book/src/files.md.";
    /// A test or capacity file could not be read.
    CaseInvalid = "DX0020", "case-invalid", Error,
        what: "A test file (`tests/*.yaml`) or a capacity file does not follow its format.",
        why: "A test that cannot be read proves nothing; a capacity status that cannot be read would route as if the service had capacity.",
        example: "- name: \"pharmacy\"\n  case: { dx: Dx28 }",
        fix: "Correct the YAML at the line shown; the formats are in the book, docs/book/src/files.md and releases.md.";
    /// The release names a file outside the rules directory.
    ReleaseOutsideTree = "DX0011", "release-outside-tree", Error,
        what: "A `release` path leads outside the rules directory.",
        why: "A rules tree must be self-contained so that review and CI see everything it depends on.",
        example: "release \"../../elsewhere/pathways.yaml\"",
        fix: "Copy the catalogue into the rules directory, or use a bundled release name.";

    /// A syntax error.
    Syntax = "DX0101", "syntax-error", Error,
        what: "The text does not follow the grammar of the rules language.",
        why: "Nothing after the error in that item can be understood.",
        example: "rule \"Adults\" { when dx = Dx05 and age >= }",
        fix: "Write what the message says is expected at the position shown.";
    /// A clause given twice.
    DuplicateClause = "DX0102", "duplicate-clause", Error,
        what: "A clause that may appear once (`route`, `type`, `hours`, `priority`, …) appears twice in one block.",
        why: "dxmap would have to guess which one you meant.",
        example: "rule \"A\" { when dx = Dx05 route gp_ooh route emergency_department }",
        fix: "Keep one clause; list several values in it, separated by commas.";
    /// A required clause is missing.
    MissingClause = "DX0103", "missing-clause", Error,
        what: "A block lacks a clause it needs: a rule without `when` or `route`, a service without `type`, `catchment` or `hours`, a service type without `responds_within`.",
        why: "Without it the item cannot route anyone, or cannot be checked.",
        example: "service \"Pharmacy\" id \"P1\" { type pharmacy }",
        fix: "Add the clause the message names.";
    /// A number out of range.
    NumberOutOfRange = "DX0104", "number-out-of-range", Error,
        what: "A number is too large, or a coordinate outside its range.",
        why: "dxmap would compute with a wrong value.",
        example: "location 95.0, -1.4",
        fix: "Write a latitude in -90..90 and a longitude in -180..180; keep numbers small.";
    /// A condition given twice in one rule.
    DuplicateCondition = "DX0105", "duplicate-condition", Error,
        what: "A rule tests the same thing (`dx`, `channel`, `sex`) twice.",
        why: "Two tests of one thing joined by `and` are either redundant or contradictory.",
        example: "when dx = Dx05 and dx = Dx06",
        fix: "Use one test with a list: `dx in (Dx05, Dx06)`.";
    /// A `// dxmap: allow` comment that does not follow its form.
    MalformedAllow = "DX0106", "malformed-allow", Error,
        what: "A `// dxmap: allow` comment is not `allow CODE[, CODE…] because \"…\"`, or is not on the line(s) directly above an item, statement or block.",
        why: "An allow that dxmap cannot read, or that is attached to nothing, would silence nothing while its author thinks it does.",
        example: "// dxmap: allow DX0504\nrule \"UTC\" { when dx = Dx05 route urgent_treatment_centre }",
        fix: "Write the codes and the reason, `// dxmap: allow DX0504 because \"…\"`, directly above the item (no blank line between).";
    /// A malformed postcode.
    MalformedPostcode = "DX0107", "malformed-postcode", Error,
        what: "A service's `postcode` is not a full UK postcode (`TR1 3LJ`).",
        why: "The service's position is taken from its postcode: a malformed one gives it none.",
        example: "postcode \"TR1\"",
        fix: "Write the full postcode of the service's address, outward and inward code.";

    /// An unknown disposition code.
    UnknownDisposition = "DX0201", "unknown-disposition", Error,
        what: "A disposition code is not in the release catalogue in force.",
        why: "Codes are exact strings: `Dx10` is not `Dx010`. A rule for a code Pathways never sends routes nobody.",
        example: "rule \"A\" { when dx = Dx10 route gp_ooh }",
        fix: "Use the code as the catalogue spells it (see the help), or check the `release` line.";
    /// An unknown service type.
    UnknownServiceType = "DX0202", "unknown-service-type", Error,
        what: "A service type is used but never declared.",
        why: "Patients would be routed to a type no service can have.",
        example: "route gp_out_of_hours",
        fix: "Declare it with `service_type`, or correct the spelling.";
    /// An unknown service.
    UnknownService = "DX0203", "unknown-service", Error,
        what: "A service id is named (e.g. by `suspend service`) but no service has it.",
        why: "The suspension would silently do nothing.",
        example: "suspend service \"FXX99\" from 2020-03-23 because \"COVID-19\"",
        fix: "Use the id of a declared service.";
    /// An unknown group.
    UnknownGroup = "DX0204", "unknown-group", Error,
        what: "A name in a disposition list is neither a code nor a declared group.",
        why: "The rule would cover fewer dispositions than intended.",
        example: "when dx in primary_care",
        fix: "Declare the group, correct the spelling, or write the code as `DxNN`.";
    /// An unknown skill.
    UnknownSkill = "DX0205", "unknown-skill", Error,
        what: "A skill is used in `has`, `lacks` or `requires` but not declared with `skill`.",
        why: "A misspelt skill would make a layer look able to take calls it cannot.",
        example: "has pathway_clinician",
        fix: "Declare it with `skill`, or correct the spelling.";
    /// An unknown overlay.
    UnknownOverlay = "DX0207", "unknown-overlay", Error,
        what: "An overlay `extends` a layer that does not exist.",
        why: "The overlay would inherit nothing from the layer meant.",
        example: "overlay dorset extends hampshyre { area BH }",
        fix: "Name `national` or a declared overlay.";
    /// An unknown release.
    UnknownRelease = "DX0208", "unknown-release", Error,
        what: "The `release` names neither a bundled catalogue nor a readable file.",
        why: "Without a catalogue no disposition can be checked.",
        example: "release \"pathways-2051\"",
        fix: "Use a bundled release (see the help) or a path to a catalogue file in the rules directory.";
    /// An unknown rule in an overlay.
    UnknownRule = "DX0209", "unknown-rule", Error,
        what: "`override rule` or `remove rule` names a rule the layer below does not have.",
        why: "The overlay would leave the rule it meant to change in force.",
        example: "remove rule \"Midwfie\" because \"…\"",
        fix: "Use the exact name of a rule of the layer below.";
    /// A name defined twice.
    Duplicate = "DX0210", "duplicate-definition", Error,
        what: "Two definitions share a name: rules, services (by id), service types, groups, skills, hierarchies, overlays, or one code twice in a list.",
        why: "References to the name would be ambiguous.",
        example: "group a = Dx05\ngroup a = Dx06",
        fix: "Rename or merge one of them.";
    /// A reserved name.
    ReservedName = "DX0211", "reserved-name", Error,
        what: "An overlay is called `national`, the name of the baseline.",
        why: "`extends national` must always mean the baseline.",
        example: "overlay national { area SO }",
        fix: "Choose another name.";
    /// `add rule` naming a rule that exists.
    RuleExists = "DX0212", "rule-exists", Error,
        what: "`add rule` names a rule the layer below already has.",
        why: "Two rules with one name cannot be overridden or removed unambiguously.",
        example: "add rule \"Clinician immediate\" { … }",
        fix: "Use `override rule` to replace it, or choose a new name.";
    /// A `same_as` target missing from the catalogue.
    UnknownSameAs = "DX0213", "unknown-same-as", Error,
        what: "A catalogue entry's `same_as` names a code the catalogue does not hold.",
        why: "Routing the code as its target would fail for every case.",
        example: "- code: Dx0101\n  same_as: Dx0100",
        fix: "Correct the catalogue entry.";
    /// An unknown hierarchy.
    UnknownHierarchy = "DX0214", "unknown-hierarchy", Error,
        what: "`override hierarchy` names a hierarchy that is not declared.",
        why: "The overlay's order would replace nothing, and the national order would stay in force there.",
        example: "overlay cornwall { area TR  override hierarchy clinician_queue { Dx32 > Dx321 } because \"…\" }",
        fix: "Name a hierarchy declared at top level.";
    /// An unknown postcode set.
    UnknownPostcodeSet = "DX0215", "unknown-postcode-set", Error,
        what: "A name in a `catchment`, an `area` or a `postcodes` set is not a declared set of postcode units.",
        why: "The service or overlay would cover fewer postcodes than intended.",
        example: "catchment cornwal",
        fix: "Declare the set with `postcodes NAME = …`, or correct the spelling.";
    /// An unknown diagnostic code in an allow comment.
    UnknownCode = "DX0216", "unknown-code", Error,
        what: "A `// dxmap: allow` comment names a code that is not a diagnostic code of dxmap.",
        why: "An allow for a code that does not exist silences nothing.",
        example: "// dxmap: allow DX9999 because \"…\"",
        fix: "Use the id (`DX0504`) or name (`route-too-slow`) of the finding to allow, as `dxmap check` prints it.";
    /// A postcode unit that does not exist.
    UnknownPostcodeUnit = "DX0217", "unknown-postcode-unit", Error,
        what: "A postcode area, district or sector in an `area`, a `catchment`, a `postcodes` set or a range's end, or the district of a service's `postcode`, is not a unit of the bundled geography (every GB unit with a postcode in the ONS postcode lookup).",
        why: "A unit that does not exist matches no patient: a catchment or area with a typo (`PL1O`, letter O) silently covers nobody there.",
        example: "service \"Looe MIU\" id \"MIU-PL13\" {\n  type minor_injuries\n  catchment PL1O, TR99\n  hours { all_hours }\n}",
        fix: "Correct the unit as the help suggests (O and 0, I and 1 are often swapped), or remove it.";

    /// A cycle of groups.
    GroupCycle = "DX0301", "group-cycle", Error,
        what: "Groups contain each other in a cycle.",
        why: "The cycle has no meaning: it cannot be expanded to a set of codes.",
        example: "group a = Dx05, b\ngroup b = a",
        fix: "Break the cycle: one of the groups must not contain the other.";
    /// A cycle of `extends`.
    ExtendsCycle = "DX0302", "extends-cycle", Error,
        what: "Overlays extend each other in a cycle.",
        why: "No layer of the cycle has a baseline to inherit from.",
        example: "overlay a extends b { }\noverlay b extends a { }",
        fix: "Make one of them extend `national` or another overlay.";
    /// A change without a reason.
    MissingReason = "DX0303", "missing-reason", Error,
        what: "An `override`, `remove`, `suspend`, `remap` or `no_search` has no `because`.",
        why: "Every regional difference from the national baseline must say why, for clinical governance and review.",
        example: "remove rule \"Midwife\"",
        fix: "Add `because \"…\"` with the reason.";
    /// More than one calendar.
    DuplicateCalendar = "DX0305", "duplicate-calendar", Error,
        what: "The rules tree declares more than one `calendar`.",
        why: "`bank_holiday` hours must mean one set of dates.",
        example: "calendar england { … }\ncalendar scotland { … }",
        fix: "Keep one calendar per rules tree.";
    /// Two overlays claim one area.
    AreaClaimedTwice = "DX0306", "area-claimed-twice", Error,
        what: "Two overlays (or one overlay twice) claim the same postcode unit.",
        why: "A case in that unit would have two overlays in force.",
        example: "overlay a { area SO }\noverlay b { area SO }",
        fix: "Give the unit to one overlay; a more specific unit (`SO16`) may go to another.";
    /// Release line problems.
    ReleaseLine = "DX0307", "release-line", Error,
        what: "The rules tree has no `release` line, or more than one.",
        why: "dxmap must know which Pathways release to check against.",
        example: "(a tree with no `release \"…\"`)",
        fix: "Write one `release` line, or pass `--release`.";
    /// A rule without a dx condition.
    RuleWithoutDx = "DX0308", "rule-without-dx", Error,
        what: "A rule's `when` has no `dx` condition.",
        why: "It would match every disposition, from cardiac arrest to a pharmacy referral.",
        example: "rule \"Children\" { when age < 16 route gp_ooh }",
        fix: "Add `dx = …` or `dx in …` to the `when`.";
    /// Overlay item that does not fit.
    OverlayWithoutArea = "DX0309", "overlay-without-area", Error,
        what: "An overlay has no `area`.",
        why: "An overlay that governs no postcode is never in force.",
        example: "overlay hampshire { lacks pathways_clinician }",
        fix: "Add `area` with the postcode areas, districts or sectors it governs.";
    /// A code remapped twice or to itself.
    BadRemap = "DX0310", "bad-remap", Error,
        what: "A `remap` maps a code to itself, or one overlay remaps a code twice.",
        why: "A remap is one step to one code; anything else is ambiguous.",
        example: "remap Dx06 -> Dx06 because \"…\"",
        fix: "Keep one remap per code, to a different code.";
    /// Skill both had and lacked.
    SkillConflict = "DX0311", "skill-conflict", Error,
        what: "A layer both `has` and `lacks` a skill.",
        why: "Routing to types that require the skill would be undefined.",
        example: "has pathways_clinician\nlacks pathways_clinician",
        fix: "Keep one of the two.";
    /// A route that names a type twice.
    BadRoute = "DX0312", "bad-route", Error,
        what: "A rule's `route` names a service type twice, or a `returns` is zero.",
        why: "Ranking a type twice has no meaning; a type returning no service answers nothing.",
        example: "route gp_ooh, gp_ooh",
        fix: "Name each type once.";
    /// A postcode set that contains itself.
    PostcodeSetCycle = "DX0313", "postcode-set-cycle", Error,
        what: "Sets of postcode units contain each other in a cycle.",
        why: "The cycle has no meaning: it cannot be expanded to a list of units.",
        example: "postcodes a = TR, b\npostcodes b = a",
        fix: "Break the cycle: one of the sets must not contain the other.";
    /// A district range that is not one.
    BadPostcodeRange = "DX0314", "bad-postcode-range", Error,
        what: "A range in a `postcodes` set does not run between two districts of one area, lowest first (`PL10..PL15`).",
        why: "A range spans the districts of one area in order of (number, suffix): anything else has no meaning.",
        example: "postcodes cornwall = PL15..PL10, TR1..EX23",
        fix: "Write the lower district first, both in the same area; list other areas separately.";
    /// An allow comment for a code that may not be allowed.
    NotAllowable = "DX0315", "not-allowable", Error,
        what: "A `// dxmap: allow` comment names a code that may never be allowed: syntax and name errors, overlapping rules, hierarchy contradictions, remap chains, a missing skill.",
        why: "These findings mean the rules are ambiguous or broken, not that a region accepts a known risk.",
        example: "// dxmap: allow DX0501 because \"…\"",
        fix: "Fix the finding instead; only warnings, coverage gaps, slow routes and reach findings may be allowed.";

    /// An invalid date.
    InvalidDate = "DX0401", "invalid-date", Error,
        what: "A date does not exist in the calendar.",
        why: "A validity window, suspension or dated opening on a non-existent day would never apply.",
        example: "on 2020-02-30 closed",
        fix: "Write a real date, `YYYY-MM-DD`.";
    /// An invalid time.
    InvalidTime = "DX0402", "invalid-time", Error,
        what: "A time of day is not `00:00`–`23:59` (`24:00` is allowed as an end).",
        why: "The session would be meaningless.",
        example: "mon 08:00-25:00",
        fix: "Write a time between `00:00` and `24:00`.";
    /// A session that ends before it starts.
    SessionBackwards = "DX0403", "session-backwards", Error,
        what: "A session ends at or before its start, or starts at `24:00`.",
        why: "Sessions may not cross midnight: a service open overnight is two sessions on two days.",
        example: "mon 20:00-02:00",
        fix: "Split it: `mon 20:00-24:00` and `tue 00:00-02:00`.";
    /// Overlapping sessions.
    OverlappingSessions = "DX0404", "overlapping-sessions", Error,
        what: "Two sessions that apply on one day overlap.",
        why: "Overlaps usually hide a typing mistake in the hours.",
        example: "mon 08:00-13:00, 12:00-18:00",
        fix: "Make the sessions disjoint, or merge them into one.";
    /// A date range that runs backwards.
    DateRangeBackwards = "DX0405", "date-range-backwards", Error,
        what: "A date range or suspension ends before it starts.",
        why: "It would cover no day at all.",
        example: "valid 2020-09-30..2020-03-20",
        fix: "Swap the dates.";
    /// A day range that runs backwards.
    DayRangeBackwards = "DX0406", "day-range-backwards", Error,
        what: "A day range runs backwards through the week (`fri-mon`).",
        why: "It is ambiguous whether the range wraps over the weekend.",
        example: "fri-mon 08:00-18:00",
        fix: "Write the days as two lines: `fri-sun` and `mon`.";
    /// An empty age range.
    EmptyAgeRange = "DX0407", "empty-age-range", Error,
        what: "An age range or age condition admits nobody.",
        why: "A service or rule that no patient can match is a mistake.",
        example: "ages 16..5",
        fix: "Write the lower bound first: `ages 5..16`.";
    /// Conflicting hours lines.
    ConflictingHours = "DX0408", "conflicting-hours", Error,
        what: "Two lines of one `hours` block set the hours of the same day, date or bank holiday.",
        why: "dxmap would have to guess which line wins.",
        example: "mon-fri 08:00-18:00\nmon 09:00-12:00",
        fix: "Give each day one line, with all its sessions.";
    /// A date in the calendar twice.
    DuplicateHoliday = "DX0409", "duplicate-holiday", Error,
        what: "A date appears twice in the calendar.",
        why: "Usually a copy-and-paste mistake for another date.",
        example: "2020-05-08 \"VE Day\"\n2020-05-08 \"Early May\"",
        fix: "Remove the repeat, or correct the date.";
    /// Two rules can match one case.
    RuleOverlap = "DX0501", "rule-overlap", Error,
        what: "Two rules of one layer can match the same case (disposition, channel, age and sex) and have the same priority.",
        why: "Routing must give one answer per case (hit policy UNIQUE): with two, which services a patient is offered would depend on the order of the files.",
        example: "rule \"Adults\" { when dx = Dx05 and age >= 16 route gp_ooh }\nrule \"All\" { when dx = Dx05 route emergency_department }",
        fix: "Make the conditions disjoint (the witness case shows a case both match), or give the rule that should win a higher `priority`.";
    /// A rule that can never fire.
    RuleNeverFires = "DX0502", "rule-never-fires", Warning,
        what: "Every case a rule matches is taken by rules of higher priority, in every layer where the rule is in force.",
        why: "A rule that never fires is dead code: its author thinks it routes patients, and it routes nobody.",
        example: "rule \"All\" { when dx = Dx05 route gp_ooh priority 10 }\nrule \"Adults\" { when dx = Dx05 and age >= 16 route emergency_department }",
        fix: "Remove the rule, or lower the priority of the rules that hide it.";
    /// A coverage gap.
    CoverageGap = "DX0503", "coverage-gap", Error,
        what: "A disposition that Pathways uses on a channel has cases (an age range, a sex) that no rule, `same_as` target or `no_search` covers, in the baseline or an overlay.",
        why: "A patient given that disposition would get no service from the rules, only the catch-all: a 111 call with nowhere to go.",
        example: "rule \"Adults\" { when dx = Dx05 and age >= 16 route gp_ooh }   // children are not covered",
        fix: "Add a rule for the cases in the witness, widen a rule's conditions, or answer them with `no_search … because \"…\"`.";
    /// A route slower than the disposition's timeframe.
    RouteTooSlow = "DX0504", "route-too-slow", Error,
        what: "A rule routes a disposition to a service type whose `responds_within` is longer than the disposition's timeframe.",
        why: "A patient who must be seen within 1 hour would be sent to a service that takes 24.",
        example: "service_type pharmacy_cpcs \"CPCS\" { responds_within 24h }\nrule \"Urgent\" { when dx = Dx05 route pharmacy_cpcs }   // Dx05: 2 hours",
        fix: "Route the disposition to a faster service type, or move it to a rule of its own.";
    /// A route to a type needing a skill the layer lacks.
    RouteNeedsSkill = "DX0505", "route-needs-skill", Error,
        what: "A rule in force in a layer routes to a service type that `requires` a skill the layer lacks.",
        why: "The type cannot be used there: the patient would skip it every time.",
        example: "overlay dorset { area DT  lacks pathways_clinician }   // and a baseline rule routes clinician_queue",
        fix: "Override the rule in that overlay to route to a type the overlay can use (e.g. a GP queue).";
    /// Routing a code the catalogue marks unused.
    RoutesUnusedCode = "DX0506", "routes-unused-code", Warning,
        what: "A rule routes a disposition that the release marks as not used (section 3, paper only, pandemic or epidemic switch only, not in use, no longer used).",
        why: "Pathways never generates it in normal running: the mapping is dead, or the code was meant to be another.",
        example: "rule \"Flu\" { when dx = Dx63 route gp_ooh }   // Dx63: pandemic switch only",
        fix: "Remove the code from the rule, or check which code was meant.";
    /// Routing a clinician-only code where the skill is lacking.
    ClinicianCodeWithoutSkill = "DX0507", "clinician-code-without-skill", Warning,
        what: "A rule in force in a layer without the Pathways-clinician skill routes a disposition only a Pathways clinician can reach.",
        why: "Without a Pathways clinician the code is never generated there: the mapping is dead.",
        example: "overlay dorset { area DT  lacks pathways_clinician }   // with a baseline rule for Dx51",
        fix: "Remove the rule in that overlay (`remove rule … because …`).";
    /// Hierarchies that contradict each other.
    HierarchyContradiction = "DX0508", "hierarchy-contradiction", Error,
        what: "The queue hierarchies, taken together, order some codes in a cycle (one says `Dx32 > Dx325`, another `Dx325 > Dx32`).",
        why: "A queue cannot be ordered when its orders disagree: which patient is called first would be arbitrary.",
        example: "hierarchy a { Dx32 > Dx325 }\nhierarchy b { Dx325 > Dx32 }",
        fix: "Make the hierarchies agree; the message spells out the cycle and labels each source.";
    /// A service no rule can reach.
    UnreachableService = "DX0509", "unreachable-service", Warning,
        what: "No rule can send a patient to a service: no layer where it is in force routes its type, or those layers govern none of its catchment, or it is suspended for the whole of its validity window.",
        why: "A service on the directory that no patient can reach is a gap in the commissioner's intent.",
        example: "service \"Hub\" id \"H1\" { type gp_hub  catchment SO  hours { all_hours } }   // no rule routes gp_hub",
        fix: "Route its type in a rule of a layer that governs its catchment, or remove the service.";
    /// A service type with no services.
    TypeWithoutServices = "DX0510", "type-without-services", Warning,
        what: "A service type has no service anywhere in the tree.",
        why: "Rules that route to it can never return a service of that type.",
        example: "service_type optician \"Optician\" { responds_within 3d }   // and no service of type optician",
        fix: "Add the services of that type, or remove the type and the routes to it.";
    /// An override identical to what it overrides.
    IdenticalOverride = "DX0511", "identical-override", Warning,
        what: "An `override rule` has the same conditions, route and priority as the rule it replaces.",
        why: "It changes nothing but claims to: reviewers will look for a difference that is not there.",
        example: "override rule \"Dental\" { when dx in dental route dental because \"…\" }",
        fix: "Remove the override, or make the change it was meant to make.";
    /// An allow comment that silences nothing.
    UnusedAllow = "DX0512", "unused-allow", Warning,
        what: "A `// dxmap: allow` comment names a code that no finding inside its item has.",
        why: "A stale allow hides nothing today but would silently hide a new finding tomorrow.",
        example: "// dxmap: allow DX0504 because \"…\"\nrule \"Fast\" { when dx = Dx05 route gp_ooh }   // not too slow",
        fix: "Remove the comment, or the codes in it that no longer apply.";
    /// A remap whose target is remapped again.
    RemapChain = "DX0513", "remap-chain", Error,
        what: "A `remap` sends a code to one that the same layer remaps again: `Dx12 -> Dx011` and `Dx011 -> Dx010`.",
        why: "Remaps are one step: routing searches the first target's rules, not the second's, so the chain does not do what it reads as, and a typo in one code can silently send calls to another service altogether.",
        example: "overlay cornwall extends national {\n  area TR\n  remap Dx12 -> Dx011 because \"…\"\n  remap Dx011 -> Dx010 because \"…\"\n}",
        fix: "Remap each code straight to the code whose services it should use, or remove one of the remaps.";
    /// A remap that slows, crosses sections or targets an unused code.
    RemapRisk = "DX0514", "remap-risk", Warning,
        what: "A `remap` sends a code to one with a longer timeframe, in another section of the catalogue, or that the catalogue does not mark in use.",
        why: "The patient is searched for as if the other disposition had been reached: a slower timeframe means a slower service, another section usually means a different clinical need, and an unused code may have no rules at all.",
        example: "overlay cornwall extends national {\n  area TR\n  remap Dx05 -> Dx08 because \"…\"   // 2 hours -> 24 hours\n}",
        fix: "Remap to a code of the same section and at most the same timeframe, or allow the finding with the clinical reason.";
    /// A suspension that can never apply where its overlay applies.
    SuspensionOutOfArea = "DX0515", "suspension-out-of-area", Warning,
        what: "An overlay suspends a service that no case it answers can reach: the service's catchment lies wholly outside the overlay's `area`, or only where more specific overlays apply (in every overlay that has the suspension in force, the ones extending it included).",
        why: "An overlay only answers cases in its area, less the units more specific overlays claim; there that service is never returned, so the suspension does nothing, and the service it was meant for is probably another.",
        example: "overlay cornwall extends national {\n  area TR\n  suspend service \"GPOOH-SO\" from 2026-01-01 until 2026-01-31 because \"…\"   // catchment SO\n}",
        fix: "Suspend the service that was meant (check its id), or move the suspension to the overlay whose area the service covers.";
    /// A case that no service can be found for in an overlay's area.
    UnreachableUrgent = "DX0516", "unreachable-urgent", Error,
        what: "In an overlay's area, a rule that wins some case of a disposition with a timeframe of at most 60 minutes routes to service types none of whose services covers a unit of the area (with open-ended validity and some opening hours).",
        why: "A green check must mean every patient has somewhere right to go: here an emergency call falls through to the catch-all, or to nothing.",
        example: "overlay cornwall extends national {\n  area TR\n}\n// no ambulance_response service covers TR\nrule \"Cardiac arrest\" { when dx = Dx010 route ambulance_response }",
        fix: "Add a service of a routed type whose catchment covers the units named, or route the rule to a type that has one; if the gap is known and managed, allow it with the reason.";
    /// A less urgent case that no service can be found for.
    Unreachable = "DX0517", "unreachable", Warning,
        what: "In an overlay's area, a rule that wins some case of a disposition with a timeframe longer than 60 minutes (or none) routes to service types none of whose services covers a unit of the area (with open-ended validity and some opening hours).",
        why: "The patient falls through to the catch-all, or to nothing, instead of the service the rule intends.",
        example: "overlay cornwall extends national {\n  area TR\n}\n// no gp_ooh service covers TR\nrule \"Primary care\" { when dx = Dx05 route gp_ooh }",
        fix: "Add a service of a routed type whose catchment covers the units named, or allow the finding with the reason.";
    /// Urgent cases with no service open at some time of the week.
    HoursGap = "DX0518", "hours-gap", Warning,
        what: "In an overlay's area, the weekly hours of the services that a rule for a disposition of at most 60 minutes can reach, together, leave some time of the week uncovered.",
        why: "An urgent call in those hours finds no open service of the intended type and falls through to the catch-all or to nothing.",
        example: "service \"Truro ambulance\" id \"AMB-TR\" {\n  type ambulance_response\n  catchment TR\n  hours { mon-sat 08:00-20:00 }   // Sun 00:00–24:00 uncovered\n}",
        fix: "Add a service (or hours) covering the intervals named, or allow the finding with how those hours are covered.";
    /// Bank-holiday hours without a calendar.
    NoCalendar = "DX0410", "no-calendar", Warning,
        what: "A service has `bank_holiday` hours but the tree has no `calendar`.",
        why: "Without a calendar no day is a bank holiday, so those hours never apply.",
        example: "hours { bank_holiday closed }",
        fix: "Declare the bank holidays with `calendar`.";
}

/// The family of a code: the range of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `DX00xx`: inputs (files, YAML, limits) and internal errors.
    Inputs,
    /// `DX01xx`: syntax.
    Syntax,
    /// `DX02xx`: names.
    Names,
    /// `DX03xx`: structure.
    Structure,
    /// `DX04xx`: dates, times and ages.
    Dates,
    /// `DX05xx`: the analyses (overlaps, coverage, timeframes, hierarchies,
    /// reachability).
    Analysis,
}

impl Family {
    /// Every family, in id order.
    pub const ALL: [Family; 6] = [
        Family::Inputs,
        Family::Syntax,
        Family::Names,
        Family::Structure,
        Family::Dates,
        Family::Analysis,
    ];

    /// `inputs`, `syntax`, `names`, `structure`, `dates` or `analysis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Inputs => "inputs",
            Family::Syntax => "syntax",
            Family::Names => "names",
            Family::Structure => "structure",
            Family::Dates => "dates",
            Family::Analysis => "analysis",
        }
    }
}

impl Code {
    /// The family: the range of the id (`DX05xx` is [`Family::Analysis`]).
    /// The one place that reads an id's digits.
    pub fn family(self) -> Family {
        // Ids are `DX` and four digits; the hundreds name the family.
        match self.id().as_bytes().get(3) {
            Some(b'1') => Family::Syntax,
            Some(b'2') => Family::Names,
            Some(b'3') => Family::Structure,
            Some(b'4') => Family::Dates,
            Some(b'5') => Family::Analysis,
            _ => Family::Inputs,
        }
    }

    /// Looks a code up by id (`DX0201`) or name (`unknown-disposition`).
    pub fn lookup(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.id().eq_ignore_ascii_case(text) || code.name() == text)
    }

    /// Whether a finding with this code may be silenced by a
    /// `// dxmap: allow` comment: warnings, coverage gaps, slow routes and
    /// reach errors. Never syntax and name errors, overlapping rules,
    /// hierarchy contradictions, remap chains or a missing skill.
    pub fn allowable(self) -> bool {
        (self.severity() == Severity::Warning && self != Code::UnusedAllow)
            || matches!(
                self,
                Code::CoverageGap | Code::RouteTooSlow | Code::UnreachableUrgent
            )
    }

    /// The long documentation as Markdown.
    pub fn markdown(self) -> String {
        let doc = self.doc();
        format!(
            "## {} `{}` ({})\n\n**What it means.** {}\n\n**Why it matters.** {}\n\n**Example.**\n\n```\n{}\n```\n\n**Fix.** {}\n",
            self.id(),
            self.name(),
            self.severity().as_str(),
            doc.what,
            doc.why,
            doc.example,
            doc.fix
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_codes_and_every_id_its_range() {
        for family in Family::ALL {
            assert!(Code::ALL.iter().any(|code| code.family() == family));
        }
        for code in Code::ALL {
            let id = code.id();
            assert!(id.len() == 6 && id.starts_with("DX0"), "{id}");
        }
        assert_eq!(Code::CoverageGap.family(), Family::Analysis);
        assert_eq!(Code::NoCalendar.family(), Family::Dates);
        assert_eq!(Code::Internal.family(), Family::Inputs);
        assert_eq!(Code::Syntax.family(), Family::Syntax);
    }
}
