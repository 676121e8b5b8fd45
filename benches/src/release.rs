//! What the generator needs to know of the release: each code's channels,
//! timeframe, status and `same_as` target, read from the catalogue bundled
//! in dxmap (`pathways-2015`), so that generated routes respect timeframes
//! and generated rules cover every code the checker requires.
//!
//! Imports: `dxmap::catalogue`, `dxmap::source`, `dxmap_runtime::Channel`.

use std::collections::BTreeMap;

use dxmap::catalogue::{self, Status};

/// The release generated trees are written against.
pub const RELEASE: &str = "pathways-2015";

/// Channel bits: `111`.
pub const CH_111: u8 = 1;
/// Channel bits: `999`.
pub const CH_999: u8 = 2;
/// Channel bits: `ooh`.
pub const CH_OOH: u8 = 4;
/// All three channels.
pub const CH_ALL: u8 = CH_111 | CH_999 | CH_OOH;
/// The channel bits in the order the language writes them.
pub const CHANNELS: [(u8, &str, &str); 3] = [
    (CH_111, "111", "111"),
    (CH_999, "999", "999"),
    (CH_OOH, "ooh", "out of hours"),
];

/// Whether the checker requires a code to be covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `in_use`: always.
    InUse,
    /// `clinician_only`: where the layer has the Pathways clinician skill.
    ClinicianOnly,
    /// Anything else: never (and routing it is a warning).
    Unused,
}

/// One code of the release.
#[derive(Debug, Clone)]
pub struct Code {
    /// Channel bits.
    pub channels: u8,
    /// Timeframe in minutes, if the catalogue gives one.
    pub timeframe: Option<u32>,
    /// Whether it must be covered.
    pub need: Need,
    /// The code it routes as, if any.
    pub same_as: Option<String>,
}

/// The codes of the release, by code.
#[derive(Debug, Clone)]
pub struct Release {
    /// Every code.
    pub codes: BTreeMap<String, Code>,
}

impl Release {
    /// The bundled release; empty if dxmap no longer bundles it (then
    /// generated trees do not check, and the tests say so).
    pub fn bundled() -> Release {
        let mut codes = BTreeMap::new();
        let parsed = catalogue::bundled(RELEASE)
            .and_then(|text| catalogue::parse(dxmap::source::FileId(0), text).0);
        if let Some(catalogue) = parsed {
            for (_, d) in catalogue.iter() {
                let channels = d.channels.iter().fold(0u8, |bits, channel| {
                    bits | match channel {
                        dxmap_runtime::Channel::Nhs111 => CH_111,
                        dxmap_runtime::Channel::Nhs999 => CH_999,
                        dxmap_runtime::Channel::Ooh => CH_OOH,
                    }
                });
                let need = match d.status {
                    Status::InUse => Need::InUse,
                    Status::ClinicianOnly => Need::ClinicianOnly,
                    _ => Need::Unused,
                };
                codes.insert(
                    d.code.clone(),
                    Code {
                        channels,
                        timeframe: d.timeframe_minutes,
                        need,
                        same_as: d.same_as.map(|t| catalogue.code(t).to_owned()),
                    },
                );
            }
        }
        Release { codes }
    }

    /// The channel bits of a code (all three if unknown).
    pub fn channels(&self, code: &str) -> u8 {
        self.codes.get(code).map_or(CH_ALL, |c| c.channels)
    }

    /// Whether a code must be covered where the skill is present.
    pub fn need(&self, code: &str) -> Need {
        self.codes.get(code).map_or(Need::Unused, |c| c.need)
    }

    /// The shortest timeframe among `codes` and the codes that route as
    /// them (`same_as`), as the checker judges routes; `None` when none
    /// has one.
    pub fn min_timeframe(&self, codes: &[&str]) -> Option<u32> {
        let own = codes
            .iter()
            .filter_map(|code| self.codes.get(*code).and_then(|c| c.timeframe));
        let borrowers = self.codes.values().filter_map(|c| {
            let target = c.same_as.as_deref()?;
            if !codes.contains(&target) {
                return None;
            }
            c.timeframe
                .or_else(|| self.codes.get(target).and_then(|t| t.timeframe))
        });
        own.chain(borrowers).min()
    }
}
