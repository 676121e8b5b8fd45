//! The bundled geography: every postcode area, district and sector of
//! Great Britain with its centroid, from `fixtures/geo/units.tsv` (derived
//! from the ONS National Statistics Postcode Lookup, May 2025; provenance,
//! licence and attribution in `fixtures/geo/README.md`), compiled into the
//! binary and parsed once.
//!
//! The checker asks it whether a unit exists ([`Geography::contains`]),
//! what a range of districts spans ([`Geography::districts_of`], in (number,
//! suffix) order), and what an unknown unit was meant to be
//! ([`Geography::did_you_mean`], which knows the O/0 and I/1 slips); the
//! compiler writes its centroids into every table
//! ([`Geography::to_table`]), so the runtime needs no other file.
//!
//! Imports: `dxmap_runtime::geo`.

use std::sync::OnceLock;

use dxmap_runtime::geo::{self as runtime_geo, unit_key, Centroid};

/// The data file, as committed.
const UNITS: &str = include_str!("../fixtures/geo/units.tsv");

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `SO`.
    Area,
    /// `SO16`.
    District,
    /// `SO16 7`.
    Sector,
}

/// One unit of the geography.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// `SO`, `SO16` or `SO16 7`.
    pub name: String,
    /// Area, district or sector.
    pub level: Level,
    /// The mean of its postcodes' coordinates, if any has some.
    pub centroid: Option<Centroid>,
    /// How many postcodes it has, with or without coordinates.
    pub postcodes: u32,
}

/// The units of Great Britain, ordered by area, then district by (number,
/// suffix), then sector.
#[derive(Debug, Clone)]
pub struct Geography {
    // INVARIANT: sorted by `keys`, strictly ascending, one key per unit.
    units: Vec<Unit>,
    keys: Vec<u32>,
    /// Lines of the data file that could not be read (none in the bundled
    /// file: a test checks it).
    pub unreadable: Vec<String>,
}

fn level(name: &str) -> Level {
    if name.contains(' ') {
        Level::Sector
    } else if name.bytes().any(|b| b.is_ascii_digit()) {
        Level::District
    } else {
        Level::Area
    }
}

/// Reads one data line: `unit<TAB>lat<TAB>lon<TAB>postcodes`.
fn unit(line: &str) -> Option<(u32, Unit)> {
    let mut fields = line.split('\t');
    let name = fields.next()?;
    let key = unit_key(name)?;
    let (lat, lon) = (fields.next()?, fields.next()?);
    let postcodes = fields.next()?.parse().ok()?;
    if fields.next().is_some() {
        return None;
    }
    let centroid = match (lat, lon) {
        ("", "") => None,
        (lat, lon) => Some(Centroid::from_degrees(
            lat.parse().ok()?,
            lon.parse().ok()?,
        )?),
    };
    Some((
        key,
        Unit {
            name: name.to_owned(),
            level: level(name),
            centroid,
            postcodes,
        },
    ))
}

