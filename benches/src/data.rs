//! Embedded reference data for generated trees: English postcode areas,
//! the service types, the disposition families of the baseline, the age
//! bands rules are split by, and the `no_search` entries.
//!
//! The families and service types are those of the shipped tree
//! (`rules/`), so that generated trees route like it does; the postcode
//! areas are real (main town, a plausible run of district numbers and an
//! approximate centre), the districts are numbered without the gaps real
//! ones have.
//!
//! Imports: nothing.

/// A postcode area: letters, main town, first and last district number,
/// and an approximate centre (latitude, longitude).
#[derive(Debug, Clone, Copy)]
pub struct Area {
    /// `SO`.
    pub code: &'static str,
    /// `Southampton`.
    pub town: &'static str,
    /// First district number.
    pub first: u32,
    /// Last district number.
    pub last: u32,
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub lon: f64,
}

macro_rules! areas {
    ($(($code:literal, $town:literal, $first:literal, $last:literal, $lat:literal, $lon:literal)),* $(,)?) => {
        &[$(Area { code: $code, town: $town, first: $first, last: $last, lat: $lat, lon: $lon }),*]
    };
}

/// English postcode areas (NHS 111 England).
pub const AREAS: &[Area] = areas![
    ("AL", "St Albans", 1, 10, 51.75, -0.34),
    ("B", "Birmingham", 1, 98, 52.48, -1.89),
    ("BA", "Bath", 1, 22, 51.38, -2.36),
    ("BB", "Blackburn", 1, 18, 53.75, -2.48),
    ("BD", "Bradford", 1, 24, 53.79, -1.75),
    ("BH", "Bournemouth", 1, 25, 50.72, -1.88),
    ("BL", "Bolton", 1, 9, 53.58, -2.43),
    ("BN", "Brighton", 1, 45, 50.82, -0.14),
    ("BR", "Bromley", 1, 8, 51.40, 0.02),
    ("BS", "Bristol", 1, 49, 51.45, -2.59),
    ("CA", "Carlisle", 1, 28, 54.89, -2.93),
    ("CB", "Cambridge", 1, 25, 52.20, 0.12),
    ("CH", "Chester", 1, 66, 53.19, -2.89),
    ("CM", "Chelmsford", 1, 24, 51.73, 0.47),
    ("CO", "Colchester", 1, 16, 51.89, 0.90),
    ("CR", "Croydon", 2, 9, 51.37, -0.10),
    ("CT", "Canterbury", 1, 21, 51.28, 1.08),
    ("CV", "Coventry", 1, 47, 52.41, -1.51),
    ("CW", "Crewe", 1, 12, 53.10, -2.44),
    ("DA", "Dartford", 1, 18, 51.45, 0.22),
    ("DE", "Derby", 1, 75, 52.92, -1.47),
    ("DH", "Durham", 1, 9, 54.78, -1.57),
    ("DL", "Darlington", 1, 17, 54.52, -1.55),
    ("DN", "Doncaster", 1, 41, 53.52, -1.13),
    ("DT", "Dorchester", 1, 11, 50.71, -2.44),
    ("DY", "Dudley", 1, 14, 52.51, -2.08),
    ("E", "East London", 1, 18, 51.54, -0.03),
    ("EN", "Enfield", 1, 11, 51.65, -0.08),
    ("EX", "Exeter", 1, 39, 50.72, -3.53),
    ("FY", "Blackpool", 1, 8, 53.82, -3.05),
    ("GL", "Gloucester", 1, 56, 51.86, -2.24),
    ("GU", "Guildford", 1, 52, 51.24, -0.57),
    ("HA", "Harrow", 1, 9, 51.58, -0.33),
    ("HD", "Huddersfield", 1, 9, 53.65, -1.78),
    ("HG", "Harrogate", 1, 5, 53.99, -1.54),
    ("HP", "Hemel Hempstead", 1, 27, 51.75, -0.47),
    ("HR", "Hereford", 1, 9, 52.06, -2.72),
    ("HU", "Hull", 1, 20, 53.74, -0.33),
    ("HX", "Halifax", 1, 7, 53.72, -1.86),
    ("IG", "Ilford", 1, 11, 51.56, 0.07),
    ("IP", "Ipswich", 1, 33, 52.06, 1.15),
    ("KT", "Kingston upon Thames", 1, 24, 51.41, -0.30),
    ("L", "Liverpool", 1, 40, 53.41, -2.98),
    ("LA", "Lancaster", 1, 23, 54.05, -2.80),
    ("LE", "Leicester", 1, 67, 52.64, -1.13),
    ("LN", "Lincoln", 1, 13, 53.23, -0.54),
    ("LS", "Leeds", 1, 29, 53.80, -1.55),
    ("LU", "Luton", 1, 7, 51.88, -0.42),
    ("M", "Manchester", 1, 90, 53.48, -2.24),
    ("ME", "Medway", 1, 20, 51.38, 0.52),
    ("MK", "Milton Keynes", 1, 46, 52.04, -0.76),
    ("N", "North London", 1, 22, 51.56, -0.10),
    ("NE", "Newcastle upon Tyne", 1, 71, 54.98, -1.61),
    ("NG", "Nottingham", 1, 34, 52.95, -1.15),
    ("NN", "Northampton", 1, 18, 52.24, -0.90),
    ("NR", "Norwich", 1, 35, 52.63, 1.30),
    ("NW", "North West London", 1, 11, 51.55, -0.18),
    ("OL", "Oldham", 1, 16, 53.54, -2.12),
    ("OX", "Oxford", 1, 49, 51.75, -1.26),
    ("PE", "Peterborough", 1, 38, 52.57, -0.24),
    ("PL", "Plymouth", 1, 35, 50.38, -4.14),
    ("PO", "Portsmouth", 1, 41, 50.82, -1.09),
    ("PR", "Preston", 1, 26, 53.76, -2.70),
    ("RG", "Reading", 1, 45, 51.45, -0.97),
    ("RH", "Redhill", 1, 20, 51.24, -0.17),
    ("RM", "Romford", 1, 20, 51.58, 0.18),
    ("S", "Sheffield", 1, 99, 53.38, -1.47),
    ("SE", "South East London", 1, 28, 51.47, -0.06),
    ("SG", "Stevenage", 1, 19, 51.90, -0.20),
    ("SK", "Stockport", 1, 23, 53.41, -2.15),
    ("SL", "Slough", 1, 9, 51.51, -0.59),
    ("SM", "Sutton", 1, 7, 51.36, -0.19),
    ("SN", "Swindon", 1, 26, 51.56, -1.78),
    ("SO", "Southampton", 14, 53, 50.90, -1.40),
    ("SP", "Salisbury", 1, 11, 51.07, -1.79),
    ("SR", "Sunderland", 1, 8, 54.91, -1.38),
    ("SS", "Southend-on-Sea", 1, 17, 51.54, 0.71),
    ("ST", "Stoke-on-Trent", 1, 21, 53.00, -2.18),
    ("SW", "South West London", 1, 20, 51.46, -0.17),
    ("SY", "Shrewsbury", 1, 25, 52.71, -2.75),
    ("TA", "Taunton", 1, 24, 51.02, -3.10),
    ("TF", "Telford", 1, 13, 52.68, -2.45),
    ("TN", "Tonbridge", 1, 40, 51.20, 0.27),
    ("TQ", "Torquay", 1, 14, 50.46, -3.53),
    ("TR", "Truro", 1, 27, 50.26, -5.05),
    ("TS", "Middlesbrough", 1, 29, 54.57, -1.23),
    ("TW", "Twickenham", 1, 20, 51.45, -0.34),
    ("UB", "Southall", 1, 11, 51.51, -0.38),
    ("W", "West London", 1, 14, 51.51, -0.20),
    ("WA", "Warrington", 1, 16, 53.39, -2.59),
    ("WD", "Watford", 3, 25, 51.66, -0.40),
    ("WF", "Wakefield", 1, 17, 53.68, -1.50),
    ("WN", "Wigan", 1, 8, 53.55, -2.63),
    ("WR", "Worcester", 1, 15, 52.19, -2.22),
    ("WS", "Walsall", 1, 15, 52.59, -1.98),
    ("WV", "Wolverhampton", 1, 16, 52.59, -2.13),
    ("YO", "York", 1, 62, 53.96, -1.08),
];

