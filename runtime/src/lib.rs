//! `dxmap-runtime`: the compiled decision table and the routing runtime.
//!
//! An integrator embeds this crate alone: it never imports the compiler, the
//! parser or the diagnostics. The table format and `route` arrive with the
//! runtime issue; until then this crate holds the vocabulary the compiler and
//! the runtime share.

use serde::{Deserialize, Serialize};

/// A channel a case arrives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// NHS 111.
    #[serde(rename = "111")]
    Nhs111,
    /// 999 (ambulance).
    #[serde(rename = "999")]
    Nhs999,
    /// Out of hours.
    #[serde(rename = "ooh")]
    Ooh,
}

impl Channel {
    /// All channels, in their canonical order.
    pub const ALL: [Channel; 3] = [Channel::Nhs111, Channel::Nhs999, Channel::Ooh];

    /// The channel as written in rules and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Nhs111 => "111",
            Channel::Nhs999 => "999",
            Channel::Ooh => "ooh",
        }
    }

    /// Parses `111`, `999` or `ooh`.
    pub fn parse(text: &str) -> Option<Channel> {
        match text {
            "111" => Some(Channel::Nhs111),
            "999" => Some(Channel::Nhs999),
            "ooh" => Some(Channel::Ooh),
            _ => None,
        }
    }
}

/// A patient's sex as DoS records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// The sex as written in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}
