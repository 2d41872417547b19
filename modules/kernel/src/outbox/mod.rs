//! The transactional outbox: an event is committed in the same transaction as the state
//! change it reports, and a [`Relay`] publishes it afterwards through the platform's
//! [`crate::events::EventBus`] (RabbitMQ with publisher confirms, or the embedded bus).
//!
//! - MongoDB ([`MongoOutbox`]): collection `outbox`, one document per event
//!   `{_id: <event id>, type, envelope: <the envelope as JSON text>, createdAt, attempts,
//!   leaseUntil}`, appended with [`MongoOutbox::append_in`] inside the caller's
//!   transaction session.
//! - Embedded ([`EmbeddedOutbox`]): redb table `outbox` (event id → attempts, due time,
//!   envelope JSON), appended with [`EmbeddedOutbox::append_in`] inside the caller's
//!   `WriteTransaction`.
//!
//! Delivery is at least once: an entry is deleted only after the bus accepted the event
//! (for RabbitMQ: after the broker's confirm); a crash in between publishes it again,
//! and consumers de-duplicate on the event id.

mod embedded;
mod mongo;
mod relay;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::events::EventEnvelope;

pub use embedded::EmbeddedOutbox;
pub use mongo::MongoOutbox;
pub use relay::{Relay, RelayHandle, RelaySettings};

/// Why the outbox storage failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The storage could not be reached or answered unexpectedly; nothing is known to
    /// have changed, retrying is safe.
    #[error("outbox storage unavailable: {0}")]
    Unavailable(String),
}

/// One event waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// The event.
    pub envelope: EventEnvelope,
    /// Failed publish attempts so far.
    pub attempts: u32,
}

/// The storage side of an outbox, as the [`Relay`] sees it.
///
/// Promises: [`OutboxStore::claim_due`] hands out entries whose due time has come,
/// oldest first, and pushes their due time `lease` into the future so that another
/// relay (another instance) does not take them at the same time; an entry is only ever
/// removed by [`OutboxStore::mark_sent`]. Errors: [`OutboxError::Unavailable`] only.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Up to `limit` due entries, leased until `now + lease`.
    async fn claim_due(&self, limit: usize, lease: std::time::Duration) -> Result<Vec<OutboxEntry>, OutboxError>;
    /// The event was published: remove it.
    async fn mark_sent(&self, event_id: &str) -> Result<(), OutboxError>;
    /// Publishing failed: record the attempt and make the entry due again at `retry_at`.
    async fn mark_failed(&self, event_id: &str, attempts: u32, retry_at: DateTime<Utc>) -> Result<(), OutboxError>;
    /// How many entries wait (due or not).
    async fn pending(&self) -> Result<u64, OutboxError>;
    /// When the oldest waiting entry happened (None when the outbox is empty).
    async fn oldest(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        Ok(None)
    }
}

fn unavailable(e: impl std::fmt::Display) -> OutboxError {
    OutboxError::Unavailable(e.to_string())
}
