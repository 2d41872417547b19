//! Order lists in natural order, and orders that always render: free-text (JazzCash)
//! addresses, deleted addresses and malformed documents inserted raw (MongoDB) or
//! through the embedded store never fail the list.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_orders::adapters::EmbeddedOrderStore;
use hme_orders::store::OrderStore;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde_json::{json, Value};

use crate::support::{customer, order_body, req, seller, TestApp, CUSTOMER};

/// Stores `d` as it is, bypassing hme's validation: the MongoDB driver, or the embedded
/// orders store.
async fn insert_raw(app: &TestApp, d: Document) {
    match &app.platform.documents {
        Documents::Mongo(db) => {
            db.collection::<Document>("orders").insert_one(d).await.unwrap();
        }
        Documents::Embedded(db) => {
            let store = EmbeddedOrderStore::open(Arc::clone(db), Arc::new(tokio::sync::Notify::new())).unwrap();
            let event = EventEnvelope::new("test.raw_order", json!({}));
            store.insert(&d, &event, None, None, chrono::Utc::now()).await.unwrap();
        }
    }
}

async fn list(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let r = app.call(req(Method::GET, path, Some(token), json!(null))).await;
    assert_eq!((r.status, r.body["success"].clone()), (StatusCode::OK, json!(true)), "{}: {}", app.backend, r.raw);
    r.body["orders"].as_array().unwrap().clone()
}

fn renderable(o: &Value) -> bool {
    ["fullName", "area", "city", "state", "phoneNumber"].iter().all(|k| o["address"][k].is_string()) && o["items"].is_array()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_odd_order_renders_and_the_list_keeps_insertion_order() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let p = app.product("Buds", 100.0, 0.0, None).await;
        let placed = app.create(&customer(), order_body(&address, &[(&p, json!(1))]), None).await;
        let first = placed.body["orderId"].as_str().unwrap().to_owned();
        let jazz = ObjectId::new();
        insert_raw(&app, doc! {"_id": jazz, "userId": CUSTOMER, "items": [{"product": &p, "quantity": 2, "_id": ObjectId::new()}], "amount": 450,
            "address": "Ayesha Khan, House 4, Gulberg, Lahore, Punjab", "status": "Order Placed", "date": mongodb::bson::DateTime::from_millis(1_000),
            "paymentMethod": "jazzcash", "paymentStatus": "pending", "paymentTxnRef": "TXN20250601102030", "__v": 0}).await;
        let odd = ObjectId::new();
        insert_raw(&app, doc! {"_id": odd, "userId": CUSTOMER, "items": "not an array", "amount": "abc", "address": 42, "date": "yesterday", "status": Bson::Null}).await;
        let gone = ObjectId::new();
        insert_raw(&app, doc! {"_id": gone, "userId": CUSTOMER, "items": [{"product": 7, "quantity": 1}, "junk"], "amount": 350,
            "address": ObjectId::new().to_hex(), "date": mongodb::bson::DateTime::now()}).await;
        for (path, token) in [("/api/order/list", customer()), ("/api/order/seller-orders", seller())] {
            let orders = list(&app, path, &token).await;
            let ids: Vec<&str> = orders.iter().map(|o| o["_id"].as_str().unwrap_or_default()).collect();
            assert_eq!(ids, vec![first.as_str(), &jazz.to_hex(), &odd.to_hex(), &gone.to_hex()], "{}: natural order", app.backend);
            assert!(orders.iter().all(renderable), "{}: {orders:?}", app.backend);
            let a = &orders[1]["address"];
            assert_eq!((a["fullName"].clone(), a["area"].clone(), a["city"].clone(), a["state"].clone()), (json!("Ayesha Khan"), json!("House 4, Gulberg"), json!("Lahore"), json!("Punjab")));
            assert_eq!(orders[1]["items"][0]["product"]["name"], "Buds", "populated next to a free-text address");
            assert_eq!(orders[0]["address"]["city"], "Lahore");
            assert_eq!(orders[3]["items"], json!([{"product": null, "quantity": 1}]));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongodb_lists_in_natural_order_not_by_date_or_id() {
    let Some(app) = TestApp::mongo().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    // Inserted in this order, with dates and ids that sort differently.
    let old_id = ObjectId::parse_str("500000000000000000000001").unwrap();
    let newer = ObjectId::new();
    insert_raw(&app, doc! {"_id": newer, "userId": CUSTOMER, "items": [], "amount": 250, "address": &address, "date": mongodb::bson::DateTime::from_millis(1_000)}).await;
    insert_raw(&app, doc! {"_id": old_id, "userId": CUSTOMER, "items": [], "amount": 250, "address": &address, "date": mongodb::bson::DateTime::now()}).await;
    let ids: Vec<Value> = list(&app, "/api/order/list", &customer()).await.iter().map(|o| o["_id"].clone()).collect();
    assert_eq!(ids, vec![json!(newer.to_hex()), json!(old_id.to_hex())]);
}
