//! Dead letters of the embedded bus: listing per consumer and replay.

use redb::ReadableTable;

use super::{now_ms, unavailable, EmbeddedEventBus, DEAD, EVENTS, PENDING};
use crate::events::{DeadLetter, EventError};

/// A `bus_dead_letters` record (`{event, error, attempts, failedAt}`) as a [`DeadLetter`].
pub(super) fn to_dead_letter(consumer: &str, record: serde_json::Value) -> DeadLetter {
    let error = record["error"].as_str().unwrap_or_default().to_owned();
    let attempts = record["attempts"].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
    DeadLetter::from_value(consumer, record["event"].clone(), attempts, error)
}

impl EmbeddedEventBus {
    /// Deliveries of `consumer` not yet done (due or waiting for a retry).
    pub fn pending_for(&self, consumer: &str) -> Result<u64, EventError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let table = txn.open_table(PENDING).map_err(unavailable)?;
        let rows = table.range((consumer, 0)..=(consumer, u64::MAX)).map_err(unavailable)?;
        Ok(rows.count() as u64)
    }

    /// Dead letters held for `consumer`.
    pub fn dead_count_for(&self, consumer: &str) -> Result<u64, EventError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let table = txn.open_table(DEAD).map_err(unavailable)?;
        let mut n = 0u64;
        for row in table.range((consumer, "")..).map_err(unavailable)? {
            let (k, _) = row.map_err(unavailable)?;
            if k.value().0 != consumer {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Re-enqueues `consumer`'s dead letters (only `event_id`'s when given) as fresh
    /// pending deliveries and removes them from the dead letters, in one transaction.
    pub fn replay_dead_letters(&self, consumer: &str, event_id: Option<&str>) -> Result<u64, EventError> {
        let txn = self.db.begin_write().map_err(unavailable)?;
        let mut replayed = 0u64;
        {
            let mut dead = txn.open_table(DEAD).map_err(unavailable)?;
            let mut chosen: Vec<(String, Vec<u8>)> = Vec::new();
            for row in dead.range((consumer, "")..).map_err(unavailable)? {
                let (k, v) = row.map_err(unavailable)?;
                let (c, id) = k.value();
                if c != consumer {
                    break;
                }
                if event_id.is_none_or(|wanted| wanted == id) {
                    chosen.push((id.to_owned(), v.value().to_vec()));
                }
            }
            let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
            let mut pending = txn.open_table(PENDING).map_err(unavailable)?;
            let first = events.last().map_err(unavailable)?.map_or(1, |(k, _)| k.value() + 1);
            let due = now_ms();
            for (seq, (id, record)) in (first..).zip(chosen) {
                let record: serde_json::Value = serde_json::from_slice(&record).unwrap_or(serde_json::Value::Null);
                let body = match &record["event"] {
                    serde_json::Value::String(raw) => raw.as_bytes().to_vec(),
                    event => serde_json::to_vec(event)?,
                };
                events.insert(seq, (1u32, body.as_slice())).map_err(unavailable)?;
                pending.insert((consumer, seq), (0u32, due)).map_err(unavailable)?;
                dead.remove((consumer, id.as_str())).map_err(unavailable)?;
                replayed += 1;
            }
        }
        txn.commit().map_err(unavailable)?;
        Ok(replayed)
    }
}
