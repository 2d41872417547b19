//! The image ports over HTTP: [`ImageCleanup`] (the images module's internal endpoint,
//! [`RemoteImageCleanup`] for the worker) and [`ProductImages`] (the products module's
//! internal endpoint, [`RemoteProductImages`] for the images module).

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::client::{Idempotency, RemoteError, ServiceClient};
use super::wire::{self, Urls};
use crate::ports::images::{ImageCleanup, ImageCleanupReport, ImagePortError, ProductImages};

pub(crate) const DELETE_FOR_PRODUCT: &str = "/images/delete-for-product";
pub(crate) const REFERENCED: &str = "/product-images/referenced";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    deleted: Vec<String>,
    missing: Vec<String>,
    skipped: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Referenced {
    referenced: Vec<String>,
}

/// Registers the image clean-up's internal endpoint over `cleanup` (the images module).
pub fn serve_cleanup(cfg: &mut web::ServiceConfig, cleanup: Arc<dyn ImageCleanup>) {
    cfg.service(web::resource(DELETE_FOR_PRODUCT).app_data(web::Data::from(cleanup)).route(web::post().to(delete_for_product)));
}

/// Registers the product-images internal endpoint over `images` (the products module).
pub fn serve_product_images(cfg: &mut web::ServiceConfig, images: Arc<dyn ProductImages>) {
    cfg.service(web::resource(REFERENCED).app_data(web::Data::from(images)).route(web::post().to(referenced)));
}

async fn delete_for_product(port: web::Data<dyn ImageCleanup>, body: web::Json<Urls>) -> HttpResponse {
    match port.delete_for_product(&body.urls).await {
        Ok(r) => wire::ok(&Report { deleted: r.deleted, missing: r.missing, skipped: r.skipped }),
        Err(e) => wire::unavailable(e),
    }
}

async fn referenced(port: web::Data<dyn ProductImages>, body: web::Json<Urls>) -> HttpResponse {
    match port.referenced(&body.urls).await {
        Ok(set) => {
            let mut referenced: Vec<String> = set.into_iter().collect();
            referenced.sort();
            wire::ok(&Referenced { referenced })
        }
        Err(e) => wire::unavailable(e),
    }
}

fn unavailable(e: RemoteError) -> ImagePortError {
    match e {
        RemoteError::Refused(v) => ImagePortError::Unavailable(format!("unexpected error: {v}")),
        RemoteError::Unavailable(why) => ImagePortError::Unavailable(why),
    }
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

/// The [`ProductImages`] of a products module running elsewhere (a read: retried).
/// When it cannot be reached the caller gets `Unavailable` and deletes nothing.
pub struct RemoteProductImages {
    client: ServiceClient,
}

impl RemoteProductImages {
    /// Product images answered by the products module behind `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ProductImages for RemoteProductImages {
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ImagePortError> {
        let r: Referenced = self.client.call(REFERENCED, &Urls { urls: urls.to_vec() }, Idempotency::Idempotent).await.map_err(unavailable)?;
        Ok(r.referenced.into_iter().collect())
    }
}
