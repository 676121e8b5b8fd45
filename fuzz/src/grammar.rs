//! `.dxm` text built from the fuzzer's bytes by choosing among grammar
//! fragments, so that most inputs get past the lexer and the parser and
//! reach the checker, the analyses, the compiler and routing.
//!
//! Each byte is a choice: which item comes next, which clause, which code,
//! name, date, session or postcode unit. When the bytes run out every
//! choice takes its first, shortest option, so generation always ends.
//!
//! The first byte picks one of two modes:
//! - *wild* (even): the vocabulary mixes names that resolve with the edge
//!   cases the checker must refuse (an unknown code, `Dx0006`, a 30
//!   February, a session ending at `25:61`, a day range that wraps, a
//!   reference to nothing), and an item byte of 240 or more writes token
//!   soup (random fragments, braces included), so that syntax errors and
//!   error recovery are fuzzed too;
//! - *clean* (odd): the text starts with [`PRELUDE`] (a release, skill,
//!   calendar, service types and services) and every choice is one the
//!   checker accepts (codes of `pathways-2015`, declared types, unique
//!   names, ordered ranges, one session a line, a reason everywhere), so
//!   that most trees compile and are routed. What varies is the shape:
//!   overlays and what they override, remap, suspend and add, ages, sexes,
//!   channels, priorities, validity windows, opening hours, dates at the
//!   edges of the calendar.
//!
//! Version 2 of the language is generated in both modes: `postcodes` sets
//! (with district ranges, backwards and across areas in wild mode), set
//! names in catchments and areas, a service's `postcode`, `catch_all …
//! within Dkm`, `override hierarchy` and `// dxmap: allow` comments.
//!
//! Imports: std only.

/// Text longer than this is not grown further.
const MAX_TEXT: usize = 64 * 1024;

