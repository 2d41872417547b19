//! The image storage port.
//!
//! Promises, for every adapter (local folder, S3-compatible, Cloudinary):
//! - [`ImageStore::put`] stores the whole file under `key` or nothing: a reader never
//!   sees a partial file, and a failed put leaves nothing behind.
//! - The URL `put` returns serves the bytes stored, publicly, without credentials.
//! - [`ImageStore::delete`] is idempotent: `Ok(false)` when nothing was stored under
//!   the key, `Ok(true)` when it was removed.
//! - [`ImageStore::key_of_url`] recognizes only URLs this store hands out and returns
//!   their key; any other URL is None.
//!
//! Errors: [`ImageStoreError::Unavailable`]: the backend failed; for `put`, nothing is
//! stored; for `delete`, the file may still be there (retrying is safe).

use async_trait::async_trait;

pub use crate::error::ImageStoreError;
use crate::sniff::ValidImage;

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The key (Cloudinary: the public id).
    pub key: String,
    /// Its public URL.
    pub url: String,
}

/// Where image files live (see the module documentation for its promises).
#[async_trait]
pub trait ImageStore: Send + Sync {
    /// `local`, `s3` or `cloudinary`.
    fn name(&self) -> &'static str;
    /// Stores `image` under `key` (`<folder>/<owner>/<id>.<ext>`; Cloudinary drops the
    /// extension from the public id).
    async fn put(&self, key: &str, image: &ValidImage) -> Result<StoredImage, ImageStoreError>;
    /// Removes the file under `key`; false when there was none.
    async fn delete(&self, key: &str) -> Result<bool, ImageStoreError>;
    /// The key of a URL this store handed out, else None.
    fn key_of_url(&self, url: &str) -> Option<String>;
}
