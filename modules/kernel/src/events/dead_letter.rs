//! A dead letter as `hme dlq list` shows it.

use serde::Serialize;

/// One event a consumer gave up on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The consumer that failed it.
    pub consumer: String,
    /// The event id (None when the body is not an envelope).
    pub event_id: Option<String>,
    /// The event type (None when the body is not an envelope).
    pub event_type: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// The body: the envelope as JSON, or the raw text of a poison message.
    pub body: serde_json::Value,
}

impl DeadLetter {
    /// Reads a dead body: id and type come from the envelope when it is one.
    pub fn from_body(consumer: &str, body: &[u8], attempts: u32, error: String) -> Self {
        let body = serde_json::from_slice::<serde_json::Value>(body)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()));
        Self::from_value(consumer, body, attempts, error)
    }

    /// Same, from a body already parsed.
    pub fn from_value(consumer: &str, body: serde_json::Value, attempts: u32, error: String) -> Self {
        let field = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        Self { consumer: consumer.to_owned(), event_id: field("id"), event_type: field("type"), attempts, error, body }
    }
}
