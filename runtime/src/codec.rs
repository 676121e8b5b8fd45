//! The binary encoding of the table artifact's body: serde's data model
//! written compactly, with no field names and no separators, so that a
//! national table (20,000 services) is a few megabytes and loads in
//! milliseconds.
//!
//! The encoding is not self-describing; reading needs the type that was
//! written:
//! - unsigned integers are LEB128 varints (7 bits a byte, least significant
//!   first); signed ones are zigzag-mapped first; `f32`/`f64` are their
//!   little-endian IEEE bytes; `bool` is one byte, 0 or 1;
//! - strings and byte strings are a varint length then the bytes (strings
//!   must be UTF-8); `char` is its scalar value as a varint;
//! - `Option` is a byte, 0 (none) or 1 followed by the value;
//! - sequences and maps are a varint count then the elements (maps: key,
//!   value, key, value…); tuples, arrays and structs are their fields in
//!   order with no count;
//! - enum variants are the variant index as a varint, then the variant's
//!   fields; unit and unit structs take no bytes.
//!
//! Reading refuses what a writer would not produce: a truncated value, an
//! over-long or overflowing varint, a bool or option tag other than 0 or 1,
//! a string that is not UTF-8, and bytes left over after the value. The
//! structure read is fixed by the type, so a hostile body cannot make
//! reading recurse or allocate more than its own length allows.
//!
//! Imports: serde.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};

/// Why a value could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

/// Encodes `value`.
pub fn to_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder { out: Vec::new() };
    value.serialize(&mut encoder)?;
    Ok(encoder.out)
}

/// Decodes a `T` that must take all of `bytes`.
pub fn from_bytes<'de, T: de::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, Error> {
    let mut decoder = Decoder { input: bytes };
    let value = T::deserialize(&mut decoder)?;
    if decoder.input.is_empty() {
        Ok(value)
    } else {
        Err(Error(format!(
            "{} bytes left over after the table",
            decoder.input.len()
        )))
    }
}

/// Decodes a `T` from the start of `bytes`, returning it with the number
/// of bytes it took.
pub(crate) fn from_prefix<'de, T: de::Deserialize<'de>>(
    bytes: &'de [u8],
) -> Result<(T, usize), Error> {
    let mut decoder = Decoder { input: bytes };
    let value = T::deserialize(&mut decoder)?;
    Ok((value, bytes.len() - decoder.input.len()))
}

/// Appends a section: the count of `items`, then each one encoded on its
/// own, as its length and its bytes, so that a reader can find each
/// without decoding the others. `scratch` is reused between items.
pub(crate) fn write_sections<T: Serialize>(out: &mut Vec<u8>, scratch: &mut Vec<u8>, items: &[T]) {
    let mut encoder = Encoder {
        out: std::mem::take(out),
    };
    encoder.varint(items.len() as u64);
    for item in items {
        let mut inner = Encoder {
            out: std::mem::take(scratch),
        };
        inner.out.clear();
        // Encoding cannot fail for a value whose sequences have lengths.
        let _ = item.serialize(&mut inner);
        encoder.varint(inner.out.len() as u64);
        encoder.out.extend_from_slice(&inner.out);
        *scratch = inner.out;
    }
    *out = encoder.out;
}

/// Reads a section written by [`write_sections`] from `bytes[at..]`: where
/// each item lies in `bytes` (start, end), and where the section ends.
pub(crate) fn read_sections(bytes: &[u8], at: usize) -> Result<(Vec<(u32, u32)>, usize), Error> {
    let mut decoder = Decoder {
        input: bytes.get(at..).ok_or_else(truncated)?,
    };
    let count = decoder.length()?;
    // Each item takes at least its length's byte: a count cannot ask for
    // more than the bytes left.
    let mut spans = Vec::with_capacity(count.min(decoder.input.len()));
    for _ in 0..count {
        let len = decoder.length()?;
        let start = bytes.len() - decoder.input.len();
        decoder.take(len)?;
        let end = bytes.len() - decoder.input.len();
        let position =
            |p: usize| u32::try_from(p).map_err(|_| Error("a table over 4 GB".to_owned()));
        spans.push((position(start)?, position(end)?));
    }
    Ok((spans, bytes.len() - decoder.input.len()))
}

// ------------------------------------------------------------- writing

struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // The low seven bits, with the continuation bit set.
            self.out.push((value & 0x7f) as u8 | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    fn signed(&mut self, value: i64) {
        self.varint(((value << 1) ^ (value >> 63)) as u64);
    }

    fn length(&mut self, len: Option<usize>) -> Result<(), Error> {
        let len = len.ok_or_else(|| Error("a sequence of unknown length".to_owned()))?;
        self.varint(len as u64);
        Ok(())
    }

    fn variant(&mut self, index: u32) {
        self.varint(u64::from(index));
    }
}

