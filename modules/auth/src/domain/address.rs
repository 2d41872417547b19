//! An `addresses` document, and the validation of a new one.

use hme_auth_contract::CustomerAddress;
use hme_kernel::ApiError;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::bson_json::{bson_to_json, bson_whole};

/// Longest accepted text field, in characters.
const MAX_FIELD: usize = 200;

/// The `address` object of `POST /api/user/add-address`, as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    /// The recipient.
    #[schema(value_type = String)]
    pub full_name: Option<Value>,
    /// A phone number (string; a number is accepted).
    #[schema(value_type = String)]
    pub phone_number: Option<Value>,
    /// Digits, as a number or a string.
    #[schema(value_type = String)]
    pub pin_code: Option<Value>,
    /// Street and area.
    #[schema(value_type = String)]
    pub area: Option<Value>,
    /// City.
    #[schema(value_type = String)]
    pub city: Option<Value>,
    /// State or province.
    #[schema(value_type = String)]
    pub state: Option<Value>,
}

fn text(value: &Option<Value>, field: &str) -> Result<String, ApiError> {
    let s = match value {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if s.is_empty() {
        return Err(ApiError::bad_request(format!("Invalid address: {field} is required")));
    }
    if s.chars().count() > MAX_FIELD {
        return Err(ApiError::bad_request(format!("Invalid address: {field} is longer than {MAX_FIELD} characters")));
    }
    hme_kernel::text::check(&s, field, false).map_err(|e| ApiError::bad_request(format!("Invalid address: {e}")))?;
    Ok(s)
}

fn pin_code(value: &Option<Value>) -> Result<Option<i32>, ApiError> {
    let bad = || ApiError::bad_request("Invalid address: pinCode must be digits");
    let digits = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()).ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    if digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits.parse::<i32>().map(Some).map_err(|_| bad())
}

/// An `addresses` document as stored, kept whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Address(pub Document);

impl AddressInput {
    /// Validates and trims the fields; `pinCode` becomes a number (int32, as mongoose
    /// casts and stores it). Fails with a 400 naming the field.
    pub fn into_address(&self, user_id: &str) -> Result<Address, ApiError> {
        let mut d = doc! {
            "_id": ObjectId::new(),
            "userId": user_id,
            "fullName": text(&self.full_name, "fullName")?,
            "phoneNumber": text(&self.phone_number, "phoneNumber")?,
        };
        if let Some(pin) = pin_code(&self.pin_code)? {
            d.insert("pinCode", pin);
        }
        d.insert("area", text(&self.area, "area")?);
        d.insert("city", text(&self.city, "city")?);
        d.insert("state", text(&self.state, "state")?);
        d.insert("__v", 0);
        Ok(Address(d))
    }
}

impl Address {
    /// The `_id` (a fresh one when the stored `_id` is not an ObjectId).
    pub fn id(&self) -> Option<ObjectId> {
        self.0.get_object_id("_id").ok()
    }

    /// The owner.
    pub fn user_id(&self) -> &str {
        self.0.get_str("userId").unwrap_or_default()
    }

    /// As mongoose's `toJSON` prints it.
    pub fn to_json(&self) -> Value {
        bson_to_json(&Bson::Document(self.0.clone()))
    }

    /// As the [`hme_auth_contract::Customers`] port hands it out.
    pub fn to_customer(&self) -> CustomerAddress {
        let s = |k: &str| self.0.get_str(k).unwrap_or_default().to_owned();
        CustomerAddress {
            id: self.id().map(|o| o.to_hex()).unwrap_or_default(),
            user_id: s("userId"),
            full_name: s("fullName"),
            phone_number: s("phoneNumber"),
            pin_code: self.0.get("pinCode").and_then(bson_whole),
            area: s("area"),
            city: s("city"),
            state: s("state"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> AddressInput {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn fields_are_trimmed_and_the_pin_code_becomes_a_number() {
        let a = input(json!({"fullName": "  Ada  ", "phoneNumber": "0300 1234567", "pinCode": " 54000 ", "area": "Gulberg", "city": "Lahore", "state": "Punjab"}));
        let d = a.into_address("user_1").map(|a| a.0).unwrap_or_default();
        assert_eq!(d.get_str("fullName").ok(), Some("Ada"));
        assert_eq!(d.get_i32("pinCode").ok(), Some(54000));
        let a = input(json!({"fullName": "Ada", "phoneNumber": 300, "pinCode": 54000, "area": "a", "city": "c", "state": "s"}));
        assert!(a.into_address("u").is_ok());
    }

    #[test]
    fn missing_fields_and_bad_pin_codes_are_refused() {
        let ok = json!({"fullName": "Ada", "phoneNumber": "1", "pinCode": "54000", "area": "a", "city": "c", "state": "s"});
        for (k, v) in [("fullName", json!("   ")), ("city", Value::Null), ("pinCode", json!("54a00")), ("pinCode", json!(-1)), ("pinCode", json!("1234567890")), ("state", json!({"$ne": 1}))] {
            let mut b = ok.clone();
            b[k] = v;
            assert!(input(b).into_address("u").is_err(), "{k}");
        }
    }
}
