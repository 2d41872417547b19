//! A stand-in for Clerk's backend API (`GET /v1/users/{user_id}`), following its
//! published format: the `User` object (snake_case, `public_metadata`,
//! `private_metadata`, `unsafe_metadata`, `email_addresses`...), `Authorization: Bearer
//! <secret key>` required, and errors as `{"errors":[{"message","long_message","code"}]}`
//! (401 for a wrong key, 404 for an unknown user). It counts the calls it answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// The secret key the stub accepts.
pub const STUB_SECRET_KEY: &str = "sk_test_hme_stub_secret";

#[derive(Default)]
struct State {
    users: Mutex<HashMap<String, Value>>,
    hits: AtomicUsize,
    failing: AtomicBool,
    delay_ms: AtomicUsize,
}

/// A running stub; stops with the test process.
pub struct ClerkStub {
    /// `http://127.0.0.1:<port>`: what `CLERK_API_URL` is set to.
    pub url: String,
    state: Arc<State>,
}

impl ClerkStub {
    /// Starts the stub on a free port.
    pub fn start() -> Self {
        let state = Arc::new(State::default());
        let data = web::Data::from(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().unwrap_or_else(|e| panic!("{e}")).port();
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/v1/users/{user_id}", web::get().to(get_user)))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap_or_else(|e| panic!("{e}"))
            .run();
        tokio::spawn(server);
        Self { url: format!("http://127.0.0.1:{port}"), state }
    }

    /// Adds (or replaces) a user with this `public_metadata`.
    pub fn add_user(&self, id: &str, public_metadata: Value) {
        if let Ok(mut users) = self.state.users.lock() {
            users.insert(id.to_owned(), public_metadata);
        }
    }

    /// Calls answered so far (any status).
    pub fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    /// Answers every call with Clerk's 503 from now on (or normally again).
    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// Delays every answer (to make concurrent lookups overlap).
    pub fn set_delay(&self, delay: Duration) {
        self.state.delay_ms.store(usize::try_from(delay.as_millis()).unwrap_or(usize::MAX), Ordering::SeqCst);
    }
}

fn error(status: actix_web::http::StatusCode, code: &str, message: &str, long_message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{"message": message, "long_message": long_message, "code": code}],
        "clerk_trace_id": "trace_stub",
    }))
}

async fn get_user(req: HttpRequest, path: web::Path<String>, state: web::Data<State>) -> HttpResponse {
    use actix_web::http::StatusCode;
    state.hits.fetch_add(1, Ordering::SeqCst);
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(u64::try_from(delay).unwrap_or(u64::MAX))).await;
    }
    if state.failing.load(Ordering::SeqCst) {
        return error(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "Service unavailable", "The service is temporarily unavailable");
    }
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != format!("Bearer {STUB_SECRET_KEY}") {
        return error(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Invalid authentication",
            "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.",
        );
    }
    let id = path.into_inner();
    let public_metadata = state.users.lock().ok().and_then(|u| u.get(&id).cloned());
    let Some(public_metadata) = public_metadata else {
        return error(StatusCode::NOT_FOUND, "resource_not_found", "not found", "User not found");
    };
    let now = chrono::Utc::now().timestamp_millis();
    HttpResponse::Ok().json(json!({
        "id": id,
        "object": "user",
        "username": null,
        "first_name": "Test",
        "last_name": "User",
        "image_url": "https://img.clerk.com/stub",
        "has_image": false,
        "primary_email_address_id": "idn_stub",
        "primary_phone_number_id": null,
        "primary_web3_wallet_id": null,
        "password_enabled": true,
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "email_addresses": [{
            "id": "idn_stub",
            "object": "email_address",
            "email_address": format!("{id}@example.com"),
            "reserved": false,
            "verification": {"status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": now},
            "linked_to": [],
        }],
        "phone_numbers": [],
        "web3_wallets": [],
        "external_accounts": [],
        "public_metadata": public_metadata,
        "private_metadata": {},
        "unsafe_metadata": {},
        "external_id": null,
        "last_sign_in_at": now,
        "banned": false,
        "locked": false,
        "created_at": now,
        "updated_at": now,
        "last_active_at": now,
    }))
}