/// Service types the prelude declares.
const TYPES_OK: &[&str] = &["gp_ooh", "ed", "pharmacy", "clinician_queue"];
/// Service type names in wild mode; `nope` is never declared.
const TYPES: &[&str] = &["gp_ooh", "ed", "pharmacy", "clinician_queue", "nope"];
/// Skill names; the prelude declares the first.
const SKILLS: &[&str] = &["pathways_clinician", "nurse"];
/// Group names in wild mode.
const GROUPS: &[&str] = &["urgent", "dental", "a"];
/// Overlay names in wild mode; `national` is the baseline.
const OVERLAYS: &[&str] = &["hampshire", "wight", "dorset", "national"];
/// Other names: calendars and hierarchies.
const NAMES: &[&str] = &["bank_holidays", "order", "x_1"];
/// Codes of `pathways-2015` (`Dx91` makes no DoS search).
const CODES_OK: &[&str] = &[
    "Dx05", "Dx06", "Dx28", "Dx02", "Dx0101", "Dx010", "Dx10", "Dx32", "Dx321", "Dx328", "Dx11",
    "Dx1111", "Dx013", "Dx14", "Dx35", "Dx75", "Dx91",
];
/// Codes in wild mode: some unknown, misspelt or too long.
const CODES: &[&str] = &[
    "Dx05",
    "Dx06",
    "Dx28",
    "Dx02",
    "Dx0101",
    "Dx010",
    "Dx10",
    "Dx91",
    "Dx32",
    "Dx321",
    "Dx11",
    "Dx1111",
    "Dx01",
    "Dx0006",
    "Dx1112",
    "Dx99999999999999999999",
];
const STRINGS: &[&str] = &[
    "A",
    "Primary care",
    "Pharmacy, adults",
    "",
    "with \\\"quote\\\" and \\\\",
    "café – ünïcode ✓",
    "pathways-2015",
    "pathways-2020",
    "catalogue.yaml",
    "../outside.yaml",
];
const IDS: &[&str] = &["HH01", "X1", "X2", "FXX01", "ED-1", "", "X1 "];
const DURATIONS: &[&str] = &["1h", "0m", "30m", "2h", "12h", "1d", "5d", "0d"];
const INTEGERS: &[&str] = &["1", "0", "2", "10", "4294967295"];
/// Ages in wild mode, some equal (`16` and `16y`).
const AGES: &[&str] = &["0", "0d", "28d", "6mo", "1y", "16", "16y", "200"];
/// Distinct ages, youngest first (clean mode takes ordered pairs).
const AGES_OK: &[&str] = &["0", "28d", "6mo", "1y", "16", "200"];
const AGE_CMP: &[&str] = &[">=", "<", "<=", ">"];
/// Valid dates, earliest first (clean mode takes ordered pairs).
const DATES_OK: &[&str] = &[
    "0001-01-01",
    "2019-12-31",
    "2020-02-29",
    "2020-03-20",
    "2020-03-29",
    "2020-05-08",
    "2020-10-25",
    "2020-12-25",
    "9999-12-31",
];
/// Dates in wild mode, some invalid.
const DATES: &[&str] = &[
    "2020-05-08",
    "2020-02-29",
    "2021-02-29",
    "2020-03-29",
    "2020-10-25",
    "2019-12-31",
    "2020-13-01",
    "0000-01-01",
    "9999-12-31",
];
/// Sessions the checker accepts.
const SESSIONS_OK: &[&str] = &[
    "08:00-13:00",
    "13:00-18:00",
    "00:00-24:00",
    "14:00-17:00",
    "23:59-24:00",
    "00:00-00:01",
    "18:30-24:00",
];
/// Sessions in wild mode, some backwards or impossible.
const SESSIONS: &[&str] = &[
    "08:00-13:00",
    "13:00-18:00",
    "00:00-24:00",
    "14:00-17:00",
    "18:00-08:00",
    "24:00-25:61",
    "09:30-09:30",
    "23:59-24:00",
];
const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const CHANNELS: &[&str] = &["111", "999", "ooh"];
const SEXES: &[&str] = &["female", "male"];
const UNITS: &[&str] = &[
    "SO", "SO16", "SO16 7", "PO", "PO30", "PO41", "BH", "BH1 1", "W1A", "W1A 1", "E", "EC1",
];
/// Overlay areas in clean mode, one per overlay in turn: districts and
/// sectors inside the prelude's catchments, and two outside them.
const AREAS_OK: &[&str] = &[
    "SO16", "PO30", "SO16 7", "BH1", "SO", "PO41", "DT1", "EC1", "SO17 1", "BH",
];
/// District ranges in wild mode: ordered, backwards, across areas, not districts.
const RANGES: &[&str] = &[
    "PO30..PO41",
    "SO14..SO16",
    "SO16..SO14",
    "BH1..DT1",
    "SO..PO",
    "EC1A..EC1R",
];
/// District ranges in clean mode.
const RANGES_OK: &[&str] = &["SO14..SO16", "PO30..PO41", "BH1..BH31"];
/// Set names in wild mode; `nope` is never declared.
const SETS: &[&str] = &["wessex", "solent", "nope"];
/// Service postcodes: full ones, and (wild mode) malformed ones.
const POSTCODES: &[&str] = &["SO16 7AB", "po30 1aa", "BH11AA", "SO16", "", "ZZ"];
/// Distances after `within`.
const DISTANCES: &[&str] = &["60km", "12.5km", "0km", "99999km"];
/// Codes in allow comments: allowable ones, then (wild mode) ones that may
/// not be allowed and ones that do not exist.
const ALLOWS: &[&str] = &[
    "DX0504",
    "DX0503",
    "route-too-slow",
    "DX0509",
    "DX0501",
    "DX9999",
];
const DECIMALS: &[&str] = &["50.9097", "-1.4044", "0", "91", "-181.5", "-0"];
/// Fragments for token soup: keywords, punctuation and values.
const SOUP: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    ",",
    "=",
    ">",
    "->",
    "..",
    "\"",
    "//",
    "\n",
    "release",
    "rule",
    "when",
    "dx",
    "in",
    "and",
    "route",
    "service",
    "id",
    "type",
    "hours",
    "overlay",
    "extends",
    "override",
    "remove",
    "add",
    "suspend",
    "remap",
    "no_search",
    "catch_all",
    "hierarchy",
    "group",
    "service_type",
    "channel",
    "age",
    "sex",
    "because",
    "priority",
    "closed",
    "all_hours",
    "bank_holiday",
    "on",
    "from",
    "until",
    "area",
    "lacks",
    "has",
    "skill",
    "calendar",
    "catchment",
    "location",
    "ages",
    "sexes",
    "rank",
    "valid",
    "requires",
    "returns",
    "channels",
    "responds_within",
    "postcodes",
    "postcode",
    "within",
    "60km",
    "PO30..PO41",
    "// dxmap: allow DX0504 because \"x\"\n",
    "1e9",
    "999999999",
    "4294967296",
];

