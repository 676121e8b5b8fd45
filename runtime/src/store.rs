//! The table artifact, written and read part by part.
//!
//! The artifact is one header line, `dxmap-table v4 sha256=HEX`, then the
//! body in the binary encoding of `codec.rs`:
//! - the head, decoded whole on load: the release, its dispositions, the
//!   service types, the overlays' postcode units, the calendar, the queue
//!   hierarchies, the geography, each layer's parent (by index) and
//!   whether any session closes after 24:00;
//! - then four sections, the services, the opening hours, the rules and
//!   the layers: each a count, then each element as its length and its
//!   bytes;
//! - then the service id index, as its length and its bytes.
//!
//! So that one case need not read a whole national table (20,000
//! services), [`Store::open`] checks the header and the hash of the body,
//! decodes the head, and only finds where each element starts; an element
//! is decoded, and checked, the first time something asks for it
//! ([`Lazy`]). [`Table::from_artifact`] decodes every element, with the
//! same checks, into a whole [`Table`].
//!
//! Imports: `crate::{table, codec, geo, sha256}`, serde, jiff (dates).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::geo::Geography;
use crate::table::{
    check_head, check_parent, check_service_index, Disposition, Extent, Hierarchy, Hours, Layer,
    LoadError, Rule, Service, ServiceType, Table, FORMAT_VERSION, MAGIC,
};
use crate::{codec, sha256};

/// What a table's head holds: everything but the services, hours, rules,
/// layers and the service id index.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Head {
    pub(crate) release: String,
    pub(crate) dispositions: Vec<Disposition>,
    #[serde(deserialize_with = "crate::table::ordered_map")]
    pub(crate) disposition_index: BTreeMap<String, u32>,
    pub(crate) service_types: Vec<ServiceType>,
    #[serde(deserialize_with = "crate::table::ordered_map")]
    pub(crate) area_index: BTreeMap<String, u32>,
    pub(crate) calendar: BTreeMap<Date, String>,
    pub(crate) hierarchies: Vec<Hierarchy>,
    pub(crate) geography: Geography,
    /// By layer: the index of the layer it extends.
    pub(crate) parents: Vec<Option<u32>>,
    /// Whether a session of the table closes after 24:00 of its date.
    pub(crate) late_sessions: bool,
}

/// [`Head`], written from a table's own fields.
#[derive(Serialize)]
struct HeadOf<'t> {
    release: &'t String,
    dispositions: &'t Vec<Disposition>,
    disposition_index: &'t BTreeMap<String, u32>,
    service_types: &'t Vec<ServiceType>,
    area_index: &'t BTreeMap<String, u32>,
    calendar: &'t BTreeMap<Date, String>,
    hierarchies: &'t Vec<Hierarchy>,
    geography: &'t Geography,
    parents: Vec<Option<u32>>,
    late_sessions: bool,
}

/// Where each element of a section lies in the body: start and end.
type Spans = Vec<(u32, u32)>;

/// A table artifact whose body is checked against its hash, with its head
/// decoded and its elements found but not yet decoded. Positions are in
/// `bytes`, the artifact (or a body alone).
#[derive(Debug, Clone)]
pub(crate) struct Store<'a> {
    bytes: Cow<'a, [u8]>,
    pub(crate) head: Head,
    pub(crate) extent: Extent,
    services: Spans,
    hours: Spans,
    rules: Spans,
    layers: Spans,
    service_index: (u32, u32),
}

impl Table {
    /// The artifact: header line with version and hash, then the body.
    pub fn to_artifact(&self) -> Vec<u8> {
        let body = body_of(self);
        let hash = sha256::hex_digest(&body);
        let mut artifact = format!("{MAGIC} v{FORMAT_VERSION} sha256={hash}\n").into_bytes();
        artifact.extend_from_slice(&body);
        artifact
    }

    /// Loads an artifact written by [`Table::to_artifact`], checking the
    /// format version, the content hash and every index.
    pub fn from_artifact(artifact: &[u8]) -> Result<Table, LoadError> {
        let start = body_start(artifact)?;
        Store::open(Cow::Borrowed(artifact), start)?.table()
    }
}

