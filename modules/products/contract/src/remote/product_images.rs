//! The [`ProductImages`] port over HTTP: the products module's internal endpoint and
//! [`RemoteProductImages`], the images module's client of it.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use hme_kernel::remote::wire::{self, Urls};
use hme_kernel::remote::{Idempotency, RemoteError, ServiceClient};
use serde::{Deserialize, Serialize};

use crate::product_images::{ProductImages, ProductImagesError};

pub(crate) const REFERENCED: &str = "/product-images/referenced";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Referenced {
    referenced: Vec<String>,
}

/// Registers the product-images internal endpoint over `images` (the products module).
pub fn serve_product_images(cfg: &mut web::ServiceConfig, images: Arc<dyn ProductImages>) {
    cfg.service(web::resource(REFERENCED).app_data(web::Data::from(images)).route(web::post().to(referenced)));
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

fn unavailable(e: RemoteError) -> ProductImagesError {
    ProductImagesError::Unavailable(e.reason())
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
    async fn referenced(&self, urls: &[String]) -> Result<HashSet<String>, ProductImagesError> {
        let r: Referenced = self.client.call(REFERENCED, &Urls { urls: urls.to_vec() }, Idempotency::Idempotent).await.map_err(unavailable)?;
        Ok(r.referenced.into_iter().collect())
    }
}