/// The declarations of a clean tree: its generated rules, services and
/// overlays name these.
pub const PRELUDE: &str = r#"release "pathways-2015"
skill pathways_clinician "Pathways clinician"
has pathways_clinician
calendar bank_holidays {
  2020-05-08 "VE Day"
  2020-12-25 "Christmas Day"
}
service_type gp_ooh "GP" { responds_within 1h }
service_type ed "ED" { responds_within 0m }
service_type pharmacy "Pharmacy" {
  responds_within 12h
  channels 111, ooh
  returns 2
}
service_type clinician_queue "CAS" {
  responds_within 0m
  requires pathways_clinician
  returns 1
}
catch_all ed
service "Southampton ED" id "ED-1" {
  type ed
  catchment SO, PO, BH
  location 50.93, -1.43
  hours { all_hours }
}
service "GP out of hours" id "GPOOH-SO" {
  type gp_ooh
  catchment SO16, PO30
  hours {
    mon-fri 18:30-24:00, 00:00-08:00
    sat-sun 00:00-24:00
    bank_holiday 00:00-24:00
  }
}
service "Pharmacy" id "FXX01" {
  type pharmacy
  catchment SO16 7
  hours {
    mon-sat 09:00-18:00
    sun closed
    on 2020-05-08 14:00-17:00
  }
}
service "CAS" id "CAS01" {
  type clinician_queue
  catchment SO
  hours { all_hours }
}
"#;

/// Builds `.dxm` text from `data`.
pub fn text(data: &[u8]) -> String {
    let mut gen = Gen {
        data,
        pos: 0,
        out: String::new(),
        clean: false,
        rules: Vec::new(),
        services: vec![
            "ED-1".into(),
            "GPOOH-SO".into(),
            "FXX01".into(),
            "CAS01".into(),
        ],
        groups: Vec::new(),
        overlays: Vec::new(),
        hierarchies: 0,
        sets: Vec::new(),
    };
    if gen.byte() % 2 == 1 {
        gen.clean = true;
        gen.push(PRELUDE);
    }
    while gen.more() && gen.out.len() < MAX_TEXT {
        gen.item();
        gen.push("\n");
    }
    gen.out
}

struct Gen<'a> {
    data: &'a [u8],
    pos: usize,
    out: String,
    /// Clean mode: the prelude, and only choices the checker accepts.
    clean: bool,
    /// Names of the rules written so far (clean mode names them `rN`).
    rules: Vec<String>,
    /// Ids of the services declared so far.
    services: Vec<String>,
    /// Names of the groups declared so far (clean mode).
    groups: Vec<String>,
    /// Names of the overlays declared so far (clean mode).
    overlays: Vec<String>,
    /// Hierarchies declared so far (clean mode names them `hN`).
    hierarchies: usize,
    /// Names of the postcode sets declared so far (clean mode names them `pN`).
    sets: Vec<String>,
}

