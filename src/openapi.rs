//! The OpenAPI document of exactly the compiled modules, plus the probes.

use hme_kernel::module::{routes_of, RouteInfo};
use hme_kernel::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::http::health;

#[derive(OpenApi)]
#[openapi(
    info(title = "hme", description = "The HMElectronics backend: the legacy Next.js API routes, served by Rust."),
    paths(health::healthz, health::readyz),
    components(schemas(hme_kernel::events::EventEnvelope)),
    tags((name = "health", description = "Liveness and readiness probes")),
    modifiers(&BearerAuth)
)]
struct CoreDoc;

/// The merged document of the core routes and every compiled module.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = CoreDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for (_, module_doc) in crate::modules::documents() {
        doc.merge(module_doc);
    }
    doc
}

/// Every route of the binary, with the module serving it (`core` for the probes and docs).
pub fn routes() -> Vec<RouteInfo> {
    let mut all = routes_of("core", &CoreDoc::openapi());
    for path in ["/swagger/", "/api-docs/openapi.json", crate::migration::STATUS_PATH] {
        all.push(RouteInfo { method: "GET".into(), path: path.into(), module: "core".into() });
    }
    for (module, doc) in crate::modules::documents() {
        all.extend(routes_of(module, &doc));
    }
    all
}