/// The body of a table (its artifact less the header line).
pub(crate) fn body_of(table: &Table) -> Vec<u8> {
    let by_name: BTreeMap<&str, u32> = table
        .layers
        .iter()
        .zip(0u32..)
        .map(|(layer, idx)| (layer.name.as_str(), idx))
        .collect();
    let head = HeadOf {
        release: &table.release,
        dispositions: &table.dispositions,
        disposition_index: &table.disposition_index,
        service_types: &table.service_types,
        area_index: &table.area_index,
        calendar: &table.calendar,
        hierarchies: &table.hierarchies,
        geography: &table.geography,
        parents: table
            .layers
            .iter()
            .map(|layer| by_name.get(layer.parent.as_deref()?).copied())
            .collect(),
        late_sessions: table.hours.iter().any(Hours::late),
    };
    // Encoding a table cannot fail: every sequence and map has a length.
    let mut body = codec::to_bytes(&head).unwrap_or_default();
    let mut scratch = Vec::new();
    codec::write_sections(&mut body, &mut scratch, &table.services);
    codec::write_sections(&mut body, &mut scratch, &table.hours);
    codec::write_sections(&mut body, &mut scratch, &table.rules);
    codec::write_sections(&mut body, &mut scratch, &table.layers);
    codec::write_sections(
        &mut body,
        &mut scratch,
        std::slice::from_ref(&table.service_index),
    );
    body
}

