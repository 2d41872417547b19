//! Shared test support: the orders module next to the real products module on each
//! backend, customers over real documents, a recording event bus, request helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod customers;
pub mod jazzcash;

use std::sync::{Arc, Mutex};

use actix_web::http::{Method, StatusCode};
use actix_web::{test, web, App};
use async_trait::async_trait;
use hme_kernel::backends::Documents;
use hme_kernel::cache::MemoryCache;
use hme_kernel::error::{ErrorStatuses, RealStatus};
use hme_kernel::events::{EventBus, EventEnvelope, EventError, EventHandler};
use hme_kernel::module::{HttpModule, Platform};
use hme_kernel::testing::{clerk_token, embedded_test_db, mongo_test_db, verifier};
use hme_orders::{OrdersDeps, OrdersModule, OrdersSettings};
use hme_products::{ProductsModule, ProductsSettings};
use serde_json::{json, Value};

pub use customers::People;

pub const SELLER: &str = "user_seller_a";
pub const CUSTOMER: &str = "user_customer";
pub const OTHER: &str = "user_other";

pub fn seller() -> String {
    clerk_token(SELLER, Some("seller"))
}
pub fn customer() -> String {
    clerk_token(CUSTOMER, None)
}
pub fn other() -> String {
    clerk_token(OTHER, None)
}

/// An event bus that records what is published; can be switched to failing.
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

pub struct TestApp {
    pub backend: &'static str,
    pub orders: Arc<OrdersModule>,
    pub products: Arc<ProductsModule>,
    pub people: People,
    pub platform: Platform,
    pub bus: Arc<RecordingBus>,
    pub mongo: Option<mongodb::Database>,
    pub dir: Option<Arc<tempfile::TempDir>>,
}

pub fn settings() -> OrdersSettings {
    OrdersSettings { relay_poll_ms: 50, relay_base_delay_ms: 50, relay_max_delay_ms: 500, create_max_per_user: 0, create_max_per_ip: 0, ..Default::default() }
}

impl TestApp {
    pub async fn embedded() -> Self {
        let (db, dir) = embedded_test_db();
        Self::build("embedded", Documents::Embedded(db.clone()), People::Embedded(db), None, Some(Arc::new(dir)), settings(), None).await
    }

    pub async fn mongo() -> Option<Self> {
        let db = mongo_test_db().await?;
        Some(Self::build("mongodb", Documents::Mongo(db.clone()), People::Mongo(db.clone()), Some(db), None, settings(), None).await)
    }

    pub async fn all() -> Vec<Self> {
        let mut apps = vec![Self::embedded().await];
        apps.extend(Self::mongo().await);
        apps
    }

    /// Builds on `documents`; `events` replaces the recording bus when given.
    pub async fn build(backend: &'static str, documents: Documents, people: People, mongo: Option<mongodb::Database>, dir: Option<Arc<tempfile::TempDir>>, s: OrdersSettings, events: Option<Arc<dyn EventBus>>) -> Self {
        let bus = Arc::new(RecordingBus::default());
        let events: Arc<dyn EventBus> = events.unwrap_or_else(|| bus.clone());
        let platform = Platform { documents, cache: Arc::new(MemoryCache::new(1 << 24)), events, tokens: Arc::new(verifier()) };
        // The orders relay publishes the shared outbox; a second relay in the products
        // module would outlive a simulated crash of the orders process.
        let products = ProductsModule::build(&platform, ProductsSettings { relay_enabled: false, ..Default::default() }).await.unwrap();
        let people2 = Arc::new(people.clone());
        let deps = OrdersDeps { catalog: products.catalog(), customers: people2.clone(), address_book: people2 };
        let orders = OrdersModule::build(&platform, deps, s).await.unwrap();
        Self { backend, orders, products, people, platform, bus, mongo, dir }
    }

