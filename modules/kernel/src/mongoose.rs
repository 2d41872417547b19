//! BSON and JSON the way mongoose writes and prints them, shared by every module that
//! reads or writes the legacy collections.
//!
//! A mongoose `Number` path may hold a BSON int32, int64 or double; all three are read.
//! Writing follows the JS BSON serializer: an integer that fits int32 is stored as
//! Int32, anything else as Double, so a mongoose load-and-save rewrites nothing.
//! JSON output follows `JSON.stringify`: integers print without a fraction.

use mongodb::bson::Bson;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest integer a double holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A JS number.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct JsNumber(pub f64);

impl JsNumber {
    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }

    /// Reads a BSON number (int32, int64, double, or a numeric string as mongoose
    /// would cast it). None for anything else.
    pub fn from_bson(value: &Bson) -> Option<Self> {
        match value {
            Bson::Int32(i) => Some(Self(f64::from(*i))),
            // int64 beyond 2^53 loses precision exactly as in JS (promoteLongs).
            #[allow(clippy::cast_precision_loss)]
            Bson::Int64(i) => Some(Self(*i as f64)),
            Bson::Double(d) => Some(Self(*d)),
            Bson::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Self),
            _ => None,
        }
    }

    /// The BSON the JS driver would write: Int32 when integral and in range, else Double.
    pub fn to_bson(self) -> Bson {
        let v = self.0;
        if v.fract() == 0.0 && v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) && !(v == 0.0 && v.is_sign_negative()) {
            #[allow(clippy::cast_possible_truncation)]
            return Bson::Int32(v as i32);
        }
        Bson::Double(v)
    }

    /// The integer value when the number is integral and exactly representable.
    #[allow(clippy::cast_possible_truncation)]
    pub fn as_safe_integer(self) -> Option<i64> {
        (self.0.is_finite() && self.0.fract() == 0.0 && self.0.abs() <= MAX_SAFE).then_some(self.0 as i64)
    }
}

impl From<f64> for JsNumber {
    fn from(v: f64) -> Self {
        Self(v)
    }
}

/// The JSON value `JSON.stringify` would print.
pub fn js_json_number(v: f64) -> serde_json::Value {
    match JsNumber(v).as_safe_integer() {
        Some(i) => serde_json::Value::from(i),
        None => serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number),
    }
}

impl Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_safe_integer() {
            Some(i) => s.serialize_i64(i),
            None if self.0.is_finite() => s.serialize_f64(self.0),
            None => s.serialize_none(),
        }
    }
}

struct JsNumberVisitor;

impl Visitor<'_> for JsNumberVisitor {
    type Value = JsNumber;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number (int32, int64 or double)")
    }
    fn visit_i32<E: de::Error>(self, v: i32) -> Result<JsNumber, E> {
        Ok(JsNumber(f64::from(v)))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsNumber, E> {
        Ok(JsNumber(v as f64))
    }
    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsNumber, E> {
        Ok(JsNumber(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsNumber, E> {
        Ok(JsNumber(v))
    }
}

impl<'de> Deserialize<'de> for JsNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsNumberVisitor)
    }
}

/// ObjectIds as hex, dates as ISO-8601 with milliseconds, numbers as JS prints them,
/// documents and arrays recursively; other types as relaxed Extended JSON.
pub fn bson_to_json(value: &Bson) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Bson::ObjectId(o) => Value::String(o.to_hex()),
        Bson::DateTime(d) => match chrono::DateTime::from_timestamp_millis(d.timestamp_millis()) {
            Some(c) => Value::String(crate::dates::to_iso_millis(&c)),
            None => Value::Null,
        },
        Bson::Int32(i) => Value::from(*i),
        Bson::Int64(i) => Value::from(*i),
        Bson::Double(f) => js_json_number(*f),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Array(items) => Value::Array(items.iter().map(bson_to_json).collect()),
        Bson::Document(d) => Value::Object(d.iter().map(|(k, v)| (k.clone(), bson_to_json(v))).collect()),
        other => other.clone().into_relaxed_extjson(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_like_the_js_bson_serializer() {
        assert_eq!(JsNumber(5.0).to_bson(), Bson::Int32(5));
        assert_eq!(JsNumber(1999.5).to_bson(), Bson::Double(1999.5));
        assert_eq!(JsNumber(3_000_000_000.0).to_bson(), Bson::Double(3_000_000_000.0));
    }

    #[test]
    fn int32_int64_and_double_are_all_read() {
        for b in [Bson::Int32(7), Bson::Int64(7), Bson::Double(7.0)] {
            assert_eq!(JsNumber::from_bson(&b), Some(JsNumber(7.0)));
            let via_serde: JsNumber = mongodb::bson::from_bson(b).unwrap_or_default();
            assert_eq!(via_serde, JsNumber(7.0));
        }
    }

    #[test]
    fn integers_print_without_a_fraction() {
        assert_eq!(serde_json::to_string(&JsNumber(100.0)).unwrap_or_default(), "100");
        assert_eq!(serde_json::to_string(&JsNumber(99.5)).unwrap_or_default(), "99.5");
    }
}
