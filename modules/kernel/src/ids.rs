//! Identifiers: MongoDB ObjectIds as 24-hex strings, validated at the edge.

use mongodb::bson::oid::ObjectId;

use crate::ApiError;

/// Parse a 24-hex ObjectId given by a client; `what` names the field in the 400 message.
pub fn parse_object_id(value: &str, what: &str) -> Result<ObjectId, ApiError> {
    let trimmed = value.trim();
    if trimmed.len() != 24 || !trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(format!("Invalid {what}: expected a 24-character hex id")));
    }
    ObjectId::parse_str(trimmed).map_err(|_| ApiError::bad_request(format!("Invalid {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_must_be_24_hex_characters() {
        assert!(parse_object_id("665f1c2b9a1e4b0012345678", "product ID").is_ok());
        for bad in ["", "123", "zz5f1c2b9a1e4b0012345678", "665f1c2b9a1e4b00123456789", "{\"$gt\":\"\"}"] {
            let err = parse_object_id(bad, "product ID").err();
            assert_eq!(err.map(|e| e.kind()), Some(crate::error::ErrorKind::BadRequest), "{bad}");
        }
    }
}
