//! Geography: the centroids of postcode areas (`SO`), districts (`SO16`)
//! and sectors (`SO16 7`) that a compiled table carries, the positions of
//! cases and services, and great-circle distances.
//!
//! - A unit is known by a number, [`unit_key`], ordered as units are
//!   listed: by area, then district by (number, suffix), then sector. The
//!   [`Geography`] is two parallel vectors sorted by that number: the keys,
//!   and each unit's centroid in units of 0.00001° (`i32`), or none when
//!   none of its postcodes has coordinates (`BN91`). Lookups are binary
//!   searches. In the artifact each vector is written as differences from
//!   the entry before, which the codec's varints keep to a byte or two.
//! - A case's position is its `location` if given, else the centroid of the
//!   most specific unit of its postcode that has one (sector, then
//!   district, then area). A postcode whose district the geography does not
//!   know is an error in the case ([`UnknownDistrict`]).
//! - A service's position is its `location`, else the centroid of its
//!   `postcode`'s sector, else its district's, else it has none.
//! - Distances are great-circle kilometres (haversine, R = 6371.0088 km,
//!   the mean radius of the Earth). Ordering compares squared chords between
//!   unit vectors, which order points as their distances do and need no
//!   trigonometry per comparison.
//!
//! Imports: `crate::postcode`, serde.

use serde::{Deserialize, Serialize};

use crate::postcode::{Compact, Postcode};

/// The mean radius of the Earth, in kilometres (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Centroids are stored in units of this many degrees.
const SCALE: f64 = 100_000.0;

/// District part of a [`unit_key`]: none, or 1 + number × 27 + suffix.
const DISTRICTS: u32 = 1 + 99 * 27 + 26 + 1;

/// Sector part of a [`unit_key`]: none, or 1 + digit.
const SECTORS: u32 = 11;

fn letter(byte: u8) -> Option<u32> {
    byte.is_ascii_uppercase()
        .then(|| u32::from(byte - b'A') + 1)
}

fn digit(byte: u8) -> Option<u32> {
    byte.is_ascii_digit().then(|| u32::from(byte - b'0'))
}

/// A postcode unit (`SO`, `SO16`, `SW1A`, `SO16 7`) as a number, ordered by
/// area, then district by (number, suffix), then sector; `None` for text
/// that is no unit (lower case, a full postcode, `SO016`).
pub fn unit_key(unit: &str) -> Option<u32> {
    let (outward, sector) = match unit.split_once(' ') {
        Some((outward, sector)) => (outward.as_bytes(), Some(sector.as_bytes())),
        None => (unit.as_bytes(), None),
    };
    outward_key(outward, sector)
}

/// The keys of a postcode's units, most specific first: sector, district,
/// area (as [`unit_key`] gives them, without reading the text three times).
pub(crate) fn postcode_keys(postcode: &Compact) -> [Option<u32>; 3] {
    let [sector, district, area] = postcode.units();
    let district = outward_key(district, None);
    let sector = district
        .zip(sector.last().and_then(|byte| digit(*byte)))
        .map(|(district, digit)| district + 1 + digit);
    [sector, district, outward_key(area, None)]
}

/// The key of a postcode's district and its sector's digit, if the
/// district is a unit.
pub(crate) fn postcode_district(postcode: &Compact) -> Option<(u32, usize)> {
    let [sector, district, _] = postcode.units();
    let digit = digit(*sector.last()?)?;
    Some((outward_key(district, None)?, usize::try_from(digit).ok()?))
}

/// Where a unit's key places it: the key of its district and the digit of
/// its sector (`None` for a district), or `None` for an area.
pub(crate) fn district_of(key: u32) -> Option<(u32, Option<usize>)> {
    let sector = key % SECTORS;
    let district = key - sector;
    if (district / SECTORS) % DISTRICTS == 0 {
        return None;
    }
    let digit = sector
        .checked_sub(1)
        .and_then(|digit| usize::try_from(digit).ok());
    Some((district, digit))
}

/// The key of the area of a district's key.
pub(crate) fn area_of(district: u32) -> u32 {
    district / SECTORS / DISTRICTS * DISTRICTS * SECTORS
}

