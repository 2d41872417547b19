//! Upload records in the embedded redb file: table `image_uploads` (key → JSON record)
//! and `image_uploads_by_url` (url → key). redb calls block, so they run on tokio's
//! blocking pool.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{Database, ReadableTable, TableDefinition};

use crate::uploads::{RecordError, UploadRecord, UploadStore};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("image_uploads");
const BY_URL: TableDefinition<&str, &str> = TableDefinition::new("image_uploads_by_url");

/// [`UploadStore`] on the embedded redb file.
pub struct EmbeddedUploadStore {
    db: Arc<Database>,
}

fn fail(e: impl std::fmt::Display) -> RecordError {
    RecordError(format!("embedded storage: {e}"))
}

fn decode(bytes: &[u8]) -> Result<UploadRecord, RecordError> {
    serde_json::from_slice(bytes).map_err(fail)
}

async fn blocking<T: Send + 'static>(db: &Arc<Database>, f: impl FnOnce(&Database) -> Result<T, RecordError> + Send + 'static) -> Result<T, RecordError> {
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || f(&db)).await.map_err(fail)?
}

fn get(db: &Database, key: &str) -> Result<Option<UploadRecord>, RecordError> {
    let txn = db.begin_read().map_err(fail)?;
    let table = txn.open_table(RECORDS).map_err(fail)?;
    let value = table.get(key).map_err(fail)?;
    value.map(|v| decode(v.value())).transpose()
}

fn all(db: &Database) -> Result<Vec<UploadRecord>, RecordError> {
    let txn = db.begin_read().map_err(fail)?;
    let table = txn.open_table(RECORDS).map_err(fail)?;
    let mut out = Vec::new();
    for entry in table.iter().map_err(fail)? {
        let (_, v) = entry.map_err(fail)?;
        out.push(decode(v.value())?);
    }
    Ok(out)
}

impl EmbeddedUploadStore {
    /// Opens the store, creating its tables.
    pub fn open(db: Arc<Database>) -> Result<Self, RecordError> {
        let txn = db.begin_write().map_err(fail)?;
        txn.open_table(RECORDS).map_err(fail)?;
        txn.open_table(BY_URL).map_err(fail)?;
        txn.commit().map_err(fail)?;
        Ok(Self { db })
    }
}

#[async_trait]
impl UploadStore for EmbeddedUploadStore {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn insert(&self, record: &UploadRecord) -> Result<(), RecordError> {
        let record = record.clone();
        let bytes = serde_json::to_vec(&record).map_err(fail)?;
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut records = txn.open_table(RECORDS).map_err(fail)?;
                let mut by_url = txn.open_table(BY_URL).map_err(fail)?;
                if records.get(record.key.as_str()).map_err(fail)?.is_some() || by_url.get(record.url.as_str()).map_err(fail)?.is_some() {
                    return Err(RecordError(format!("duplicate upload {}", record.key)));
                }
                records.insert(record.key.as_str(), bytes.as_slice()).map_err(fail)?;
                by_url.insert(record.url.as_str(), record.key.as_str()).map_err(fail)?;
            }
            txn.commit().map_err(fail)
        })
        .await
    }

    async fn by_url(&self, url: &str) -> Result<Option<UploadRecord>, RecordError> {
        let url = url.to_owned();
        blocking(&self.db, move |db| {
            let key = {
                let txn = db.begin_read().map_err(fail)?;
                let table = txn.open_table(BY_URL).map_err(fail)?;
                let value = table.get(url.as_str()).map_err(fail)?;
                value.map(|v| v.value().to_owned())
            };
            match key {
                Some(k) => get(db, &k),
                None => Ok(None),
            }
        })
        .await
    }

    async fn by_key(&self, key: &str) -> Result<Option<UploadRecord>, RecordError> {
        let key = key.to_owned();
        blocking(&self.db, move |db| get(db, &key)).await
    }

    async fn delete(&self, key: &str) -> Result<bool, RecordError> {
        let key = key.to_owned();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            let existed = {
                let mut records = txn.open_table(RECORDS).map_err(fail)?;
                let removed = records.remove(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
                if let Some(record) = &removed {
                    txn.open_table(BY_URL).map_err(fail)?.remove(record.url.as_str()).map_err(fail)?;
                }
                removed.is_some()
            };
            txn.commit().map_err(fail)?;
            Ok(existed)
        })
        .await
    }

    async fn unreferenced_before(&self, cutoff: DateTime<Utc>, limit: usize) -> Result<Vec<UploadRecord>, RecordError> {
        blocking(&self.db, move |db| {
            let mut out: Vec<UploadRecord> = all(db)?.into_iter().filter(|r| !r.referenced && r.created_at < cutoff).collect();
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.key.cmp(&b.key)));
            out.truncate(limit);
            Ok(out)
        })
        .await
    }

    async fn mark_referenced(&self, keys: &[String]) -> Result<(), RecordError> {
        let keys = keys.to_vec();
        blocking(&self.db, move |db| {
            let txn = db.begin_write().map_err(fail)?;
            {
                let mut records = txn.open_table(RECORDS).map_err(fail)?;
                for key in &keys {
                    let current = records.get(key.as_str()).map_err(fail)?.map(|v| decode(v.value())).transpose()?;
                    if let Some(mut record) = current {
                        record.referenced = true;
                        records.insert(key.as_str(), serde_json::to_vec(&record).map_err(fail)?.as_slice()).map_err(fail)?;
                    }
                }
            }
            txn.commit().map_err(fail)
        })
        .await
    }
}
