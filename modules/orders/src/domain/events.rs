//! The payloads of `order.created` and `order.status_changed` (JSON Schemas in
//! migrations-docs/orders.md).

use chrono::{DateTime, Utc};
use hme_kernel::dates::to_iso_millis;
use hme_kernel::events::{payloads, EventEnvelope};
use hme_auth_contract::{CustomerAddress, CustomerProfile};
use serde_json::Value;

use super::order::NewOrder;

pub use hme_kernel::events::payloads::{ORDER_CREATED, ORDER_STATUS_CHANGED};

fn customer(profile: Option<&CustomerProfile>) -> payloads::Customer {
    payloads::Customer { name: profile.map(|p| p.name.clone()).filter(|n| !n.is_empty()), email: profile.map(|p| p.email.clone()).filter(|e| !e.is_empty()) }
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
    let items = order
        .lines
        .iter()
        .map(|l| {
            let qty = f64::from(l.line.quantity);
            payloads::Item { product_id: l.line.product_id.clone(), name: l.name.clone(), unit_price: l.unit_price, quantity: qty, line_total: Some(l.unit_price * qty) }
        })
        .collect();
    let data = payloads::OrderCreated {
        order_id: order.id.to_hex(),
        user_id: order.user_id.clone(),
        customer: customer(profile),
        address: payloads::Address {
            id: Some(a.id.clone()),
            full_name: Some(a.full_name.clone()),
            phone_number: Some(a.phone_number.clone()),
            pin_code: a.pin_code.map(payloads::PinCode::Number),
            area: Some(a.area.clone()),
            city: Some(a.city.clone()),
            state: Some(a.state.clone()),
            text: Some(address_text(a)),
        },
        items,
        shipping_fee: order.shipping_fee,
        amount: order.amount,
        date: Value::String(to_iso_millis(&order.date)),
        status: "Order Placed".to_owned(),
        payment_method: order.payment_method.to_owned(),
        payment_status: "pending".to_owned(),
        courier: payloads::Courier { courier_name: order.courier.name.clone(), courier_tracking_number: order.courier.tracking_number.clone(), courier_status: Some("Booked".to_owned()) },
    };
    let mut e = EventEnvelope::new(ORDER_CREATED, payloads::data(&data));
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
    let data = payloads::StatusChanged {
        order_id: c.order_id.to_owned(),
        user_id: c.user_id.to_owned(),
        customer: customer(profile),
        from: Some(c.from.to_owned()),
        to: c.to.to_owned(),
        changed_by: c.changed_by.to_owned(),
        at: Value::String(to_iso_millis(&c.at)),
    };
    let mut e = EventEnvelope::new(ORDER_STATUS_CHANGED, payloads::data(&data));
    e.occurred_at = c.at;
    e
}