/// How the services of a type are spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// One postcode district and its neighbours.
    Local,
    /// One or more whole postcode areas (ambulance trusts, 111 providers).
    Wide,
}

/// What opening hours a type's services keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursKind {
    /// Open all hours.
    AllHours,
    /// Community pharmacies.
    Pharmacy,
    /// GP practices, in hours.
    Practice,
    /// Dentists.
    Dental,
    /// Opticians.
    Optician,
    /// Urgent treatment centres.
    Utc,
    /// GP out of hours.
    OutOfHours,
    /// Seven days, daytime and evening.
    Daytime,
    /// Weekdays, office hours.
    Office,
    /// Sexual health clinics.
    Clinic,
    /// Emergency duty teams: evenings, nights and weekends.
    DutyTeam,
}

/// A service type of the generated tree.
#[derive(Debug, Clone, Copy)]
pub struct TypeSpec {
    /// Identifier.
    pub name: &'static str,
    /// Label (the DoS type's name).
    pub label: &'static str,
    /// The DoS type id, for the comment.
    pub dos_id: u32,
    /// `responds_within`, as written.
    pub responds: &'static str,
    /// `responds_within`, in minutes.
    pub minutes: u32,
    /// `channels`, as written, when not all three.
    pub channels: Option<&'static str>,
    /// The skill it requires.
    pub requires: Option<&'static str>,
    /// `returns`, when not the default.
    pub returns: Option<u32>,
    /// Share of the national services, per thousand.
    pub weight: u32,
    /// How its services are spread.
    pub spread: Spread,
    /// Their hours.
    pub hours: HoursKind,
    /// Id prefix of its services.
    pub prefix: &'static str,
    /// Names of its services (a place is appended).
    pub names: &'static [&'static str],
    /// Declared only when overlays exist, and its services only in overlays.
    pub overlay_only: bool,
}

