//! The outbox on MongoDB: collection `outbox`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{doc, Bson, Document};
use mongodb::options::ReturnDocument;
use mongodb::{ClientSession, Collection, Database, IndexModel};

use super::{unavailable, OutboxEntry, OutboxError, OutboxStore};
use crate::events::EventEnvelope;

/// The collection name.
pub const COLLECTION: &str = "outbox";

/// The MongoDB outbox (see the module documentation of [`crate::outbox`]).
#[derive(Clone)]
pub struct MongoOutbox {
    collection: Collection<Document>,
}

fn bson_date(d: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(d.timestamp_millis()))
}

impl MongoOutbox {
    /// The outbox of `db`; creates the collection and its `leaseUntil` index when
    /// missing (a refused index is logged and skipped).
    pub async fn open(db: &Database) -> Result<Self, OutboxError> {
        if let Err(e) = db.create_collection(COLLECTION).await {
            if !matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 48) {
                return Err(unavailable(e));
            }
        }
        let collection = db.collection::<Document>(COLLECTION);
        crate::indexes::ensure_index(&collection, IndexModel::builder().keys(doc! {"leaseUntil": 1}).build()).await;
        Ok(Self { collection })
    }

    /// The document stored for an event.
    pub fn document(event: &EventEnvelope) -> Result<Document, OutboxError> {
        let json = serde_json::to_string(event).map_err(unavailable)?;
        let now = bson_date(event.occurred_at);
        Ok(doc! {"_id": event.id.to_string(), "type": &event.event_type, "envelope": json, "createdAt": now.clone(), "attempts": 0, "leaseUntil": now})
    }

    /// Appends the event inside the caller's transaction: it becomes visible, and
    /// relayed, only if that transaction commits.
    pub async fn append_in(&self, session: &mut ClientSession, event: &EventEnvelope) -> Result<(), mongodb::error::Error> {
        let document = Self::document(event).map_err(|e| mongodb::error::Error::custom(e.to_string()))?;
        self.collection.insert_one(document).session(session).await.map(|_| ())
    }

    /// Appends the event on its own (no transaction).
    pub async fn append(&self, event: &EventEnvelope) -> Result<(), OutboxError> {
        self.collection.insert_one(Self::document(event)?).await.map(|_| ()).map_err(unavailable)
    }

    fn entry(d: &Document) -> Option<OutboxEntry> {
        let envelope = serde_json::from_str(d.get_str("envelope").ok()?).ok()?;
        let attempts = crate::mongoose::JsNumber::from_bson(d.get("attempts")?).map_or(0.0, |n| n.get());
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(OutboxEntry { envelope, attempts: attempts.max(0.0) as u32 })
    }
}

#[async_trait]
impl OutboxStore for MongoOutbox {
    async fn claim_due(&self, limit: usize, lease: Duration) -> Result<Vec<OutboxEntry>, OutboxError> {
        let mut out = Vec::new();
        while out.len() < limit {
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30));
            let claimed = self
                .collection
                .find_one_and_update(doc! {"leaseUntil": {"$lte": bson_date(now)}}, doc! {"$set": {"leaseUntil": bson_date(until)}})
                .sort(doc! {"leaseUntil": 1, "_id": 1})
                .return_document(ReturnDocument::After)
                .await
                .map_err(unavailable)?;
            let Some(d) = claimed else { break };
            match Self::entry(&d) {
                Some(e) => out.push(e),
                None => tracing::error!(id = ?d.get("_id"), "outbox: unreadable entry left in place"),
            }
        }
        Ok(out)
    }

    async fn mark_sent(&self, event_id: &str) -> Result<(), OutboxError> {
        self.collection.delete_one(doc! {"_id": event_id}).await.map(|_| ()).map_err(unavailable)
    }

    async fn mark_failed(&self, event_id: &str, attempts: u32, retry_at: DateTime<Utc>) -> Result<(), OutboxError> {
        let update = doc! {"$set": {"attempts": i64::from(attempts), "leaseUntil": bson_date(retry_at)}};
        self.collection.update_one(doc! {"_id": event_id}, update).await.map(|_| ()).map_err(unavailable)
    }

    async fn pending(&self) -> Result<u64, OutboxError> {
        self.collection.count_documents(doc! {}).await.map_err(unavailable)
    }

    async fn oldest(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        let first = self.collection.find_one(doc! {}).sort(doc! {"createdAt": 1}).await.map_err(unavailable)?;
        Ok(first.and_then(|d| d.get_datetime("createdAt").ok().and_then(|t| DateTime::<Utc>::from_timestamp_millis(t.timestamp_millis()))))
    }
}
