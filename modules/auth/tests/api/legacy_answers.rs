//! The failures of the legacy user, cart and address routes as the legacy handlers
//! answered them (frontend.md section 9) by default, with real statuses and the same
//! body in `http` mode; hme's own account routes keep their statuses.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use hme_kernel::testing::clerk_token;
use serde_json::{json, Value};

use crate::support::{address_body, get, post, TestApp, PID_A};

/// `make()` in the default mode and in `http` mode: the legacy status, the real status
/// in both, the same body; returns the body.
async fn both(app: &TestApp, make: impl Fn() -> TestRequest, legacy: StatusCode, real: StatusCode) -> Value {
    let r = app.call_legacy(make()).await;
    assert_eq!((r.status, r.real, r.body["success"].clone()), (legacy, Some(real), json!(false)), "legacy: {}", r.raw);
    let h = app.call(make()).await;
    assert_eq!((h.status, h.real, &h.body), (real, Some(real), &r.body), "http: {}", h.raw);
    r.body
}

#[actix_web::test]
async fn user_data_answers_200_false_user_not_found_signed_out_or_unknown() {
    for app in TestApp::all().await {
        let ghost = clerk_token("user_ghost", None);
        for (token, real) in [(None, StatusCode::UNAUTHORIZED), (Some(ghost.as_str()), StatusCode::NOT_FOUND)] {
            let b = both(&app, || get("/api/user/data", token), StatusCode::OK, real).await;
            assert_eq!(b, json!({"success": false, "message": "User not found"}), "{}", app.backend);
        }
    }
}

#[actix_web::test]
async fn cart_update_answers_401_unauthorized_404_user_not_found_and_else_200_false() {
    let app = TestApp::embedded().await;
    let ghost = clerk_token("user_ghost", None);
    let b = both(&app, || post("/api/cart/update", None, json!({"cartData": {PID_A: 1}})), StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED).await;
    assert_eq!(b["message"], "Unauthorized");
    let b = both(&app, || post("/api/cart/update", Some(&ghost), json!({"cartData": {PID_A: 1}})), StatusCode::NOT_FOUND, StatusCode::NOT_FOUND).await;
    assert_eq!(b["message"], "User not found");
    app.clerk_user("user_cart", "cart@x.test").await;
    let t = clerk_token("user_cart", None);
    both(&app, || post("/api/cart/update", Some(&t), json!({"cartData": {"nope": 1}})), StatusCode::OK, StatusCode::BAD_REQUEST).await;
}

#[actix_web::test]
async fn address_failures_answer_200_false_with_the_message_naming_the_field() {
    let app = TestApp::embedded().await;
    app.clerk_user("user_addr", "addr@x.test").await;
    let t = clerk_token("user_addr", None);
    let mut bad = address_body();
    bad["address"]["city"] = json!("  ");
    let b = both(&app, || post("/api/user/add-address", Some(&t), bad.clone()), StatusCode::OK, StatusCode::BAD_REQUEST).await;
    assert!(b["message"].as_str().unwrap().contains("city"), "{b}");
    let mut pin = address_body();
    pin["address"]["pinCode"] = json!("54O00");
    both(&app, || post("/api/user/add-address", Some(&t), pin.clone()), StatusCode::OK, StatusCode::BAD_REQUEST).await;
    both(&app, || post("/api/user/add-address", None, address_body()), StatusCode::OK, StatusCode::UNAUTHORIZED).await;
    both(&app, || get("/api/user/get-address", None), StatusCode::OK, StatusCode::UNAUTHORIZED).await;
    both(&app, || get("/api/cart/get", None), StatusCode::OK, StatusCode::UNAUTHORIZED).await;
}

#[actix_web::test]
async fn hme_s_own_account_routes_keep_their_statuses_in_the_default_mode() {
    let app = TestApp::embedded().await;
    let r = app.call_legacy(get("/api/auth/me", None)).await;
    assert_eq!((r.status, r.real), (StatusCode::UNAUTHORIZED, Some(StatusCode::UNAUTHORIZED)), "{}", r.raw);
    let r = app.call_legacy(post("/api/auth/roles", Some(&clerk_token("user_x", None)), json!({"userId": "user_y", "role": "seller"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.raw);
}