/// The skill the clinician queue needs.
pub const CLINICIAN_SKILL: &str = "pathways_clinician";

macro_rules! types {
    ($({$name:literal, $label:literal, $dos:literal, $resp:literal, $min:literal, $ch:expr, $req:expr, $ret:expr, $w:literal, $spread:ident, $hours:ident, $prefix:literal, $names:expr, $ov:literal}),* $(,)?) => {
        &[$(TypeSpec {
            name: $name, label: $label, dos_id: $dos, responds: $resp, minutes: $min,
            channels: $ch, requires: $req, returns: $ret, weight: $w,
            spread: Spread::$spread, hours: HoursKind::$hours, prefix: $prefix,
            names: $names, overlay_only: $ov,
        }),*]
    };
}

/// The service types, in declaration order.
pub const TYPES: &[TypeSpec] = types![
    {"ambulance_response", "Emergency National Response", 138, "0m", 0, None, None, Some(1), 2, Wide, AllHours, "AMB",
        &["Ambulance Service NHS Trust"], false},
    {"emergency_department", "Emergency Department (ED)", 105, "1h", 60, None, None, None, 12, Local, AllHours, "ED",
        &["General Hospital Emergency Department", "Royal Infirmary Emergency Department", "University Hospital Emergency Department"], false},
    {"urgent_treatment_centre", "Urgent Treatment Centre (UTC)", 135, "4h", 240, None, None, None, 20, Local, Utc, "UTC",
        &["Urgent Treatment Centre", "Walk-in Centre", "Minor Injuries Unit"], false},
    {"gp_ooh", "Integrated Urgent Care (IUC) Treatment", 25, "1h", 60, None, None, None, 10, Wide, OutOfHours, "GPOOH",
        &["GP Out of Hours", "Urgent Care Centre, GP out of hours"], false},
    {"gp_practice", "GP Practice", 100, "1h", 60, Some("111, ooh"), None, Some(1), 300, Local, Practice, "GP",
        &["Medical Centre", "Surgery", "Health Centre", "Family Practice", "Group Practice"], false},
    {"clinician_queue", "Integrated Urgent Care (IUC) Clinical Assessment Service (CAS)", 133, "0m", 0, None, Some(CLINICIAN_SKILL), Some(1), 2, Wide, AllHours, "CAS",
        &["NHS 111 clinical assessment"], false},
    {"gp_queue", "Integrated Urgent Care (IUC) Clinical Assessment Service (CAS), GP out of hours", 133, "0m", 0, None, None, Some(1), 3, Wide, AllHours, "GPQ",
        &["GP out-of-hours clinical queue"], false},
    {"dental", "Dental Emergency", 47, "1h", 60, None, None, None, 110, Local, Dental, "DEN",
        &["Dental Practice", "Dental Care", "Emergency Dental Service"], false},
    {"pharmacy_urgent_supply", "Pharmacy Urgent Medicines Supply (Pharm+)", 131, "2h", 120, Some("111, ooh"), None, None, 100, Local, Pharmacy, "PHU",
        &["Pharmacy", "Chemist", "Late Night Pharmacy"], false},
    {"pharmacy_cpcs", "Pharmacy Enhanced: CPCS (24 hour)", 132, "1d", 1440, None, None, None, 180, Local, Pharmacy, "PHC",
        &["High Street Pharmacy", "Market Pharmacy", "Central Pharmacy", "Park Pharmacy", "Village Pharmacy"], false},
    {"pharmacy_cpcs_plus", "Pharmacy Enhanced: CPCS+ (12 hour)", 132, "12h", 720, None, None, None, 90, Local, Pharmacy, "PHP",
        &["Station Pharmacy", "Health Centre Pharmacy", "Square Pharmacy"], false},
    {"pharmacy_cpcs_plus_plus", "Pharmacy Enhanced: CPCS++ (6 hour)", 132, "6h", 360, None, None, None, 50, Local, Pharmacy, "PHX",
        &["Hospital Pharmacy", "Extended Hours Pharmacy"], false},
    {"maternity", "Midwifery", 19, "0m", 0, None, None, None, 6, Local, AllHours, "MAT",
        &["Maternity Assessment Unit", "Birth Centre"], false},
    {"sexual_health", "Sexual Health", 29, "5d", 7200, None, None, None, 10, Local, Clinic, "SXH",
        &["Sexual Health Clinic", "Contraception and Sexual Health Service"], false},
    {"sexual_assault_referral", "Sexual Assault Referral Centre (SARC)", 143, "1h", 60, None, None, None, 3, Local, AllHours, "SARC",
        &["Sexual Assault Referral Centre"], false},
    {"optician", "Optical", 14, "3d", 4320, None, None, None, 70, Local, Optician, "OPT",
        &["Opticians", "Eye Care Centre"], false},
    {"community_nursing", "Community/District Nursing", 38, "4h", 240, None, None, None, 20, Local, Daytime, "CN",
        &["District Nursing Team", "Community Nursing Hub"], false},
    {"health_visiting", "Health Visitor", 18, "5d", 7200, None, None, None, 10, Local, Office, "HV",
        &["Health Visiting Team"], false},
    {"health_information", "Health Information", 113, "12h", 720, None, None, None, 2, Wide, Daytime, "HI",
        &["Health Information Service"], false},
    {"social_services", "Social Care", 8, "0m", 0, None, None, None, 5, Wide, DutyTeam, "SOC",
        &["Emergency Duty Team"], false},
    {"covid_assessment_pod", "Infection Hub (COVID-19 Priority Assessment POD)", 157, "1h", 60, Some("111, ooh"), None, None, 0, Local, Daytime, "POD",
        &["Priority Assessment POD"], true},
];

