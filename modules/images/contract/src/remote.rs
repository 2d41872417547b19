//! The [`ImageCleanup`] port over HTTP: the images module's internal endpoint and
//! [`RemoteImageCleanup`], the worker's client of it.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use hme_kernel::remote::wire::{self, Urls};
use hme_kernel::remote::{Idempotency, RemoteError, ServiceClient};

use crate::image_cleanup::{ImageCleanup, ImageCleanupReport, ImagePortError};

pub(crate) const DELETE_FOR_PRODUCT: &str = "/images/delete-for-product";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    deleted: Vec<String>,
    missing: Vec<String>,
    skipped: Vec<String>,
}

/// Registers the image clean-up's internal endpoint over `cleanup` (the images module).
pub fn serve_cleanup(cfg: &mut web::ServiceConfig, cleanup: Arc<dyn ImageCleanup>) {
    cfg.service(web::resource(DELETE_FOR_PRODUCT).app_data(web::Data::from(cleanup)).route(web::post().to(delete_for_product)));
}

async fn delete_for_product(port: web::Data<dyn ImageCleanup>, body: web::Json<Urls>) -> HttpResponse {
    match port.delete_for_product(&body.urls).await {
        Ok(r) => wire::ok(&Report { deleted: r.deleted, missing: r.missing, skipped: r.skipped }),
        Err(e) => wire::unavailable(e),
    }
}

fn unavailable(e: RemoteError) -> ImagePortError {
    ImagePortError::Unavailable(e.reason())
}

/// The [`ImageCleanup`] of an images module running elsewhere (idempotent: retried).
pub struct RemoteImageCleanup {
    client: ServiceClient,
}

impl RemoteImageCleanup {
    /// A clean-up done by the images module behind `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ImageCleanup for RemoteImageCleanup {
    async fn delete_for_product(&self, urls: &[String]) -> Result<ImageCleanupReport, ImagePortError> {
        let r: Report = self.client.call(DELETE_FOR_PRODUCT, &Urls { urls: urls.to_vec() }, Idempotency::Idempotent).await.map_err(unavailable)?;
        Ok(ImageCleanupReport { deleted: r.deleted, missing: r.missing, skipped: r.skipped })
    }
}
