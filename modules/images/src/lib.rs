//! The images module: signed Cloudinary uploads, server-side uploads and object storage (issue 8 fills it in).
//!
//! Today it is the frame only: the module is compiled, started and documented like the
//! others, and serves no route yet.

use std::sync::Arc;

use actix_web::web;
use hme_kernel::module::{HttpModule, Platform};
use utoipa::OpenApi;

/// The images module's OpenAPI document.
#[derive(OpenApi)]
#[openapi(tags((name = "images", description = "signed Cloudinary uploads, server-side uploads and object storage (issue 8 fills it in)")))]
struct ApiDoc;

/// The images module, built by the composition root.
pub struct ImagesModule {
    _platform: Platform,
}

impl ImagesModule {
    /// Builds the module from the shared platform.
    pub fn build(platform: &Platform) -> Arc<Self> {
        Arc::new(Self { _platform: platform.clone() })
    }

    /// The module's OpenAPI document (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        ApiDoc::openapi()
    }
}

impl HttpModule for ImagesModule {
    fn name(&self) -> &'static str {
        "images"
    }

    fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }
}