/// The index of a type by name.
pub fn type_index(name: &str) -> Option<usize> {
    TYPES.iter().position(|t| t.name == name)
}

/// A family of dispositions routed alike: one baseline rule, or many when
/// its cases are split by channel, age and sex.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The rule name (split rules add their cases to it).
    pub name: &'static str,
    /// The group of its codes (used when it has more than one).
    pub group: &'static str,
    /// Its codes.
    pub codes: &'static [&'static str],
    /// The ranked service types.
    pub route: &'static [&'static str],
    /// The ranked service types for children (under 16), when different.
    pub child_route: Option<&'static [&'static str]>,
}

macro_rules! families {
    ($(($name:literal, $group:literal, [$($code:literal),*], [$($route:literal),*] $(, [$($child:literal),*])?)),* $(,)?) => {
        &[$(Family {
            name: $name,
            group: $group,
            codes: &[$($code),*],
            route: &[$($route),*],
            child_route: families!(@child $([$($child),*])?),
        }),*]
    };
    (@child) => { None };
    (@child [$($child:literal),*]) => { Some(&[$($child),*]) };
}

/// The families of the baseline: every code Pathways uses, and every
/// clinician-only code, is in exactly one (or answered by `no_search`).
pub const FAMILIES: &[Family] = families![
    (
        "Ambulance",
        "ambulance",
        [
            "Dx010", "Dx011", "Dx012", "Dx013", "Dx014", "Dx016", "Dx0161", "Dx0162", "Dx024",
            "Dx025", "Dx026", "Dx028"
        ],
        ["ambulance_response"]
    ),
    (
        "Emergency treatment within 1 hour",
        "emergency_1h",
        ["Dx02", "Dx021"],
        ["emergency_department"]
    ),
    (
        "Emergency treatment within 4 to 12 hours",
        "emergency_later",
        ["Dx03", "Dx89"],
        ["urgent_treatment_centre", "emergency_department"]
    ),
    (
        "Mental health crisis",
        "mental_health_crisis",
        ["Dx92"],
        ["emergency_department"]
    ),
    (
        "Sexual assault",
        "sexual_assault",
        ["Dx94"],
        ["sexual_assault_referral", "emergency_department"]
    ),
    (
        "Primary care contact",
        "primary_care_contact",
        ["Dx05", "Dx06", "Dx07"],
        ["gp_ooh", "emergency_department"]
    ),
    (
        "Primary care contact within 24 hours",
        "primary_care_24h",
        ["Dx08"],
        ["pharmacy_cpcs", "gp_ooh", "emergency_department"]
    ),
    (
        "Primary care speak to",
        "primary_care_speak",
        ["Dx11", "Dx12", "Dx13", "Dx14", "Dx15"],
        ["gp_ooh"]
    ),
    (
        "Own GP practice",
        "own_gp",
        ["Dx09", "Dx10", "Dx16", "Dx75", "Dx81", "Dx115"],
        ["gp_practice", "gp_ooh"]
    ),
    (
        "GP practice within 1 hour",
        "gp_practice_1h",
        ["Dx93"],
        ["gp_practice", "gp_ooh"]
    ),
    (
        "Test results",
        "test_results",
        ["Dx78"],
        ["gp_practice", "gp_ooh"]
    ),
    (
        "Dental",
        "dental",
        ["Dx17", "Dx19", "Dx20", "Dx21", "Dx22", "Dx88", "Dx118"],
        ["dental"]
    ),
    (
        "Pharmacy",
        "pharmacist",
        ["Dx28"],
        ["pharmacy_cpcs_plus", "pharmacy_cpcs_plus_plus", "gp_ooh"],
        ["gp_ooh"]
    ),
    (
        "Repeat prescription",
        "repeat_prescription",
        ["Dx80", "Dx85", "Dx86", "Dx87"],
        ["pharmacy_urgent_supply", "gp_ooh"]
    ),
    (
        "Medication enquiry",
        "medication_enquiry",
        ["Dx82"],
        ["pharmacy_urgent_supply", "gp_ooh"]
    ),
    (
        "Clinician immediate",
        "clinician_immediate",
        ["Dx32", "Dx321", "Dx322", "Dx323", "Dx324", "Dx325", "Dx326", "Dx327", "Dx328"],
        ["clinician_queue"]
    ),
    (
        "Clinician call back",
        "clinician_callback",
        ["Dx34", "Dx35", "Dx38", "Dx76", "Dx77", "Dx106"],
        ["clinician_queue", "gp_queue"]
    ),
    (
        "No service clinician available",
        "no_clinician_available",
        ["Dx58", "Dx59"],
        ["gp_queue"]
    ),
    (
        "Midwife",
        "midwife",
        ["Dx30", "Dx50", "Dx114"],
        ["maternity"]
    ),
    (
        "Sexual health",
        "sexual_health_clinic",
        ["Dx31"],
        ["sexual_health"]
    ),
    ("Optician", "optician_routine", ["Dx60"], ["optician"]),
    (
        "Community nursing",
        "community_nurse",
        ["Dx47", "Dx110", "Dx111", "Dx112"],
        ["community_nursing"]
    ),
    (
        "Health visitor",
        "health_visitor",
        ["Dx113"],
        ["health_visiting"]
    ),
    (
        "Palliative and end of life care",
        "palliative",
        ["Dx116", "Dx117"],
        ["gp_ooh"]
    ),
    (
        "Health information",
        "health_information_referral",
        ["Dx46", "Dx96"],
        ["health_information"]
    ),
    (
        "Social care and safeguarding",
        "social_care",
        ["Dx42", "Dx43", "Dx73", "Dx74"],
        ["social_services"]
    ),
    (
        "Another out-of-hours provider",
        "another_ooh_provider",
        ["Dx48"],
        ["gp_ooh"]
    ),
    (
        "Service location",
        "service_location",
        ["Dx45"],
        ["urgent_treatment_centre", "emergency_department"]
    ),
    (
        "Ambulance, clinician decision",
        "clinician_only_ambulance",
        ["Dx017", "Dx018", "Dx0181"],
        ["ambulance_response"]
    ),
    (
        "Dental, clinician referral",
        "clinician_only_dental",
        ["Dx18", "Dx23"],
        ["dental"]
    ),
    (
        "Midwife within 2 hours",
        "midwife_2h",
        ["Dx51"],
        ["maternity"]
    ),
    (
        "Clinician home management of dying individual",
        "dying_at_home",
        ["Dx83"],
        ["community_nursing"]
    ),
    (
        "Emergency contraception",
        "emergency_contraception",
        ["Dx97", "Dx98"],
        ["pharmacy_urgent_supply", "gp_ooh"]
    ),
];

