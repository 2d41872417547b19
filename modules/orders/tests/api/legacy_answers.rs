//! The failures of the legacy order routes as the legacy handlers answered them
//! (frontend.md section 9) by default, with real statuses and the same body in `http`
//! mode; hme's own routes and refusals keep their statuses.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{customer, order_body, req, settings, Reply, TestApp, CUSTOMER};

/// The reply in the default mode and in `http` mode: legacy status, real status in
/// both, `http` status = real, same body.
async fn both(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Value, legacy: StatusCode, real: StatusCode) -> Reply {
    let r = app.call_legacy(req(method.clone(), path, token, body.clone())).await;
    assert_eq!((r.status, r.real, r.body["success"].clone()), (legacy, Some(real), json!(false)), "{path} (legacy): {}", r.raw);
    let h = app.call(req(method, path, token, body)).await;
    assert_eq!((h.status, h.real), (real, Some(real)), "{path} (http): {}", h.raw);
    assert_eq!(h.body, r.body, "{path}: the same body in both modes");
    r
}

#[actix_web::test]
async fn create_answers_401_unauthorized_and_every_other_failure_200_false() {
    use StatusCode as S;
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let p = app.product("Buds", 1000.0, 0.0, Some(1)).await;
        let c = customer();
        let r = both(&app, Method::POST, "/api/order/create", None, order_body(&address, &[(&p, json!(1))]), S::UNAUTHORIZED, S::UNAUTHORIZED).await;
        assert_eq!(r.body, json!({"success": false, "message": "Unauthorized"}));
        let r = both(&app, Method::POST, "/api/order/create", Some(&c), json!({"items": [{"product": p, "quantity": 1}]}), S::OK, S::BAD_REQUEST).await;
        assert_eq!(r.body["message"], "No items in the order");
        let r = both(&app, Method::POST, "/api/order/create", Some(&c), order_body(&address, &[]), S::OK, S::BAD_REQUEST).await;
        assert_eq!(r.body["message"], "No items in the order");
        let r = both(&app, Method::POST, "/api/order/create", Some(&c), order_body("0123456789abcdef01234567", &[(&p, json!(1))]), S::OK, S::NOT_FOUND).await;
        assert_eq!(r.body["message"], "Address not found");
        let r = both(&app, Method::POST, "/api/order/create", Some(&c), order_body(&address, &[(&p, json!(5))]), S::OK, S::CONFLICT).await;
        assert!(r.body["message"].as_str().unwrap().contains("out of stock"), "{}", r.raw);
    }
}

#[actix_web::test]
async fn the_lists_answer_200_false_and_seller_orders_not_authorized() {
    use StatusCode as S;
    let app = TestApp::embedded().await;
    let r = both(&app, Method::GET, "/api/order/list", None, Value::Null, S::OK, S::UNAUTHORIZED).await;
    assert!(r.body["message"].is_string(), "{}", r.raw);
    let r = both(&app, Method::GET, "/api/order/seller-orders", Some(&customer()), Value::Null, S::OK, S::FORBIDDEN).await;
    assert_eq!(r.body, json!({"success": false, "message": "not authorized"}));
    let r = both(&app, Method::GET, "/api/order/seller-orders", None, Value::Null, S::OK, S::UNAUTHORIZED).await;
    assert_eq!(r.body, json!({"success": false, "message": "not authorized"}));
}

#[actix_web::test]
async fn hme_s_own_order_routes_keep_their_statuses_in_the_default_mode() {
    let app = TestApp::embedded().await;
    let r = app.call_legacy(req(Method::PUT, "/api/order/status", Some(&customer()), json!({"orderId": "0123456789abcdef01234567", "status": "Shipped"}))).await;
    assert_eq!((r.status, r.real), (StatusCode::FORBIDDEN, Some(StatusCode::FORBIDDEN)), "{}", r.raw);
    let r = app.call_legacy(req(Method::POST, "/api/order/cancel", Some(&customer()), json!({}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
}

#[actix_web::test]
async fn the_order_rate_limit_keeps_its_429_in_the_default_mode() {
    let base = TestApp::embedded().await;
    let app = base.restart(hme_orders::OrdersSettings { create_max_per_user: 1, ..settings() }, None).await;
    let address = app.customer_with_address(CUSTOMER).await;
    let p = app.product("Buds", 1000.0, 0.0, None).await;
    let first = app.call_legacy(req(Method::POST, "/api/order/create", Some(&customer()), order_body(&address, &[(&p, json!(1))]))).await;
    assert_eq!((first.status, first.body["success"].clone()), (StatusCode::OK, json!(true)), "{}", first.raw);
    let r = app.call_legacy(req(Method::POST, "/api/order/create", Some(&customer()), order_body(&address, &[(&p, json!(1))]))).await;
    assert_eq!((r.status, r.real), (StatusCode::TOO_MANY_REQUESTS, Some(StatusCode::TOO_MANY_REQUESTS)), "{}", r.raw);
}
