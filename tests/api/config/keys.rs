//! The setting keys `Settings` reads, found from the code itself: a deserializer that
//! answers every struct with its declared fields and records each leaf's dotted key
//! (what `config` would look up), so a field added to any settings struct shows up here.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

/// Every leaf key of `T` (e.g. `orders.payments.base_url`), sorted.
pub fn leaf_keys<'de, T: Deserialize<'de>>() -> BTreeSet<String> {
    let keys = RefCell::new(BTreeSet::new());
    T::deserialize(Probe { path: String::new(), keys: &keys }).unwrap_or_else(|e| panic!("probing the settings: {e}"));
    keys.into_inner()
}

/// Deserializes the value at `path`, recording it when it is a leaf.
struct Probe<'k> {
    path: String,
    keys: &'k RefCell<BTreeSet<String>>,
}

impl Probe<'_> {
    fn leaf(&self) {
        self.keys.borrow_mut().insert(self.path.clone());
    }
}

macro_rules! leaf {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.leaf();
            visitor.$visit($($value)?)
        })*
    };
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = Error;

    leaf! {
        deserialize_any => visit_unit(),
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_u64(0),
        deserialize_i16 => visit_u64(0),
        deserialize_i32 => visit_u64(0),
        deserialize_i64 => visit_u64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_u64(0),
        deserialize_f64 => visit_u64(0),
        deserialize_char => visit_char('x'),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
        deserialize_unit => visit_unit(),
        deserialize_seq => visit_seq(SeqDeserializer::<std::iter::Empty<()>, Error>::new(std::iter::empty())),
        deserialize_map => visit_map(MapDeserializer::<std::iter::Empty<((), ())>, Error>::new(std::iter::empty())),
        deserialize_identifier => visit_str(""),
        deserialize_ignored_any => visit_unit(),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Fields { probe: self, fields: fields.iter() })
    }
    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, variants: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        self.leaf();
        visitor.visit_enum(variants.first().copied().unwrap_or_default().into_deserializer())
    }
}

/// A struct's declared fields, each answered by a probe one level down.
struct Fields<'k> {
    probe: Probe<'k>,
    fields: std::slice::Iter<'static, &'static str>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some(field) = self.fields.clone().next() else { return Ok(None) };
        seed.deserialize((*field).into_deserializer()).map(Some)
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let field = self.fields.next().copied().unwrap_or_default();
        let path = if self.probe.path.is_empty() { field.to_owned() } else { format!("{}.{field}", self.probe.path) };
        seed.deserialize(Probe { path, keys: self.probe.keys })
    }
}
