//! `product.deleted` → the product's images removed (a missing image is not a failure).

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, HandlerError};
use hme_images_contract::{ImageCleanup, ImagePortError};

use super::{Job, Steps};
use crate::payload::{parse, ProductDeleted};

/// Consumer `images.cleanup`.
pub struct ImagesCleanup {
    /// The images module's clean-up port.
    pub images: Arc<dyn ImageCleanup>,
}

/// The consumer name.
pub const CONSUMER: &str = hme_kernel::events::consumers::IMAGES_CLEANUP;

#[async_trait]
impl Job for ImagesCleanup {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec!["product.deleted".to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, _steps: &Steps<'_>) -> Result<(), HandlerError> {
        let deleted: ProductDeleted = parse(event)?;
        if deleted.image_urls.is_empty() {
            return Ok(());
        }
        match self.images.delete_for_product(&deleted.image_urls).await {
            Ok(r) => {
                tracing::info!(product_id = deleted.product_id, deleted = r.deleted.len(), missing = r.missing.len(), skipped = r.skipped.len(), "product images cleaned up");
                Ok(())
            }
            Err(ImagePortError::Unavailable(m)) => Err(HandlerError::Transient(m)),
        }
    }
}
