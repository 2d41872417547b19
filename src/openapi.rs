//! The OpenAPI document of exactly the compiled modules, plus the probes.

use hme_kernel::module::{routes_of, RouteInfo};
use hme_kernel::openapi::{ensure, operations_mut, BearerAuth, LegacyErrors};
use utoipa::{Modify, OpenApi};

use crate::http::health;

#[derive(OpenApi)]
#[openapi(
    info(title = "hme", description = "The HMElectronics backend: the legacy Next.js API routes, served by Rust."),
    paths(health::healthz, health::readyz, hme_migration::status),
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
    Links.modify(&mut doc);
    doc
}

/// [`document`] as pretty JSON, the same bytes on every run (served at
/// `/api-docs/openapi.json` and printed by `hme openapi`). utoipa keeps a link's fields
/// in a `HashMap` ([`Links`] sets them as extensions), whose order changes per process:
/// each link's keys are written sorted.
pub fn document_json() -> String {
    let mut doc = serde_json::to_value(document()).unwrap_or_default();
    let links = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(serde_json::Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links").and_then(serde_json::Value::as_object_mut))
        .flat_map(|links| links.values_mut());
    for link in links {
        if let Some(fields) = link.as_object_mut() {
            let mut sorted: Vec<(String, serde_json::Value)> = std::mem::take(fields).into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            fields.extend(sorted);
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// OpenAPI links between operations (the stateful phase of `scripts/fuzz.sh` follows
/// them): (from operation, to operation, link parameters or request body). Links whose
/// ends are not both compiled in are left out.
const LINKS: &[(&str, &str, &str, &str)] = &[
    ("add_product", "get_product", "id", "$response.body#/newProduct/_id"),
    ("add_product", "edit_product", "productId", "$response.body#/newProduct/_id"),
    ("add_product", "set_in_stock", "productId", "$response.body#/newProduct/_id"),
    ("add_product", "set_promotion", "productId", "$response.body#/newProduct/_id"),
    ("add_product", "delete_product", "productId", "$response.body#/newProduct/_id"),
    ("create_order", "cancel_order", "orderId", "$response.body#/orderId"),
    ("login", "refresh", "refreshToken", "$response.body#/refreshToken"),
    ("login", "logout", "refreshToken", "$response.body#/refreshToken"),
    ("refresh", "refresh", "refreshToken", "$response.body#/refreshToken"),
    ("refresh", "logout", "refreshToken", "$response.body#/refreshToken"),
    ("upload_images", "delete_image", "url", "$response.body#/urls/0"),
];

/// Adds [`LINKS`] to the 200 responses.
struct Links;

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::extensions::Extensions;
        use utoipa::openapi::link::LinkBuilder;
        let has_body: std::collections::HashMap<String, bool> = operations_mut(openapi)
            .filter_map(|op| Some((op.operation_id.clone()?, op.request_body.is_some())))
            .collect();
        for op in operations_mut(openapi) {
            let Some(from) = op.operation_id.clone() else { continue };
            let Some(utoipa::openapi::RefOr::T(ok)) = op.responses.responses.get_mut("200") else { continue };
            for (_, to, name, expression) in LINKS.iter().filter(|(f, ..)| *f == from) {
                let Some(&body) = has_body.get(*to) else { continue };
                // utoipa 5.5 serializes `Link`'s own fields in snake_case (`operation_id`),
                // which OpenAPI tools ignore: the camelCase keys go in as extensions, which
                // are flattened into the link object as they are.
                let (key, value) = if body {
                    ("requestBody", serde_json::json!({ *name: expression }))
                } else {
                    ("parameters", serde_json::json!({ *name: expression }))
                };
                let fields = Extensions::from_iter([("operationId", serde_json::json!(to)), (key, value)]);
                ok.links.insert((*to).to_owned(), LinkBuilder::new().extensions(Some(fields)).build().into());
            }
        }
    }
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

/// The routes the migration layer counts as served by this build.
pub fn served_routes() -> Vec<hme_migration::ServedRoute> {
    routes().into_iter().map(|r| hme_migration::ServedRoute { method: r.method, path: r.path }).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
        let ids: Vec<&str> = doc["paths"].as_object().unwrap().values().flat_map(|i| i.as_object().unwrap().values()).filter_map(|o| o["operationId"].as_str()).collect();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (name, link) in op["responses"]["200"]["links"].as_object().into_iter().flatten() {
                    let target = link["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} link {name}: {link}"));
                    assert!(ids.contains(&target), "{method} {path} links to unknown {target}");
                    assert!(link.get("operation_id").is_none() && (link.get("requestBody").is_some() || link.get("parameters").is_some()), "{link}");
                }
            }
        }
        assert!(doc["paths"]["/api/migration/status"]["get"]["responses"]["403"].is_object());
    }

    #[cfg(all(feature = "orders", feature = "auth"))]
    #[test]
    fn legacy_routes_document_their_default_answers() {
        let doc = serde_json::to_value(document()).unwrap();
        let create = &doc["paths"]["/api/order/create"]["post"]["responses"];
        let alternatives = create["200"]["content"]["application/json"]["schema"]["anyOf"].as_array().unwrap();
        assert!(alternatives.iter().any(|s| s["$ref"] == "#/components/schemas/ErrorBody"), "{create}");
        assert!(create["409"]["description"].as_str().unwrap().contains("by default (`legacy`): 200"), "{create}");
        let track = &doc["paths"]["/api/track/{trackingNumber}"]["get"]["responses"];
        assert!(track["502"]["description"].as_str().unwrap().contains("503"), "{track}");
        assert!(track["401"]["description"].as_str().unwrap().contains("Unauthorized session"), "{track}");
        let data = &doc["paths"]["/api/user/data"]["get"]["responses"];
        assert!(data["200"]["description"].as_str().unwrap().contains("401"), "{data}");
        // hme's own routes: nothing added.
        let me = &doc["paths"]["/api/auth/me"]["get"]["responses"]["401"]["description"];
        assert!(!me.as_str().unwrap().contains("legacy"), "{me}");
    }
}
