//! What a feature module hands the composition root, and what it gets from it.

use std::sync::Arc;

use actix_web::web;

use crate::auth::TokenVerifier;
use crate::backends::Documents;
use crate::cache::Cache;
use crate::events::EventBus;

/// The shared infrastructure a module is built from; the composition root picks the
/// adapters (MongoDB or embedded, Redis or in-process, RabbitMQ or in-process).
#[derive(Clone)]
pub struct Platform {
    /// Documents storage.
    pub documents: Documents,
    /// The cache.
    pub cache: Arc<dyn Cache>,
    /// The event bus.
    pub events: Arc<dyn EventBus>,
    /// Session-token verification.
    pub tokens: Arc<TokenVerifier>,
}

/// One route of a module, as `hme routes` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RouteInfo {
    /// `GET`, `POST`...
    pub method: String,
    /// `/api/product/list`
    pub path: String,
    /// The module serving it.
    pub module: String,
}

/// A feature module's HTTP face.
pub trait HttpModule: Send + Sync {
    /// The module's name (= its Cargo feature).
    fn name(&self) -> &'static str;
    /// Registers the module's routes.
    fn configure(&self, cfg: &mut web::ServiceConfig);
    /// The OpenAPI document of exactly those routes.
    fn openapi(&self) -> utoipa::openapi::OpenApi;
    /// Registers the module's internal endpoints: the server half of the ports it owns
    /// (see [`crate::remote`]), paths relative to `/internal/v1`. The composition root
    /// mounts them behind the service-token guard, only when a token is configured;
    /// they are not in the OpenAPI document. Default: none.
    fn configure_internal(&self, _cfg: &mut web::ServiceConfig) {}
    /// Gauges read at each scrape of `/metrics` on the admin listener. Default: none.
    fn collectors(&self) -> Vec<Arc<dyn crate::telemetry::metrics::Collector>> {
        Vec::new()
    }
}

/// The routes documented in an OpenAPI document, attributed to `module`. Every route a
/// module serves is documented, so this is also the list of what it serves.
pub fn routes_of(module: &str, api: &utoipa::openapi::OpenApi) -> Vec<RouteInfo> {
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in ops {
            if present {
                out.push(RouteInfo { method: method.to_owned(), path: path.clone(), module: module.to_owned() });
            }
        }
    }
    out
}
