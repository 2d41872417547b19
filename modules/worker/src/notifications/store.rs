//! The `newsletters` collection (mongoose model `Newsletter`: `{_id, email (unique),
//! createdAt, __v}`) behind the [`NewsletterStore`] port: MongoDB, or the embedded redb
//! table `newsletters` (email → the same BSON document).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::backends::Documents;
use hme_kernel::indexes::IndexOutcome;
use mongodb::bson::{doc, oid::ObjectId, Document};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};
use redb::{ReadableTable, TableDefinition};
use tokio::sync::OnceCell;

const TABLE: TableDefinition<&str, &[u8]> = TableDefinition::new("newsletters");

/// The newsletter store failed.
#[derive(Debug, thiserror::Error)]
#[error("newsletter storage unavailable: {0}")]
pub struct NewsletterError(pub String);

fn fail(e: impl std::fmt::Display) -> NewsletterError {
    NewsletterError(e.to_string())
}

/// The document mongoose would write for `email`.
pub fn newsletter_document(email: &str, at: DateTime<Utc>) -> Document {
    doc! {"_id": ObjectId::new(), "email": email, "createdAt": mongodb::bson::DateTime::from_millis(at.timestamp_millis()), "__v": 0}
}

/// Newsletter subscriptions.
///
/// Promises: `insert` stores the email unless it is present (then `Ok(false)`), atomically
/// (two concurrent inserts of one email store one document); `remove` deletes it.
#[async_trait]
pub trait NewsletterStore: Send + Sync {
    /// Stores `email`; false when already present.
    async fn insert(&self, email: &str, at: DateTime<Utc>) -> Result<bool, NewsletterError>;
    /// Removes `email` (a subscription whose event could not be published).
    async fn remove(&self, email: &str) -> Result<(), NewsletterError>;
}

/// The store on `documents`.
pub fn newsletter_store(documents: &Documents) -> Result<Arc<dyn NewsletterStore>, NewsletterError> {
    Ok(match documents {
        Documents::Mongo(db) => Arc::new(MongoNewsletters { coll: db.collection("newsletters"), index: OnceCell::new() }),
        Documents::Embedded(db) => {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(TABLE).map_err(fail)?;
            txn.commit().map_err(fail)?;
            Arc::new(EmbeddedNewsletters(Arc::clone(db)))
        }
    })
}

struct MongoNewsletters {
    coll: Collection<Document>,
    /// Whether a unique index on `email` is in place (decided on first use).
    index: OnceCell<bool>,
}

impl MongoNewsletters {
    /// The unique `{email: 1}` index mongoose declares, created once, on first use,
    /// through the kernel's [`hme_kernel::indexes::ensure_index`]: an index mongoose
    /// made first (`email_1` with `background: true`) is kept as it is, and no refusal
    /// fails a subscription (it used to: every subscribe answered 503 on such a
    /// database, since the refused creation was retried and failed on each insert).
    /// Whether the kept index enforces uniqueness is remembered: without it, `insert`
    /// checks for the email first.
    async fn ensure_index(&self) -> bool {
        *self
            .index
            .get_or_init(|| async {
                let index = IndexModel::builder().keys(doc! {"email": 1}).options(IndexOptions::builder().unique(true).build()).build();
                match hme_kernel::indexes::ensure_index(&self.coll, index).await {
                    IndexOutcome::Created | IndexOutcome::Equivalent { unique_missing: false, .. } => true,
                    IndexOutcome::Equivalent { unique_missing: true, .. } | IndexOutcome::Skipped(_) => false,
                }
            })
            .await
    }
}

#[async_trait]
impl NewsletterStore for MongoNewsletters {
    async fn insert(&self, email: &str, at: DateTime<Utc>) -> Result<bool, NewsletterError> {
        if !self.ensure_index().await && self.coll.find_one(doc! {"email": email}).await.map_err(fail)?.is_some() {
            return Ok(false);
        }
        match self.coll.insert_one(newsletter_document(email, at)).await {
            Ok(_) => Ok(true),
            Err(e) if e.to_string().contains("E11000") => Ok(false),
            Err(e) => Err(fail(e)),
        }
    }

    async fn remove(&self, email: &str) -> Result<(), NewsletterError> {
        self.coll.delete_one(doc! {"email": email}).await.map(|_| ()).map_err(fail)
    }
}

struct EmbeddedNewsletters(Arc<redb::Database>);

#[async_trait]
impl NewsletterStore for EmbeddedNewsletters {
    async fn insert(&self, email: &str, at: DateTime<Utc>) -> Result<bool, NewsletterError> {
        let (db, email) = (Arc::clone(&self.0), email.to_owned());
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut table = txn.open_table(TABLE).map_err(fail)?;
                if table.get(email.as_str()).map_err(fail)?.is_some() {
                    return Ok(false);
                }
                let mut bytes = Vec::new();
                newsletter_document(&email, at).to_writer(&mut bytes).map_err(fail)?;
                table.insert(email.as_str(), bytes.as_slice()).map_err(fail)?;
            }
            txn.commit().map_err(fail)?;
            Ok(true)
        })
        .await
        .map_err(fail)?
    }

    async fn remove(&self, email: &str) -> Result<(), NewsletterError> {
        let (db, email) = (Arc::clone(&self.0), email.to_owned());
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_write().map_err(fail)?;
            txn.open_table(TABLE).map_err(fail)?.remove(email.as_str()).map_err(fail)?;
            txn.commit().map_err(fail)
        })
        .await
        .map_err(fail)?
    }
}