    /// Another orders module over the same storage (a restarted process).
    pub async fn restart(&self, s: OrdersSettings, events: Option<Arc<dyn EventBus>>) -> Self {
        Self::build(self.backend, self.platform.documents.clone(), self.people.clone(), self.mongo.clone(), self.dir.clone(), s, events).await
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
        let (o, p) = (self.orders.clone(), self.products.clone());
        let app = test::init_service(
            App::new()
                .app_data(mode)
                .app_data(hme_kernel::json::json_config(256 * 1024))
                .app_data(web::Data::new(Arc::new(verifier())))
                .configure(move |cfg| {
                    o.configure(cfg);
                    p.configure(cfg);
                }),
        )
        .await;
        let resp = test::call_service(&app, req.to_request()).await;
        let status = resp.status();
        let real = resp.response().extensions().get::<RealStatus>().map(|r| r.0);
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = test::read_body(resp).await;
        Reply { status, real, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), raw: String::from_utf8_lossy(&bytes).into_owned(), location }
    }

    pub fn published(&self) -> Vec<EventEnvelope> {
        self.bus.events.lock().unwrap().clone()
    }

    /// Adds a product (seller A) with `stock` units (None = unlimited); returns its id.
    pub async fn product(&self, name: &str, price: f64, offer: f64, stock: Option<i64>) -> String {
        let mut body = json!({"name": name, "description": "d", "category": "Earphone", "price": price, "offerPrice": offer, "image": ["https://x.test/a.jpg"]});
        if let Some(s) = stock {
            body["stock"] = json!(s);
        }
        let r = self.call(req(Method::POST, "/api/product/add", Some(&seller()), body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        r.body["newProduct"]["_id"].as_str().unwrap().to_owned()
    }

    pub async fn stock(&self, id: &str) -> Option<i64> {
        self.products.catalog().products_by_ids(&[id.to_owned()]).await.unwrap()[0].stock
    }

    /// A customer with an address; returns the address id.
    pub async fn customer_with_address(&self, user: &str) -> String {
        self.people.add_user(user, &format!("{user}@example.com")).await;
        self.people.add_address(user).await["_id"].as_str().unwrap().to_owned()
    }

    pub async fn create(&self, token: &str, body: Value, key: Option<&str>) -> Reply {
        let mut r = req(Method::POST, "/api/order/create", Some(token), body);
        if let Some(k) = key {
            r = r.insert_header(("Idempotency-Key", k));
        }
        self.call(r).await
    }

    /// Waits until `n` events were published (or 10 s).
    pub async fn wait_published(&self, n: usize) -> Vec<EventEnvelope> {
        for _ in 0..200 {
            if self.published().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.published()
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// The real status of a failure ([`RealStatus`]), whatever went on the wire.
    pub real: Option<StatusCode>,
    pub body: Value,
    pub raw: String,
    pub location: Option<String>,
}

pub fn req(method: Method, path: &str, token: Option<&str>, body: Value) -> test::TestRequest {
    let r = test::TestRequest::default().method(method).uri(path);
    let r = if body.is_null() { r } else { r.set_json(body) };
    match token {
        Some(t) => r.insert_header(("Authorization", format!("Bearer {t}"))),
        None => r,
    }
}

pub fn order_body(address: &str, items: &[(&str, Value)]) -> Value {
    json!({"address": address, "items": items.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect::<Vec<_>>()})
}

/// Places an order through the service (no actix: usable from spawned tasks); the
/// HTTP status it would answer, and the body.
pub async fn place_direct(service: Arc<hme_orders::OrdersService>, user: &str, body: Value, key: Option<&str>) -> (StatusCode, Value) {
    let principal = hme_kernel::auth::Principal { user_id: user.to_owned(), role: hme_kernel::auth::Role::Customer };
    let body: hme_orders::domain::CreateOrderBody = serde_json::from_value(body).unwrap();
    match service.place(&principal, &body, key).await {
        Ok(p) => (StatusCode::OK, p.body),
        Err(e) => {
            if e.kind().status().is_server_error() {
                eprintln!("place: {e}");
            }
            (e.kind().status(), e.body())
        }
    }
}

/// The stock holds by state (`held`, `confirmed`, `released`): `(hold id, lines as
/// (product id, qty))`.
pub async fn holds(app: &TestApp, state: &str) -> Vec<(String, Vec<(String, i64)>)> {
    use mongodb::bson::{doc, Bson, Document};
    let read = |d: &Document| -> (String, Vec<(String, i64)>) {
        let lines = d.get_array("lines").map(|a| a.to_vec()).unwrap_or_default();
        let lines = lines
            .iter()
            .filter_map(Bson::as_document)
            .filter(|l| l.get_bool("counted").unwrap_or(false))
            .map(|l| (l.get_object_id("productId").unwrap().to_hex(), hme_kernel::mongoose::JsNumber::from_bson(l.get("qty").unwrap()).unwrap().get() as i64))
            .collect();
        (d.get_str("_id").unwrap().to_owned(), lines)
    };
    match &app.platform.documents {
        Documents::Mongo(db) => {
            use futures::TryStreamExt;
            let docs: Vec<Document> = db.collection::<Document>("stock_reservations").find(doc! {"state": state}).await.unwrap().try_collect().await.unwrap();
            docs.iter().map(read).collect()
        }
        Documents::Embedded(db) => {
            use redb::ReadableTable;
            let txn = db.begin_read().unwrap();
            let table = txn.open_table(hme_kernel::holds::TABLE).unwrap();
            let mut out = Vec::new();
            for row in table.iter().unwrap() {
                let d = Document::from_reader(row.unwrap().1.value()).unwrap();
                if d.get_str("state").ok() == Some(state) {
                    out.push(read(&d));
                }
            }
            out
        }
    }
}

/// Units of `product` in the stored, non-cancelled orders (every user).
pub async fn ordered_units(app: &TestApp, product: &str) -> i64 {
    let mut units = 0;
    let list = app.call(req(Method::GET, "/api/order/seller-orders", Some(&seller()), Value::Null)).await;
    for o in list.body["orders"].as_array().cloned().unwrap_or_default() {
        if o["status"] == "Cancelled" {
            continue;
        }
        for i in o["items"].as_array().cloned().unwrap_or_default() {
            let id = i["product"]["_id"].as_str().or(i["product"].as_str()).unwrap_or_default().to_owned();
            if id == product {
                units += i["quantity"].as_i64().unwrap_or(0);
            }
        }
    }
    units
}

/// Initial stock = stock now + units in non-cancelled orders + units in live holds.
pub async fn assert_conserved(app: &TestApp, product: &str, initial: i64) {
    let now = app.stock(product).await.unwrap();
    let ordered = ordered_units(app, product).await;
    let held: i64 = holds(app, "held").await.iter().flat_map(|(_, l)| l.iter()).filter(|(p, _)| p == product).map(|(_, q)| q).sum();
    assert_eq!(now + ordered + held, initial, "{}: product {product}: stock {now} + ordered {ordered} + held {held} != {initial}", app.backend);
}
