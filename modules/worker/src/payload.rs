//! The payloads the worker reads: the kernel's one definition of each event
//! ([`hme_kernel::events::payloads`]), which the producers build. Optional pieces
//! default; only data that can never be processed (not JSON of the type: a missing
//! `orderId`, `items`, `amount`; `to`; `productId`) is permanent-failed (dead-lettered).

use hme_kernel::events::{EventEnvelope, HandlerError};
use serde::de::DeserializeOwned;

/// Reads `event.data` as `T`; a payload that does not fit is [`HandlerError::Permanent`].
pub fn parse<T: DeserializeOwned>(event: &EventEnvelope) -> Result<T, HandlerError> {
    serde_json::from_value(event.data.clone())
        .map_err(|e| HandlerError::Permanent(format!("{} {}: bad payload: {e}", event.event_type, event.id)))
}

pub use hme_kernel::events::payloads::{Address, Courier, Customer, Item, OrderCreated, PinCode, ProductDeleted, StatusChanged};

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
        let read = |v: serde_json::Value| serde_json::from_value::<Address>(serde_json::json!({"pinCode": v})).unwrap().pin_code.map(|p| p.to_string());
        assert_eq!(read(serde_json::json!(54000)).as_deref(), Some("54000"));
        assert_eq!(read(serde_json::json!("54000")).as_deref(), Some("54000"));
        assert_eq!(read(serde_json::Value::Null), None);
        assert_eq!(serde_json::from_value::<Address>(serde_json::json!({})).unwrap().pin_code, None);
        assert!(serde_json::from_value::<Address>(serde_json::json!({"pinCode": [1]})).is_err());
    }
}
