//! The upload records port: who uploaded which file, so that a seller deletes only their
//! own uploads and unused uploads can be swept.
//!
//! Promises, for every adapter (MongoDB collection `image_uploads`, embedded redb; both
//! checked by one conformance suite):
//! - a record read back equals the one inserted; `key` and `url` are each unique;
//! - [`UploadStore::delete`] is idempotent (false when there was no record);
//! - [`UploadStore::unreferenced_before`] returns records with `referenced == false`
//!   created strictly before `cutoff`, oldest first, at most `limit`;
//! - [`UploadStore::mark_referenced`] sets the flag on the records with these keys and
//!   ignores unknown keys.
//!
//! Errors: [`RecordError`]: the backend failed; a write may or may not have happened.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::error::RecordError;

/// One uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRecord {
    /// The storage key (Cloudinary: the public id).
    pub key: String,
    /// The public URL given to the seller.
    pub url: String,
    /// The uploader's user id (Clerk `sub`).
    pub owner: String,
    /// The store that holds it: `local`, `s3`, `cloudinary`.
    pub backend: String,
    /// The media type found in its bytes.
    pub content_type: String,
    /// Size, bytes.
    pub bytes: u64,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// A product was seen using it: the orphan sweep leaves it alone for good.
    pub referenced: bool,
}

/// The upload records port (see the module documentation for its promises).
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// `mongodb` or `embedded`.
    fn name(&self) -> &'static str;
    /// Records a new upload.
    async fn insert(&self, record: &UploadRecord) -> Result<(), RecordError>;
    /// The record of this URL.
    async fn by_url(&self, url: &str) -> Result<Option<UploadRecord>, RecordError>;
    /// The record of this key.
    async fn by_key(&self, key: &str) -> Result<Option<UploadRecord>, RecordError>;
    /// Removes the record of this key; false when there was none.
    async fn delete(&self, key: &str) -> Result<bool, RecordError>;
    /// Unreferenced records created before `cutoff`, oldest first, at most `limit`.
    async fn unreferenced_before(&self, cutoff: DateTime<Utc>, limit: usize) -> Result<Vec<UploadRecord>, RecordError>;
    /// Flags these keys as referenced by a product.
    async fn mark_referenced(&self, keys: &[String]) -> Result<(), RecordError>;
}