/// [`unit_key`] of an outward code (`SO16`, `SO`) and a sector digit.
fn outward_key(outward: &[u8], sector: Option<&[u8]>) -> Option<u32> {
    let letters = outward
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    let (area, rest) = outward.split_at_checked(letters)?;
    let area = match area {
        [a] => letter(*a)? * 27,
        [a, b] => letter(*a)? * 27 + letter(*b)?,
        _ => return None,
    };
    let district = match rest {
        [] => 0,
        [d] => 1 + digit(*d)? * 27,
        [d, e] if e.is_ascii_digit() => {
            if *d == b'0' {
                return None;
            }
            1 + (digit(*d)? * 10 + digit(*e)?) * 27
        }
        [d, s] => 1 + digit(*d)? * 27 + letter(*s)?,
        _ => return None,
    };
    let sector = match sector {
        None => 0,
        Some([d]) if district != 0 => 1 + digit(*d)?,
        Some(_) => return None,
    };
    Some((area * DISTRICTS + district) * SECTORS + sector)
}

/// A centroid, in units of 0.00001° (five decimals, about a metre).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Centroid {
    /// Latitude × 100,000.
    pub lat: i32,
    /// Longitude × 100,000.
    pub lon: i32,
}

impl Centroid {
    /// From degrees, rounded to five decimals; `None` outside ±90°/±180°.
    pub fn from_degrees(lat: f64, lon: f64) -> Option<Centroid> {
        let scaled = |value: f64, limit: f64| {
            let value = (value * SCALE).round();
            // The range check makes the conversion exact.
            (value.abs() <= limit * SCALE).then_some(value as i32)
        };
        Some(Centroid {
            lat: scaled(lat, 90.0)?,
            lon: scaled(lon, 180.0)?,
        })
    }

    /// Latitude and longitude in degrees.
    pub fn degrees(self) -> [f64; 2] {
        [f64::from(self.lat) / SCALE, f64::from(self.lon) / SCALE]
    }

    fn inside(self) -> bool {
        self.lat.unsigned_abs() <= 9_000_000 && self.lon.unsigned_abs() <= 18_000_000
    }
}

/// The units of a geography and their centroids. Serialized compactly (see
/// the module doc); a table built by `dxmap build` holds every area,
/// district and sector of Great Britain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Wire")]
pub struct Geography {
    // INVARIANT: `keys` is strictly ascending and `centroids` is as long;
    // every centroid lies within ±90° latitude and ±180° longitude.
    keys: Vec<u32>,
    centroids: Vec<Option<Centroid>>,
}

/// Where a position comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PositionSource {
    /// The `location` given.
    Location,
    /// The centroid of the postcode's sector.
    Sector,
    /// The centroid of its district.
    District,
    /// The centroid of its area.
    Area,
}

impl PositionSource {
    /// `location`, `sector`, `district` or `area`.
    pub fn as_str(self) -> &'static str {
        match self {
            PositionSource::Location => "location",
            PositionSource::Sector => "sector",
            PositionSource::District => "district",
            PositionSource::Area => "area",
        }
    }
}

/// A case's or a service's position, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Where it comes from.
    pub source: PositionSource,
}

impl Position {
    /// Latitude and longitude.
    pub fn degrees(self) -> [f64; 2] {
        [self.lat, self.lon]
    }

    pub(crate) fn at(degrees: [f64; 2], source: PositionSource) -> Position {
        let [lat, lon] = degrees;
        Position { lat, lon, source }
    }
}

/// A case postcode whose district the geography does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDistrict {
    /// The district, e.g. `TR99`.
    pub district: String,
}

