//! Compatibility with the legacy mongoose app, through its own schemas
//! (tools/mongoose-compat/cli.js, `HME_TEST_MONGOOSE_CLI`): users and addresses
//! written by either side are read by the other without loss, and serialized alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

use actix_web::http::StatusCode;
use hme_kernel::testing::{clerk_token, service_env};
use mongodb::bson::{doc, Document};
use serde_json::{json, Value};

use support::{address_body, get, post, TestApp, PID_A};

async fn setup() -> Option<(String, TestApp)> {
    let cli = service_env("HME_TEST_MONGOOSE_CLI")?;
    let app = TestApp::mongo().await?;
    Some((cli, app))
}

async fn mongoose(cli: &str, app: &TestApp, args: &[&str]) -> Value {
    hme_kernel::testing::mongoose_cli(cli, app.mongo.as_ref().unwrap().name(), args).await
}

#[actix_web::test]
async fn a_user_created_by_mongoose_is_served_by_hme_exactly_as_mongoose_serializes_it() {
    let Some((cli, app)) = setup().await else { return };
    let input = json!({"_id": "user_mg", "name": "Legacy User", "email": "legacy@x.test", "imageUrl": "https://img.test/l.png"});
    let created = mongoose(&cli, &app, &["create", "User", &input.to_string()]).await;
    let t = clerk_token("user_mg", None);
    assert_eq!(app.call(get("/api/user/data", Some(&t))).await.body["user"], created);
    let updated = mongoose(&cli, &app, &["update", "User", "user_mg", &json!({"cartItems": {PID_A: 3}}).to_string()]).await;
    assert_eq!(app.call(get("/api/cart/get", Some(&t))).await.body["cartItems"], updated["cartItems"]);
}

#[actix_web::test]
async fn a_user_written_by_the_webhook_and_the_cart_route_roundtrips_unchanged_in_mongoose() {
    let Some((cli, app)) = setup().await else { return };
    app.clerk_user("user_rt", "rt@x.test").await;
    let t = clerk_token("user_rt", None);
    let trip = mongoose(&cli, &app, &["roundtrip", "User", "user_rt"]).await;
    assert_eq!((trip["errors"].clone(), trip["before"].clone()), (Value::Null, trip["after"].clone()), "{trip}");
    assert_eq!(trip["before"]["cartItems"], json!({}));
    app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 2}}))).await;
    let loaded = mongoose(&cli, &app, &["get", "User", "user_rt"]).await;
    assert_eq!((loaded["errors"].clone(), loaded["doc"].clone()), (Value::Null, app.call(get("/api/user/data", Some(&t))).await.body["user"].clone()));
    let trip = mongoose(&cli, &app, &["roundtrip", "User", "user_rt"]).await;
    assert_eq!(trip["before"], trip["after"], "{trip}");
    assert_eq!(trip["before"]["cartItems"][PID_A], json!({"$numberInt": "2"}));
    app.call(post("/api/cart/update", Some(&t), json!({"cartData": {}}))).await;
    let raw = mongoose(&cli, &app, &["raw", "User", "user_rt"]).await;
    assert_eq!(raw["cartItems"], json!({}), "an empty cart is stored as {{}}");
}

#[actix_web::test]
async fn an_address_added_by_hme_loads_in_mongoose_and_roundtrips_unchanged() {
    let Some((cli, app)) = setup().await else { return };
    let r = app.call(post("/api/user/add-address", Some(&clerk_token("user_a", None)), address_body())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let id = r.body["newAddress"]["_id"].as_str().unwrap();
    let loaded = mongoose(&cli, &app, &["get", "Address", id]).await;
    assert_eq!((loaded["errors"].clone(), loaded["doc"].clone()), (Value::Null, r.body["newAddress"].clone()));
    let trip = mongoose(&cli, &app, &["roundtrip", "Address", id]).await;
    assert_eq!(trip["before"], trip["after"], "{trip}");
    assert_eq!(trip["before"]["pinCode"], json!({"$numberInt": "54000"}));
}

#[actix_web::test]
async fn an_address_created_by_mongoose_with_a_string_pin_code_is_served_as_mongoose_serializes_it() {
    let Some((cli, app)) = setup().await else { return };
    let input = json!({"userId": "user_b", "fullName": "B", "phoneNumber": "0300", "pinCode": "75500", "area": "a", "city": "Karachi", "state": "Sindh"});
    let created = mongoose(&cli, &app, &["create", "Address", &input.to_string()]).await;
    let listed = app.call(get("/api/user/get-address", Some(&clerk_token("user_b", None)))).await.body;
    assert_eq!(listed["addresses"], json!([created]));
    let port = app.module.customers().address("user_b", created["_id"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!(port.pin_code, Some(75500));
}

#[actix_web::test]
async fn an_old_user_without_a_cart_gets_mongooses_default_and_keeps_extra_fields() {
    let Some((cli, app)) = setup().await else { return };
    let d = doc! {"_id": "user_old", "name": "Old", "email": "old@x.test", "imageUrl": "https://img.test/o.png", "__v": 0, "legacy": {"since": 2023}};
    app.mongo.as_ref().unwrap().collection::<Document>("users").insert_one(d).await.unwrap();
    let ours = app.call(get("/api/user/data", Some(&clerk_token("user_old", None)))).await.body["user"].clone();
    let theirs = mongoose(&cli, &app, &["get", "User", "user_old"]).await;
    assert_eq!(ours, theirs["doc"]);
    assert_eq!(ours["cartItems"], json!({}));
}
