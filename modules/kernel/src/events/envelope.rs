//! The envelope every event travels in (documented in migrations-docs/events.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `{ "id", "type", "occurredAt", "data" }`: `id` is unique per event and is what
/// consumers de-duplicate on; `type` is also the routing key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Unique per event (UUID v7, so ids sort by time).
    pub id: Uuid,
    /// The event type with dots, e.g. `order.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the fact happened, ISO-8601 with milliseconds.
    #[serde(serialize_with = "crate::dates::serialize_iso_millis")]
    pub occurred_at: DateTime<Utc>,
    /// The event's own payload.
    pub data: serde_json::Value,
    /// The W3C trace context of the span that produced the event (the request that
    /// committed it), so its consumers join that trace; absent when tracing is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The vendor part of the trace context, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

impl EventEnvelope {
    /// A new event of `event_type` happening now.
    /// It carries the trace context of the current span (see [`Self::traceparent`]).
    pub fn new(event_type: impl Into<String>, data: serde_json::Value) -> Self {
        let (traceparent, tracestate) = crate::telemetry::trace::current_traceparent();
        Self { id: Uuid::now_v7(), event_type: event_type.into(), occurred_at: crate::dates::now_millis(), data, traceparent, tracestate }
    }

    /// Replaces the trace context with the current span's (a producer span about to
    /// hand the event to the bus); keeps the old one when the current span is not traced.
    pub fn stamp_trace(&mut self) {
        let (traceparent, tracestate) = crate::telemetry::trace::current_traceparent();
        if traceparent.is_some() {
            self.traceparent = traceparent;
            self.tracestate = tracestate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_uses_the_documented_field_names() {
        let e = EventEnvelope::new("order.created", serde_json::json!({"orderId": "x"}));
        let v = serde_json::to_value(&e).unwrap_or_default();
        assert_eq!(v["type"], "order.created");
        assert!(v["occurredAt"].as_str().is_some_and(|s| s.ends_with('Z') && s.len() == 24), "{v}");
        assert_eq!(v["id"], e.id.to_string());
        assert!(v.get("traceparent").is_none(), "no trace context without tracing: {v}");
        let back: EventEnvelope = serde_json::from_value(v).unwrap_or_else(|_| EventEnvelope::new("x", serde_json::Value::Null));
        assert_eq!(back, e);
    }
}
