//! The one definition of each event's `data`: the producer (orders, products) builds
//! these types and every consumer (the worker's handlers, the courier retry) reads the
//! same types. Every field that a producer can leave absent or null is an `Option` or
//! has a default, so a consumer refuses only data that can never be processed
//! (documented in migrations-docs/events.md).

use serde::{Deserialize, Serialize};

/// Serializes a number the way JavaScript prints it (`11250`, not `11250.0`).
fn js_number<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    crate::mongoose::js_json_number(*v).serialize(s)
}

/// A postal code as producers send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PinCode {
    /// `54000` (orders).
    Number(i64),
    /// `"54000"` (older producers).
    Text(String),
}

impl std::fmt::Display for PinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// The event type of a placed order.
pub const ORDER_CREATED: &str = "order.created";
/// The event type of a status change.
pub const ORDER_STATUS_CHANGED: &str = "order.status_changed";
/// The event type of a deleted product.
pub const PRODUCT_DELETED: &str = "product.deleted";
/// The event type of a courier booking to retry.
pub const COURIER_BOOKING_REQUESTED: &str = "courier.booking_requested";

/// Who ordered: both null when the customer has no profile yet (the Clerk webhook has
/// not arrived; the embedded default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// Display name, when known.
    pub name: Option<String>,
    /// Email address, when known.
    pub email: Option<String>,
}

/// The delivery address. A JazzCash order's address is free text: only `text` (and
/// maybe `id`) is set then.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// Address id (24 hex), or the free text a JazzCash checkout stored.
    pub id: Option<String>,
    /// Recipient.
    pub full_name: Option<String>,
    /// Phone.
    pub phone_number: Option<String>,
    /// Postal code: a number from orders, a string from older producers, or null.
    pub pin_code: Option<PinCode>,
    /// Street / area.
    pub area: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// The whole address as one line.
    pub text: Option<String>,
}

/// One ordered product (its product may have been deleted since).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Product id (ObjectId hex).
    pub product_id: String,
    /// Product name.
    #[serde(default)]
    pub name: String,
    /// Unit price.
    #[serde(default, serialize_with = "js_number")]
    pub unit_price: f64,
    /// Quantity.
    #[serde(serialize_with = "js_number")]
    pub quantity: f64,
    /// unitPrice x quantity, when given.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "opt_js_number")]
    pub line_total: Option<f64>,
}

#[allow(clippy::ref_option)]
fn opt_js_number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(crate::mongoose::js_json_number).serialize(s)
}

impl Item {
    /// The line total (computed when absent).
    pub fn total(&self) -> f64 {
        self.line_total.unwrap_or(self.unit_price * self.quantity)
    }
}

/// Courier booking; every field null without a courier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Courier {
    /// Courier company.
    pub courier_name: Option<String>,
    /// Tracking number.
    pub courier_tracking_number: Option<String>,
    /// Courier status (`Booked`...).
    pub courier_status: Option<String>,
}

/// `order.created`: everything the legacy emails need, without another lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    /// Order id.
    pub order_id: String,
    /// Clerk user id.
    #[serde(default)]
    pub user_id: String,
    /// The customer (null fields without a profile).
    #[serde(default)]
    pub customer: Customer,
    /// The delivery address.
    #[serde(default)]
    pub address: Address,
    /// The lines.
    pub items: Vec<Item>,
    /// Shipping fee.
    #[serde(default, serialize_with = "js_number")]
    pub shipping_fee: f64,
    /// Total, shipping included.
    #[serde(serialize_with = "js_number")]
    pub amount: f64,
    /// Order date: ISO-8601 (epoch milliseconds from the legacy).
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChanged {
    /// Order id.
    pub order_id: String,
    /// Clerk user id.
    #[serde(default)]
    pub user_id: String,
    /// The customer (null fields without a profile).
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

/// `product.deleted`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDeleted {
    /// Product id.
    pub product_id: String,
    /// The seller.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The product's image URLs.
    #[serde(default)]
    pub image_urls: Vec<String>,
    /// Their Cloudinary public ids, where known.
    #[serde(default)]
    pub public_ids: Vec<String>,
}

/// `courier.booking_requested`: a paid order whose courier booking must be retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingRequested {
    /// Order id.
    pub order_id: String,
    /// The tracking number shown until the courier answers.
    #[serde(default)]
    pub provisional_tracking_number: Option<String>,
}

/// Reads `data` as `T`; a mismatch is a message for a dead letter.
pub fn read<T: serde::de::DeserializeOwned>(event: &super::EventEnvelope) -> Result<T, String> {
    serde_json::from_value(event.data.clone()).map_err(|e| format!("{} {}: bad payload: {e}", event.event_type, event.id))
}

/// `data` of a payload (its JSON object).
pub fn data<T: Serialize>(payload: &T) -> serde_json::Value {
    serde_json::to_value(payload).unwrap_or(serde_json::Value::Null)
}
