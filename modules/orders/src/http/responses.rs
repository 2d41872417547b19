//! Response bodies (legacy shapes) as OpenAPI schemas.

#![allow(dead_code)]

use utoipa::ToSchema;

/// The legacy failure envelope, shared by every module.
pub use hme_kernel::openapi::ErrorBody;

/// The courier booking of a new order.
#[derive(ToSchema)]
pub struct CourierJson {
    /// The courier asked for, or null.
    #[serde(rename = "courierName")]
    courier_name: Option<String>,
    /// `<COURIER>-<8 digits>`, or null without a courier.
    #[serde(rename = "courierTrackingNumber")]
    courier_tracking_number: Option<String>,
    /// Always "Booked".
    #[serde(rename = "courierStatus")]
    courier_status: String,
}

/// `{success, message:"Order Placed", courier, orderId}`.
#[derive(ToSchema)]
pub struct CreatedBody {
    /// Always true.
    success: bool,
    /// "Order Placed".
    message: String,
    /// The courier booking.
    courier: CourierJson,
    /// The new order's `_id` (hme addition).
    #[serde(rename = "orderId")]
    order_id: String,
}

/// An order as mongoose serializes it after `populate('address items.product')`: each
/// `items[].product` is the referenced document, or null when it no longer exists;
/// `address` is always an object with `fullName, area, city, state, phoneNumber`
/// (the address document; empty strings when it was deleted; parsed from the text of a
/// JazzCash order). Dates are ISO-8601 with milliseconds; `__v` is kept.
#[derive(ToSchema)]
#[schema(as = Order)]
pub struct OrderJson {
    _id: String,
    #[serde(rename = "userId")]
    user_id: String,
    /// `[{product: Product|null, quantity, _id}]`
    #[schema(value_type = Vec<Object>)]
    items: Vec<serde_json::Value>,
    /// PKR, shipping included.
    amount: f64,
    /// The address object (never null).
    #[schema(value_type = Object)]
    address: serde_json::Value,
    status: String,
    date: String,
    #[serde(rename = "courierName")]
    courier_name: Option<String>,
    #[serde(rename = "courierTrackingNumber")]
    courier_tracking_number: Option<String>,
    #[serde(rename = "courierStatus")]
    courier_status: Option<String>,
    /// `{bookedAt, courier}`; absent without a courier.
    #[serde(rename = "courierMeta")]
    #[schema(value_type = Option<Object>)]
    courier_meta: Option<serde_json::Value>,
    #[serde(rename = "paymentMethod")]
    payment_method: String,
    #[serde(rename = "paymentStatus")]
    payment_status: String,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "updatedAt")]
    updated_at: String,
    __v: i32,
}

/// `{success, orders}`.
#[derive(ToSchema)]
pub struct OrdersBody {
    /// Always true.
    success: bool,
    /// The orders, in natural (insertion) order: oldest first.
    orders: Vec<OrderJson>,
}

/// `{success, message, orderId, status}`.
#[derive(ToSchema)]
pub struct StatusChangedBody {
    /// Always true.
    success: bool,
    /// "Order status updated".
    message: String,
    /// The order.
    #[serde(rename = "orderId")]
    order_id: String,
    /// Its new status.
    status: String,
}

/// `{success, gatewayUrl, fields, orderId, amount}`.
#[derive(ToSchema)]
pub struct CheckoutBodyJson {
    /// Always true.
    success: bool,
    /// Where the browser posts `fields`.
    #[serde(rename = "gatewayUrl")]
    gateway_url: String,
    /// The `pp_*` fields, `pp_SecureHash` included.
    #[schema(value_type = Object)]
    fields: std::collections::BTreeMap<String, String>,
    /// The pending order (hme addition).
    #[serde(rename = "orderId")]
    order_id: String,
    /// The amount computed on the server, PKR (hme addition).
    amount: f64,
}

/// `{success, status, currentLocation, history, trackingNumber}`.
#[derive(ToSchema)]
pub struct TrackingBody {
    /// Always true.
    success: bool,
    /// The courier's status verbatim, "In Transit" when it states none, or "Pending
    /// booking".
    status: String,
    /// Where the shipment is; "Sorting Hub" when the courier states nothing.
    #[serde(rename = "currentLocation")]
    current_location: String,
    /// `[{date, time, remarks, location, ...every field the courier sent}]`, latest
    /// first; `[]` when none.
    #[schema(value_type = Vec<Object>)]
    history: Vec<serde_json::Value>,
    /// The number asked about (hme addition).
    #[serde(rename = "trackingNumber")]
    tracking_number: String,
}
