//! Shared test support: the module on each backend, signed webhook deliveries, a
//! request helper.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{test, web, App};
use hme_auth::{AuthModule, AuthModuleSettings};
use hme_kernel::backends::Documents;
use hme_kernel::cache::{Cache, MemoryCache};
use hme_kernel::error::{ErrorStatuses, RealStatus};
use hme_kernel::events::EmbeddedEventBus;
use hme_kernel::module::{HttpModule, Platform};
use hme_kernel::testing::{embedded_test_db, mongo_test_db, verifier};
use serde_json::{json, Value};

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const PID_A: &str = "665f1c2b9a1e4b0012345678";
pub const PID_B: &str = "665f1c2b9a1e4b0012345679";

/// Test settings: a webhook secret, cheap argon2, small login limits.
pub fn settings() -> AuthModuleSettings {
    let mut s = AuthModuleSettings { argon2_memory_kib: 256, argon2_iterations: 1, login_max_per_account: 3, login_max_per_ip: 100, register_max_per_ip: 1000, ..Default::default() };
    s.clerk_webhook_signing_secret = Some(SECRET.to_owned().into());
    s.admin_emails = vec!["Boss@Shop.test".into()];
    s
}

pub struct TestApp {
    pub backend: &'static str,
    pub module: Arc<AuthModule>,
    pub platform: Platform,
    pub mongo: Option<mongodb::Database>,
    _dir: Option<tempfile::TempDir>,
}

pub fn memory_cache() -> Arc<dyn Cache> {
    Arc::new(MemoryCache::new(16 * 1024 * 1024))
}

impl TestApp {
    pub async fn embedded() -> Self {
        Self::embedded_with(settings()).await
    }

    pub async fn embedded_with(settings: AuthModuleSettings) -> Self {
        let (db, dir) = embedded_test_db();
        Self::build("embedded", Documents::Embedded(db), None, Some(dir), settings).await
    }

    pub async fn mongo() -> Option<Self> {
        let db = mongo_test_db().await?;
        Some(Self::build("mongodb", Documents::Mongo(db.clone()), Some(db), None, settings()).await)
    }

    pub async fn build(backend: &'static str, documents: Documents, mongo: Option<mongodb::Database>, dir: Option<tempfile::TempDir>, settings: AuthModuleSettings) -> Self {
        let events_db = match &documents {
            Documents::Embedded(db) => Arc::clone(db),
            Documents::Mongo(_) => embedded_test_db().0,
        };
        let events = Arc::new(EmbeddedEventBus::new(events_db, Default::default()).unwrap());
        let platform = Platform { documents, cache: memory_cache(), events, tokens: Arc::new(verifier()) };
        let module = AuthModule::build(&platform, settings).await.unwrap();
        Self { backend, module, platform, mongo, _dir: dir }
    }

    /// The embedded app, and the MongoDB one when the test server is configured.
    pub async fn all() -> Vec<Self> {
        let mut apps = vec![Self::embedded().await];
        apps.extend(Self::mongo().await);
        apps
    }

    /// A call with `server.error_statuses = "http"` (real statuses).
    pub async fn call(&self, req: test::TestRequest) -> Reply {
        self.call_in(ErrorStatuses::Http, req).await
    }

    /// A call in the default mode (`legacy`: the legacy handler's statuses).
    pub async fn call_legacy(&self, req: test::TestRequest) -> Reply {
        self.call_in(ErrorStatuses::Legacy, req).await
    }

    /// A call with `server.error_statuses = mode`; the reply carries the real status.
    pub async fn call_in(&self, mode: ErrorStatuses, req: test::TestRequest) -> Reply {
        let m = Arc::clone(&self.module);
        let app = test::init_service(
            App::new()
                .app_data(mode)
                .app_data(hme_kernel::json::json_config(256 * 1024))
                .app_data(web::Data::new(Arc::clone(&self.platform.tokens)))
                .configure(move |cfg| m.configure(cfg)),
        )
        .await;
        let resp = test::call_service(&app, req.to_request()).await;
        let status = resp.status();
        let real = resp.response().extensions().get::<RealStatus>().map(|r| r.0);
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = test::read_body(resp).await;
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        Reply { status, real, retry_after, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), raw }
    }

    /// Delivers a signed Clerk event; returns the reply.
    pub async fn deliver(&self, msg_id: &str, event: &Value) -> Reply {
        let body = event.to_string();
        let ts = chrono::Utc::now().timestamp();
        let sig = hme_auth::svix::sign(SECRET, msg_id, ts, body.as_bytes()).unwrap();
        let req = test::TestRequest::post()
            .uri("/api/webhooks/clerk")
            .insert_header(("content-type", "application/json"))
            .insert_header(("svix-id", msg_id))
            .insert_header(("svix-timestamp", ts.to_string()))
            .insert_header(("svix-signature", sig))
            .set_payload(body);
        self.call(req).await
    }

    /// Creates a Clerk user through a signed `user.created`.
    pub async fn clerk_user(&self, id: &str, email: &str) {
        let r = self.deliver(&format!("msg_{}", uuid::Uuid::new_v4().simple()), &user_event("user.created", id, email, "Ada", "Lovelace")).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", self.backend, r.raw);
    }
}

pub fn user_event(kind: &str, id: &str, email: &str, first: &str, last: &str) -> Value {
    json!({"object": "event", "type": kind, "data": {
        "id": id, "first_name": first, "last_name": last, "image_url": format!("https://img.clerk.com/{id}.png"),
        "email_addresses": [{"id": "idn_1", "email_address": email}, {"id": "idn_2", "email_address": "second@x.test"}],
        "public_metadata": {}, "object": "user"}})
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The real status of a failure ([`RealStatus`]), whatever went on the wire.
    pub real: Option<StatusCode>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub raw: String,
}

pub fn get(path: &str, token: Option<&str>) -> test::TestRequest {
    let req = test::TestRequest::get().uri(path);
    match token {
        Some(t) => req.insert_header(("Authorization", format!("Bearer {t}"))),
        None => req,
    }
}

pub fn post(path: &str, token: Option<&str>, body: Value) -> test::TestRequest {
    let req = test::TestRequest::default().method(Method::POST).uri(path).set_json(body);
    match token {
        Some(t) => req.insert_header(("Authorization", format!("Bearer {t}"))),
        None => req,
    }
}

pub fn address_body() -> Value {
    json!({"address": {"fullName": "  Ada Lovelace ", "phoneNumber": " 0300 1234567", "pinCode": "54000", "area": "Gulberg III", "city": "Lahore ", "state": "Punjab"}})
}
