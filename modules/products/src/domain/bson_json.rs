//! BSON values printed the way mongoose's `toJSON` prints them.

use mongodb::bson::Bson;

use super::number::js_json_number;

/// ObjectIds as hex, dates as ISO-8601 with milliseconds, numbers as JS prints them,
/// documents and arrays recursively; other types as relaxed Extended JSON.
pub fn bson_to_json(value: &Bson) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Bson::ObjectId(o) => Value::String(o.to_hex()),
        Bson::DateTime(d) => match chrono::DateTime::from_timestamp_millis(d.timestamp_millis()) {
            Some(c) => Value::String(hme_kernel::dates::to_iso_millis(&c)),
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
