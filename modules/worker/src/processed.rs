//! Idempotency by event id: which side effects are done.
//!
//! Keys are `<consumer>:<eventId>` (or `<consumer>:<eventId>:<step>` for one of several
//! side effects of a consumer). MongoDB: collection `processed_events`, `{_id: key, at}`
//! (the `_id` is the unique index). Embedded: redb table `processed_events`.
//! A key is recorded after its side effect succeeded: delivery stays at least once (a
//! crash between the two repeats the side effect), a redelivery after the record is a
//! no-op.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::backends::Documents;
use mongodb::bson::{doc, Document};
use redb::TableDefinition;

const TABLE: TableDefinition<&str, i64> = TableDefinition::new("processed_events");

/// The processed-events record could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("processed-events store unavailable: {0}")]
pub struct ProcessedError(pub String);

fn fail(e: impl std::fmt::Display) -> ProcessedError {
    ProcessedError(e.to_string())
}

/// The record of done side effects.
///
/// Promises: after `record(k)` returned Ok, `is_done(k)` is true for every worker sharing
/// the storage; recording twice is fine. Errors mean the storage is unreachable.
#[async_trait]
pub trait ProcessedEvents: Send + Sync {
    /// Whether `key` was recorded.
    async fn is_done(&self, key: &str) -> Result<bool, ProcessedError>;
    /// Records `key` (idempotent).
    async fn record(&self, key: &str) -> Result<(), ProcessedError>;
}

/// The store for `documents`.
pub fn processed_store(documents: &Documents) -> Result<Arc<dyn ProcessedEvents>, ProcessedError> {
    Ok(match documents {
        Documents::Mongo(db) => Arc::new(MongoProcessed(db.collection("processed_events"))),
        Documents::Embedded(db) => {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(TABLE).map_err(fail)?;
            txn.commit().map_err(fail)?;
            Arc::new(EmbeddedProcessed(Arc::clone(db)))
        }
    })
}

struct MongoProcessed(mongodb::Collection<Document>);

#[async_trait]
impl ProcessedEvents for MongoProcessed {
    async fn is_done(&self, key: &str) -> Result<bool, ProcessedError> {
        Ok(self.0.find_one(doc! {"_id": key}).await.map_err(fail)?.is_some())
    }

    async fn record(&self, key: &str) -> Result<(), ProcessedError> {
        self.0
            .update_one(doc! {"_id": key}, doc! {"$setOnInsert": {"at": mongodb::bson::DateTime::now()}})
            .upsert(true)
            .await
            .map(|_| ())
            .or_else(|e| if e.to_string().contains("E11000") { Ok(()) } else { Err(fail(e)) })
    }
}

struct EmbeddedProcessed(Arc<redb::Database>);

async fn blocking<T: Send + 'static>(
    db: &Arc<redb::Database>,
    f: impl FnOnce(&redb::Database) -> Result<T, ProcessedError> + Send + 'static,
) -> Result<T, ProcessedError> {
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || f(&db)).await.map_err(fail)?
}

#[async_trait]
impl ProcessedEvents for EmbeddedProcessed {
    async fn is_done(&self, key: &str) -> Result<bool, ProcessedError> {
        let key = key.to_owned();
        blocking(&self.0, move |db| {
            let txn = db.begin_read().map_err(fail)?;
            let table = txn.open_table(TABLE).map_err(fail)?;
            Ok(table.get(key.as_str()).map_err(fail)?.is_some())
        })
        .await
    }

    async fn record(&self, key: &str) -> Result<(), ProcessedError> {
        let key = key.to_owned();
        blocking(&self.0, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(TABLE).map_err(fail)?;
                table.insert(key.as_str(), chrono::Utc::now().timestamp_millis()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }
}