impl Geography {
    /// A geography of the units given, each with its centroid if it has
    /// one. A unit given twice keeps its first centroid; text that is no
    /// unit ([`unit_key`]) or a centroid outside ±90°/±180° is refused,
    /// naming the unit.
    pub fn new<'u>(
        units: impl IntoIterator<Item = (&'u str, Option<Centroid>)>,
    ) -> Result<Geography, String> {
        let mut keyed = Vec::new();
        for (unit, centroid) in units {
            let key = unit_key(unit).ok_or_else(|| unit.to_owned())?;
            if centroid.is_some_and(|c| !c.inside()) {
                return Err(unit.to_owned());
            }
            keyed.push((key, centroid));
        }
        // Stable: of repeated units, the first stays first.
        keyed.sort_by_key(|(key, _)| *key);
        keyed.dedup_by_key(|(key, _)| *key);
        let (keys, centroids) = keyed.into_iter().unzip();
        Ok(Geography { keys, centroids })
    }

    /// How many units it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether it holds no unit.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The unit's entry: `None` if unknown, else its centroid if it has one.
    fn entry(&self, unit: &str) -> Option<Option<Centroid>> {
        let idx = self.keys.binary_search(&unit_key(unit)?).ok()?;
        self.centroids.get(idx).copied()
    }

    /// Every unit, by [`unit_key`], with its centroid if it has one.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, Option<Centroid>)> + '_ {
        self.keys
            .iter()
            .copied()
            .zip(self.centroids.iter().copied())
    }

    /// Whether the unit (`SO`, `SO16`, `SO16 7`) is known.
    pub fn contains(&self, unit: &str) -> bool {
        self.entry(unit).is_some()
    }

    /// The unit's centroid, latitude and longitude in degrees.
    pub fn centroid(&self, unit: &str) -> Option<[f64; 2]> {
        self.entry(unit).flatten().map(Centroid::degrees)
    }

    /// A case's position ([`case_placed`]); `Ok(None)` when neither a
    /// location nor a centroid places it. A postcode whose district is
    /// unknown is an error.
    pub fn case_position(
        &self,
        postcode: &Postcode,
        location: Option<[f64; 2]>,
    ) -> Result<Option<Position>, UnknownDistrict> {
        if !self.contains(postcode.district()) {
            return Err(UnknownDistrict {
                district: postcode.district().to_owned(),
            });
        }
        let units = postcode.units();
        Ok(case_placed(
            location,
            |source| Some((self.centroid(of_units(units, source)?)?, ())),
            |_| (),
        )
        .map(|(position, ())| position))
    }

    /// A service's position ([`service_placed`]).
    pub fn service_position(
        &self,
        location: Option<[f64; 2]>,
        postcode: Option<&str>,
    ) -> Option<Position> {
        let units = location
            .is_none()
            .then(|| Postcode::parse(postcode?))
            .flatten();
        service_placed(
            location,
            |source| {
                Some((
                    self.centroid(of_units(units.as_ref()?.units(), source)?)?,
                    (),
                ))
            },
            |_| (),
        )
        .map(|(position, ())| position)
    }
}

/// The units whose centroid places a case without a location, most
/// specific first.
const CASE_UNITS: [PositionSource; 3] = [
    PositionSource::Sector,
    PositionSource::District,
    PositionSource::Area,
];

/// The units whose centroid places a service without a location: an
/// area is too coarse to order services by.
const SERVICE_UNITS: [PositionSource; 2] = [PositionSource::Sector, PositionSource::District];

/// A case's position: its `location` if given, else the centroid of the
/// most specific unit of its postcode (sector, district, area) that has
/// one. `centroid` gives a unit's centroid in degrees with what the caller
/// keeps beside it (the router, its point on the unit sphere), and
/// `at_location` the same for a location. The rule is here once, for
/// [`Geography::case_position`] and the router's own lookups.
pub(crate) fn case_placed<T>(
    location: Option<[f64; 2]>,
    centroid: impl FnMut(PositionSource) -> Option<([f64; 2], T)>,
    at_location: impl FnOnce([f64; 2]) -> T,
) -> Option<(Position, T)> {
    placed(location, &CASE_UNITS, centroid, at_location)
}

