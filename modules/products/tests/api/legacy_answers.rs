//! The failures of the legacy product routes, as the legacy handlers answered them
//! (frontend.md section 9) in the default mode, and with real statuses and the same
//! body in `http` mode; hme's own route and refusals keep their statuses.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{add_product, customer_token, json_req, other_seller_token, sample_add, seller_token, TestApp};

/// One failure: the request, then the legacy status, the text, and the real status.
struct Case {
    what: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    body: Value,
    legacy: StatusCode,
    text: &'static str,
    real: StatusCode,
}

/// One row of a case table: an argument per column keeps the tables readable.
#[allow(clippy::too_many_arguments)]
fn case(what: &'static str, method: Method, path: &str, token: Option<String>, body: Value, legacy: StatusCode, text: &'static str, real: StatusCode) -> Case {
    Case { what, method, path: path.to_owned(), token, body, legacy, text, real }
}

/// Each case in the default mode (legacy status, `message` = text, real status recorded)
/// and in `http` mode (real status, the same body).
async fn check(app: &TestApp, cases: &[Case]) {
    for c in cases {
        let r = app.call_legacy(json_req(c.method.clone(), &c.path, c.token.as_deref(), c.body.clone())).await;
        assert_eq!((r.status, r.real), (c.legacy, Some(c.real)), "{} (legacy): {}", c.what, r.raw);
        assert_eq!(r.body, json!({"success": false, "message": c.text}), "{} (legacy)", c.what);
        let h = app.call(json_req(c.method.clone(), &c.path, c.token.as_deref(), c.body.clone())).await;
        assert_eq!((h.status, h.real), (c.real, Some(c.real)), "{} (http): {}", c.what, h.raw);
        assert_eq!(h.body, r.body, "{} (http)", c.what);
    }
}

#[actix_web::test]
async fn seller_list_add_edit_and_delete_answer_the_legacy_statuses_and_texts() {
    use StatusCode as S;
    let app = TestApp::embedded().await;
    let mine = add_product(&app, &seller_token(), sample_add("Mine", json!(100), json!(0))).await;
    let id = mine["_id"].as_str().unwrap();
    let (seller, other, customer) = (Some(seller_token()), Some(other_seller_token()), Some(customer_token()));
    let edit = |id: &str| json!({"productId": id, "name": "Renamed", "description": "d", "category": "Earphone", "price": 100, "image": ["https://res.cloudinary.com/demo/image/upload/v1/abc123.jpg"]});
    let ghost = "0123456789abcdef01234567";
    check(&app, &[
        case("seller-list signed out", Method::GET, "/api/product/seller-list", None, Value::Null, S::UNAUTHORIZED, "not authorized", S::UNAUTHORIZED),
        case("seller-list customer", Method::GET, "/api/product/seller-list", customer.clone(), Value::Null, S::UNAUTHORIZED, "not authorized", S::FORBIDDEN),
        case("add signed out", Method::POST, "/api/product/add", None, sample_add("X", json!(1), json!(0)), S::UNAUTHORIZED, "not authorized", S::UNAUTHORIZED),
        case("add customer", Method::POST, "/api/product/add", customer.clone(), sample_add("X", json!(1), json!(0)), S::UNAUTHORIZED, "not authorized", S::FORBIDDEN),
        case("add no images", Method::POST, "/api/product/add", seller.clone(), json!({"name": "X", "description": "d", "category": "Earphone", "price": 1, "offerPrice": 0, "image": []}), S::OK, "No image URLs provided", S::BAD_REQUEST),
        case("add bad images", Method::POST, "/api/product/add", seller.clone(), json!({"name": "X", "description": "d", "category": "Earphone", "price": 1, "offerPrice": 0, "image": ["ftp://x/a.jpg"]}), S::OK, "Invalid image URLs", S::BAD_REQUEST),
        case("edit signed out", Method::PUT, "/api/product/edit", None, edit(id), S::UNAUTHORIZED, "Not authorized", S::UNAUTHORIZED),
        case("edit customer", Method::PUT, "/api/product/edit", customer.clone(), edit(id), S::UNAUTHORIZED, "Not authorized", S::FORBIDDEN),
        case("edit no id", Method::PUT, "/api/product/edit", seller.clone(), json!({"name": "X"}), S::BAD_REQUEST, "Missing product ID", S::BAD_REQUEST),
        case("edit not mine", Method::PUT, "/api/product/edit", other.clone(), edit(id), S::NOT_FOUND, "Product not found or not owned by you", S::NOT_FOUND),
        case("delete signed out", Method::DELETE, "/api/product/delete", None, json!({"productId": id}), S::UNAUTHORIZED, "Not authorized", S::UNAUTHORIZED),
        case("delete customer", Method::DELETE, "/api/product/delete", customer.clone(), json!({"productId": id}), S::UNAUTHORIZED, "Not authorized", S::FORBIDDEN),
        case("delete no id", Method::DELETE, "/api/product/delete", seller.clone(), json!({}), S::BAD_REQUEST, "Missing product ID", S::BAD_REQUEST),
        case("delete unknown", Method::DELETE, "/api/product/delete", seller.clone(), json!({"productId": ghost}), S::NOT_FOUND, "Product not found", S::NOT_FOUND),
    ])
    .await;
}