/// `no_search` entries of the baseline: codes and the reason.
pub const NO_SEARCH: &[(&[&str], &str)] = &[
    (
        &["Dx91"],
        "Unexpected death: mapped by local clinical governance",
    ),
    (&["Dx108", "Dx95"], "Call closed"),
    (&["Dx49", "Dx52"], "Referred to the police"),
    (
        &["Dx39", "Dx25"],
        "Self-care and home management advice given on the call",
    ),
    (
        &["Dx84"],
        "Referred to another agency outside the Directory of Services",
    ),
];

/// Types an overlay may add to the end of a route, fastest last.
pub const EXTRA_TYPES: &[&str] = &["urgent_treatment_centre", "emergency_department", "gp_ooh"];

/// An age at which rules split their cases: the text as written and the
/// age in days as dxmap computes it (365.25 days a year, 30.4375 a month,
/// rounded down).
#[derive(Debug, Clone, Copy)]
pub struct Cut {
    /// As written in a rule: `28d`, `6mo`, `16`.
    pub text: &'static str,
    /// For rule names: `28 days`, `6 months`, `16 years`.
    pub words: &'static str,
}

/// The ages rules split at, youngest first.
pub const CUTS: &[Cut] = &[
    Cut {
        text: "28d",
        words: "28 days",
    },
    Cut {
        text: "3mo",
        words: "3 months",
    },
    Cut {
        text: "6mo",
        words: "6 months",
    },
    Cut {
        text: "1",
        words: "1 year",
    },
    Cut {
        text: "2",
        words: "2 years",
    },
    Cut {
        text: "3",
        words: "3 years",
    },
    Cut {
        text: "4",
        words: "4 years",
    },
    Cut {
        text: "5",
        words: "5 years",
    },
    Cut {
        text: "6",
        words: "6 years",
    },
    Cut {
        text: "8",
        words: "8 years",
    },
    Cut {
        text: "10",
        words: "10 years",
    },
    Cut {
        text: "12",
        words: "12 years",
    },
    Cut {
        text: "14",
        words: "14 years",
    },
    Cut {
        text: "16",
        words: "16 years",
    },
    Cut {
        text: "18",
        words: "18 years",
    },
    Cut {
        text: "21",
        words: "21 years",
    },
    Cut {
        text: "25",
        words: "25 years",
    },
    Cut {
        text: "30",
        words: "30 years",
    },
    Cut {
        text: "40",
        words: "40 years",
    },
    Cut {
        text: "50",
        words: "50 years",
    },
    Cut {
        text: "60",
        words: "60 years",
    },
    Cut {
        text: "65",
        words: "65 years",
    },
    Cut {
        text: "70",
        words: "70 years",
    },
    Cut {
        text: "75",
        words: "75 years",
    },
    Cut {
        text: "80",
        words: "80 years",
    },
    Cut {
        text: "85",
        words: "85 years",
    },
    Cut {
        text: "90",
        words: "90 years",
    },
    Cut {
        text: "95",
        words: "95 years",
    },
];

