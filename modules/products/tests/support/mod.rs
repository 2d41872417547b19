//! Shared test support: platforms on each backend, a recording event bus, a request helper.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use async_trait::async_trait;
use hme_kernel::backends::Documents;
use hme_kernel::cache::{Cache, MemoryCache};
use hme_kernel::error::{ErrorStatuses, RealStatus};
use hme_kernel::events::{EventBus, EventEnvelope, EventError, EventHandler};
use hme_kernel::module::{HttpModule, Platform};
use hme_kernel::testing::{clerk_token, embedded_test_db, mongo_test_db, verifier};
use hme_products::{ProductsModule, ProductsSettings};
use serde_json::Value;

/// Seller A, seller B and a customer.
pub const SELLER: &str = "user_seller_a";
pub const OTHER_SELLER: &str = "user_seller_b";
pub const CUSTOMER: &str = "user_customer";

pub fn seller_token() -> String {
    clerk_token(SELLER, Some("seller"))
}
pub fn other_seller_token() -> String {
    clerk_token(OTHER_SELLER, Some("seller"))
}
pub fn customer_token() -> String {
    clerk_token(CUSTOMER, None)
}

/// An event bus that records what is published.
#[derive(Default)]
pub struct RecordingBus {
    pub events: Mutex<Vec<EventEnvelope>>,
    pub fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl EventBus for RecordingBus {
    fn name(&self) -> &'static str {
        "recording"
    }
    async fn publish(&self, event: &EventEnvelope) -> Result<(), EventError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(EventError::Unavailable("test bus down".into()));
        }
        self.events.lock().unwrap().push(event.clone());
        Ok(())
    }
    async fn subscribe(&self, _handler: Arc<dyn EventHandler>) -> Result<(), EventError> {
        Ok(())
    }
}

/// A module on one backend, with what the tests look at.
pub struct TestApp {
    pub backend: &'static str,
    pub module: Arc<ProductsModule>,
    pub platform: Platform,
    pub bus: Arc<RecordingBus>,
    pub mongo: Option<mongodb::Database>,
    _dir: Option<tempfile::TempDir>,
}

pub fn platform(documents: Documents, cache: Arc<dyn Cache>, bus: Arc<RecordingBus>) -> Platform {
    Platform { documents, cache, events: bus, tokens: Arc::new(verifier()) }
}

impl TestApp {
    pub async fn embedded() -> Self {
        let (db, dir) = embedded_test_db();
        Self::build("embedded", Documents::Embedded(db), None, Some(dir), memory_cache()).await
    }

    pub async fn mongo() -> Option<Self> {
        let db = mongo_test_db().await?;
        Some(Self::build("mongodb", Documents::Mongo(db.clone()), Some(db), None, memory_cache()).await)
    }

    pub async fn build(backend: &'static str, documents: Documents, mongo: Option<mongodb::Database>, dir: Option<tempfile::TempDir>, cache: Arc<dyn Cache>) -> Self {
        let bus = Arc::new(RecordingBus::default());
        let platform = platform(documents, cache, Arc::clone(&bus));
        let module = ProductsModule::build(&platform, ProductsSettings::default()).await.unwrap();
        Self { backend, module, platform, bus, mongo, _dir: dir }
    }

    /// The embedded app, and the MongoDB one when the test server is configured.
    pub async fn all() -> Vec<Self> {
        let mut apps = vec![Self::embedded().await];
        apps.extend(Self::mongo().await);
        apps
    }

    /// A call with `server.error_statuses = "http"` (real statuses).
    pub async fn call(&self, req: test::TestRequest) -> Reply {
        call_module(&self.module, req).await
    }

    /// A call in the default mode (`legacy`: the legacy handler's statuses).
    pub async fn call_legacy(&self, req: test::TestRequest) -> Reply {
        call_module_in(&self.module, ErrorStatuses::Legacy, req).await
    }

    pub fn published(&self) -> Vec<EventEnvelope> {
        self.bus.events.lock().unwrap().clone()
    }
}

pub fn memory_cache() -> Arc<dyn Cache> {
    Arc::new(MemoryCache::new(16 * 1024 * 1024))
}

/// A response: status, ETag, body as JSON (Null when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The real status of a failure ([`RealStatus`]), whatever went on the wire.
    pub real: Option<StatusCode>,
    pub etag: Option<String>,
    pub body: Value,
    pub raw: String,
}

/// A call with `server.error_statuses = "http"`.
pub async fn call_module(module: &Arc<ProductsModule>, req: test::TestRequest) -> Reply {
    call_module_in(module, ErrorStatuses::Http, req).await
}

/// A call with `server.error_statuses = mode`; the reply carries the real status.
pub async fn call_module_in(module: &Arc<ProductsModule>, mode: ErrorStatuses, req: test::TestRequest) -> Reply {
    let m = Arc::clone(module);
    let app = test::init_service(
        App::new()
            .app_data(mode)
            .app_data(hme_kernel::json::json_config(256 * 1024))
            .app_data(hme_kernel::json::query_config())
            .app_data(web::Data::new(Arc::new(verifier())))
            .configure(move |cfg| m.configure(cfg)),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status();
    let real = resp.response().extensions().get::<RealStatus>().map(|r| r.0);
    let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = test::read_body(resp).await;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, real, etag, body, raw }
}

pub fn get(path: &str) -> test::TestRequest {
    test::TestRequest::get().uri(path)
}

pub fn authed(req: test::TestRequest, token: &str) -> test::TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

pub fn json_req(method: actix_web::http::Method, path: &str, token: Option<&str>, body: Value) -> test::TestRequest {
    let req = test::TestRequest::default().method(method).uri(path).set_json(body);
    match token {
        Some(t) => authed(req, t),
        None => req,
    }
}

/// A valid add body.
pub fn sample_add(name: &str, price: Value, offer: Value) -> Value {
    serde_json::json!({
        "name": name,
        "description": format!("{name}: a great product"),
        "category": "Earphone",
        "price": price,
        "offerPrice": offer,
        "image": ["https://res.cloudinary.com/demo/image/upload/v1/abc123.jpg", "https://res.cloudinary.com/demo/image/upload/v1/def456.png"],
    })
}

/// Adds a product through the route as `token`; returns its JSON.
pub async fn add_product(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.call(json_req(actix_web::http::Method::POST, "/api/product/add", Some(token), body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
    r.body["newProduct"].clone()
}
