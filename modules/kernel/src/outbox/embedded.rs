//! The outbox on the embedded redb file: table `outbox`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};

use super::{unavailable, OutboxEntry, OutboxError, OutboxStore};
use crate::events::EventEnvelope;

/// event id (UUID v7, sorts by time) → (attempts, due at unix ms, envelope JSON)
const OUTBOX: TableDefinition<&str, (u32, u64, &[u8])> = TableDefinition::new("outbox");

fn ms(d: DateTime<Utc>) -> u64 {
    u64::try_from(d.timestamp_millis()).unwrap_or(0)
}

/// The embedded outbox (see the module documentation of [`crate::outbox`]).
#[derive(Clone)]
pub struct EmbeddedOutbox {
    db: Arc<Database>,
}

impl EmbeddedOutbox {
    /// The outbox of `db`; creates the table when missing.
    pub fn open(db: Arc<Database>) -> Result<Self, OutboxError> {
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(OUTBOX).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db })
    }

    /// Appends the event inside the caller's write transaction: it becomes visible, and
    /// relayed, only if that transaction commits.
    pub fn append_in(txn: &WriteTransaction, event: &EventEnvelope) -> Result<(), OutboxError> {
        let json = serde_json::to_vec(event).map_err(unavailable)?;
        let mut table = txn.open_table(OUTBOX).map_err(unavailable)?;
        table.insert(event.id.to_string().as_str(), (0u32, ms(event.occurred_at), json.as_slice())).map_err(unavailable)?;
        Ok(())
    }

    fn claim(db: &Database, limit: usize, lease: Duration) -> Result<Vec<OutboxEntry>, OutboxError> {
        let now = ms(Utc::now());
        let until = now.saturating_add(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX));
        let txn = db.begin_write().map_err(unavailable)?;
        let mut out = Vec::new();
        {
            let mut table = txn.open_table(OUTBOX).map_err(unavailable)?;
            let mut due: Vec<(String, u32, Vec<u8>)> = Vec::new();
            for row in table.iter().map_err(unavailable)? {
                let (k, v) = row.map_err(unavailable)?;
                let (attempts, due_ms, json) = v.value();
                if due_ms <= now {
                    due.push((k.value().to_owned(), attempts, json.to_vec()));
                }
                if due.len() >= limit {
                    break;
                }
            }
            for (id, attempts, json) in due {
                table.insert(id.as_str(), (attempts, until, json.as_slice())).map_err(unavailable)?;
                match serde_json::from_slice(&json) {
                    Ok(envelope) => out.push(OutboxEntry { envelope, attempts }),
                    Err(e) => tracing::error!(id, error = %e, "outbox: unreadable entry left in place"),
                }
            }
        }
        txn.commit().map_err(unavailable)?;
        Ok(out)
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Database) -> Result<T, OutboxError> + Send + 'static) -> Result<T, OutboxError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(unavailable)?
    }
}

#[async_trait]
impl OutboxStore for EmbeddedOutbox {
    async fn claim_due(&self, limit: usize, lease: Duration) -> Result<Vec<OutboxEntry>, OutboxError> {
        self.blocking(move |db| Self::claim(db, limit, lease)).await
    }

    async fn mark_sent(&self, event_id: &str) -> Result<(), OutboxError> {
        let id = event_id.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            txn.open_table(OUTBOX).map_err(unavailable)?.remove(id.as_str()).map_err(unavailable)?;
            txn.commit().map_err(unavailable)
        })
        .await
    }

    async fn mark_failed(&self, event_id: &str, attempts: u32, retry_at: DateTime<Utc>) -> Result<(), OutboxError> {
        let id = event_id.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            {
                let mut table = txn.open_table(OUTBOX).map_err(unavailable)?;
                let current = table.get(id.as_str()).map_err(unavailable)?.map(|v| v.value().2.to_vec());
                if let Some(json) = current {
                    table.insert(id.as_str(), (attempts, ms(retry_at), json.as_slice())).map_err(unavailable)?;
                }
            }
            txn.commit().map_err(unavailable)
        })
        .await
    }

    async fn oldest(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        self.blocking(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let table = txn.open_table(OUTBOX).map_err(unavailable)?;
            let first = table.first().map_err(unavailable)?;
            Ok(first.and_then(|(_, v)| serde_json::from_slice::<EventEnvelope>(v.value().2).ok()).map(|e| e.occurred_at))
        })
        .await
    }

    async fn pending(&self) -> Result<u64, OutboxError> {
        self.blocking(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            txn.open_table(OUTBOX).map_err(unavailable)?.len().map_err(unavailable)
        })
        .await
    }
}
