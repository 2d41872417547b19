//! The orders module: legacy order placement, the order lifecycle and its events (issue 6 fills it in).
//!
//! Today it is the frame only: the module is compiled, started and documented like the
//! others, and serves no route yet.

use std::sync::Arc;

use actix_web::web;
use hme_kernel::module::{HttpModule, Platform};
use utoipa::OpenApi;

/// The orders module's OpenAPI document.
#[derive(OpenApi)]
#[openapi(tags((name = "orders", description = "legacy order placement, the order lifecycle and its events (issue 6 fills it in)")))]
struct ApiDoc;

/// The orders module, built by the composition root.
pub struct OrdersModule {
    _platform: Platform,
}

impl OrdersModule {
    /// Builds the module from the shared platform.
    pub fn build(platform: &Platform) -> Arc<Self> {
        Arc::new(Self { _platform: platform.clone() })
    }

    /// The module's OpenAPI document (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        ApiDoc::openapi()
    }
}

impl HttpModule for OrdersModule {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }
}