impl Geography {
    /// Parses the data file's text (`#` lines are comments). A line that
    /// cannot be read is listed in [`Geography::unreadable`]; of a unit
    /// listed twice the first is kept.
    pub fn parse(text: &str) -> Geography {
        let mut keyed = Vec::new();
        let mut unreadable = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match unit(line) {
                Some(entry) => keyed.push(entry),
                None => unreadable.push(line.to_owned()),
            }
        }
        keyed.sort_by_key(|(key, _)| *key);
        keyed.dedup_by_key(|(key, _)| *key);
        let (keys, units) = keyed.into_iter().unzip();
        Geography {
            units,
            keys,
            unreadable,
        }
    }

    /// The geography bundled into the binary, parsed on first use.
    pub fn bundled() -> &'static Geography {
        static BUNDLED: OnceLock<Geography> = OnceLock::new();
        BUNDLED.get_or_init(|| Geography::parse(UNITS))
    }

    /// Every unit, in order.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    fn get(&self, name: &str) -> Option<&Unit> {
        let idx = self.keys.binary_search(&unit_key(name)?).ok()?;
        self.units.get(idx)
    }

    /// Whether the unit exists (`SO`, `SO16`, `SO16 7`; upper case, one
    /// space before a sector's digit).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The unit's centroid, latitude and longitude in degrees; `None` if it
    /// is unknown or none of its postcodes has coordinates (`BN91`).
    pub fn centroid(&self, name: &str) -> Option<[f64; 2]> {
        self.get(name)?.centroid.map(Centroid::degrees)
    }

    /// The units listed under `parent` (an area's districts and sectors, a
    /// district's sectors) of one level, in order.
    fn under(&self, parent: &str, level: Level) -> impl Iterator<Item = &Unit> {
        let start = unit_key(parent).and_then(|key| self.keys.binary_search(&key).ok());
        let parent_level = self::level(parent);
        start
            .into_iter()
            .flat_map(move |start| {
                self.units
                    .get(start + 1..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(move |unit| unit.level > parent_level)
            })
            .filter(move |unit| unit.level == level)
    }

    /// The districts of an area, in (number, suffix) order: `SO14`,
    /// `SO15`, …, `SO53`; `W1A`, `W1B`, …, `W2`. Empty for an unknown area.
    pub fn districts_of(&self, area: &str) -> Vec<&str> {
        if level(area) != Level::Area {
            return Vec::new();
        }
        self.under(area, Level::District)
            .map(|unit| unit.name.as_str())
            .collect()
    }

    /// The sectors of a district, in order. Empty for an unknown district.
    pub fn sectors_of(&self, district: &str) -> Vec<&str> {
        if level(district) != Level::District {
            return Vec::new();
        }
        self.under(district, Level::Sector)
            .map(|unit| unit.name.as_str())
            .collect()
    }

    /// What an unknown unit was probably meant to be: first the O/0 and
    /// I/1 slips (`PL1O` → `PL10`, `S016` → `SO16`), then a unit of the
    /// same level one edit away (the first in order). `None` if the unit
    /// exists or nothing is near.
    pub fn did_you_mean(&self, name: &str) -> Option<String> {
        if self.contains(name) {
            return None;
        }
        let upper = name.trim().to_ascii_uppercase();
        if upper != name && self.contains(&upper) {
            return Some(upper);
        }
        // Every way of swapping O/0 and I/1, fewest swaps first.
        let slips: Vec<usize> = upper
            .char_indices()
            .filter(|(_, c)| matches!(c, 'O' | '0' | 'I' | '1'))
            .map(|(idx, _)| idx)
            .take(8)
            .collect();
        let mut candidates: Vec<(u32, String)> = Vec::new();
        for mask in 1u32..(1 << slips.len()) {
            let mut bytes = upper.clone().into_bytes();
            for (bit, idx) in slips.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    if let Some(byte) = bytes.get_mut(*idx) {
                        *byte = match *byte {
                            b'O' => b'0',
                            b'0' => b'O',
                            b'I' => b'1',
                            _ => b'I',
                        };
                    }
                }
            }
            if let Ok(text) = String::from_utf8(bytes) {
                if self.contains(&text) {
                    candidates.push((mask.count_ones(), text));
                }
            }
        }
        candidates.sort();
        if let Some((_, found)) = candidates.into_iter().next() {
            return Some(found);
        }
        // One edit away, a unit of the same area first (`TR99` is more
        // likely `TR9` than `NR99`).
        let wanted = level(&upper);
        let area =
            |name: &str| -> String { name.chars().take_while(char::is_ascii_alphabetic).collect() };
        let own_area = area(&upper);
        let near: Vec<&Unit> = self
            .units
            .iter()
            .filter(|unit| unit.level == wanted)
            .filter(|unit| strsim::levenshtein(&unit.name, &upper) == 1)
            .collect();
        near.iter()
            .find(|unit| area(&unit.name) == own_area)
            .or_else(|| near.first())
            .map(|unit| unit.name.clone())
    }

    /// The geography as a compiled table carries it: every unit and its
    /// centroid.
    pub fn to_table(&self) -> runtime_geo::Geography {
        runtime_geo::Geography::new(
            self.units
                .iter()
                .map(|unit| (unit.name.as_str(), unit.centroid)),
        )
        .unwrap_or_default()
    }

    /// [`Geography::to_table`] of the bundled geography, made once.
    pub fn bundled_table() -> &'static runtime_geo::Geography {
        static TABLE: OnceLock<runtime_geo::Geography> = OnceLock::new();
        TABLE.get_or_init(|| Geography::bundled().to_table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_geography_reads_every_line() {
        let geography = Geography::bundled();
        assert_eq!(geography.unreadable, Vec::<String>::new());
        let count = |level| {
            geography
                .units()
                .iter()
                .filter(|u| u.level == level)
                .count()
        };
        assert_eq!(
            (
                count(Level::Area),
                count(Level::District),
                count(Level::Sector)
            ),
            (120, 3012, 12102)
        );
        assert_eq!(Geography::bundled_table().len(), geography.units().len());
        // Every line's unit is in order and read back as written.
        let lines = UNITS.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(lines, geography.units().len());
    }

    #[test]
    fn units_and_centroids() {
        let geography = Geography::bundled();
        assert!(geography.contains("SO") && geography.contains("SO16"));
        assert!(geography.contains("SO16 7") && geography.contains("BN91"));
        assert!(!geography.contains("TR99") && !geography.contains("PL1O"));
        assert!(!geography.contains("so16") && !geography.contains("BT1"));
        assert_eq!(geography.centroid("BN91"), None);
        assert_eq!(geography.centroid("BH1 1"), Some([50.72394, -1.87170]));
        let [lat, lon] = geography.centroid("ZE").unwrap();
        assert!(lat > 59.0 && lon < -0.5);
    }

    #[test]
    fn districts_in_number_then_suffix_order() {
        let geography = Geography::bundled();
        let so = geography.districts_of("SO");
        // Ended districts too (`SO1`, 1990s), as DoS keeps them.
        assert_eq!(so.first(), Some(&"SO1"));
        assert!(so.contains(&"SO14") && so.contains(&"SO53"));
        assert!(so.windows(2).all(|w| {
            let n = |d: &str| d[2..].parse::<u32>().unwrap();
            n(w[0]) < n(w[1])
        }));
        let w = geography.districts_of("W");
        let w1a = w.iter().position(|d| *d == "W1A").unwrap();
        let w2 = w.iter().position(|d| *d == "W2").unwrap();
        let w10 = w.iter().position(|d| *d == "W10").unwrap();
        assert!(w1a < w2 && w2 < w10, "{w:?}");
        assert!(geography.districts_of("SO16").is_empty());
        assert!(geography.districts_of("QQ").is_empty());
        let sectors = geography.sectors_of("SO16");
        assert!(sectors.contains(&"SO16 7") && sectors.iter().all(|s| s.starts_with("SO16 ")));
        assert!(geography.sectors_of("SO").is_empty());
        assert!(geography.sectors_of("TR99").is_empty());
    }

    #[test]
    fn did_you_mean_knows_the_slips() {
        let geography = Geography::bundled();
        assert_eq!(geography.did_you_mean("PL1O").as_deref(), Some("PL10"));
        assert_eq!(geography.did_you_mean("S016").as_deref(), Some("SO16"));
        assert_eq!(geography.did_you_mean("TRI").as_deref(), Some("TR1"));
        assert_eq!(geography.did_you_mean("B1O 0").as_deref(), Some("B10 0"));
        assert_eq!(geography.did_you_mean("so16").as_deref(), Some("SO16"));
        assert_eq!(geography.did_you_mean("SO16"), None);
        assert_eq!(geography.did_you_mean("TR99").as_deref(), Some("TR9"));
        assert_eq!(geography.did_you_mean("QQ99 9"), None);
    }

    #[test]
    fn a_small_geography_parses_and_reports_bad_lines() {
        let geography = Geography::parse("# comment\nSO16\t50.9\t-1.4\t3\nSO\t\t\t1\nbad line\n");
        assert!(geography.contains("SO") && geography.contains("SO16"));
        assert_eq!(geography.centroid("SO"), None);
        assert_eq!(geography.unreadable, ["bad line"]);
        assert_eq!(geography.districts_of("SO"), ["SO16"]);
    }
}
