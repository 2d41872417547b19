//! Identifiers: MongoDB ObjectIds as 24-hex strings, validated at the edge.

use mongodb::bson::oid::ObjectId;

use crate::ApiError;

/// Parse a 24-hex ObjectId given by a client; `what` names the field in the 400 message.
pub fn parse_object_id(value: &str, what: &str) -> Result<ObjectId, ApiError> {
    // decoded into the id's bytes: the driver's `parse_str` goes through a Vec (a third
    // of a cached product request's id handling, callgrind)
    let mut bytes = [0u8; 12];
    if hex::decode_to_slice(value.trim(), &mut bytes).is_err() {
        return Err(ApiError::bad_request(format!("Invalid {what}: expected a 24-character hex id")));
    }
    Ok(ObjectId::from_bytes(bytes))
}

/// The id's 24 lowercase hex digits appended to `out` (as `ObjectId::to_hex`, without
/// its own String).
pub fn push_hex(out: &mut String, id: &ObjectId) {
    let mut digits = [0u8; 24];
    if hex::encode_to_slice(id.bytes(), &mut digits).is_ok() {
        out.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_must_be_24_hex_characters() {
        assert!(parse_object_id("665f1c2b9a1e4b0012345678", "product ID").is_ok());
        for good in ["665f1c2b9a1e4b0012345678", "665F1C2B9A1E4B00123456AB", " 0123456789abcdefABCDEF00 "] {
            let id = parse_object_id(good, "product ID").expect(good);
            assert_eq!(id, ObjectId::parse_str(good.trim()).unwrap(), "{good}");
            let mut hex = String::from("item:");
            push_hex(&mut hex, &id);
            assert_eq!(hex, format!("item:{}", id.to_hex()));
        }
        for bad in ["", "123", "zz5f1c2b9a1e4b0012345678", "665f1c2b9a1e4b00123456789", "{\"$gt\":\"\"}", "665f1c2b9a1e4b001234567g", "665f1c2b9a1e4b00123456é"] {
            let err = parse_object_id(bad, "product ID").err();
            assert_eq!(err.map(|e| e.kind()), Some(crate::error::ErrorKind::BadRequest), "{bad}");
        }
    }
}
