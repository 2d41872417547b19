//! The images port observed in process ([`Observed`], see [`hme_kernel::telemetry::ports`]).

use async_trait::async_trait;
use hme_kernel::telemetry::ports::{observe_port, Observed, Transport};

use crate::remote::DELETE_FOR_PRODUCT;
use crate::{ImageCleanup, ImageCleanupReport, ImagePortError};

#[async_trait]
impl ImageCleanup for Observed<dyn ImageCleanup> {
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError> {
        observe_port(DELETE_FOR_PRODUCT, Transport::InProcess, |_| true, self.inner().delete_for_product(urls)).await
    }
}
