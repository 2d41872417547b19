//! BSON values printed the way mongoose's `toJSON` prints them.

use mongodb::bson::Bson;

pub use hme_kernel::mongoose::bson_to_json;

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
