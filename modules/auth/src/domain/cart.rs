//! Cart validation: `{<productId>: <quantity>}` with 24-hex ids and positive whole
//! quantities, a bounded number of lines.

use hme_kernel::ApiError;
use mongodb::bson::Document;
use serde_json::Value;

use super::bson_json::js_bson_int;

/// Largest quantity of one line.
pub const MAX_QUANTITY: i64 = 10_000;

fn is_hex24(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks `cartData` and returns it as the BSON document to store (quantities as
/// int32, as mongoose stores whole numbers). Fails with a 400 naming the problem.
pub fn validate_cart(cart: &Value, max_lines: usize) -> Result<Document, ApiError> {
    let Value::Object(lines) = cart else {
        return Err(ApiError::bad_request("Invalid input: cartData must be an object of {productId: quantity}"));
    };
    if lines.len() > max_lines {
        return Err(ApiError::bad_request(format!("Invalid input: a cart holds at most {max_lines} products")));
    }
    let mut out = Document::new();
    for (id, qty) in lines {
        if !is_hex24(id) {
            return Err(ApiError::bad_request("Invalid product ID: expected a 24-character hex id"));
        }
        let whole = match qty {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64)),
            _ => None,
        };
        match whole {
            Some(q) if (1..=MAX_QUANTITY).contains(&q) => {
                out.insert(id.clone(), js_bson_int(q));
            }
            _ => return Err(ApiError::bad_request(format!("Invalid quantity for {id}: expected a whole number from 1 to {MAX_QUANTITY}"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_cart_is_stored_with_int32_quantities() {
        let d = validate_cart(&json!({"665f1c2b9a1e4b0012345678": 2, "665f1c2b9a1e4b0012345679": 3.0}), 10).unwrap_or_default();
        assert_eq!(d.get_i32("665f1c2b9a1e4b0012345678").ok(), Some(2));
        assert_eq!(d.get_i32("665f1c2b9a1e4b0012345679").ok(), Some(3));
    }

    #[test]
    fn bad_ids_quantities_and_shapes_are_refused() {
        for bad in [json!([]), json!({"abc": 1}), json!({"665f1c2b9a1e4b0012345678": 0}), json!({"665f1c2b9a1e4b0012345678": -1}),
            json!({"665f1c2b9a1e4b0012345678": 1.5}), json!({"665f1c2b9a1e4b0012345678": "2"}), json!({"665f1c2b9a1e4b0012345678": 10_001})] {
            assert!(validate_cart(&bad, 10).is_err(), "{bad}");
        }
        let many: serde_json::Map<String, Value> = (0..11).map(|i| (format!("665f1c2b9a1e4b00123456{i:02}"), json!(1))).collect();
        assert!(validate_cart(&Value::Object(many), 10).is_err());
    }
}