/// The integer methods of `ser::Serializer`: signed ones zigzag-encoded,
/// unsigned ones as they are, both as varints.
macro_rules! integers {
    (signed: $($s:ident($st:ty)),*; unsigned: $($u:ident($ut:ty)),*) => {
        $(fn $s(self, v: $st) -> Result<(), Error> {
            self.signed(i64::from(v));
            Ok(())
        })*
        $(fn $u(self, v: $ut) -> Result<(), Error> {
            self.varint(u64::from(v));
            Ok(())
        })*
    };
}

impl ser::Serializer for &mut Encoder {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push(u8::from(v));
        Ok(())
    }
    integers!(
        signed: serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64);
        unsigned: serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64)
    );
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.varint(u64::from(u32::from(v)));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.serialize_bytes(v.as_bytes())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.varint(v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.out.push(0);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.out.push(1);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result<(), Error> {
        self.variant(index);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(index);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Error> {
        self.length(len)?;
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.variant(index);
        Ok(self)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Error> {
        self.length(len)?;
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.variant(index);
        Ok(self)
    }
}

/// The compound serializers whose parts are written one after another,
/// with nothing between them (lengths and variants are written before).
macro_rules! in_sequence {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Encoder {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        }
    )*};
}

in_sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Encoder {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Struct fields are written in declaration order, without their names.
macro_rules! fields_in_order {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Encoder {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        }
    )*};
}

fields_in_order!(SerializeStruct, SerializeStructVariant);

// ------------------------------------------------------------- reading

struct Decoder<'de> {
    input: &'de [u8],
}

fn truncated() -> Error {
    Error("the table ends in the middle of a value".to_owned())
}

impl<'de> Decoder<'de> {
    fn byte(&mut self) -> Result<u8, Error> {
        let (first, rest) = self.input.split_first().ok_or_else(truncated)?;
        self.input = rest;
        Ok(*first)
    }

    fn take(&mut self, len: usize) -> Result<&'de [u8], Error> {
        if len > self.input.len() {
            return Err(truncated());
        }
        let (taken, rest) = self.input.split_at(len);
        self.input = rest;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(self.take(N)?);
        Ok(bytes)
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, Error> {
        // Most integers of a table (indexes, lengths, minutes) fit one byte.
        if let Some((first, rest)) = self.input.split_first() {
            if *first < 0x80 {
                self.input = rest;
                return Ok(u64::from(*first));
            }
        }
        self.long_varint()
    }

    fn long_varint(&mut self) -> Result<u64, Error> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may carry only the top bit of a u64.
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Error("an integer that does not fit 64 bits".to_owned()))
    }

    fn unsigned<T: TryFrom<u64>>(&mut self) -> Result<T, Error> {
        let value = self.varint()?;
        T::try_from(value).map_err(|_| Error(format!("integer {value} out of range")))
    }

    fn signed<T: TryFrom<i64>>(&mut self) -> Result<T, Error> {
        let raw = self.varint()?;
        let value = (raw >> 1) as i64 ^ -((raw & 1) as i64);
        T::try_from(value).map_err(|_| Error(format!("integer {value} out of range")))
    }

    fn length(&mut self) -> Result<usize, Error> {
        self.unsigned()
    }

    fn flag(&mut self, what: &str) -> Result<bool, Error> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(Error(format!("{what} tag {other} is neither 0 nor 1"))),
        }
    }

    fn bytes(&mut self) -> Result<&'de [u8], Error> {
        let len = self.length()?;
        self.take(len)
    }

    fn str(&mut self) -> Result<&'de str, Error> {
        std::str::from_utf8(self.bytes()?)
            .map_err(|_| Error("a string that is not UTF-8".to_owned()))
    }
}

fn not_self_describing() -> Error {
    Error("the table encoding needs the type of each value".to_owned())
}

impl<'de> de::Deserializer<'de> for &mut Decoder<'de> {
    type Error = Error;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(not_self_describing())
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(not_self_describing())
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.flag("bool")?)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i8(self.signed()?)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i16(self.signed()?)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i32(self.signed()?)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(self.signed()?)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u8(self.unsigned()?)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u16(self.unsigned()?)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u32(self.unsigned()?)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(self.varint()?)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f32(f32::from_le_bytes(self.array()?))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_f64(f64::from_le_bytes(self.array()?))
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value: u32 = self.unsigned()?;
        let c =
            char::from_u32(value).ok_or_else(|| Error(format!("{value} is not a character")))?;
        visitor.visit_char(c)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.str()?)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.str()?)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_bytes(self.bytes()?)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_bytes(self.bytes()?)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.flag("option")? {
            visitor.visit_some(self)
        } else {
            visitor.visit_none()
        }
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.length()?;
        visitor.visit_seq(Counted {
            decoder: self,
            left: len,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Counted {
            decoder: self,
            left: len,
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.length()?;
        visitor.visit_map(Counted {
            decoder: self,
            left: len,
        })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(fields.len(), visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(not_self_describing())
    }
}

/// The elements of a sequence, tuple, struct or map: exactly `left` more.
struct Counted<'a, 'de> {
    decoder: &'a mut Decoder<'de>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Counted<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.decoder).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        // Each element takes at least one byte: never promise more
        // elements than there are bytes left.
        Some(self.left.min(self.decoder.input.len()))
    }
}

