//! The legacy user, cart and address routes.

use actix_web::http::StatusCode;
use hme_kernel::testing::clerk_token;
use serde_json::json;

use crate::support::{address_body, get, post, TestApp, PID_A, PID_B};

#[actix_web::test]
async fn user_data_returns_the_user_document_with_an_empty_cart() {
    for app in TestApp::all().await {
        app.clerk_user("user_ada", "ada@x.test").await;
        let r = app.call(get("/api/user/data", Some(&clerk_token("user_ada", None)))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body, json!({"success": true, "user": {"_id": "user_ada", "name": "Ada Lovelace", "email": "ada@x.test",
            "imageUrl": "https://img.clerk.com/user_ada.png", "cartItems": {}, "__v": 0}}), "{}", app.backend);
    }
}

#[actix_web::test]
async fn an_unknown_user_gets_a_404_user_not_found_on_data_cart_get_and_cart_update() {
    for app in TestApp::all().await {
        let t = clerk_token("user_ghost", None);
        for r in [app.call(get("/api/user/data", Some(&t))).await, app.call(get("/api/cart/get", Some(&t))).await,
            app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 1}}))).await] {
            assert_eq!((r.status, r.body.clone()), (StatusCode::NOT_FOUND, json!({"success": false, "message": "User not found"})), "{}", app.backend);
        }
    }
}

#[actix_web::test]
async fn the_cart_is_stored_and_read_back_and_an_empty_cart_is_stored_as_an_empty_object() {
    for app in TestApp::all().await {
        app.clerk_user("user_cart", "cart@x.test").await;
        let t = clerk_token("user_cart", None);
        let r = app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 2, PID_B: 1}}))).await;
        assert_eq!((r.status, r.body), (StatusCode::OK, json!({"success": true})));
        let r = app.call(get("/api/cart/get", Some(&t))).await;
        assert_eq!(r.body, json!({"success": true, "cartItems": {PID_A: 2, PID_B: 1}}));
        app.call(post("/api/cart/update", Some(&t), json!({"cartData": {}}))).await;
        let user = app.module.users().user("user_cart").await.unwrap();
        assert_eq!(user.0.get_document("cartItems").ok().map(|d| d.len()), Some(0), "{}", app.backend);
    }
}

#[actix_web::test]
async fn bad_carts_are_refused_with_400_and_change_nothing() {
    let app = TestApp::embedded().await;
    app.clerk_user("user_bad", "bad@x.test").await;
    let t = clerk_token("user_bad", None);
    app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 1}}))).await;
    for bad in [json!({"cartData": {"nope": 1}}), json!({"cartData": {PID_A: 0}}), json!({"cartData": {PID_A: 1.5}}), json!({"cartData": {PID_A: "3"}}), json!({"cartData": []}), json!({})] {
        let r = app.call(post("/api/cart/update", Some(&t), bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.raw);
        assert_eq!(r.body["success"], false);
    }
    assert_eq!(app.call(get("/api/cart/get", Some(&t))).await.body["cartItems"], json!({PID_A: 1}));
}

#[actix_web::test]
async fn an_added_address_is_trimmed_has_a_numeric_pin_code_and_is_listed_only_for_its_owner() {
    for app in TestApp::all().await {
        let t = clerk_token("user_addr", None);
        let r = app.call(post("/api/user/add-address", Some(&t), address_body())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["message"], "Address added successfully");
        let a = &r.body["newAddress"];
        assert_eq!((a["fullName"].clone(), a["city"].clone(), a["pinCode"].clone(), a["userId"].clone(), a["__v"].clone()),
            (json!("Ada Lovelace"), json!("Lahore"), json!(54000), json!("user_addr"), json!(0)));
        assert_eq!(a["_id"].as_str().map(str::len), Some(24));
        app.call(post("/api/user/add-address", Some(&clerk_token("user_other", None)), address_body())).await;
        let list = app.call(get("/api/user/get-address", Some(&t))).await;
        assert_eq!(list.body, json!({"success": true, "addresses": [a.clone()]}), "{}", app.backend);
    }
}

#[actix_web::test]
async fn invalid_addresses_are_refused_with_a_400_naming_the_field() {
    let app = TestApp::embedded().await;
    let t = clerk_token("user_x", None);
    let mut body = address_body();
    body["address"]["city"] = json!("   ");
    let r = app.call(post("/api/user/add-address", Some(&t), body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["message"].as_str().unwrap().contains("city"), "{}", r.raw);
    let mut body = address_body();
    body["address"]["pinCode"] = json!("54-000");
    assert_eq!(app.call(post("/api/user/add-address", Some(&t), body)).await.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn legacy_routes_without_a_token_answer_401_with_the_envelope() {
    let app = TestApp::embedded().await;
    for r in [app.call(get("/api/user/data", None)).await, app.call(get("/api/cart/get", None)).await, app.call(get("/api/user/get-address", None)).await,
        app.call(post("/api/cart/update", None, json!({"cartData": {}}))).await, app.call(post("/api/user/add-address", None, address_body())).await] {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.body["success"], false);
    }
}

#[actix_web::test]
async fn the_customers_port_answers_addresses_profiles_and_clears_carts() {
    for app in TestApp::all().await {
        app.clerk_user("user_port", "port@x.test").await;
        let t = clerk_token("user_port", None);
        let id = app.call(post("/api/user/add-address", Some(&t), address_body())).await.body["newAddress"]["_id"].as_str().unwrap().to_owned();
        app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 3}}))).await;
        let port = app.module.customers();
        let a = port.address("user_port", &id).await.unwrap().unwrap();
        assert_eq!((a.pin_code, a.full_name.as_str()), (Some(54000), "Ada Lovelace"));
        assert_eq!(port.address("user_intruder", &id).await.unwrap(), None);
        assert_eq!(port.address("user_port", "not-an-id").await.unwrap(), None);
        let p = port.profile("user_port").await.unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.email.as_str()), ("Ada Lovelace", "port@x.test"));
        assert_eq!(port.profile("user_none").await.unwrap(), None);
        let book = app.module.address_book().address_documents(&[id.clone(), id.clone(), "bad".into(), "665f1c2b9a1e4b0012345678".into()]).await.unwrap();
        assert_eq!(book.len(), 1);
        assert_eq!(book[0]["pinCode"], json!(54000));
        port.clear_cart("user_port").await.unwrap();
        port.clear_cart("user_none").await.unwrap();
        assert_eq!(app.call(get("/api/cart/get", Some(&t))).await.body["cartItems"], json!({}), "{}", app.backend);
    }
}
