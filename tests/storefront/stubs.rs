//! A TCS stub in the shape hme's TCS adapter speaks (migrations-docs/payments.md):
//! `POST /booking` answers `{success, trackingNumber}`; `GET /track/<cn>` answers what
//! the test set for that number ([`TcsStub::answer_tracking`]), 404 otherwise; `down()`
//! makes every call answer 503.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

#[derive(Default)]
struct State {
    down: AtomicBool,
    next: AtomicU64,
    tracking: Mutex<HashMap<String, Value>>,
    bookings: Mutex<Vec<Value>>,
}

/// The running stub.
pub struct TcsStub {
    pub url: String,
    state: Arc<State>,
}

async fn booking(s: web::Data<State>, body: web::Json<Value>) -> HttpResponse {
    if s.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().json(json!({"success": false, "message": "down"}));
    }
    s.bookings.lock().unwrap().push(body.into_inner());
    let cn = format!("779{:08}", s.next.fetch_add(1, Ordering::SeqCst) + 1);
    HttpResponse::Ok().json(json!({"success": true, "trackingNumber": cn}))
}

async fn track(s: web::Data<State>, cn: web::Path<String>) -> HttpResponse {
    if s.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().json(json!({"success": false, "message": "down"}));
    }
    match s.tracking.lock().unwrap().get(cn.as_str()) {
        Some(v) => HttpResponse::Ok().json(v),
        None => HttpResponse::NotFound().json(json!({"success": false, "message": "not found"})),
    }
}

impl TcsStub {
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/booking", web::post().to(booking)).route("/track/{cn}", web::get().to(track)))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        tokio::spawn(server.run());
        Self { url, state }
    }

    /// `GET /track/<cn>` answers `body` from now on.
    pub fn answer_tracking(&self, cn: &str, body: Value) {
        self.state.tracking.lock().unwrap().insert(cn.to_owned(), body);
    }

    /// Every call answers 503 from now on.
    pub fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
    }

    /// The bookings received so far (their request bodies).
    pub fn bookings(&self) -> Vec<Value> {
        self.state.bookings.lock().unwrap().clone()
    }
}