impl<'de> de::MapAccess<'de> for Counted<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.decoder).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.decoder)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(self.decoder.input.len()))
    }
}

impl<'de> de::EnumAccess<'de> for &mut Decoder<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let index: u32 = self.unsigned()?;
        let value = seed.deserialize(index.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Decoder<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Point,
        Circle(f64),
        Pair(i32, u8),
        Box { w: u16, h: u16 },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        flag: bool,
        small: u8,
        big: u64,
        negative: i64,
        text: String,
        letter: char,
        missing: Option<u32>,
        present: Option<String>,
        list: Vec<Shape>,
        map: BTreeMap<String, Vec<u32>>,
        pair: [f64; 2],
        unit: (),
        date: jiff::civil::Date,
    }

    fn sample() -> Sample {
        Sample {
            flag: true,
            small: 200,
            big: u64::MAX,
            negative: i64::MIN,
            text: "Southampton — Shirley".to_owned(),
            letter: 'é',
            missing: None,
            present: Some(String::new()),
            list: vec![
                Shape::Point,
                Shape::Circle(-0.5),
                Shape::Pair(-7, 7),
                Shape::Box { w: 300, h: 0 },
            ],
            map: BTreeMap::from([("SO16".to_owned(), vec![0, 127, 128, 16_384])]),
            pair: [50.9331, -1.4339],
            unit: (),
            date: jiff::civil::Date::constant(2020, 5, 8),
        }
    }

    #[test]
    fn values_round_trip() {
        let bytes = to_bytes(&sample()).unwrap();
        assert_eq!(from_bytes::<Sample>(&bytes).unwrap(), sample());
    }

    #[test]
    fn sections_are_found_without_decoding_and_each_part_decodes_alone() {
        let parts = vec![
            sample(),
            Sample {
                small: 7,
                ..sample()
            },
        ];
        let mut out = to_bytes(&"head").unwrap();
        let head_len = out.len();
        write_sections(&mut out, &mut Vec::new(), &parts);
        let (head, used) = from_prefix::<String>(&out).unwrap();
        assert_eq!((head.as_str(), used), ("head", head_len));
        let (spans, end) = read_sections(&out, used).unwrap();
        assert_eq!(end, out.len());
        assert_eq!(spans.len(), 2);
        for ((start, end), part) in spans.iter().zip(&parts) {
            let bytes = &out[*start as usize..*end as usize];
            assert_eq!(&from_bytes::<Sample>(bytes).unwrap(), part);
        }
        // Cut short, or a count with nothing behind it: refused.
        assert!(read_sections(&out[..out.len() - 1], used).is_err());
        assert!(read_sections(&[0xff, 0xff, 0xff, 0x7f], 0).is_err());
        assert!(read_sections(&out, out.len() + 1).is_err());
    }

    #[test]
    fn varints_are_leb128() {
        assert_eq!(to_bytes(&0u32).unwrap(), [0]);
        assert_eq!(to_bytes(&127u32).unwrap(), [0x7f]);
        assert_eq!(to_bytes(&128u32).unwrap(), [0x80, 0x01]);
        assert_eq!(to_bytes(&300u16).unwrap(), [0xac, 0x02]);
        assert_eq!(to_bytes(&-1i32).unwrap(), [0x01]);
        assert_eq!(to_bytes(&1i32).unwrap(), [0x02]);
        assert_eq!(to_bytes(&u64::MAX).unwrap().len(), 10);
        assert_eq!(to_bytes("ab").unwrap(), [2, b'a', b'b']);
        assert_eq!(to_bytes(&Some(3u8)).unwrap(), [1, 3]);
    }

    #[test]
    fn malformed_input_is_refused() {
        let bytes = to_bytes(&sample()).unwrap();
        // Every truncation is an error, never a panic.
        for cut in 0..bytes.len() {
            assert!(from_bytes::<Sample>(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(from_bytes::<Sample>(&longer).is_err());
        // A bool that is neither 0 nor 1.
        assert!(from_bytes::<bool>(&[2]).is_err());
        // An option tag that is neither 0 nor 1.
        assert!(from_bytes::<Option<u8>>(&[2, 0]).is_err());
        // Varints: too long, overflowing, out of the type's range.
        assert!(from_bytes::<u64>(&[0xff; 11]).is_err());
        assert!(
            from_bytes::<u64>(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .is_err()
        );
        assert_eq!(
            from_bytes::<u64>(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
                .unwrap(),
            u64::MAX
        );
        assert!(from_bytes::<u8>(&[0x80, 0x02]).is_err());
        // A string that is not UTF-8, and one longer than the input.
        assert!(from_bytes::<String>(&[1, 0xff]).is_err());
        assert!(from_bytes::<String>(&[0xff, 0xff, 0xff, 0xff, 0x0f, b'a']).is_err());
        // A huge count with no elements behind it: an error, not an
        // allocation of that size.
        assert!(from_bytes::<Vec<u64>>(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
        // An enum variant that does not exist.
        assert!(from_bytes::<Shape>(&[9]).is_err());
    }
}
