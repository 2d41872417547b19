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
