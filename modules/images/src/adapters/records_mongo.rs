//! Upload records in MongoDB, collection `image_uploads`: `_id` = key, unique `url`,
//! `createdAt` a BSON date; index `{referenced: 1, createdAt: 1}` for the sweep.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

use crate::uploads::{RecordError, UploadRecord, UploadStore};

/// The collection name.
pub const COLLECTION: &str = "image_uploads";

/// [`UploadStore`] on MongoDB.
pub struct MongoUploadStore {
    records: Collection<Document>,
}

fn fail(e: impl std::fmt::Display) -> RecordError {
    RecordError(format!("mongodb: {e}"))
}

fn bson_date(t: DateTime<Utc>) -> mongodb::bson::DateTime {
    mongodb::bson::DateTime::from_millis(t.timestamp_millis())
}

fn chrono_date(t: &mongodb::bson::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

fn to_document(r: &UploadRecord) -> Document {
    doc! {
        "_id": &r.key,
        "url": &r.url,
        "owner": &r.owner,
        "backend": &r.backend,
        "contentType": &r.content_type,
        "bytes": i64::try_from(r.bytes).unwrap_or(i64::MAX),
        "width": i64::from(r.width),
        "height": i64::from(r.height),
        "createdAt": bson_date(r.created_at),
        "referenced": r.referenced,
    }
}

fn from_document(d: &Document) -> Result<UploadRecord, RecordError> {
    let text = |k: &str| d.get_str(k).map(str::to_owned).map_err(|e| fail(format!("{k}: {e}")));
    let number = |k: &str| -> Result<i64, RecordError> {
        match d.get(k) {
            Some(mongodb::bson::Bson::Int32(n)) => Ok(i64::from(*n)),
            Some(mongodb::bson::Bson::Int64(n)) => Ok(*n),
            _ => Err(fail(format!("{k}: not an integer"))),
        }
    };
    Ok(UploadRecord {
        key: text("_id")?,
        url: text("url")?,
        owner: text("owner")?,
        backend: text("backend")?,
        content_type: text("contentType")?,
        bytes: u64::try_from(number("bytes")?).unwrap_or_default(),
        width: u32::try_from(number("width")?).unwrap_or_default(),
        height: u32::try_from(number("height")?).unwrap_or_default(),
        created_at: chrono_date(d.get_datetime("createdAt").map_err(fail)?),
        referenced: d.get_bool("referenced").unwrap_or(false),
    })
}

impl MongoUploadStore {
    /// Opens the collection and creates its indexes (idempotent).
    pub async fn open(db: &Database) -> Result<Self, RecordError> {
        let records = db.collection::<Document>(COLLECTION);
        let unique = IndexOptions::builder().unique(true).build();
        let indexes = [
            IndexModel::builder().keys(doc! {"url": 1}).options(unique).build(),
            IndexModel::builder().keys(doc! {"referenced": 1, "createdAt": 1}).build(),
            IndexModel::builder().keys(doc! {"owner": 1}).build(),
        ];
        hme_kernel::indexes::ensure_indexes(&records, indexes).await;
        Ok(Self { records })
    }
}

#[async_trait]
impl UploadStore for MongoUploadStore {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn insert(&self, record: &UploadRecord) -> Result<(), RecordError> {
        self.records.insert_one(to_document(record)).await.map(|_| ()).map_err(fail)
    }

    async fn by_url(&self, url: &str) -> Result<Option<UploadRecord>, RecordError> {
        self.records.find_one(doc! {"url": url}).await.map_err(fail)?.as_ref().map(from_document).transpose()
    }

    async fn by_key(&self, key: &str) -> Result<Option<UploadRecord>, RecordError> {
        self.records.find_one(doc! {"_id": key}).await.map_err(fail)?.as_ref().map(from_document).transpose()
    }

    async fn delete(&self, key: &str) -> Result<bool, RecordError> {
        Ok(self.records.delete_one(doc! {"_id": key}).await.map_err(fail)?.deleted_count > 0)
    }

    async fn unreferenced_before(&self, cutoff: DateTime<Utc>, limit: usize) -> Result<Vec<UploadRecord>, RecordError> {
        let filter = doc! {"referenced": false, "createdAt": {"$lt": bson_date(cutoff)}};
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let cursor = self.records.find(filter).sort(doc! {"createdAt": 1, "_id": 1}).limit(limit).await.map_err(fail)?;
        let docs: Vec<Document> = cursor.try_collect().await.map_err(fail)?;
        docs.iter().map(from_document).collect()
    }

    async fn mark_referenced(&self, keys: &[String]) -> Result<(), RecordError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.records.update_many(doc! {"_id": {"$in": keys}}, doc! {"$set": {"referenced": true}}).await.map(|_| ()).map_err(fail)
    }
}
