//! The [`ProductImages`] port: answered by the products module, called by the images
//! module's orphan clean-up: it tells which image URLs some product still uses.
//!
//! In one process the products module answers it; split into services
//! [`crate::remote::RemoteProductImages`] does. It carries no framework types.

use std::collections::HashSet;

use async_trait::async_trait;

/// Why a [`ProductImages`] call failed.
#[derive(Debug, thiserror::Error)]
pub enum ProductImagesError {
    /// The catalog could not be read; nothing is known about the URLs. The call is a
    /// read, so retrying later is safe.
    #[error("catalog unavailable: {0}")]
    Unavailable(String),
}

/// Which image URLs the catalog still uses.
///
/// Promises: returns the subset of `urls` that appear in the `image` array of at least
/// one existing product, compared as exact strings. Errors:
/// [`ProductImagesError::Unavailable`] when the catalog could not be read; the caller must
/// then assume every URL is referenced (never delete on doubt).
#[async_trait]
pub trait ProductImages: Send + Sync {
    /// The URLs among `urls` that some product references.
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ProductImagesError>;
}
