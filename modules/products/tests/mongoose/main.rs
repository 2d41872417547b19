//! Compatibility with the legacy mongoose app, through its own schemas
//! (tools/mongoose-compat/cli.js, `HME_TEST_MONGOOSE_CLI`): a product written by either
//! side is read by the other without loss, and serialized identically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

use actix_web::http::{Method, StatusCode};
use hme_kernel::testing::service_env;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde_json::{json, Value};

use support::{add_product, get, json_req, sample_add, seller_token, TestApp};

/// The mongoose CLI and the app on a fresh MongoDB database, or None (skip).
async fn setup() -> Option<(String, TestApp)> {
    let cli = service_env("HME_TEST_MONGOOSE_CLI")?;
    let app = TestApp::mongo().await?;
    Some((cli, app))
}

async fn mongoose(cli: &str, app: &TestApp, args: &[&str]) -> Value {
    hme_kernel::testing::mongoose_cli(cli, app.mongo.as_ref().unwrap().name(), args).await
}

async fn served(app: &TestApp, id: &str) -> Value {
    let r = app.call(get(&format!("/api/product/{id}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["product"].clone()
}

async fn insert_raw(app: &TestApp, doc: Document) -> String {
    let id = doc.get_object_id("_id").unwrap().to_hex();
    app.mongo.as_ref().unwrap().collection::<Document>("products").insert_one(doc).await.unwrap();
    id
}

#[actix_web::test]
async fn a_product_created_by_mongoose_is_served_by_hme_exactly_as_mongoose_serializes_it() {
    let Some((cli, app)) = setup().await else { return };
    let input = json!({"userId": "user_legacy", "name": "Legacy Buds", "description": "From Next.js", "price": 2999, "offerPrice": 2499.5, "image": ["https://res.cloudinary.com/x/image/upload/v1/legacy.jpg"], "category": "Earphone", "tags": ["old"]});
    let created = mongoose(&cli, &app, &["create", "Product", &input.to_string()]).await;
    let id = created["_id"].as_str().unwrap();
    assert_eq!(served(&app, id).await, created);
    let list = app.call(get("/api/product/list")).await.body;
    assert_eq!(list["products"][0], created);
}

#[actix_web::test]
async fn a_product_added_by_hme_loads_in_mongoose_without_errors_and_roundtrips_unchanged() {
    let Some((cli, app)) = setup().await else { return };
    let mut body = sample_add("Rust Buds", json!("1999"), json!("1499.5"));
    body["tags"] = json!(["new", "rust"]);
    let added = add_product(&app, &seller_token(), body).await;
    let id = added["_id"].as_str().unwrap();
    let loaded = mongoose(&cli, &app, &["get", "Product", id]).await;
    assert_eq!(loaded["errors"], Value::Null, "{loaded}");
    assert_eq!(loaded["doc"], added);
    let trip = mongoose(&cli, &app, &["roundtrip", "Product", id]).await;
    assert_eq!(trip["errors"], Value::Null);
    assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
    assert_eq!(trip["before"]["__v"], json!({"$numberInt": "0"}));
    assert_eq!(trip["before"]["price"], json!({"$numberInt": "1999"}));
    assert_eq!(trip["before"]["offerPrice"], json!({"$numberDouble": "1499.5"}));
}

#[actix_web::test]
async fn a_product_edited_and_flagged_by_hme_still_roundtrips_unchanged_in_mongoose() {
    let Some((cli, app)) = setup().await else { return };
    let added = add_product(&app, &seller_token(), sample_add("Edited", json!(5000), json!(4000))).await;
    let id = added["_id"].clone();
    let token = seller_token();
    let edit = json!({"productId": id, "name": "Edited 2", "price": "5500", "description": "new", "category": "Watch", "image": ["https://x.test/a.jpg"]});
    assert_eq!(app.call(json_req(Method::PUT, "/api/product/edit", Some(&token), edit)).await.status, StatusCode::OK);
    let flag = json!({"productId": id, "promotion": true});
    let r = app.call(json_req(Method::PUT, "/api/product/promotion", Some(&token), flag)).await;
    let id = id.as_str().unwrap();
    let loaded = mongoose(&cli, &app, &["get", "Product", id]).await;
    assert_eq!((loaded["errors"].clone(), loaded["doc"].clone()), (Value::Null, r.body["product"].clone()));
    let trip = mongoose(&cli, &app, &["roundtrip", "Product", id]).await;
    assert_eq!(trip["before"], trip["after"], "{trip}");
}

#[actix_web::test]
async fn prices_stored_as_int32_int64_and_double_are_all_read_like_mongoose_reads_them() {
    let Some((cli, app)) = setup().await else { return };
    for price in [Bson::Int32(1500), Bson::Int64(1500), Bson::Double(1500.0), Bson::Double(1499.99)] {
        let now = mongodb::bson::DateTime::now();
        let d = doc! {"_id": ObjectId::new(), "userId": "u", "name": "Typed", "description": "d", "price": price.clone(), "offerPrice": Bson::Int64(0),
            "image": ["https://x.test/a.jpg"], "category": "Watch", "date": now, "inStock": true, "promotion": false, "tags": [], "views": Bson::Int64(3), "sales": Bson::Double(2.0),
            "createdAt": now, "updatedAt": now, "__v": 0};
        let id = insert_raw(&app, d).await;
        let ours = served(&app, &id).await;
        let theirs = mongoose(&cli, &app, &["get", "Product", &id]).await;
        assert_eq!(ours, theirs["doc"], "{price:?}");
    }
}

#[actix_web::test]
async fn an_old_document_gets_mongooses_defaults_and_keeps_its_extra_fields() {
    let Some((cli, app)) = setup().await else { return };
    let d = doc! {"_id": ObjectId::new(), "userId": "u", "name": "Old", "description": "d", "price": 700, "image": ["https://x.test/a.jpg"],
        "category": "Accessories", "date": mongodb::bson::DateTime::now(), "stock": 5, "vendor": {"code": "V1", "since": mongodb::bson::DateTime::now()}};
    let id = insert_raw(&app, d).await;
    let ours = served(&app, &id).await;
    let theirs = mongoose(&cli, &app, &["get", "Product", &id]).await;
    assert_eq!(ours, theirs["doc"]);
    assert_eq!((ours["offerPrice"].clone(), ours["inStock"].clone(), ours["tags"].clone(), ours["stock"].clone()), (json!(0), json!(true), json!([]), json!(5)));
}
