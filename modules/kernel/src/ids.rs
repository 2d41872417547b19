//! Identifiers: MongoDB ObjectIds as 24-hex strings, validated at the edge.

use mongodb::bson::oid::ObjectId;

use crate::ApiError;

/// Parse a 24-hex ObjectId given by a client; `what` names the field in the 400 message.
pub fn parse_object_id(value: &str, what: &str) -> Result<ObjectId, ApiError> {
    // decoded here: the driver's `parse_str` goes through a Vec (a third of a cached
    // product request's id handling, callgrind)
    let digits = value.trim().as_bytes();
    let mut bytes = [0u8; 12];
    let decoded = digits.len() == 24
        && bytes.iter_mut().zip(digits.chunks_exact(2)).all(|(byte, pair)| match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(high), Some(low)) => {
                *byte = high << 4 | low;
                true
            }
            _ => false,
        });
    if !decoded {
        return Err(ApiError::bad_request(format!("Invalid {what}: expected a 24-character hex id")));
    }
    Ok(ObjectId::from_bytes(bytes))
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The id's 24 lowercase hex digits appended to `out` (as `ObjectId::to_hex`, without
/// its own String).
pub fn push_hex(out: &mut String, id: &ObjectId) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in id.bytes() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
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
