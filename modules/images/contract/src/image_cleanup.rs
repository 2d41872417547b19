//! The [`ImageCleanup`] port: answered by the images module, called by the worker when a
//! product is deleted (`product.deleted`): it removes that product's images.
//!
//! In one process the images module answers it; split into services
//! [`crate::remote::RemoteImageCleanup`] does. It carries no framework types.

use async_trait::async_trait;

/// What [`ImageCleanup::delete_for_product`] did, URL by URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageCleanupReport {
    /// URLs whose image was removed.
    pub deleted: Vec<String>,
    /// URLs of images this shop stores but that were already gone (not a failure).
    pub missing: Vec<String>,
    /// URLs that are not this shop's images (another host, a malformed URL): left alone.
    pub skipped: Vec<String>,
}

/// Why an image port call failed.
#[derive(Debug, thiserror::Error)]
pub enum ImagePortError {
    /// The image storage or the records could not be reached; nothing is known about
    /// the URLs not yet reported. Every call is idempotent, so retrying later is safe.
    #[error("image storage unavailable: {0}")]
    Unavailable(String),
}

/// Removes the images of a deleted product.
///
/// Promises: every URL is handled independently; an image that is already gone is
/// reported in `missing`, never as an error; a URL that is not one of this shop's images
/// is reported in `skipped` and nothing is touched. Calling again with the same URLs is
/// safe (idempotent). Errors: [`ImagePortError::Unavailable`] only, when storage failed.
#[async_trait]
pub trait ImageCleanup: Send + Sync {
    /// Removes the images at `urls` (the `image` array of the deleted product).
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError>;
}