#[actix_web::test]
async fn in_stock_and_promotion_answer_401_400_404_as_the_legacy() {
    use StatusCode as S;
    let app = TestApp::embedded().await;
    let mine = add_product(&app, &seller_token(), sample_add("Mine", json!(100), json!(0))).await;
    let id = mine["_id"].as_str().unwrap();
    for (path, flag) in [("/api/product/inStock", "inStock"), ("/api/product/promotion", "promotion")] {
        check(&app, &[
            case("signed out", Method::PUT, path, None, json!({"productId": id, flag: true}), S::UNAUTHORIZED, "Unauthorized", S::UNAUTHORIZED),
            case("not a boolean", Method::PUT, path, Some(seller_token()), json!({"productId": id, flag: "yes"}), S::BAD_REQUEST, "Invalid input", S::BAD_REQUEST),
            case("no id", Method::PUT, path, Some(seller_token()), json!({flag: true}), S::BAD_REQUEST, "Missing product ID", S::BAD_REQUEST),
            case("not mine", Method::PUT, path, Some(other_seller_token()), json!({"productId": id, flag: true}), S::NOT_FOUND, "Product not found or not owned by you", S::NOT_FOUND),
        ])
        .await;
    }
}

#[actix_web::test]
async fn the_list_answers_200_false_by_default_and_the_own_route_keeps_its_400() {
    let app = TestApp::embedded().await;
    let r = app.call_legacy(crate::support::get("/api/product/list?limit=1000")).await;
    assert_eq!((r.status, r.real, r.body["success"].clone()), (StatusCode::OK, Some(StatusCode::BAD_REQUEST), json!(false)), "{}", r.raw);
    assert!(r.body["message"].as_str().unwrap().starts_with("Invalid"), "{}", r.raw);
    assert_eq!(app.call(crate::support::get("/api/product/list?limit=1000")).await.status, StatusCode::BAD_REQUEST);
    // /api/product/{id} is hme's own: its real status in both modes.
    let r = app.call_legacy(crate::support::get("/api/product/not-an-id")).await;
    assert_eq!((r.status, r.real), (StatusCode::BAD_REQUEST, Some(StatusCode::BAD_REQUEST)), "{}", r.raw);
    let r = app.call_legacy(crate::support::get("/api/product/0123456789abcdef01234567")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.raw);
}

#[actix_web::test]
async fn a_body_over_the_limit_keeps_its_413_in_the_default_mode() {
    let app = TestApp::embedded().await;
    let big = json!({"name": "x".repeat(300 * 1024)});
    let r = app.call_legacy(json_req(Method::POST, "/api/product/add", Some(&seller_token()), big)).await;
    assert_eq!((r.status, r.real, r.body["success"].clone()), (StatusCode::PAYLOAD_TOO_LARGE, Some(StatusCode::PAYLOAD_TOO_LARGE), json!(false)), "{}", r.raw);
}
