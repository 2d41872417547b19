//! The payloads the worker reads, deserialized tolerantly: optional pieces default, a
//! missing required field (`orderId`, `items`, `amount`; `to`; `productId`) makes the event
//! permanent-failed (dead-lettered).

use hme_kernel::events::{EventEnvelope, HandlerError};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Reads `event.data` as `T`; a payload that does not fit is [`HandlerError::Permanent`].
pub fn parse<T: DeserializeOwned>(event: &EventEnvelope) -> Result<T, HandlerError> {
    serde_json::from_value(event.data.clone())
        .map_err(|e| HandlerError::Permanent(format!("{} {}: bad payload: {e}", event.event_type, event.id)))
}

/// Who ordered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// Display name.
    pub name: String,
    /// Email address, when known.
    pub email: Option<String>,
}

/// The delivery address.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// Address id.
    pub id: String,
    /// Recipient.
    pub full_name: String,
    /// Phone.
    pub phone_number: String,
    /// Postal code: a number in `order.created` (migrations-docs/orders.md), a string
    /// from older producers; null is empty.
    #[serde(deserialize_with = "text_or_number")]
    pub pin_code: String,
    /// Street / area.
    pub area: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// The whole address as one line.
    pub text: String,
}

/// A string, or a number as its decimal text, or null as "".
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!("expected a string or a number, found {other}"))),
    }
}

/// One ordered product.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Product id (ObjectId hex).
    pub product_id: String,
    /// Product name.
    #[serde(default)]
    pub name: String,
    /// Unit price.
    #[serde(default)]
    pub unit_price: f64,
    /// Quantity.
    pub quantity: f64,
    /// unitPrice x quantity, when given.
    #[serde(default)]
    pub line_total: Option<f64>,
}

impl Item {
    /// The line total (computed when absent).
    pub fn total(&self) -> f64 {
        self.line_total.unwrap_or(self.unit_price * self.quantity)
    }
}

/// Courier booking.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Courier {
    /// Courier company.
    pub courier_name: Option<String>,
    /// Tracking number.
    pub courier_tracking_number: Option<String>,
    /// Courier status (`Booked`...).
    pub courier_status: Option<String>,
}

/// `order.created`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    /// Order id.
    pub order_id: String,
    /// Clerk user id.
    #[serde(default)]
    pub user_id: String,
    /// The customer.
    #[serde(default)]
    pub customer: Customer,
    /// The delivery address.
    #[serde(default)]
    pub address: Address,
    /// The lines.
    pub items: Vec<Item>,
    /// Shipping fee.
    #[serde(default)]
    pub shipping_fee: f64,
    /// Total, shipping included.
    pub amount: f64,
    /// Order date: epoch milliseconds (legacy) or ISO-8601.
    #[serde(default)]
    pub date: serde_json::Value,
    /// Order status.
    #[serde(default)]
    pub status: String,
    /// `cod`, `jazzcash`...
    #[serde(default)]
    pub payment_method: String,
    /// `pending`, `paid`...
    #[serde(default)]
    pub payment_status: String,
    /// Courier booking.
    #[serde(default)]
    pub courier: Courier,
}

/// `order.status_changed`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChanged {
    /// Order id.
    pub order_id: String,
    /// Clerk user id.
    #[serde(default)]
    pub user_id: String,
    /// The customer.
    #[serde(default)]
    pub customer: Customer,
    /// Previous status.
    #[serde(default)]
    pub from: Option<String>,
    /// New status.
    pub to: String,
    /// Who changed it.
    #[serde(default)]
    pub changed_by: String,
    /// When (ISO-8601 or epoch ms).
    #[serde(default)]
    pub at: serde_json::Value,
}

/// `product.deleted` (migrations-docs/products.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDeleted {
    /// Product id.
    pub product_id: String,
    /// The product's image URLs.
    #[serde(default)]
    pub image_urls: Vec<String>,
}

/// A date as the emails show it: epoch ms or an ISO string to `2025-06-01 10:20 UTC`.
pub fn display_date(v: &serde_json::Value) -> String {
    let parsed = match v {
        serde_json::Value::Number(n) => n.as_f64().and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64)),
        serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&chrono::Utc)),
        _ => None,
    };
    match (parsed, v) {
        (Some(d), _) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        (None, serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Address;

    #[test]
    fn the_pin_code_is_read_as_orders_sends_it_a_number_or_null_and_as_a_string() {
        let read = |v: serde_json::Value| serde_json::from_value::<Address>(serde_json::json!({"pinCode": v})).unwrap().pin_code;
        assert_eq!(read(serde_json::json!(54000)), "54000");
        assert_eq!(read(serde_json::json!("54000")), "54000");
        assert_eq!(read(serde_json::Value::Null), "");
        assert_eq!(serde_json::from_value::<Address>(serde_json::json!({})).unwrap().pin_code, "");
        assert!(serde_json::from_value::<Address>(serde_json::json!({"pinCode": [1]})).is_err());
    }
}