/// A service's position: its `location` if given, else the centroid of
/// its postcode's sector, else its district's, else none (as
/// [`case_placed`]).
pub(crate) fn service_placed<T>(
    location: Option<[f64; 2]>,
    centroid: impl FnMut(PositionSource) -> Option<([f64; 2], T)>,
    at_location: impl FnOnce([f64; 2]) -> T,
) -> Option<(Position, T)> {
    placed(location, &SERVICE_UNITS, centroid, at_location)
}

fn placed<T>(
    location: Option<[f64; 2]>,
    units: &[PositionSource],
    mut centroid: impl FnMut(PositionSource) -> Option<([f64; 2], T)>,
    at_location: impl FnOnce([f64; 2]) -> T,
) -> Option<(Position, T)> {
    if let Some(location) = location {
        return Some((
            Position::at(location, PositionSource::Location),
            at_location(location),
        ));
    }
    units.iter().find_map(|source| {
        let (degrees, beside) = centroid(*source)?;
        Some((Position::at(degrees, *source), beside))
    })
}

/// Of a postcode's units, most specific first (sector, district, area),
/// the one a position's source names.
pub(crate) fn of_units<U: Copy>(units: [U; 3], source: PositionSource) -> Option<U> {
    let [sector, district, area] = units;
    match source {
        PositionSource::Sector => Some(sector),
        PositionSource::District => Some(district),
        PositionSource::Area => Some(area),
        PositionSource::Location => None,
    }
}

/// Great-circle distance in kilometres (haversine).
pub fn distance_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    let [lat1, lon1] = a.map(f64::to_radians);
    let [lat2, lon2] = b.map(f64::to_radians);
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The great-circle distance in kilometres between two points of the unit
/// sphere `chord_squared` apart: haversine's `h` is the square of half the
/// chord, so this is [`distance_km`] of the same points.
pub(crate) fn chord_distance_km(chord_squared: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord_squared.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

/// The point on the unit sphere at a latitude and longitude.
pub(crate) fn unit_vector(degrees: [f64; 2]) -> [f64; 3] {
    let [lat, lon] = degrees.map(f64::to_radians);
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The squared chord between two points of the unit sphere: larger as the
/// great-circle distance is, and precise for nearby points.
pub(crate) fn chord_squared(a: [f64; 3], b: [f64; 3]) -> f64 {
    let ([ax, ay, az], [bx, by, bz]) = (a, b);
    let [x, y, z] = [ax - bx, ay - by, az - bz];
    x * x + y * y + z * z
}

/// The artifact's form of a [`Geography`]: each vector as differences from
/// the entry before (the first from zero), so that the codec's varints
/// write small numbers.
#[derive(Serialize, Deserialize)]
struct Wire {
    /// Unit keys.
    units: Vec<u32>,
    /// Positions in `units` of the units without a centroid.
    unplaced: Vec<u32>,
    /// Latitudes of the units with a centroid, in order.
    lat: Vec<i32>,
    /// Their longitudes.
    lon: Vec<i32>,
}

fn deltas<T: Copy>(values: impl Iterator<Item = T>, sub: impl Fn(T, T) -> T, zero: T) -> Vec<T> {
    let mut previous = zero;
    values
        .map(|value| {
            let delta = sub(value, previous);
            previous = value;
            delta
        })
        .collect()
}

fn sums<T: Copy>(deltas: &[T], add: impl Fn(T, T) -> Option<T>, zero: T) -> Result<Vec<T>, String> {
    let mut total = zero;
    deltas
        .iter()
        .map(|delta| {
            total = add(total, *delta).ok_or("a geography value overflows")?;
            Ok(total)
        })
        .collect()
}

impl Serialize for Geography {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let placed = || self.centroids.iter().flatten();
        let unplaced = self
            .centroids
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_none())
            .map(|(idx, _)| u32::try_from(idx).unwrap_or(u32::MAX));
        Wire {
            units: deltas(self.keys.iter().copied(), u32::wrapping_sub, 0),
            unplaced: deltas(unplaced, u32::wrapping_sub, 0),
            lat: deltas(placed().map(|c| c.lat), i32::wrapping_sub, 0),
            lon: deltas(placed().map(|c| c.lon), i32::wrapping_sub, 0),
        }
        .serialize(serializer)
    }
}

