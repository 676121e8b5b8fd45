//! UK postcodes: normalising what a call handler typed, and the units a
//! postcode belongs to (area `SO`, district `SO16`, sector `SO16 7`).
//!
//! Imports: nothing.

/// A full postcode, normalised, with its units (slices of one string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode {
    /// The postcode as `SO16 7AB`.
    pub text: String,
    // INVARIANT: `text` is ASCII, `letters` < `outward` and `outward + 2`
    // ≤ `text.len()`: the area is `text[..letters]`, the district
    // `text[..outward]`, the sector `text[..outward + 2]`.
    letters: usize,
    outward: usize,
}

impl Postcode {
    /// Parses a postcode, ignoring case and spaces (`so167ab` is `SO16 7AB`).
    /// `None` if it is not a full UK postcode.
    pub fn parse(text: &str) -> Option<Postcode> {
        let compact = Compact::parse(text)?;
        Some(Postcode {
            text: compact.as_str().to_owned(),
            letters: usize::from(compact.letters),
            outward: usize::from(compact.outward),
        })
    }

    /// `SO`.
    pub fn area(&self) -> &str {
        self.text.get(..self.letters).unwrap_or("")
    }

    /// `SO16`.
    pub fn district(&self) -> &str {
        self.text.get(..self.outward).unwrap_or("")
    }

    /// `SO16 7`.
    pub fn sector(&self) -> &str {
        self.text.get(..self.outward + 2).unwrap_or("")
    }

    /// The units, most specific first: sector, district, area.
    pub fn units(&self) -> [&str; 3] {
        [self.sector(), self.district(), self.area()]
    }
}

/// A full postcode, normalised, on the stack: what the router reads a
/// case's postcode into, so that routing allocates nothing for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compact {
    // INVARIANT: `bytes[..len]` is ASCII, the postcode as `SO16 7AB`;
    // `letters` < `outward` and `outward + 2` < `len`.
    bytes: [u8; 8],
    len: u8,
    letters: u8,
    outward: u8,
}

impl Compact {
    /// As [`Postcode::parse`].
    pub(crate) fn parse(text: &str) -> Option<Compact> {
        // Upper-cased, without spaces: a full postcode is 5 to 7
        // characters, all ASCII.
        let mut buffer = [0u8; 7];
        let mut len = 0;
        if text.is_ascii() {
            // Byte by byte; ASCII whitespace as `char::is_whitespace` has
            // it: space, and tab to carriage return.
            for byte in text.bytes().filter(|b| !matches!(b, b' ' | b'\t'..=b'\r')) {
                *buffer.get_mut(len)? = byte.to_ascii_uppercase();
                len += 1;
            }
        } else {
            // Unicode spaces are skipped too; any other character that is
            // not ASCII makes it no postcode.
            for c in text.chars().filter(|c| !c.is_whitespace()) {
                if !c.is_ascii() {
                    return None;
                }
                *buffer.get_mut(len)? = (c as u8).to_ascii_uppercase();
                len += 1;
            }
        }
        let compact = buffer.get(..len)?;
        if len < 5 {
            return None;
        }
        let (outward, inward) = compact.split_at(len - 3);
        let inward_ok = matches!(
            inward,
            [d, a, b] if d.is_ascii_digit() && a.is_ascii_uppercase() && b.is_ascii_uppercase()
        );
        let letters = outward
            .iter()
            .take_while(|b| b.is_ascii_uppercase())
            .count();
        let rest = outward.get(letters..).unwrap_or_default();
        let outward_ok = (1..=2).contains(&letters)
            && match rest {
                [d] => d.is_ascii_digit(),
                [d, x] => d.is_ascii_digit() && (x.is_ascii_digit() || x.is_ascii_uppercase()),
                _ => false,
            };
        if !inward_ok || !outward_ok {
            return None;
        }
        let mut bytes = [0u8; 8];
        let (head, tail) = bytes.split_at_mut(outward.len());
        head.copy_from_slice(outward);
        let (space, tail) = tail.split_first_mut()?;
        *space = b' ';
        tail.get_mut(..3)?.copy_from_slice(inward);
        Some(Compact {
            bytes,
            len: u8::try_from(len + 1).ok()?,
            letters: u8::try_from(letters).ok()?,
            outward: u8::try_from(outward.len()).ok()?,
        })
    }

    /// The postcode as `SO16 7AB`.
    pub(crate) fn as_str(&self) -> &str {
        self.bytes
            .get(..usize::from(self.len))
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }

    /// `SO16`.
    pub(crate) fn district(&self) -> &str {
        self.as_str().get(..usize::from(self.outward)).unwrap_or("")
    }

    /// The units, most specific first: sector, district, area.
    pub(crate) fn units_text(&self) -> [&str; 3] {
        let text = self.as_str();
        [self.outward + 2, self.outward, self.letters]
            .map(|end| text.get(..usize::from(end)).unwrap_or(""))
    }

    /// The bytes of the units, most specific first: sector, district, area.
    pub(crate) fn units(&self) -> [&[u8]; 3] {
        let unit = |end: u8| self.bytes.get(..usize::from(end)).unwrap_or_default();
        [
            unit(self.outward + 2),
            unit(self.outward),
            unit(self.letters),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::Postcode;

    #[test]
    fn normalises_case_and_spaces() {
        let postcode = Postcode::parse("so167ab").unwrap();
        assert_eq!(postcode.text, "SO16 7AB");
        assert_eq!(postcode.units(), ["SO16 7", "SO16", "SO"]);
        assert_eq!(Postcode::parse(" so16  7ab ").unwrap().text, "SO16 7AB");
        assert_eq!(
            Postcode::parse("\tso16\x0b7ab\r\n").unwrap().text,
            "SO16 7AB"
        );
        // Unicode spaces are spaces too.
        assert_eq!(
            Postcode::parse("SO16\u{a0}7AB\u{3000}").unwrap().text,
            "SO16 7AB"
        );
    }

    #[test]
    fn all_outward_shapes() {
        assert_eq!(
            Postcode::parse("S1 2AB").unwrap().units(),
            ["S1 2", "S1", "S"]
        );
        assert_eq!(
            Postcode::parse("SW1A 1AA").unwrap().units(),
            ["SW1A 1", "SW1A", "SW"]
        );
        assert_eq!(
            Postcode::parse("W1A 0AX").unwrap().units(),
            ["W1A 0", "W1A", "W"]
        );
        assert_eq!(Postcode::parse("PO30 5TG").unwrap().district(), "PO30");
    }

    #[test]
    fn rejects_what_is_not_a_postcode() {
        for text in [
            "",
            "SO16",
            "SO16 7",
            "SO16 7A",
            "1O16 7AB",
            "SOX16 7AB",
            "SO16 AAB",
            "SO16 7AB1",
            "ΣO16 7AB",
        ] {
            assert_eq!(Postcode::parse(text), None, "{text}");
        }
    }
}
