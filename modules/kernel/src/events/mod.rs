//! Events between modules: the envelope, the [`EventBus`] port and its adapters.
//!
//! Wiring (contract `events.md`): RabbitMQ topic exchange `events`, routing key = the
//! event type (`order.created`), persistent JSON bodies. Without a broker the embedded
//! adapter keeps the same guarantees on one machine over a redb outbox.

pub mod consumers;
mod dead_letter;
pub mod embedded;
mod envelope;
pub mod payloads;
mod rabbitmq;

use std::sync::Arc;

use async_trait::async_trait;

pub use dead_letter::DeadLetter;
pub use embedded::EmbeddedEventBus;
pub use envelope::EventEnvelope;
pub use rabbitmq::{RabbitEventBus, RabbitSettings};

/// Why publishing or subscribing failed.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The broker or outbox could not take the event; nothing was accepted.
    #[error("event transport unavailable: {0}")]
    Unavailable(String),
    /// The event could not be encoded.
    #[error("event could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// How a handler failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A passing failure (SMTP down...): retried later with backoff.
    #[error("retryable: {0}")]
    Retry(String),
    /// The event can never succeed (bad data): dead-lettered at once.
    #[error("permanent: {0}")]
    Permanent(String),
    /// Storage briefly unavailable (a write conflict, a cut connection, Redis down):
    /// retried with backoff like a broker outage, for [`TRANSIENT_ATTEMPTS_FACTOR`] times
    /// the attempts of a [`HandlerError::Retry`] before it is dead-lettered.
    #[error("transient: {0}")]
    Transient(String),
}

/// How many times `max_attempts` a transient failure is retried before dead-lettering.
pub const TRANSIENT_ATTEMPTS_FACTOR: u32 = 6;

impl HandlerError {
    /// The failure's text and whether it is dead after `attempts` of `max_attempts`.
    pub fn settle(&self, attempts: u32, max_attempts: u32) -> (&str, bool) {
        match self {
            Self::Permanent(why) => (why, true),
            Self::Retry(why) => (why, attempts >= max_attempts),
            Self::Transient(why) => (why, attempts >= max_attempts.saturating_mul(TRANSIENT_ATTEMPTS_FACTOR)),
        }
    }
}

/// A consumer of events. Handlers may see an event more than once and must be
/// idempotent by [`EventEnvelope::id`].
#[async_trait]
pub trait EventHandler: Send + Sync {
    /// A stable name; the queue name on the broker, the consumer key in the outbox.
    fn consumer(&self) -> &str;
    /// Routing-key patterns wanted: exact types (`order.created`), `*` for one word,
    /// `#` for any number of words (AMQP topic rules).
    fn event_types(&self) -> Vec<String>;
    /// Handles one event. Ok acknowledges it.
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError>;
}

/// The event bus port.
///
/// `publish` returns Ok only once the event is durable: written to the embedded
/// outbox, or confirmed by the broker. After that it is delivered at least once to every
/// consumer subscribed to its type, retried with backoff, and dead-lettered after a
/// bounded number of attempts without blocking the events behind it.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// The adapter's name, for logs and readiness.
    fn name(&self) -> &'static str;
    /// Durably accepts an event for delivery.
    async fn publish(&self, event: &EventEnvelope) -> Result<(), EventError>;
    /// Registers a consumer and starts delivering to it in the background.
    async fn subscribe(&self, handler: Arc<dyn EventHandler>) -> Result<(), EventError>;
    /// Stops taking new deliveries, lets every in-flight handler finish (and settles its
    /// delivery), and returns once the consumers have stopped. Deliveries taken but not
    /// started go back to the queue.
    async fn shutdown(&self) {}
    /// Deliveries waiting for `consumer` (the consumer lag); None when unknown.
    async fn backlog(&self, _consumer: &str) -> Result<Option<u64>, EventError> {
        Ok(None)
    }
    /// Dead letters held for `consumer`; None when unknown.
    async fn dead_letters_held(&self, _consumer: &str) -> Result<Option<u64>, EventError> {
        Ok(None)
    }
    /// The dead letters of the given consumers, without removing them.
    async fn dead_letters_of(&self, _consumers: &[String]) -> Result<Vec<DeadLetter>, EventError> {
        Ok(Vec::new())
    }
    /// Re-delivers `consumer`'s dead letters (only the one with event id `event_id` when
    /// given) to that consumer with fresh attempts, and removes them from the dead
    /// letters. Returns how many were replayed.
    async fn replay(&self, _consumer: &str, _event_id: Option<&str>) -> Result<u64, EventError> {
        Err(EventError::Unavailable(format!("{} bus cannot replay dead letters", self.name())))
    }
}

/// AMQP topic matching: `*` is exactly one word, `#` zero or more.
pub fn topic_matches(pattern: &str, routing_key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = routing_key.split('.').collect();
    go(&p, &k)
}

/// Delay before retry number `attempt` (1-based): `base * 2^(attempt-1)`, capped.
pub fn backoff(base_ms: u64, attempt: u32, cap_ms: u64) -> std::time::Duration {
    let ms = base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    std::time::Duration::from_millis(ms.min(cap_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_patterns_follow_amqp_rules() {
        assert!(topic_matches("order.created", "order.created"));
        assert!(topic_matches("order.*", "order.status_changed"));
        assert!(!topic_matches("order.*", "order.status.changed"));
        assert!(topic_matches("#", "product.deleted"));
        assert!(topic_matches("order.#", "order"));
        assert!(!topic_matches("product.deleted", "order.created"));
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(100, 1, 10_000).as_millis(), 100);
        assert_eq!(backoff(100, 3, 10_000).as_millis(), 400);
        assert_eq!(backoff(100, 30, 10_000).as_millis(), 10_000);
    }
}
