//! The OpenAPI document of exactly the compiled modules, plus the probes.

use hme_kernel::module::{routes_of, RouteInfo};
use hme_kernel::openapi::{ensure, operations_mut, BearerAuth, LegacyErrors};
use utoipa::{Modify, OpenApi};

use crate::http::health;

#[derive(OpenApi)]
#[openapi(
    info(title = "hme", description = "The HMElectronics backend: the legacy Next.js API routes, served by Rust."),
    paths(health::healthz, health::readyz, crate::migration::status),
    components(schemas(hme_kernel::events::EventEnvelope)),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "migration", description = "The move off the Next.js API routes"),
    ),
    modifiers(&BearerAuth, &LegacyErrors)
)]
struct CoreDoc;

/// The merged document of the core routes and every compiled module.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = CoreDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for (_, module_doc) in crate::modules::documents() {
        doc.merge(module_doc);
    }
    ServerLimits.modify(&mut doc);
    doc
}

/// What the server's own middleware can answer on any route (`http::middleware::
/// request_limits`): 429 past `server.max_concurrent_per_client` requests in flight
/// from one client, 503 past `server.request_timeout_secs`.
struct ServerLimits;

impl Modify for ServerLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for op in operations_mut(openapi) {
            ensure(op, "429", "Too many requests in flight from this client (see Retry-After)");
            ensure(op, "503", "The request took longer than the server's time limit");
            LegacyErrors::complete(op);
        }
    }
}

/// Every route of the binary, with the module serving it (`core` for the probes and docs).
pub fn routes() -> Vec<RouteInfo> {
    let mut all = routes_of("core", &CoreDoc::openapi());
    for path in ["/swagger/", "/api-docs/openapi.json"] {
        all.push(RouteInfo { method: "GET".into(), path: path.into(), module: "core".into() });
    }
    for (module, doc) in crate::modules::documents() {
        all.extend(routes_of(module, &doc));
    }
    all
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;

    #[test]
    fn no_two_modules_define_different_schemas_under_one_name() {
        let mut docs = vec![("core", CoreDoc::openapi())];
        docs.extend(crate::modules::documents());
        let mut seen: BTreeMap<String, (&str, Value)> = BTreeMap::new();
        for (module, doc) in &docs {
            for (name, schema) in doc.components.iter().flat_map(|c| c.schemas.iter()) {
                let schema = serde_json::to_value(schema).unwrap();
                match seen.get(name) {
                    Some((first, other)) => assert_eq!(other, &schema, "schema {name} of {module} differs from {first}'s: the merge keeps one"),
                    None => {
                        seen.insert(name.clone(), (module, schema));
                    }
                }
            }
        }
    }

    #[test]
    fn every_failure_status_is_documented_with_the_legacy_envelope() {
        let doc = serde_json::to_value(document()).unwrap();
        let envelopes = ["ErrorBody", "ErrorKeyBody", "AnyErrorBody"].map(|n| format!("#/components/schemas/{n}"));
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let responses = op["responses"].as_object().unwrap();
                for must in ["429", "503"] {
                    assert!(responses.contains_key(must), "{method} {path} lacks {must}");
                }
                if op.get("security").is_some() {
                    assert!(responses.contains_key("401"), "{method} {path} lacks 401");
                }
                if op.get("requestBody").is_some() {
                    for must in ["400", "413", "415"] {
                        assert!(responses.contains_key(must), "{method} {path} lacks {must}");
                    }
                }
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema = &response["content"]["application/json"]["schema"]["$ref"];
                        let readiness = path == "/readyz" && status == "503";
                        assert!(readiness || envelopes.iter().any(|e| schema == e), "{method} {path} {status}: {response}");
                    }
                }
            }
        }
        assert!(operations >= 3, "{operations}");
        assert!(doc["paths"]["/api/migration/status"]["get"]["responses"]["403"].is_object());
    }
}