/// Where an artifact's body starts, after checking its header's format and
/// the body's hash.
pub(crate) fn body_start(artifact: &[u8]) -> Result<usize, LoadError> {
    let newline = artifact
        .iter()
        .position(|byte| *byte == b'\n')
        .ok_or(LoadError::NotATable)?;
    let (header, body) = artifact.split_at(newline);
    let body = body.get(1..).unwrap_or_default();
    let header = std::str::from_utf8(header).map_err(|_| LoadError::NotATable)?;
    let mut fields = header.split(' ');
    if fields.next() != Some(MAGIC) {
        return Err(LoadError::NotATable);
    }
    let version = fields.next().unwrap_or("");
    if version != format!("v{FORMAT_VERSION}") {
        return Err(LoadError::Version {
            found: version.to_owned(),
        });
    }
    let expected = fields
        .next()
        .and_then(|field| field.strip_prefix("sha256="))
        .ok_or(LoadError::NotATable)?;
    let actual = sha256::hex_digest(body);
    if actual != expected {
        return Err(LoadError::Hash {
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(newline + 1)
}

fn body_error(error: codec::Error) -> LoadError {
    LoadError::Body(error.to_string())
}

impl<'a> Store<'a> {
    /// Reads a body starting at `start` in `bytes` (checked against its hash
    /// already): decodes the head, checks it, and finds every element.
    pub(crate) fn open(bytes: Cow<'a, [u8]>, start: usize) -> Result<Store<'a>, LoadError> {
        let body = bytes.get(start..).unwrap_or_default();
        let (head, used) = codec::from_prefix::<Head>(body).map_err(body_error)?;
        let mut at = start + used;
        let mut section = || -> Result<Spans, LoadError> {
            let (spans, used) = codec::read_sections(&bytes, at).map_err(body_error)?;
            at = used;
            Ok(spans)
        };
        let services = section()?;
        let hours = section()?;
        let rules = section()?;
        let layers = section()?;
        let service_index = match section()?.as_slice() {
            [one] => *one,
            _ => return Err(LoadError::Body("no service id index".to_owned())),
        };
        if at != bytes.len() {
            return Err(LoadError::Body(format!(
                "{} bytes left over after the table",
                bytes.len().saturating_sub(at)
            )));
        }
        let extent = Extent {
            dispositions: head.dispositions.len(),
            types: head.service_types.len(),
            services: services.len(),
            hours: hours.len(),
            rules: rules.len(),
            layers: layers.len(),
        };
        check_head(
            &head.dispositions,
            &head.disposition_index,
            &head.area_index,
            extent,
        )?;
        if head.parents.len() != extent.layers
            || head
                .parents
                .iter()
                .flatten()
                .any(|p| usize::try_from(*p).map_or(true, |p| p >= extent.layers))
        {
            return Err(LoadError::Body(
                "a layer's parent points outside the table".to_owned(),
            ));
        }
        Ok(Store {
            bytes,
            head,
            extent,
            services,
            hours,
            rules,
            layers,
            service_index,
        })
    }

    fn element<'de, T: Deserialize<'de>>(
        &'de self,
        spans: &Spans,
        idx: usize,
        what: &str,
    ) -> Result<T, LoadError> {
        let bytes = spans
            .get(idx)
            .and_then(|(start, end)| {
                self.bytes
                    .get(usize::try_from(*start).ok()?..usize::try_from(*end).ok()?)
            })
            .ok_or_else(|| LoadError::Body(format!("no {what} {idx}")))?;
        codec::from_bytes(bytes).map_err(|error| LoadError::Body(format!("{what} {idx}: {error}")))
    }

    /// Service `idx`, checked.
    pub(crate) fn service(&self, idx: usize) -> Result<Service, LoadError> {
        let service: Service = self.element(&self.services, idx, "service")?;
        service.check(self.extent)?;
        Ok(service)
    }

    /// Opening hours `idx`, checked (a session after 24:00 only in a table
    /// whose head says it has one).
    pub(crate) fn hours(&self, idx: usize) -> Result<Hours, LoadError> {
        let hours: Hours = self.element(&self.hours, idx, "opening hours")?;
        hours.check()?;
        if hours.late() && !self.head.late_sessions {
            return Err(LoadError::Body(
                "a session closes after 24:00, which the table's head does not say".to_owned(),
            ));
        }
        Ok(hours)
    }

    /// Rule `idx`, checked.
    pub(crate) fn rule(&self, idx: usize) -> Result<Rule, LoadError> {
        let rule: Rule = self.element(&self.rules, idx, "rule")?;
        rule.check(self.extent)?;
        Ok(rule)
    }

    /// Layer `idx`, checked.
    pub(crate) fn layer(&self, idx: usize) -> Result<Layer, LoadError> {
        let layer: Layer = self.element(&self.layers, idx, "layer")?;
        layer.check(self.extent)?;
        Ok(layer)
    }

    /// The service id index (its entries are checked against the services
    /// when a whole table is read; a lookup checks the id it finds).
    pub(crate) fn service_index(&self) -> Result<BTreeMap<String, u32>, LoadError> {
        #[derive(Deserialize)]
        struct Index(
            #[serde(deserialize_with = "crate::table::ordered_map")] BTreeMap<String, u32>,
        );
        let spans = vec![self.service_index];
        self.element::<Index>(&spans, 0, "service id index")
            .map(|index| index.0)
    }

    /// The whole table, every element decoded and checked.
    pub(crate) fn table(&self) -> Result<Table, LoadError> {
        let all = |len: usize| 0..len;
        let services = all(self.extent.services)
            .map(|idx| self.service(idx))
            .collect::<Result<Vec<_>, _>>()?;
        let hours = all(self.extent.hours)
            .map(|idx| self.hours(idx))
            .collect::<Result<Vec<_>, _>>()?;
        let rules = all(self.extent.rules)
            .map(|idx| self.rule(idx))
            .collect::<Result<Vec<_>, _>>()?;
        let layers = all(self.extent.layers)
            .map(|idx| self.layer(idx))
            .collect::<Result<Vec<_>, _>>()?;
        let service_index = self.service_index()?;
        check_service_index(&service_index, |idx| {
            services.get(idx).map(|service| service.id.as_str())
        })?;
        for (layer, parent) in layers.iter().zip(&self.head.parents) {
            check_parent(
                layer,
                parent.and_then(|p| layers.get(usize::try_from(p).ok()?)),
            )?;
        }
        let head = self.head.clone();
        Ok(Table {
            release: head.release,
            dispositions: head.dispositions,
            disposition_index: head.disposition_index,
            service_types: head.service_types,
            services,
            service_index,
            hours,
            rules,
            layers,
            area_index: head.area_index,
            calendar: head.calendar,
            hierarchies: head.hierarchies,
            geography: head.geography,
        })
    }
}

/// Elements decoded the first time they are asked for, then kept: one
/// slot per element, each a pointer until it is filled, so that a national
/// table's 20,000 services cost a few hundred kilobytes until read.
#[derive(Debug, Clone)]
pub(crate) struct Lazy<T> {
    slots: Box<[OnceLock<Box<T>>]>,
}

impl<T> Lazy<T> {
    /// `len` empty slots.
    pub(crate) fn new(len: usize) -> Lazy<T> {
        Lazy {
            slots: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Element `idx`, made by `make` the first time. A failure is kept in
    /// `broken` (the first one) and the element is missing.
    #[inline]
    pub(crate) fn get(
        &self,
        idx: usize,
        broken: &OnceLock<LoadError>,
        make: impl FnOnce() -> Result<T, LoadError>,
    ) -> Option<&T> {
        let slot = self.slots.get(idx)?;
        if let Some(value) = slot.get() {
            return Some(value);
        }
        match make() {
            Ok(value) => Some(slot.get_or_init(|| Box::new(value))),
            Err(error) => {
                let _ = broken.set(error);
                None
            }
        }
    }
}