impl TryFrom<Wire> for Geography {
    type Error = String;

    fn try_from(wire: Wire) -> Result<Geography, String> {
        let keys = sums(&wire.units, u32::checked_add, 0)?;
        if wire.units.iter().skip(1).any(|delta| *delta == 0) {
            return Err("the geography's units are not in order".to_owned());
        }
        let unplaced = sums(&wire.unplaced, u32::checked_add, 0)?;
        let lat = sums(&wire.lat, i32::checked_add, 0)?;
        let lon = sums(&wire.lon, i32::checked_add, 0)?;
        let in_order = unplaced.windows(2).all(|w| w.first() < w.get(1));
        if !in_order
            || unplaced
                .last()
                .is_some_and(|last| usize::try_from(*last).map_or(true, |l| l >= keys.len()))
            || lat.len() != lon.len()
            || lat.len() + unplaced.len() != keys.len()
        {
            return Err("the geography's centroids do not match its units".to_owned());
        }
        let mut placed = lat
            .into_iter()
            .zip(lon)
            .map(|(lat, lon)| Centroid { lat, lon });
        let mut unplaced = unplaced.into_iter().peekable();
        let mut centroids = Vec::with_capacity(keys.len());
        for idx in 0..keys.len() {
            if unplaced
                .peek()
                .is_some_and(|u| usize::try_from(*u).is_ok_and(|u| u == idx))
            {
                unplaced.next();
                centroids.push(None);
            } else {
                let centroid = placed.next();
                if centroid.is_some_and(|c| !c.inside()) {
                    return Err("a geography centroid is not a latitude and longitude".to_owned());
                }
                centroids.push(centroid);
            }
        }
        Ok(Geography { keys, centroids })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_unit_s_key_places_it_in_its_district_and_area() {
        let key = |unit: &str| unit_key(unit).unwrap();
        assert_eq!(district_of(key("SO16 7")), Some((key("SO16"), Some(7))));
        assert_eq!(district_of(key("SW1A 0")), Some((key("SW1A"), Some(0))));
        assert_eq!(district_of(key("SO16")), Some((key("SO16"), None)));
        assert_eq!(district_of(key("SO")), None);
        assert_eq!(district_of(key("S")), None);
        assert_eq!(area_of(key("SO16")), key("SO"));
        assert_eq!(area_of(key("S1")), key("S"));
        assert_eq!(area_of(key("W1A")), key("W"));
        let postcode = Compact::parse("so167ab").unwrap();
        assert_eq!(postcode_district(&postcode), Some((key("SO16"), 7)));
    }
    use super::*;

    fn sample() -> Geography {
        let c = |lat, lon| Centroid::from_degrees(lat, lon);
        Geography::new([
            ("BN", c(50.84, -0.15)),
            ("BN91", None),
            ("BN91 9", None),
            ("SO", c(50.95, -1.35)),
            ("SO16", c(50.93, -1.43)),
            ("SO16 7", c(50.92, -1.42)),
            ("SO17", None),
        ])
        .unwrap()
    }

    #[test]
    fn unit_keys_order_units_as_they_are_listed() {
        let units = [
            "B", "B1", "B1 0", "B1 9", "B2", "B10", "B99", "BA", "BA1", "E", "E1", "E1 6", "E1W",
            "E1W 1", "E2", "EC1", "EC1A", "EC1A 1", "EC1V", "EC2", "W1A", "W1A 0", "ZE", "ZE3 9",
        ];
        let keys: Vec<u32> = units.iter().map(|u| unit_key(u).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for text in [
            "", "so16", "SO16 7AB", "SO016", "1S", "SO16 ", "SO 1", "SOX1", "SO1AA",
        ] {
            assert_eq!(unit_key(text), None, "{text}");
        }
    }

    #[test]
    fn lookups_and_positions() {
        let geography = sample();
        assert!(geography.contains("BN91") && !geography.contains("BN92"));
        assert_eq!(geography.centroid("BN91"), None);
        assert_eq!(geography.centroid("SO16 7"), Some([50.92, -1.42]));
        let position = |pc: &str, location| {
            geography
                .case_position(&Postcode::parse(pc).unwrap(), location)
                .map(|p| p.map(|p| (p.source, p.degrees())))
        };
        assert_eq!(
            position("SO16 7AB", None),
            Ok(Some((PositionSource::Sector, [50.92, -1.42])))
        );
        assert_eq!(
            position("SO16 3AB", None),
            Ok(Some((PositionSource::District, [50.93, -1.43])))
        );
        assert_eq!(
            position("BN91 9AA", None),
            Ok(Some((PositionSource::Area, [50.84, -0.15])))
        );
        assert_eq!(
            position("SO16 7AB", Some([51.0, -1.0])),
            Ok(Some((PositionSource::Location, [51.0, -1.0])))
        );
        assert_eq!(
            position("SO18 1AA", Some([51.0, -1.0])),
            Err(UnknownDistrict {
                district: "SO18".to_owned()
            })
        );
        let service = |location, postcode| {
            geography
                .service_position(location, postcode)
                .map(|p| p.source)
        };
        assert_eq!(service(None, Some("so167zz")), Some(PositionSource::Sector));
        assert_eq!(
            service(None, Some("SO16 1ZZ")),
            Some(PositionSource::District)
        );
        assert_eq!(service(None, Some("SO17 1ZZ")), None);
        assert_eq!(service(None, None), None);
        assert_eq!(
            service(Some([1.0, 1.0]), Some("SO16 7ZZ")),
            Some(PositionSource::Location)
        );
    }

    #[test]
    fn the_artifact_form_round_trips_and_is_checked() {
        let geography = sample();
        let bytes = crate::codec::to_bytes(&geography).unwrap();
        let back: Geography = crate::codec::from_bytes(&bytes).unwrap();
        assert_eq!(back, geography);
        let bad = Wire {
            units: vec![5, 0],
            unplaced: vec![],
            lat: vec![0, 0],
            lon: vec![0, 0],
        };
        assert!(Geography::try_from(bad).is_err());
        let bad = Wire {
            units: vec![5, 1],
            unplaced: vec![1],
            lat: vec![0, 0],
            lon: vec![0, 0],
        };
        assert!(Geography::try_from(bad).is_err());
        let bad = Wire {
            units: vec![5],
            unplaced: vec![],
            lat: vec![9_000_001],
            lon: vec![0],
        };
        assert!(Geography::try_from(bad).is_err());
    }

    #[test]
    fn the_chord_gives_the_haversine_distance() {
        let places = [
            [50.9331, -1.4339],
            [50.8506, -1.0701],
            [50.2632, -5.0510],
            [60.1545, -1.1494],
            [49.9146, -6.3157],
            [0.0, 0.0],
            [0.0, 90.0],
            [51.5074, -0.1278],
            [51.5075, -0.1279],
        ];
        for a in places {
            for b in places {
                let haversine = distance_km(a, b);
                let chord = chord_distance_km(chord_squared(unit_vector(a), unit_vector(b)));
                assert!(
                    (haversine - chord).abs() < 1e-6,
                    "{a:?} {b:?}: {haversine} {chord}"
                );
                // As answers give them, to 10 m.
                assert_eq!(
                    (haversine * 100.0).round(),
                    (chord * 100.0).round(),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        // Southampton General to Queen Alexandra, Portsmouth: about 27 km.
        let km = distance_km([50.9331, -1.4339], [50.8506, -1.0701]);
        assert!((26.0..28.0).contains(&km), "{km}");
        // A quarter of the equator.
        let quarter = distance_km([0.0, 0.0], [0.0, 90.0]);
        assert!((quarter - EARTH_RADIUS_KM * std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        // Chords order points as distances do.
        let here = [50.72, -1.87];
        let near = [50.73, -1.86];
        let far = [50.71, -2.44];
        assert!(
            chord_squared(unit_vector(here), unit_vector(near))
                < chord_squared(unit_vector(here), unit_vector(far))
        );
        assert_eq!(chord_squared(unit_vector(here), unit_vector(here)), 0.0);
    }
}
