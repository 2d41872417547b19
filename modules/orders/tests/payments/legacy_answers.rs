//! Checkout initiate and tracking failures: `{success:false, error}` with the legacy
//! statuses by default (frontend.md section 9), real statuses in `http` mode.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::support::{customer, order_body, req, seller, TestApp, CUSTOMER};
use super::tcs_stub::TcsStub;
use super::{answer, apps, callback, initiate, wait_for};

/// The failure in both modes: (legacy status, body) with the real status recorded,
/// and the real status with the same body in `http` mode.
async fn both(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Value, legacy: StatusCode, real: StatusCode) -> Value {
    let r = app.call_legacy(req(method.clone(), path, token, body.clone())).await;
    assert_eq!((r.status, r.real), (legacy, Some(real)), "{path} (legacy): {}", r.raw);
    assert!(r.body["error"].is_string() && r.body.get("message").is_none() && r.body["success"] == json!(false), "{path}: {}", r.raw);
    let h = app.call(req(method, path, token, body)).await;
    assert_eq!((h.status, h.real, &h.body), (real, Some(real), &r.body), "{path} (http): {}", h.raw);
    r.body
}

#[actix_web::test]
async fn initiate_answers_401_400_and_500_under_error() {
    use StatusCode as S;
    let stub = TcsStub::start().await;
    let app = apps(&stub.url).await.remove(0);
    let address = app.customer_with_address(CUSTOMER).await;
    let p = app.product("Buds", 2000.0, 1500.0, Some(10)).await;
    let mut body = order_body(&address, &[(&p, json!(1))]);
    body["paymentMethod"] = json!("jazzcash");
    let b = both(&app, Method::POST, "/api/checkout/initiate", None, body.clone(), S::UNAUTHORIZED, S::UNAUTHORIZED).await;
    assert_eq!(b["error"], "Unauthorized profile login missing");
    let mut cod = body.clone();
    cod["paymentMethod"] = json!("cod");
    both(&app, Method::POST, "/api/checkout/initiate", Some(&customer()), cod, S::BAD_REQUEST, S::BAD_REQUEST).await;
    let mut ghost = body.clone();
    ghost["address"] = json!("0123456789abcdef01234567");
    let b = both(&app, Method::POST, "/api/checkout/initiate", Some(&customer()), ghost, S::INTERNAL_SERVER_ERROR, S::NOT_FOUND).await;
    assert_eq!(b["error"], "Address not found");
}

#[actix_web::test]
async fn track_answers_401_unauthorized_session_404_and_502_when_the_courier_is_down() {
    use StatusCode as S;
    let stub = TcsStub::start().await;
    let app = apps(&stub.url).await.remove(0);
    let address = app.customer_with_address(CUSTOMER).await;
    let init = initiate(&app, &address).await;
    let id = init.body["orderId"].as_str().unwrap().to_owned();
    callback(&app, &answer(&init.body, "000")).await;
    let d = wait_for(&app, &id, |d| d.get_str("courierStatus").ok() == Some("Booked")).await;
    let path = format!("/api/track/{}", d.get_str("courierTrackingNumber").unwrap());
    let b = both(&app, Method::GET, &path, None, Value::Null, S::UNAUTHORIZED, S::UNAUTHORIZED).await;
    assert_eq!(b["error"], "Unauthorized session");
    both(&app, Method::GET, "/api/track/NOPE-1", Some(&seller()), Value::Null, S::NOT_FOUND, S::NOT_FOUND).await;
    stub.down();
    both(&app, Method::GET, &path, Some(&customer()), Value::Null, S::BAD_GATEWAY, S::SERVICE_UNAVAILABLE).await;
    stub.up();
}
