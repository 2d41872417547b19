//! The payloads of `order.created` and `order.status_changed` (JSON Schemas in
//! migrations-docs/orders.md).

use chrono::{DateTime, Utc};
use hme_kernel::dates::to_iso_millis;
use hme_kernel::events::EventEnvelope;
use hme_kernel::mongoose::js_json_number;
use hme_kernel::ports::{CustomerAddress, CustomerProfile};
use serde_json::{json, Value};

use super::order::NewOrder;

/// The event type of a placed order.
pub const ORDER_CREATED: &str = "order.created";
/// The event type of a status change.
pub const ORDER_STATUS_CHANGED: &str = "order.status_changed";

fn customer(profile: Option<&CustomerProfile>) -> Value {
    json!({"name": profile.map(|p| p.name.clone()), "email": profile.map(|p| p.email.clone()).filter(|e| !e.is_empty())})
}

/// The address on one line: `Full Name, Area, City, State PIN, phone 0300...`.
pub fn address_text(a: &CustomerAddress) -> String {
    let mut parts = vec![a.full_name.clone(), a.area.clone(), a.city.clone()];
    parts.push(match a.pin_code {
        Some(pin) => format!("{} {pin}", a.state),
        None => a.state.clone(),
    });
    parts.push(format!("phone {}", a.phone_number));
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(", ")
}

/// `order.created`: everything the legacy emails need, without another lookup.
pub fn order_created(order: &NewOrder, profile: Option<&CustomerProfile>) -> EventEnvelope {
    let a = &order.address;
    let items: Vec<Value> = order
        .lines
        .iter()
        .map(|l| {
            let qty = f64::from(l.line.quantity);
            json!({"productId": l.line.product_id, "name": l.name, "unitPrice": js_json_number(l.unit_price), "quantity": l.line.quantity, "lineTotal": js_json_number(l.unit_price * qty)})
        })
        .collect();
    let data = json!({
        "orderId": order.id.to_hex(),
        "userId": order.user_id,
        "customer": customer(profile),
        "address": {"id": a.id, "fullName": a.full_name, "phoneNumber": a.phone_number, "pinCode": a.pin_code, "area": a.area, "city": a.city, "state": a.state, "text": address_text(a)},
        "items": items,
        "shippingFee": js_json_number(order.shipping_fee),
        "amount": js_json_number(order.amount),
        "date": to_iso_millis(&order.date),
        "status": "Order Placed",
        "paymentMethod": order.payment_method,
        "paymentStatus": "pending",
        "courier": {"courierName": order.courier.name, "courierTrackingNumber": order.courier.tracking_number, "courierStatus": "Booked"},
    });
    let mut e = EventEnvelope::new(ORDER_CREATED, data);
    e.occurred_at = order.date;
    e
}

/// What changed in a status change.
#[derive(Debug, Clone)]
pub struct StatusChange<'a> {
    /// The order's `_id` hex.
    pub order_id: &'a str,
    /// The customer.
    pub user_id: &'a str,
    /// The status before.
    pub from: &'a str,
    /// The status after.
    pub to: &'a str,
    /// Who changed it (user id).
    pub changed_by: &'a str,
    /// When.
    pub at: DateTime<Utc>,
}

/// `order.status_changed`.
pub fn status_changed(c: &StatusChange<'_>, profile: Option<&CustomerProfile>) -> EventEnvelope {
    let data = json!({
        "orderId": c.order_id, "userId": c.user_id, "customer": customer(profile), "from": c.from, "to": c.to,
        "changedBy": c.changed_by, "at": to_iso_millis(&c.at),
    });
    let mut e = EventEnvelope::new(ORDER_STATUS_CHANGED, data);
    e.occurred_at = c.at;
    e
}
