//! BSON values printed the way mongoose's `toJSON` prints them.

use mongodb::bson::Bson;
use serde_json::Value;

/// A double as JavaScript prints it in JSON: whole values without a fraction.
fn js_number(f: f64) -> Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        // Whole and exactly representable: JS prints it without `.0`.
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// ObjectIds as hex, dates as ISO-8601 with milliseconds, numbers as JS prints them,
/// documents and arrays recursively; other types as relaxed Extended JSON.
pub fn bson_to_json(value: &Bson) -> Value {
    match value {
        Bson::ObjectId(o) => Value::String(o.to_hex()),
        Bson::DateTime(d) => match chrono::DateTime::from_timestamp_millis(d.timestamp_millis()) {
            Some(c) => Value::String(hme_kernel::dates::to_iso_millis(&c)),
            None => Value::Null,
        },
        Bson::Int32(i) => Value::from(*i),
        Bson::Int64(i) => Value::from(*i),
        Bson::Double(f) => js_number(*f),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Array(items) => Value::Array(items.iter().map(bson_to_json).collect()),
        Bson::Document(d) => Value::Object(d.iter().map(|(k, v)| (k.clone(), bson_to_json(v))).collect()),
        other => other.clone().into_relaxed_extjson(),
    }
}

/// A BSON number (int32, int64 or double) as an i64 when it is whole.
pub fn bson_whole(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        #[allow(clippy::cast_possible_truncation)]
        Bson::Double(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        _ => None,
    }
}

/// A whole number as mongoose (js-bson) stores it: int32 when it fits, else double.
pub fn js_bson_int(n: i64) -> Bson {
    match i32::try_from(n) {
        Ok(i) => Bson::Int32(i),
        #[allow(clippy::cast_precision_loss)]
        Err(_) => Bson::Double(n as f64),
    }
}
