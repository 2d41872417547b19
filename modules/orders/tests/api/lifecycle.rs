//! The order lifecycle routes: PUT /api/order/status and POST /api/order/cancel.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{customer, order_body, other, req, seller, TestApp, CUSTOMER, OTHER};

async fn placed(app: &TestApp, stock: i64) -> (String, String) {
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Buds", 100.0, 0.0, Some(stock)).await;
    let r = app.create(&customer(), order_body(&address, &[(&a, json!(2))]), None).await;
    (r.body["orderId"].as_str().unwrap().to_owned(), a)
}

async fn move_to(app: &TestApp, id: &str, status: &str) -> crate::support::Reply {
    app.call(req(Method::PUT, "/api/order/status", Some(&seller()), json!({"orderId": id, "status": status}))).await
}

async fn status_of(app: &TestApp, id: &str) -> Value {
    let r = app.call(req(Method::GET, "/api/order/seller-orders", Some(&seller()), json!(null))).await;
    r.body["orders"].as_array().unwrap().iter().find(|o| o["_id"] == id).map(|o| o["status"].clone()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seller_moves_an_order_step_by_step_and_each_step_publishes_status_changed() {
    for app in TestApp::all().await {
        let (id, _) = placed(&app, 5).await;
        for s in ["Processing", "Shipped", "Delivered"] {
            let r = move_to(&app, &id, s).await;
            assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.raw);
            assert_eq!(status_of(&app, &id).await, s);
        }
        let events = app.wait_published(4).await;
        let changes: Vec<_> = events.iter().filter(|e| e.event_type == "order.status_changed").map(|e| (e.data["from"].clone(), e.data["to"].clone())).collect();
        assert_eq!(changes.len(), 3, "{}", app.backend);
        assert!(changes.contains(&(json!("Order Placed"), json!("Processing"))));
        let e = events.iter().find(|e| e.event_type == "order.status_changed").unwrap();
        assert_eq!((e.data["orderId"].as_str(), e.data["changedBy"].as_str()), (Some(id.as_str()), Some("user_seller_a")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_transitions_are_409_and_change_nothing() {
    for app in TestApp::all().await {
        let (id, _) = placed(&app, 5).await;
        assert_eq!(move_to(&app, &id, "Shipped").await.status, StatusCode::CONFLICT);
        assert_eq!(move_to(&app, &id, "Delivered").await.status, StatusCode::CONFLICT);
        assert_eq!(move_to(&app, &id, "Processing").await.status, StatusCode::OK);
        assert_eq!(move_to(&app, &id, "Processing").await.status, StatusCode::CONFLICT);
        assert_eq!(move_to(&app, &id, "Shipped").await.status, StatusCode::OK);
        assert_eq!(move_to(&app, &id, "Cancelled").await.status, StatusCode::CONFLICT, "no cancel after shipping");
        assert_eq!(status_of(&app, &id).await, "Shipped");
        assert_eq!(move_to(&app, &id, "Lost").await.status, StatusCode::BAD_REQUEST);
        assert_eq!(move_to(&app, "665f1c2b9a1e4b0012345678", "Processing").await.status, StatusCode::NOT_FOUND);
        let r = app.call(req(Method::PUT, "/api/order/status", Some(&customer()), json!({"orderId": id, "status": "Delivered"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app.call(req(Method::PUT, "/api/order/status", Some(&seller()), json!({"status": "Delivered"}))).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Missing order ID")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_cancels_their_placed_order_and_the_stock_comes_back() {
    for app in TestApp::all().await {
        let (id, product) = placed(&app, 5).await;
        assert_eq!(app.stock(&product).await, Some(3));
        app.customer_with_address(OTHER).await;
        let r = app.call(req(Method::POST, "/api/order/cancel", Some(&other()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another customer's order");
        let r = app.call(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(status_of(&app, &id).await, "Cancelled");
        assert_eq!(app.stock(&product).await, Some(5), "{}", app.backend);
        let r = app.call(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(app.stock(&product).await, Some(5), "stock returned once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_cannot_cancel_once_processing_but_the_seller_can_before_shipping() {
    for app in TestApp::all().await {
        let (id, product) = placed(&app, 5).await;
        assert_eq!(move_to(&app, &id, "Processing").await.status, StatusCode::OK);
        let r = app.call(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = app.call(req(Method::POST, "/api/order/cancel", Some(&seller()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(app.stock(&product).await, Some(5));
    }
}

/// A catalog whose process dies right after the order's status commit: nothing is ever
/// given back through it.
struct DiesBeforeGivingBack(std::sync::Arc<dyn hme_products_contract::Catalog>);

#[async_trait::async_trait]
impl hme_products_contract::Catalog for DiesBeforeGivingBack {
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<hme_products_contract::CatalogProduct>, hme_products_contract::CatalogError> {
        self.0.products_by_ids(ids).await
    }
    async fn reserve_for(&self, rid: &str, lines: &[(String, u32)], lease: std::time::Duration) -> Result<(), hme_products_contract::CatalogError> {
        self.0.reserve_for(rid, lines, lease).await
    }
    async fn confirm(&self, rid: &str) -> Result<(), hme_products_contract::CatalogError> {
        self.0.confirm(rid).await
    }
    async fn release(&self, _rid: &str, _lines: &[(String, u32)]) -> Result<(), hme_products_contract::CatalogError> {
        Err(hme_products_contract::CatalogError::Unavailable("the process was killed".into()))
    }
    async fn product_documents(&self, ids: &[String]) -> Result<Vec<Value>, hme_products_contract::CatalogError> {
        self.0.product_documents(ids).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancel_whose_process_dies_before_giving_stock_back_still_gets_it_back() {
    for app in TestApp::all().await {
        let (id, product) = placed(&app, 5).await;
        assert_eq!(app.stock(&product).await, Some(3));
        // The same storage, served by a process that dies after committing the cancel.
        let deps = hme_orders::OrdersDeps {
            catalog: std::sync::Arc::new(DiesBeforeGivingBack(app.products.catalog())),
            customers: std::sync::Arc::new(app.people.clone()),
            address_book: std::sync::Arc::new(app.people.clone()),
        };
        let dying = crate::support::TestApp {
            backend: app.backend,
            orders: hme_orders::OrdersModule::build(&app.platform, deps, crate::support::settings()).await.unwrap(),
            products: app.products.clone(),
            people: app.people.clone(),
            platform: app.platform.clone(),
            bus: app.bus.clone(),
            mongo: app.mongo.clone(),
            dir: app.dir.clone(),
        };
        let r = dying.call(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({"orderId": id}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(status_of(&app, &id).await, "Cancelled");
        // The hold sweeper (every 2 s, in the products module) gives the stock back.
        let started = std::time::Instant::now();
        while app.stock(&product).await != Some(5) && started.elapsed() < std::time::Duration::from_secs(10) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        println!("{}: a cancel's stock given back by the sweeper {:?} after its process died", app.backend, started.elapsed());
        assert_eq!(app.stock(&product).await, Some(5), "{}: the cancelled order's units are back", app.backend);
        crate::support::assert_conserved(&app, &product, 5).await;
    }
}
