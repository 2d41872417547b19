//! The worker module: the consumers of events: email, inventory, image clean-up (issue 7 fills it in).
//!
//! Today it is the frame only: the module is compiled, started and documented like the
//! others, and serves no route yet.

use std::sync::Arc;

use actix_web::web;
use hme_kernel::module::{HttpModule, Platform};
use utoipa::OpenApi;

/// The worker module's OpenAPI document.
#[derive(OpenApi)]
#[openapi(tags((name = "worker", description = "the consumers of events: email, inventory, image clean-up (issue 7 fills it in)")))]
struct ApiDoc;

/// The worker module, built by the composition root.
pub struct WorkerModule {
    _platform: Platform,
}

impl WorkerModule {
    /// Builds the module from the shared platform.
    pub fn build(platform: &Platform) -> Arc<Self> {
        Arc::new(Self { _platform: platform.clone() })
    }

    /// The module's OpenAPI document (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        ApiDoc::openapi()
    }
}

impl HttpModule for WorkerModule {
    fn name(&self) -> &'static str {
        "worker"
    }

    fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }
}