/// The position of the 16-year cut in [`CUTS`] plus one (a band boundary).
pub const SIXTEEN: usize = 14;

/// Number of age bands when every cut is used.
pub const MAX_BANDS: usize = CUTS.len() + 1;

/// Remaps overlays may make: from, to, why.
pub const REMAPS: &[(&str, &str, &str)] = &[
    ("Dx06", "Dx05", "Validation: earlier primary care contact"),
    (
        "Dx13",
        "Dx12",
        "Validation: earlier call back from primary care",
    ),
    (
        "Dx07",
        "Dx06",
        "Local GP out-of-hours capacity: seen sooner",
    ),
    (
        "Dx87",
        "Dx86",
        "Pharmacy rota: urgent supply the same evening",
    ),
    (
        "Dx21",
        "Dx20",
        "Dental hub takes 24-hour cases within 12 hours",
    ),
];

/// Reasons for suspending a service.
pub const SUSPEND_REASONS: &[&str] = &[
    "COVID-19: closed to walk-in patients",
    "Staff shortage",
    "Flooding",
    "Building works",
    "Clinical system outage",
    "Relocation to new premises",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_is_the_sixteen_year_cut() {
        assert_eq!(CUTS[SIXTEEN - 1].text, "16");
    }

    #[test]
    fn routes_name_declared_types() {
        for family in FAMILIES {
            for name in family
                .route
                .iter()
                .chain(family.child_route.into_iter().flatten())
            {
                assert!(type_index(name).is_some(), "{name}");
            }
        }
        for name in EXTRA_TYPES {
            assert!(type_index(name).is_some(), "{name}");
        }
    }
}
