//! HTTP basics every deployment has: request ids, docs, 404s, headers, CORS.

use serde_json::Value;

use crate::helpers::{spawn_app, Backends};

#[tokio::test]
async fn every_response_echoes_a_request_id_and_security_headers() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a uuid request id: {id:?}");
    assert_eq!(resp.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(resp.headers().get("x-frame-options").unwrap(), "DENY");
    let other = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(other.headers().get("x-request-id").unwrap().to_str().unwrap(), id, "ids are per request");
}

#[tokio::test]
async fn an_unknown_route_answers_404_with_the_legacy_envelope() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let resp = app.client.post(app.url("/api/does-not-exist")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"success": false, "message": "Not found"}));
}

#[tokio::test]
async fn swagger_redirects_to_the_ui_which_is_served_offline() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = no_redirects.get(app.url("/swagger")).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(resp.headers().get("location").unwrap(), "/swagger/");
    let ui = app.client.get(app.url("/swagger/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger-ui"));
    let js = app.client.get(app.url("/swagger/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(js.status(), 200, "the UI's script is vendored into the binary");
}

#[tokio::test]
async fn the_openapi_document_holds_exactly_the_compiled_modules() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let doc: Value = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert!(paths.contains(&"/healthz".to_owned()) && paths.contains(&"/readyz".to_owned()));
    let has_products = paths.iter().any(|p| p.starts_with("/api/product/"));
    assert_eq!(has_products, cfg!(feature = "products"), "{paths:?}");
    let expected = hme::openapi::document();
    assert_eq!(doc["paths"].as_object().unwrap().len(), expected.paths.paths.len());
    // The same bytes as `hme openapi` prints, on every request and every build of it
    // (a diff of two runs shows only real changes).
    let served = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().text().await.unwrap();
    assert_eq!(served, hme::openapi::document_json());
    assert_eq!(hme::openapi::document_json(), hme::openapi::document_json(), "rendering twice gives the same bytes");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let mut backends = Backends::default();
    backends.overrides.insert("HME__SERVER__CORS_ORIGINS".into(), "https://shop.example".into());
    let app = spawn_app(backends).await.unwrap();
    let allowed = app.client.get(app.url("/healthz")).header("origin", "https://shop.example").send().await.unwrap();
    assert_eq!(allowed.headers().get("access-control-allow-origin").unwrap(), "https://shop.example");
    let other = app.client.get(app.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let closed = spawn_app(Backends::default()).await.unwrap();
    let resp = closed.client.get(closed.url("/healthz")).header("origin", "https://shop.example").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("access-control-allow-origin").is_none(), "no origins configured: no CORS grant");
}

#[tokio::test]
async fn responses_are_gzipped_on_request_and_brotli_is_not_applied_per_request() {
    // Brotli on every response made 32 concurrent list requests hold ~500 MB (see
    // migrations-docs/performance.md): the HTTP layer compresses with gzip only, and only
    // the cached product bodies, compressed once per body, are served in br.
    let app = spawn_app(Backends::default()).await.unwrap();
    let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let enc = |r: &reqwest::Response| r.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let gz = raw.get(app.url("/api-docs/openapi.json")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(enc(&gz).as_deref(), Some("gzip"));
    let br = raw.get(app.url("/api-docs/openapi.json")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(br.status(), 200);
    assert_ne!(enc(&br).as_deref(), Some("br"));
    let doc: Value = br.json().await.unwrap();
    assert!(doc["paths"].is_object(), "an identity body the client can read");
}

/// The cached product list is compressed once per body, and served in br or gzip by
/// `Accept-Encoding` (br preferred), never re-compressed by the HTTP layer.
#[cfg(feature = "products")]
#[tokio::test]
async fn cached_product_bodies_are_served_precompressed_in_br_or_gzip() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let enc = |r: &reqwest::Response| r.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let seller = hme_kernel::testing::clerk_token("user_frame_seller", Some("seller"));
    for i in 0..6 {
        let body = serde_json::json!({"name": format!("Frame product {i}"), "description": "A product long enough to make the list worth compressing.",
            "category": "Earphone", "price": 1000 + i, "offerPrice": 0, "image": ["https://res.cloudinary.com/hme/image/upload/v1/x.jpg"]});
        let r = app.client.post(app.url("/api/product/add")).bearer_auth(&seller).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    let plain = raw.get(app.url("/api/product/list")).send().await.unwrap();
    assert_eq!(enc(&plain), None);
    let plain = plain.bytes().await.unwrap();
    for (accept, coding) in [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br", "br")] {
        let r = raw.get(app.url("/api/product/list")).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(enc(&r).as_deref(), Some(coding), "{accept}");
        let body = r.bytes().await.unwrap();
        assert!(body.len() < plain.len(), "{accept}: compressed once, not twice: {} vs {}", body.len(), plain.len());
    }
}