impl Gen<'_> {
    fn more(&self) -> bool {
        self.pos < self.data.len()
    }

    /// The next byte, or 0 once the input is used up.
    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        byte
    }

    /// Whether the next byte has bit `mask` set (false once the input is
    /// used up).
    fn bit(&mut self, mask: u8) -> bool {
        self.byte() & mask == mask
    }

    fn pick(&mut self, items: &[&str]) -> String {
        let idx = usize::from(self.byte()) % items.len();
        items[idx].to_owned()
    }

    fn pick_owned(&mut self, items: &[String]) -> Option<String> {
        if items.is_empty() {
            return None;
        }
        let idx = usize::from(self.byte()) % items.len();
        items.get(idx).cloned()
    }

    /// Indexes `a <= b` into a list of `len` items.
    fn ordered(&mut self, len: usize) -> (usize, usize) {
        let a = usize::from(self.byte()) % len;
        let b = usize::from(self.byte()) % len;
        (a.min(b), a.max(b))
    }

    /// How many repetitions: 0 to `max - 1`; 0 once the input is used up.
    fn count(&mut self, max: u8) -> u8 {
        self.byte() % max
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn string(&mut self) -> String {
        format!("\"{}\"", self.pick(STRINGS))
    }

    /// `a, b, c`: one to `max` picks (distinct in clean mode).
    fn list(&mut self, items: &[&str], max: u8) -> String {
        let n = 1 + usize::from(self.count(max));
        let mut picked: Vec<String> = Vec::new();
        for _ in 0..n {
            let item = self.pick(items);
            if !(self.clean && picked.contains(&item)) {
                picked.push(item);
            }
        }
        picked.join(", ")
    }

    fn code(&mut self) -> String {
        if self.clean {
            self.pick(CODES_OK)
        } else {
            self.pick(CODES)
        }
    }

    fn type_name(&mut self) -> String {
        if self.clean {
            self.pick(TYPES_OK)
        } else {
            self.pick(TYPES)
        }
    }

    fn types(&mut self, max: u8) -> String {
        if self.clean {
            self.list(TYPES_OK, max)
        } else {
            self.list(TYPES, max)
        }
    }

    fn skills(&mut self) -> String {
        if self.clean {
            SKILLS[0].to_owned()
        } else {
            self.list(SKILLS, 2)
        }
    }

    fn date(&mut self) -> String {
        if self.clean {
            self.pick(DATES_OK)
        } else {
            self.pick(DATES)
        }
    }

    /// A code or a group name.
    fn dx_ref(&mut self) -> String {
        if self.byte() % 4 == 3 {
            if self.clean {
                let groups = self.groups.clone();
                if let Some(group) = self.pick_owned(&groups) {
                    return group;
                }
            } else {
                return self.pick(GROUPS);
            }
        }
        self.code()
    }

    fn dx_refs(&mut self, max: u8) -> String {
        let n = 1 + usize::from(self.count(max));
        let mut refs: Vec<String> = Vec::new();
        for _ in 0..n {
            let dx = self.dx_ref();
            if !(self.clean && refs.contains(&dx)) {
                refs.push(dx);
            }
        }
        refs.join(", ")
    }

    /// ` because "…"`; wild mode sometimes leaves it out.
    fn because(&mut self) -> String {
        if !self.clean && self.byte() % 4 == 3 {
            String::new()
        } else {
            format!(" because {}", self.string())
        }
    }

    fn age_range(&mut self) -> String {
        let (from, to) = if self.clean {
            let (a, b) = self.ordered(AGES_OK.len());
            (AGES_OK[a].to_owned(), AGES_OK[b].to_owned())
        } else {
            (self.pick(AGES), self.pick(AGES))
        };
        if self.byte().is_multiple_of(3) || (self.clean && from == to) {
            format!("{from}..")
        } else {
            format!("{from}..{to}")
        }
    }

    fn date_range(&mut self) -> String {
        let (from, to) = if self.clean {
            let (a, b) = self.ordered(DATES_OK.len());
            (DATES_OK[a].to_owned(), DATES_OK[b].to_owned())
        } else {
            (self.pick(DATES), self.pick(DATES))
        };
        if self.byte().is_multiple_of(3) {
            format!("{from}..")
        } else {
            format!("{from}..{to}")
        }
    }

    fn item(&mut self) {
        let kind = self.byte();
        if kind >= 240 && !self.clean {
            let n = 1 + usize::from(self.count(16));
            let soup: Vec<String> = (0..n).map(|_| self.pick(SOUP)).collect();
            self.push(&soup.join(" "));
            return;
        }
        let kind = match kind % 13 {
            // Beside the prelude, these declarations would clash with it.
            1 | 2 | 3 | 4 | 5 | 8 if self.clean => 0,
            kind => kind,
        };
        if kind == 0 || kind == 10 {
            self.allow("");
        }
        match kind {
            0 => self.rule("rule"),
            1 => {
                let text = format!("release {}", self.string());
                self.push(&text);
            }
            2 => {
                let name = self.pick(SKILLS);
                let label = if self.byte().is_multiple_of(2) {
                    format!(" {}", self.string())
                } else {
                    String::new()
                };
                self.push(&format!("skill {name}{label}"));
            }
            3 => {
                let names = self.skills();
                self.push(&format!("has {names}"));
            }
            4 => self.calendar(),
            5 => self.service_type(),
            6 => {
                let name = if self.clean {
                    format!("g{}", self.groups.len() + 1)
                } else {
                    self.pick(GROUPS)
                };
                let refs = self.dx_refs(6);
                self.push(&format!("group {name} = {refs}"));
                self.groups.push(name);
            }
            7 => {
                let refs = self.dx_refs(3);
                let because = self.because();
                self.push(&format!("no_search {refs}{because}"));
            }
            8 => {
                let name = self.type_name();
                let within = self.within();
                self.push(&format!("catch_all {name}{within}"));
            }
            9 => {
                let name = if self.clean {
                    self.hierarchies += 1;
                    format!("h{}", self.hierarchies)
                } else {
                    self.pick(NAMES)
                };
                let n = 1 + usize::from(self.count(6));
                let mut codes: Vec<String> = Vec::new();
                for _ in 0..n {
                    let code = self.code();
                    if !(self.clean && codes.contains(&code)) {
                        codes.push(code);
                    }
                }
                self.push(&format!("hierarchy {name} {{ {} }}", codes.join(" > ")));
            }
            10 => self.service(""),
            12 => self.postcode_set(),
            _ => self.overlay(),
        }
    }

    /// `postcodes NAME = …`: units, district ranges and earlier sets.
    fn postcode_set(&mut self) {
        let name = if self.clean {
            format!("p{}", self.sets.len() + 1)
        } else {
            self.pick(SETS)
        };
        let n = 1 + usize::from(self.count(4));
        let mut items = Vec::new();
        for _ in 0..n {
            let item = match self.byte() % 3 {
                0 if self.clean => self.pick(RANGES_OK),
                0 => self.pick(RANGES),
                1 if self.clean => {
                    let sets = self.sets.clone();
                    self.pick_owned(&sets).unwrap_or_else(|| "SO".to_owned())
                }
                1 => self.pick(SETS),
                _ => self.pick(UNITS),
            };
            items.push(item);
        }
        self.push(&format!("postcodes {name} = {}", items.join(", ")));
        self.sets.push(name);
    }

    /// ` within 60km` after a catch-all, or nothing.
    fn within(&mut self) -> String {
        if !self.bit(1) {
            return String::new();
        }
        let distance = if self.clean {
            self.pick(&DISTANCES[..2])
        } else {
            self.pick(DISTANCES)
        };
        format!(" within {distance}")
    }

    /// A `// dxmap: allow …` line above what comes next, or nothing.
    fn allow(&mut self, indent: &str) {
        if !self.bit(1) {
            return;
        }
        let codes = if self.clean {
            self.list(&ALLOWS[..4], 2)
        } else {
            self.list(ALLOWS, 3)
        };
        let because = if self.clean || self.bit(2) {
            " because \"agreed locally\"".to_owned()
        } else {
            String::new()
        };
        self.push(&format!("{indent}// dxmap: allow {codes}{because}\n"));
    }

    fn calendar(&mut self) {
        let name = self.pick(NAMES);
        self.push(&format!("calendar {name} {{\n"));
        for _ in 0..self.count(5) {
            let date = self.date();
            let label = if self.byte().is_multiple_of(2) {
                format!(" {}", self.string())
            } else {
                String::new()
            };
            self.push(&format!("  {date}{label}\n"));
        }
        self.push("}");
    }

    fn service_type(&mut self) {
        let name = self.type_name();
        let label = if self.byte().is_multiple_of(2) {
            format!(" {}", self.string())
        } else {
            String::new()
        };
        self.push(&format!("service_type {name}{label} {{"));
        for _ in 0..self.count(5) {
            let clause = match self.byte() % 4 {
                0 => format!("responds_within {}", self.pick(DURATIONS)),
                1 => format!("channels {}", self.list(CHANNELS, 3)),
                2 => format!("requires {}", self.pick(SKILLS)),
                _ => format!("returns {}", self.pick(INTEGERS)),
            };
            self.push(&format!("\n  {clause}"));
        }
        self.push("\n}");
    }

    /// The body of a rule after its name: `{ when … route … }`. A rule has
    /// a `when` and a `route` unless (wild mode) a byte leaves one out.
    fn rule_body(&mut self, indent: &str) {
        self.push(" {");
        let shape = self.byte();
        let mut clauses = Vec::new();
        if self.clean || shape % 8 != 7 {
            clauses.push(self.when());
        }
        if self.clean || shape % 8 != 6 {
            let types = self.types(3);
            clauses.push(format!("route {types}"));
        }
        // Each optional clause once; a clause given twice is rare.
        let extras = self.byte();
        if extras & 1 == 1 {
            clauses.push(format!("priority {}", self.pick(INTEGERS)));
        }
        if extras & 2 == 2 || indent.len() > 2 {
            let because = self.string();
            clauses.push(format!("because {because}"));
        }
        if extras >= 248 && !self.clean {
            clauses.push(self.when());
        }
        for clause in clauses {
            self.push(&format!("\n{indent}{clause}"));
        }
        let close = indent.get(2..).unwrap_or("");
        self.push(&format!("\n{close}}}"));
    }

    /// `rule "…" { … }`: named `rN` in clean mode (and mostly in wild mode).
    fn rule(&mut self, keyword: &str) {
        let name = if !self.clean && self.byte().is_multiple_of(4) {
            self.string()
        } else {
            format!("\"r{}\"", self.rules.len() + 1)
        };
        self.rules.push(name.clone());
        self.push(&format!("{keyword} {name}"));
        self.rule_body("  ");
    }

    fn when(&mut self) -> String {
        if self.clean {
            // Each kind of condition at most once, `dx` always.
            let mut conditions = vec![if self.bit(1) {
                format!("dx = {}", self.dx_ref())
            } else {
                format!("dx in ({})", self.dx_refs(5))
            }];
            let extras = self.byte();
            if extras & 1 == 1 {
                conditions.push(format!("channel in ({})", self.list(CHANNELS, 3)));
            }
            if extras & 2 == 2 {
                conditions.push(if self.bit(1) {
                    format!("age {} {}", self.pick(AGE_CMP), self.pick(&AGES_OK[1..]))
                } else {
                    format!("age in {}", self.age_range())
                });
            }
            if extras & 4 == 4 {
                conditions.push(format!("sex = {}", self.pick(SEXES)));
            }
            return format!("when {}", conditions.join(" and "));
        }
        let n = 1 + usize::from(self.count(4));
        let conditions: Vec<String> = (0..n)
            .map(|_| match self.byte() % 7 {
                0 => format!("dx = {}", self.dx_ref()),
                1 | 2 => format!("dx in ({})", self.dx_refs(5)),
                3 => format!("channel = {}", self.pick(CHANNELS)),
                4 => format!("channel in ({})", self.list(CHANNELS, 3)),
                5 => {
                    if self.byte().is_multiple_of(2) {
                        format!("age {} {}", self.pick(AGE_CMP), self.pick(AGES))
                    } else {
                        format!("age in {}", self.age_range())
                    }
                }
                _ => format!("sex = {}", self.pick(SEXES)),
            })
            .collect();
        format!("when {}", conditions.join(" and "))
    }

    /// `service "…" id "…" { … }`: a type, a catchment and hours unless
    /// (wild mode) a byte leaves one out, then other clauses.
    fn service(&mut self, indent: &str) {
        let name = self.string();
        let id = if self.clean {
            format!("S{}", self.services.len() + 1)
        } else {
            self.pick(IDS)
        };
        self.services.push(id.clone());
        self.push(&format!("{indent}service {name} id \"{id}\" {{"));
        let shape = self.byte();
        let mut clauses = Vec::new();
        if self.clean || shape % 8 != 7 {
            clauses.push(format!("type {}", self.type_name()));
        }
        if self.clean || shape % 8 != 6 {
            let mut units = self.list(UNITS, 4);
            if shape & 16 == 16 {
                let sets = self.sets.clone();
                let set = if self.clean {
                    self.pick_owned(&sets)
                } else {
                    Some(self.pick(SETS))
                };
                if let Some(set) = set {
                    units = format!("{set}, {units}");
                }
            }
            clauses.push(format!("catchment {units}"));
        }
        if self.clean || shape % 8 != 5 {
            clauses.push(self.hours(indent));
        }
        // Each optional clause once (a bit of one byte each); a clause
        // given twice is rare.
        let extras = self.byte();
        if extras & 1 == 1 {
            let location = if self.clean {
                "50.9097, -1.4044".to_owned()
            } else {
                format!("{}, {}", self.pick(DECIMALS), self.pick(DECIMALS))
            };
            clauses.push(format!("location {location}"));
        }
        if extras & 2 == 2 {
            clauses.push(format!("ages {}", self.age_range()));
        }
        if extras & 4 == 4 {
            clauses.push(format!("sexes {}", self.list(SEXES, 2)));
        }
        if extras & 8 == 8 {
            clauses.push(format!("rank {}", self.pick(INTEGERS)));
        }
        if extras & 16 == 16 {
            clauses.push(format!("valid {}", self.date_range()));
        }
        if extras & 32 == 32 {
            let postcode = if self.clean {
                self.pick(&POSTCODES[..3])
            } else {
                self.pick(POSTCODES)
            };
            clauses.push(format!("postcode \"{postcode}\""));
        }
        if extras >= 252 && !self.clean {
            clauses.push(format!("type {}", self.pick(TYPES)));
        }
        for clause in clauses {
            self.push(&format!("\n{indent}  {clause}"));
        }
        self.push(&format!("\n{indent}}}"));
    }

    fn day_hours(&mut self) -> String {
        if self.clean {
            if self.byte() % 4 == 3 {
                return "closed".to_owned();
            }
            return self.pick(SESSIONS_OK);
        }
        if self.byte() % 4 == 3 {
            "closed".to_owned()
        } else {
            self.list(SESSIONS, 3)
        }
    }

    /// `hours { … }`. Clean mode writes each kind of line at most once
    /// (`all_hours`, weekdays, Saturday, Sunday, bank holidays, one date,
    /// one closure), so that no two lines set one day.
    fn hours(&mut self, indent: &str) -> String {
        let mut lines = Vec::new();
        if self.clean {
            let kinds = self.byte();
            if kinds & 1 == 1 {
                lines.push("all_hours".to_owned());
            } else {
                let (a, b) = self.ordered(5);
                let days = if a == b {
                    DAYS[a].to_owned()
                } else {
                    format!("{}-{}", DAYS[a], DAYS[b])
                };
                lines.push(format!("{days} {}", self.day_hours()));
                if kinds & 2 == 2 {
                    lines.push(format!("sat {}", self.day_hours()));
                }
                if kinds & 4 == 4 {
                    lines.push(format!("sun {}", self.day_hours()));
                }
            }
            if kinds & 8 == 8 {
                lines.push(format!("bank_holiday {}", self.day_hours()));
            }
            if kinds & 16 == 16 {
                lines.push(format!("on {} {}", self.date(), self.day_hours()));
            }
            if kinds & 32 == 32 {
                lines.push(format!("closed {}{}", self.date_range(), self.because()));
            }
        } else {
            for _ in 0..self.count(6) {
                let line = match self.byte() % 6 {
                    0 => "all_hours".to_owned(),
                    1 => {
                        let day = self.pick(DAYS);
                        let spec = if self.byte().is_multiple_of(2) {
                            format!("{day}-{}", self.pick(DAYS))
                        } else {
                            day
                        };
                        format!("{spec} {}", self.day_hours())
                    }
                    2 => format!("bank_holiday {}", self.day_hours()),
                    3 => format!("on {} {}", self.pick(DATES), self.day_hours()),
                    4 => {
                        let dates = if self.byte().is_multiple_of(2) {
                            self.date_range()
                        } else {
                            self.pick(DATES)
                        };
                        format!("closed {dates}{}", self.because())
                    }
                    _ => {
                        let day = self.pick(DAYS);
                        format!("{day} {}", self.day_hours())
                    }
                };
                lines.push(line);
            }
        }
        let mut text = String::from("hours {");
        for line in lines {
            text.push_str(&format!("\n{indent}    {line}"));
        }
        text.push_str(&format!("\n{indent}  }}"));
        text
    }

    fn overlay(&mut self) {
        let (name, extends) = if self.clean {
            let name = format!("o{}", self.overlays.len() + 1);
            let overlays = self.overlays.clone();
            let parent = if self.bit(1) {
                self.pick_owned(&overlays)
            } else {
                None
            };
            (
                name,
                parent.map(|p| format!(" extends {p}")).unwrap_or_default(),
            )
        } else {
            let name = self.pick(OVERLAYS);
            let extends = if self.byte().is_multiple_of(2) {
                format!(" extends {}", self.pick(OVERLAYS))
            } else {
                String::new()
            };
            (name, extends)
        };
        self.push(&format!("overlay {name}{extends} {{"));
        if self.clean {
            let area = AREAS_OK[self.overlays.len() % AREAS_OK.len()];
            self.push(&format!("\n  area {area}"));
        }
        self.overlays.push(name);
        for _ in 0..self.count(8) {
            self.push("\n");
            match self.byte() % 13 {
                0 if !self.clean => {
                    let mut units = self.list(UNITS, 3);
                    if self.bit(1) {
                        units = format!("{}, {units}", self.pick(SETS));
                    }
                    self.push(&format!("  area {units}"));
                }
                11 if !self.clean || self.hierarchies > 0 => {
                    // Clean mode overrides a declared hierarchy, with a reason.
                    let name = if self.clean {
                        format!("h{}", 1 + usize::from(self.byte()) % self.hierarchies)
                    } else {
                        self.pick(NAMES)
                    };
                    let n = 1 + usize::from(self.count(5));
                    let mut codes: Vec<String> = Vec::new();
                    for _ in 0..n {
                        let code = self.code();
                        if !(self.clean && codes.contains(&code)) {
                            codes.push(code);
                        }
                    }
                    let because = self.because();
                    self.push(&format!(
                        "  override hierarchy {name} {{ {} }}{because}",
                        codes.join(" > ")
                    ));
                }
                12 => {
                    self.allow("  ");
                    self.rules.push(format!("\"r{}\"", self.rules.len() + 1));
                    let name = self.rules.last().cloned().unwrap_or_default();
                    self.push(&format!("  add rule {name}"));
                    self.rule_body("    ");
                }
                1 => {
                    let names = self.skills();
                    self.push(&format!("  lacks {names}"));
                }
                2 if !self.clean => {
                    let names = self.skills();
                    self.push(&format!("  has {names}"));
                }
                3 => {
                    let rules = self.rules.clone();
                    match self.pick_owned(&rules) {
                        Some(rule) if self.clean => {
                            self.push(&format!("  override rule {rule}"));
                            self.rule_body("    ");
                        }
                        _ => {
                            let name = self.string();
                            self.push(&format!("  override rule {name}"));
                            self.rule_body("    ");
                        }
                    }
                }
                5 => {
                    let rules = self.rules.clone();
                    let name = match self.pick_owned(&rules) {
                        Some(rule) if self.clean => rule,
                        _ => self.string(),
                    };
                    let because = self.because();
                    self.push(&format!("  remove rule {name}{because}"));
                }
                6 => {
                    let target = if self.byte().is_multiple_of(2) {
                        let services = self.services.clone();
                        let id = match self.pick_owned(&services) {
                            Some(id) if self.clean => id,
                            _ => self.pick(IDS),
                        };
                        format!("service \"{id}\"")
                    } else {
                        format!("service_type {}", self.type_name())
                    };
                    let (from, until) = if self.clean {
                        let (a, b) = self.ordered(DATES_OK.len());
                        (DATES_OK[a].to_owned(), DATES_OK[b].to_owned())
                    } else {
                        (self.pick(DATES), self.pick(DATES))
                    };
                    let until = if self.byte().is_multiple_of(2) {
                        format!(" until {until}")
                    } else {
                        String::new()
                    };
                    let because = self.because();
                    self.push(&format!("  suspend {target} from {from}{until}{because}"));
                }
                7 => {
                    let (from, to) = (self.code(), self.code());
                    let because = self.because();
                    self.push(&format!("  remap {from} -> {to}{because}"));
                }
                8 => {
                    let name = self.type_name();
                    let within = self.within();
                    self.push(&format!("  catch_all {name}{within}"));
                }
                9 => {
                    let refs = self.dx_refs(3);
                    let because = self.because();
                    self.push(&format!("  no_search {refs}{because}"));
                }
                10 => self.service("  "),
                _ => {
                    self.rules.push(format!("\"r{}\"", self.rules.len() + 1));
                    let name = self.rules.last().cloned().unwrap_or_default();
                    self.push(&format!("  add rule {name}"));
                    self.rule_body("    ");
                }
            }
        }
        self.push("\n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_ends_and_is_deterministic() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(text(&data), text(&data));
        assert!(text(&[]).is_empty());
        assert!(text(&[1]).starts_with(PRELUDE));
    }
}
