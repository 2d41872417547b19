//! Compatibility with the legacy mongoose app through its own schemas
//! (tools/mongoose-compat, `HME_TEST_MONGOOSE_CLI`): an order hme writes loads and
//! validates in mongoose and roundtrips unchanged; an order mongoose wrote is listed by
//! hme exactly as mongoose's `populate('address items.product')` serializes it (but a
//! deleted address: an object of empty fields, not null); a checkout initiated by the
//! legacy completes through hme's callback and reads as the legacy stored it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;
#[path = "../payments/tcs_stub.rs"]
mod tcs_stub;

use actix_web::http::{Method, StatusCode};
use hme_kernel::testing::service_env;
use serde_json::{json, Value};

use support::{customer, order_body, req, seller, TestApp, CUSTOMER};

async fn setup() -> Option<(String, TestApp)> {
    let cli = service_env("HME_TEST_MONGOOSE_CLI")?;
    Some((cli, TestApp::mongo().await?))
}

async fn mongoose(cli: &str, app: &TestApp, args: &[&str]) -> Value {
    hme_kernel::testing::mongoose_cli(cli, app.mongo.as_ref().unwrap().name(), args).await
}

async fn listed(app: &TestApp) -> Vec<Value> {
    let r = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["orders"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn an_order_placed_by_hme_loads_in_mongoose_without_errors_and_roundtrips_unchanged() {
    let Some((cli, app)) = setup().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Buds", 1999.5, 0.0, Some(5)).await;
    let b = app.product("Watch", 3000.0, 2500.0, None).await;
    for courier in [json!("Leopards"), json!(null)] {
        let mut body = order_body(&address, &[(&a, json!(2)), (&b, json!(1))]);
        body["courierName"] = courier;
        let r = app.create(&customer(), body, None).await;
        let id = r.body["orderId"].as_str().unwrap().to_owned();
        let loaded = mongoose(&cli, &app, &["get", "Order", &id]).await;
        assert_eq!(loaded["errors"], Value::Null, "{loaded}");
        let trip = mongoose(&cli, &app, &["roundtrip", "Order", &id]).await;
        assert_eq!(trip["errors"], Value::Null);
        assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
        assert_eq!(trip["before"]["amount"], json!({"$numberInt": "6749"}));
        assert_eq!(trip["before"]["items"][0]["quantity"], json!({"$numberInt": "2"}));
        let theirs = mongoose(&cli, &app, &["find", "Order", &json!({"_id": id}).to_string(), "address items.product"]).await;
        let ours: Vec<Value> = listed(&app).await.into_iter().filter(|o| o["_id"] == id).collect();
        assert_eq!(ours, theirs.as_array().unwrap().clone());
    }
}

#[actix_web::test]
async fn an_order_written_by_mongoose_is_listed_exactly_as_mongoose_populates_it_with_null_for_deleted_references() {
    let Some((cli, app)) = setup().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let kept = app.product("Kept", 1500.0, 1200.0, None).await;
    let gone = app.product("Gone", 700.0, 0.0, None).await;
    let legacy = json!({"userId": CUSTOMER, "items": [{"product": kept, "quantity": 2}, {"product": gone, "quantity": 1}], "amount": 3350,
        "address": address, "date": {"$date": "2025-06-01T10:20:30.000Z"}});
    let created = mongoose(&cli, &app, &["create", "Order", &legacy.to_string()]).await;
    let filter = json!({"userId": CUSTOMER}).to_string();
    let theirs = mongoose(&cli, &app, &["find", "Order", &filter, "address items.product"]).await;
    assert_eq!(listed(&app).await, theirs.as_array().unwrap().clone());
    let del = app.call(req(Method::DELETE, "/api/product/delete", Some(&seller()), json!({"productId": gone}))).await;
    assert_eq!(del.status, StatusCode::OK);
    app.people.delete_address(&address).await;
    let mut theirs = mongoose(&cli, &app, &["find", "Order", &filter, "address items.product"]).await;
    let mut ours = listed(&app).await;
    // The one intentional difference: mongoose populates a deleted address as null
    // (the order pages crash on it); hme gives an object of empty fields.
    assert_eq!(theirs[0]["address"], Value::Null);
    let empty = json!({"_id": address, "fullName": "", "area": "", "city": "", "state": "", "phoneNumber": ""});
    assert_eq!(ours[0]["address"], empty);
    theirs[0]["address"] = Value::Null;
    ours[0]["address"] = Value::Null;
    assert_eq!(ours, theirs.as_array().unwrap().clone());
    assert_eq!(ours[0]["items"][1]["product"].clone(), Value::Null);
    assert_eq!(ours[0]["_id"], created["_id"]);
}

#[actix_web::test]
async fn an_old_order_missing_defaults_is_listed_with_the_defaults_mongoose_fills_in() {
    let Some((cli, app)) = setup().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let p = app.product("Old", 900.0, 0.0, None).await;
    let raw = mongodb::bson::doc! {"_id": mongodb::bson::oid::ObjectId::new(), "userId": CUSTOMER, "amount": mongodb::bson::Bson::Int64(1150),
        "address": &address, "date": mongodb::bson::DateTime::now(), "items": [{"product": &p, "quantity": 1.0, "_id": mongodb::bson::oid::ObjectId::new()}], "legacyNote": "kept"};
    app.mongo.as_ref().unwrap().collection::<mongodb::bson::Document>("orders").insert_one(raw).await.unwrap();
    let theirs = mongoose(&cli, &app, &["find", "Order", &json!({"userId": CUSTOMER}).to_string(), "address items.product"]).await;
    let ours = listed(&app).await;
    assert_eq!(ours, theirs.as_array().unwrap().clone());
    assert_eq!((ours[0]["status"].clone(), ours[0]["paymentMethod"].clone(), ours[0]["legacyNote"].clone()), (json!("Order Placed"), json!("cod"), json!("kept")));
}

/// An app on MongoDB with JazzCash (merchant "MC1", salt "salt") and a TCS stub.
async fn jazzcash_app() -> Option<(String, TestApp, tcs_stub::TcsStub)> {
    let cli = service_env("HME_TEST_MONGOOSE_CLI")?;
    let db = hme_kernel::testing::mongo_test_db().await?;
    let stub = tcs_stub::TcsStub::start().await;
    let mut s = support::settings();
    s.payments.jazzcash_merchant_id = Some("MC1".into());
    s.payments.jazzcash_password = Some("pw".to_owned().into());
    s.payments.jazzcash_integrity_salt = Some("salt".to_owned().into());
    s.payments.tcs_api_url = Some(stub.url.clone());
    s.payments.base_url = "https://shop.example".into();
    let docs = hme_kernel::backends::Documents::Mongo(db.clone());
    let app = TestApp::build("mongodb", docs, support::People::Mongo(db.clone()), Some(db), None, s, None).await;
    Some((cli, app, stub))
}

#[actix_web::test]
async fn jazzcash_orders_with_payment_fields_load_in_mongoose_and_roundtrip_unchanged() {
    use std::collections::BTreeMap;
    let Some((cli, app, _stub)) = jazzcash_app().await else { return };
    let address = app.customer_with_address(CUSTOMER).await;
    let p = app.product("Buds", 1999.5, 0.0, None).await;
    for (code, status, courier) in [("000", "completed", Some("Booked")), ("124", "failed", None), ("", "pending", None)] {
        let mut body = order_body(&address, &[(&p, json!(2))]);
        body["paymentMethod"] = json!("jazzcash");
        let r = app.call(req(Method::POST, "/api/checkout/initiate", Some(&customer()), body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        let id = r.body["orderId"].as_str().unwrap().to_owned();
        if !code.is_empty() {
            let f = &r.body["fields"];
            let mut form: BTreeMap<String, String> = ["pp_MerchantID", "pp_TxnRefNo", "pp_Amount", "pp_BillReference"].iter().map(|k| ((*k).to_owned(), f[*k].as_str().unwrap().to_owned())).collect();
            form.insert("pp_ResponseCode".into(), code.into());
            form.insert("pp_ResponseMessage".into(), "msg".into());
            let h = hme_orders::payments::hash::secure_hash("salt", &form);
            form.insert("pp_SecureHash".into(), h);
            let cb = app.call(actix_web::test::TestRequest::post().uri("/api/checkout/callback").set_form(&form)).await;
            assert_eq!(cb.status, StatusCode::SEE_OTHER);
        }
        let loaded = mongoose(&cli, &app, &["get", "Order", &id]).await;
        assert_eq!(loaded["errors"], Value::Null, "{loaded}");
        assert_eq!(loaded["doc"]["paymentMethod"], json!("jazzcash"));
        assert_eq!(loaded["doc"]["paymentStatus"], json!(status));
        assert!(loaded["doc"]["paymentTxnRef"].as_str().unwrap().starts_with("TXN"));
        assert_eq!(loaded["doc"]["courierStatus"].as_str(), courier);
        if code == "124" {
            assert_eq!(loaded["doc"]["paymentError"], json!("msg"));
        }
        let trip = mongoose(&cli, &app, &["roundtrip", "Order", &id]).await;
        assert_eq!(trip["errors"], Value::Null);
        assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
        let theirs = mongoose(&cli, &app, &["find", "Order", &json!({"_id": id}).to_string(), "address items.product"]).await;
        let ours: Vec<Value> = listed(&app).await.into_iter().filter(|o| o["_id"] == id).collect();
        assert_eq!(ours, theirs.as_array().unwrap().clone());
    }
}

/// The payment-success page (frontend.md 6) reads the order straight from the database
/// with mongoose (`Order.findById(orderId)`, the id from the callback's redirect) and
/// shows its fields verbatim: an order initiated by hme's checkout the way the page
/// calls it (the address as its "fullName, area, city, state" string) and paid through
/// hme's callback loads without errors, with the raw item product ids, the address
/// string, paymentStatus "completed", the courier fields, amount and date.
#[actix_web::test]
async fn the_payment_success_page_loads_a_paid_checkout_order_with_mongoose_find_by_id() {
    use std::collections::BTreeMap;
    let Some((cli, app, _stub)) = jazzcash_app().await else { return };
    app.customer_with_address(CUSTOMER).await;
    let (a, b) = (app.product("Buds", 1999.5, 0.0, None).await, app.product("Watch", 3000.0, 2500.0, None).await);
    let address = "Sana Checkout, Gulberg III, Lahore, Punjab";
    let body = json!({"items": [{"product": a, "quantity": 2}, {"product": b, "quantity": 1}], "amount": 6499, "address": address, "paymentMethod": "jazzcash"});
    let r = app.call(req(Method::POST, "/api/checkout/initiate", Some(&customer()), body)).await;
    assert_eq!((r.status, &r.body["success"]), (StatusCode::OK, &json!(true)), "{}", r.raw);
    let f = &r.body["fields"];
    let mut form: BTreeMap<String, String> = ["pp_MerchantID", "pp_TxnRefNo", "pp_Amount", "pp_BillReference"].iter().filter_map(|k| Some(((*k).to_owned(), f[*k].as_str()?.to_owned()))).collect();
    form.insert("pp_ResponseCode".into(), "000".into());
    form.insert("pp_ResponseMessage".into(), "Thank you for Using JazzCash".into());
    let h = hme_orders::payments::hash::secure_hash("salt", &form);
    form.insert("pp_SecureHash".into(), h);
    let cb = app.call(actix_web::test::TestRequest::post().uri("/api/checkout/callback").set_form(&form)).await;
    assert_eq!(cb.status, StatusCode::SEE_OTHER, "{}", cb.raw);
    let to = url::Url::parse(cb.location.as_deref().unwrap()).unwrap();
    assert_eq!(to.path(), "/payment-success", "{to}");
    let id = to.query_pairs().find(|(k, _)| k == "orderId").map(|(_, v)| v.into_owned()).unwrap_or_else(|| panic!("no orderId in {to}"));
    let loaded = mongoose(&cli, &app, &["get", "Order", &id]).await;
    assert_eq!(loaded["errors"], Value::Null, "{loaded}");
    let o = &loaded["doc"];
    let items: Vec<(Value, Value)> = o["items"].as_array().unwrap().iter().map(|i| (i["product"].clone(), i["quantity"].clone())).collect();
    assert_eq!(items, vec![(json!(a), json!(2)), (json!(b), json!(1))], "{o}");
    assert_eq!((&o["address"], &o["paymentMethod"], &o["paymentStatus"], &o["status"]), (&json!(address), &json!("jazzcash"), &json!("completed"), &json!("Order Placed")), "{o}");
    assert_eq!((&o["courierName"], &o["courierStatus"], &o["paymentTxnId"]), (&json!("tcs"), &json!("Booked"), &f["pp_TxnRefNo"]), "{o}");
    assert!(o["courierTrackingNumber"].as_str().is_some_and(|t| !t.is_empty()), "{o}");
    assert_eq!(o["amount"].as_f64(), Some(2.0 * 1999.5 + 2500.0 + 250.0), "{o}");
    let date = chrono::DateTime::parse_from_rfc3339(o["date"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - date.with_timezone(&chrono::Utc)).num_seconds().abs() < 60, "{o}");
}

async fn completed(cli: &str, app: &TestApp, id: &str) -> Value {
    for _ in 0..100 {
        let d = mongoose(cli, app, &["get", "Order", id]).await;
        if d["doc"]["courierStatus"] == json!("Booked") {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    mongoose(cli, app, &["get", "Order", id]).await
}

#[actix_web::test]
async fn a_checkout_the_legacy_initiated_completes_through_hmes_callback_and_reads_as_the_legacy_stored_it() {
    use std::collections::BTreeMap;
    let Some((cli, app, _stub)) = jazzcash_app().await else { return };
    app.customer_with_address(CUSTOMER).await;
    let p = app.product("Buds", 19.99, 0.0, None).await;
    // What the legacy initiate stored: raw items, the client's amount, the address text.
    let text = "Ayesha Khan, House 4, Lahore, Punjab";
    let txn = "TXN20250601102030";
    let legacy = json!({"userId": CUSTOMER, "items": [{"product": p, "quantity": 1}], "amount": 19.99, "address": text,
        "paymentMethod": "jazzcash", "paymentStatus": "pending", "status": "Order Placed", "paymentTxnRef": txn});
    let id = mongoose(&cli, &app, &["create", "Order", &legacy.to_string()]).await["_id"].as_str().unwrap().to_owned();
    // JazzCash's answer to the legacy's form: pp_Amount as JS printed 19.99 * 100.
    let mut form: BTreeMap<String, String> = [
        ("pp_Version", "1.1"), ("pp_TxnType", "MWALLET"), ("pp_Language", "EN"), ("pp_MerchantID", "MC1"), ("pp_TxnRefNo", txn),
        ("pp_Amount", "1998.9999999999998"), ("pp_TxnCurrency", "PKR"), ("pp_TxnDateTime", "20250601102030"), ("pp_BillReference", &id),
        ("pp_ResponseCode", "000"), ("pp_ResponseMessage", "Thank you for Using JazzCash"), ("pp_RetreivalReferenceNo", "250601123456"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let hash = support::jazzcash::reference_hash("salt", &form);
    form.insert("pp_SecureHash".into(), hash);
    let cb = app.call(actix_web::test::TestRequest::post().uri("/api/checkout/callback").set_form(&form)).await;
    assert_eq!((cb.status, cb.location.clone()), (StatusCode::SEE_OTHER, Some(format!("https://shop.example/payment-success?orderId={id}"))), "{}", cb.raw);
    // What the payment-success page reads straight from the database.
    let loaded = completed(&cli, &app, &id).await;
    assert_eq!(loaded["errors"], Value::Null, "{loaded}");
    let d = &loaded["doc"];
    assert_eq!((d["paymentStatus"].clone(), d["paymentTxnId"].clone(), d["status"].clone()), (json!("completed"), json!(txn), json!("Order Placed")));
    assert_eq!((d["courierName"].clone(), d["courierStatus"].clone(), d["address"].clone()), (json!("tcs"), json!("Booked"), json!(text)));
    assert!(d["courierTrackingNumber"].as_str().unwrap().starts_with("779"));
    let trip = mongoose(&cli, &app, &["roundtrip", "Order", &id]).await;
    assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
    // And the other way: an hme checkout, as the storefront sends it, loads like a legacy one.
    let body = json!({"items": [{"product": p, "quantity": 2}], "amount": 39.98, "address": text, "paymentMethod": "jazzcash"});
    let r = app.call(req(Method::POST, "/api/checkout/initiate", Some(&customer()), body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let ours = r.body["orderId"].as_str().unwrap().to_owned();
    let loaded = mongoose(&cli, &app, &["get", "Order", &ours]).await;
    assert_eq!(loaded["errors"], Value::Null, "{loaded}");
    let d = &loaded["doc"];
    assert_eq!((d["address"].clone(), d["paymentMethod"].clone(), d["paymentStatus"].clone(), d["courierStatus"].clone()), (json!(text), json!("jazzcash"), json!("pending"), Value::Null));
    assert_eq!(d["paymentTxnRef"], r.body["fields"]["pp_TxnRefNo"]);
    assert_eq!(d["items"][0]["product"], json!(p));
    let trip = mongoose(&cli, &app, &["roundtrip", "Order", &ours]).await;
    assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
}
