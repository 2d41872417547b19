//! JazzCash checkout, its callback, courier booking (TCS stub) and tracking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;
mod tcs_stub;
mod legacy_answers;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use hme_kernel::backends::Documents;
use hme_kernel::events::embedded::RetryPolicy;
use hme_kernel::events::{EmbeddedEventBus, EventBus};
use hme_kernel::testing::{embedded_test_db, mongo_test_db};
use hme_orders::payments::hash::{secure_hash, verify};
use mongodb::bson::oid::ObjectId;
use serde_json::{json, Value};
use support::jazzcash::reference_hash;
use support::{customer, order_body, other, req, seller, People, Reply, TestApp, CUSTOMER};
use tcs_stub::TcsStub;

const SALT: &str = "0123456789";
const MERCHANT: &str = "MC12345";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn secure_hash_matches_vectors_computed_from_the_published_algorithm() {
    let fields = map(&[
        ("pp_Version", "1.1"), ("pp_TxnType", "MWALLET"), ("pp_Language", "EN"), ("pp_MerchantID", MERCHANT), ("pp_SubMerchantID", ""),
        ("pp_Password", "pass&word"), ("pp_TxnRefNo", "T20250601102030000001"), ("pp_Amount", "674900"), ("pp_TxnCurrency", "PKR"),
        ("pp_BillReference", "billRef"), ("pp_Description", "Order x"), ("pp_ReturnURL", "https://shop.example/api/checkout/callback"), ("ppmpf_1", "ignored"),
    ]);
    // Computed with Python's hmac module over the same fields.
    let python = "D5F70763C5122D7E1E0B1152A27547023CECEF34CAFB080C57A1475C1FFA8E82";
    assert_eq!(reference_hash(SALT, &fields), python);
    assert_eq!(secure_hash(SALT, &fields), python);
    assert!(verify(SALT, &fields, &python.to_ascii_lowercase()));
    let mut tampered = fields.clone();
    tampered.insert("pp_Amount".into(), "100".into());
    assert!(!verify(SALT, &tampered, python));
    assert!(!verify(SALT, &fields, ""));
}

fn payment_settings(tcs: &str) -> hme_orders::OrdersSettings {
    let mut s = support::settings();
    s.payments.jazzcash_merchant_id = Some(MERCHANT.into());
    s.payments.jazzcash_password = Some("secret-pass".to_owned().into());
    s.payments.jazzcash_integrity_salt = Some(SALT.to_owned().into());
    s.payments.base_url = "https://shop.example/".into();
    s.payments.tcs_api_url = Some(tcs.to_owned());
    s.payments.tcs_api_key = Some("tcs-key".to_owned().into());
    s.payments.courier_timeout_secs = 1;
    s.payments.courier_lease_secs = 2;
    s
}

fn fast_bus(db: Arc<redb::Database>) -> Arc<dyn EventBus> {
    Arc::new(EmbeddedEventBus::new(db, RetryPolicy { max_attempts: 50, base_delay_ms: 100, max_delay_ms: 300 }).unwrap())
}

/// The app on each backend, with payments configured against `tcs`, events through an
/// embedded bus (so the courier retry consumer runs) on the embedded backend.
async fn apps(tcs: &str) -> Vec<TestApp> {
    let (db, dir) = embedded_test_db();
    let bus = fast_bus(db.clone());
    let mut out = vec![TestApp::build("embedded", Documents::Embedded(db.clone()), People::Embedded(db), None, Some(Arc::new(dir)), payment_settings(tcs), Some(bus)).await];
    if let Some(m) = mongo_test_db().await {
        let (edb, edir) = embedded_test_db();
        let bus = fast_bus(edb);
        let dir = Some(Arc::new(edir));
        out.push(TestApp::build("mongodb", Documents::Mongo(m.clone()), People::Mongo(m.clone()), Some(m), dir, payment_settings(tcs), Some(bus)).await);
    }
    out
}

async fn order(app: &TestApp, id: &str) -> mongodb::bson::Document {
    app.orders.service().stored(&ObjectId::parse_str(id).unwrap()).await.unwrap().unwrap()
}

/// A pending checkout of 2 x 1500 (offer) + 250; the client claims amount 1.
async fn initiate(app: &TestApp, address: &str) -> Reply {
    let p = app.product("Buds", 2000.0, 1500.0, Some(10)).await;
    let mut body = order_body(address, &[(&p, json!(2))]);
    body["amount"] = json!(1);
    body["paymentMethod"] = json!("jazzcash");
    app.call(req(Method::POST, "/api/checkout/initiate", Some(&customer()), body)).await
}

/// An initiate body around `fields`.
fn init_like(fields: &BTreeMap<String, String>) -> Value {
    json!({"fields": fields})
}

/// JazzCash's answer to a checkout, signed with the reference algorithm.
fn answer(init: &Value, code: &str) -> BTreeMap<String, String> {
    let f = &init["fields"];
    let mut m = map(&[
        ("pp_Version", "1.1"), ("pp_TxnType", "MWALLET"), ("pp_Language", "EN"), ("pp_ResponseCode", code),
        ("pp_ResponseMessage", if code == "000" { "Thank you for Using JazzCash" } else { "Transaction declined" }),
        ("pp_RetreivalReferenceNo", "250601123456"), ("pp_TxnCurrency", "PKR"),
    ]);
    for k in ["pp_MerchantID", "pp_TxnRefNo", "pp_Amount", "pp_TxnDateTime", "pp_BillReference"] {
        m.insert(k.to_owned(), f[k].as_str().unwrap().to_owned());
    }
    let h = reference_hash(SALT, &m);
    m.insert("pp_SecureHash".into(), h);
    m
}

async fn callback(app: &TestApp, form: &BTreeMap<String, String>) -> (StatusCode, String) {
    let r = app.call(actix_web::test::TestRequest::post().uri("/api/checkout/callback").set_form(form)).await;
    let loc = r.location.clone().unwrap_or_default();
    (r.status, loc)
}

async fn wait_for(app: &TestApp, id: &str, pred: impl Fn(&mongodb::bson::Document) -> bool) -> mongodb::bson::Document {
    for _ in 0..200 {
        let d = order(app, id).await;
        if pred(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    order(app, id).await
}

/// The legacy initiate's field set and values (frontend.md section 9).
fn assert_legacy_fields(fields: &BTreeMap<String, String>, order_id: &str) {
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    let mut want = vec!["pp_Amount", "pp_BankID", "pp_BillReference", "pp_Description", "pp_Language", "pp_MerchantID", "pp_Password", "pp_ProductID",
        "pp_ReturnURL", "pp_SecureHash", "pp_TxnCurrency", "pp_TxnDateTime", "pp_TxnExpiryDateTime", "pp_TxnRefNo", "pp_TxnType", "pp_Version"];
    want.sort_unstable();
    assert_eq!(keys, want);
    let fixed = [("pp_Version", "1.1"), ("pp_TxnType", "MWALLET"), ("pp_Language", "EN"), ("pp_TxnCurrency", "PKR"), ("pp_BankID", "TBANK"),
        ("pp_ProductID", "RETL"), ("pp_Description", "HMElectronics Order Checkout Payment Request"), ("pp_Password", "secret-pass")];
    for (k, v) in fixed {
        assert_eq!(fields[k], v, "{k}");
    }
    assert_eq!(fields["pp_BillReference"], order_id);
    let at = chrono::NaiveDateTime::parse_from_str(&fields["pp_TxnDateTime"], "%Y%m%d%H%M%S").expect("YYYYMMDDHHMMSS");
    let expiry = chrono::NaiveDateTime::parse_from_str(&fields["pp_TxnExpiryDateTime"], "%Y%m%d%H%M%S").unwrap();
    assert_eq!(expiry - at, chrono::Duration::hours(24));
    assert_eq!(fields["pp_TxnRefNo"], format!("TXN{}", fields["pp_TxnDateTime"]));
    assert!(fields["pp_Amount"].bytes().all(|b| b.is_ascii_digit()), "whole paisa");
}

#[actix_web::test]
async fn initiate_with_the_storefronts_text_address_stores_it_verbatim_like_the_legacy() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        app.customer_with_address(CUSTOMER).await;
        let p = app.product("Buds", 2000.0, 0.0, None).await;
        let text = "Ayesha Khan, House 4 Gulberg, Lahore, Punjab";
        // Exactly as the checkout page sends it (frontend.md section 6), cookie-less here.
        let body = json!({"items": [{"product": p, "quantity": 1}], "amount": 2000, "address": text, "paymentMethod": "jazzcash"});
        let r = app.call(req(Method::POST, "/api/checkout/initiate", Some(&customer()), body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        let id = r.body["orderId"].as_str().unwrap().to_owned();
        let d = order(&app, &id).await;
        assert_eq!(d.get_str("address").unwrap(), text);
        assert_eq!(d.get("courierStatus"), Some(&mongodb::bson::Bson::Null), "no courier before payment, as the legacy");
        let (status, loc) = callback(&app, &answer(&r.body, "000")).await;
        assert_eq!((status, loc), (StatusCode::SEE_OTHER, format!("https://shop.example/payment-success?orderId={id}")));
        let d = wait_for(&app, &id, |d| d.get_str("courierStatus").ok() == Some("Booked")).await;
        let (booking, _) = stub.state.bookings.lock().unwrap().last().cloned().unwrap();
        assert_eq!((booking["consigneeName"].clone(), booking["destinationCityName"].clone()), (json!("Ayesha Khan"), json!("Punjab")), "legacy: city = last part");
        assert_eq!(booking["consigneeAddress"], json!(text));
        let listed = app.call(req(Method::GET, "/api/order/list", Some(&customer()), Value::Null)).await;
        let mine = listed.body["orders"].as_array().unwrap().iter().find(|o| o["_id"] == json!(id)).cloned().unwrap();
        assert_eq!((mine["address"]["fullName"].clone(), mine["address"]["city"].clone()), (json!("Ayesha Khan"), json!("Lahore")));
        assert_eq!(d.get_str("courierName").unwrap(), "tcs");
    }
}

#[actix_web::test]
async fn initiate_computes_the_amount_on_the_server_and_creates_a_pending_jazzcash_order() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        let address = app.customer_with_address(CUSTOMER).await;
        let r = initiate(&app, &address).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        assert_eq!(r.body["amount"], json!(3250), "server amount, not the client's 1");
        let fields: BTreeMap<String, String> = serde_json::from_value(r.body["fields"].clone()).unwrap();
        assert_eq!(fields["pp_Amount"], "325000");
        assert_eq!(fields["pp_MerchantID"], MERCHANT);
        assert_eq!(fields["pp_ReturnURL"], "https://shop.example/api/checkout/callback");
        assert_eq!(fields["pp_SecureHash"], reference_hash(SALT, &fields));
        let id = r.body["orderId"].as_str().unwrap();
        assert_legacy_fields(&fields, id);
        let d = order(&app, id).await;
        assert_eq!(d.get_str("paymentMethod").unwrap(), "jazzcash");
        assert_eq!(d.get_str("paymentStatus").unwrap(), "pending");
        assert_eq!(d.get_str("paymentTxnRef").unwrap(), fields["pp_TxnRefNo"]);
        let created = app.wait_published(1).await;
        let _ = created;
        let unconfigured = TestApp::embedded().await;
        let r = initiate(&unconfigured, &unconfigured.customer_with_address(CUSTOMER).await).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        let (status, loc) = callback(&unconfigured, &answer(&init_like(&fields), "000")).await;
        assert_eq!((status, loc.ends_with("/payment-failed?reason=InternalServerError")), (StatusCode::SEE_OTHER, true), "{loc}");
    }
}

#[actix_web::test]
async fn callback_success_marks_paid_and_books_one_courier_even_when_called_twice() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        let address = app.customer_with_address(CUSTOMER).await;
        let before = stub.booking_count();
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        let form = answer(&init.body, "000");
        let (a, b) = futures::join!(callback(&app, &form), callback(&app, &form));
        let again = callback(&app, &form).await;
        for (status, loc) in [a, b, again] {
            assert_eq!(status, StatusCode::SEE_OTHER, "{}", app.backend);
            assert_eq!(loc, format!("https://shop.example/payment-success?orderId={id}"));
        }
        let d = wait_for(&app, &id, |d| d.get_str("courierStatus").ok() == Some("Booked")).await;
        assert_eq!(d.get_str("paymentStatus").unwrap(), "completed");
        assert_eq!(d.get_str("paymentTxnId").unwrap(), init.body["fields"]["pp_TxnRefNo"].as_str().unwrap(), "legacy: pp_TxnRefNo");
        assert_eq!(d.get_str("status").unwrap(), "Order Placed");
        assert!(d.get_str("courierTrackingNumber").unwrap().starts_with("779"), "{d}");
        assert_eq!(d.get_str("courierName").unwrap(), "tcs");
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(stub.booking_count() - before, 1, "one courier booking");
        let (req_body, auth) = stub.state.bookings.lock().unwrap().last().cloned().unwrap();
        assert_eq!(auth.as_deref(), Some("Bearer tcs-key"));
        assert_eq!(req_body["orderRefNo"], json!(id));
        assert_eq!(req_body["codAmount"], json!(0.0));
        assert_eq!(req_body["pieces"], json!(2));
    }
}

#[actix_web::test]
async fn callback_with_a_bad_hash_marks_the_order_failed_with_the_reason_and_redirects_to_payment_failed() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        let address = app.customer_with_address(CUSTOMER).await;
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        let mut form = answer(&init.body, "000");
        form.insert("pp_Amount".into(), "100".into());
        let (status, loc) = callback(&app, &form).await;
        assert_eq!((status, loc), (StatusCode::SEE_OTHER, "https://shop.example/payment-failed?reason=SecuritySignatureMismatch".to_owned()));
        let d = order(&app, &id).await;
        assert_eq!(d.get_str("paymentStatus").unwrap(), "failed");
        assert_eq!(d.get_str("paymentError").unwrap(), "Signature Mismatch");
        // A genuine success arriving after the failure changes nothing.
        let (_, loc) = callback(&app, &answer(&init.body, "000")).await;
        assert!(loc.contains("/payment-failed?reason="), "{loc}");
        assert_eq!(order(&app, &id).await.get_str("paymentStatus").unwrap(), "failed");
        // A declined payment is failed with JazzCash's message, which is the reason.
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        let (_, loc) = callback(&app, &answer(&init.body, "124")).await;
        assert_eq!(loc, "https://shop.example/payment-failed?reason=Transaction%20declined");
        assert_eq!(order(&app, &id).await.get_str("paymentError").unwrap(), "Transaction declined");
        // An unknown transaction is the legacy's exception.
        let mut unknown = answer(&init.body, "000");
        unknown.insert("pp_TxnRefNo".into(), "TXN19990101000000".into());
        unknown.insert("pp_BillReference".into(), ObjectId::new().to_hex());
        let (_, loc) = callback(&app, &unknown).await;
        assert_eq!(loc, "https://shop.example/payment-failed?reason=InternalServerError");
        // A forged failure after success leaves the paid order alone.
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        callback(&app, &answer(&init.body, "000")).await;
        let mut forged = answer(&init.body, "999");
        forged.insert("pp_SecureHash".into(), "00".repeat(32));
        callback(&app, &forged).await;
        callback(&app, &answer(&init.body, "999")).await;
        assert_eq!(order(&app, &id).await.get_str("paymentStatus").unwrap(), "completed");
    }
}

#[actix_web::test]
async fn tcs_down_gives_a_provisional_number_then_the_retry_books_it() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        let address = app.customer_with_address(CUSTOMER).await;
        stub.down();
        let before = stub.booking_count();
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        let (status, loc) = callback(&app, &answer(&init.body, "000")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(loc.contains("/payment-success"), "paid even though the courier is down: {loc}");
        let d = order(&app, &id).await;
        let prov = d.get_str("courierTrackingNumber").unwrap().to_owned();
        assert!(prov.len() == 13 && prov.starts_with("PROV-") && prov[5..].bytes().all(|b| b.is_ascii_digit()), "{prov}");
        assert_eq!(d.get_str("courierStatus").unwrap(), "Pending booking");
        let t = app.call(req(Method::GET, &format!("/api/track/{prov}"), Some(&customer()), Value::Null)).await;
        assert_eq!((t.status, t.body["status"].clone()), (StatusCode::OK, json!("Pending booking")));
        tokio::time::sleep(Duration::from_millis(500)).await;
        stub.up();
        let d = wait_for(&app, &id, |d| d.get_str("courierStatus").ok() == Some("Booked")).await;
        assert_eq!(d.get_str("courierStatus").unwrap(), "Booked", "{}: {d}", app.backend);
        assert!(d.get_str("courierTrackingNumber").unwrap().starts_with("779"));
        assert_eq!(d.get_document("courierMeta").unwrap().get_str("provisionalTrackingNumber").unwrap(), prov);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(stub.booking_count() - before, 1);
    }
}

#[actix_web::test]
async fn track_answers_the_owner_and_sellers_only_in_the_legacy_shape() {
    let stub = TcsStub::start().await;
    for app in apps(&stub.url).await {
        let address = app.customer_with_address(CUSTOMER).await;
        let init = initiate(&app, &address).await;
        let id = init.body["orderId"].as_str().unwrap().to_owned();
        callback(&app, &answer(&init.body, "000")).await;
        let d = wait_for(&app, &id, |d| d.get_str("courierStatus").ok() == Some("Booked")).await;
        let tn = d.get_str("courierTrackingNumber").unwrap().to_owned();
        let path = format!("/api/track/{tn}");
        for token in [customer(), seller()] {
            let r = app.call(req(Method::GET, &path, Some(&token), Value::Null)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
            assert_eq!(r.body["success"], json!(true));
            assert_eq!(r.body["status"], json!("Out for delivery"), "verbatim");
            assert_eq!(r.body["currentLocation"], json!("Lahore"));
            // Latest first, every field the courier sent passed through.
            assert_eq!(r.body["history"][0], json!({"status": "Arrived", "remarks": "Arrived at Lahore hub", "location": "Lahore", "date": "2025-06-02", "time": "09:00"}));
            assert_eq!(r.body["history"][1], json!({"status": "Booked", "remarks": "Shipment booked", "location": "Karachi", "date": "2025-06-01", "time": "10:00", "code": "BK"}));
        }
        stub.state.bare.store(true, std::sync::atomic::Ordering::SeqCst);
        let r = app.call(req(Method::GET, &path, Some(&customer()), Value::Null)).await;
        stub.state.bare.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!((r.body["status"].clone(), r.body["currentLocation"].clone(), r.body["history"].clone()), (json!("In Transit"), json!("Sorting Hub"), json!([])), "legacy defaults");
        let r = app.call(req(Method::GET, &path, Some(&other()), Value::Null)).await;
        assert_eq!((r.status, r.body.clone()), (StatusCode::NOT_FOUND, json!({"success": false, "error": "Tracking number not found"})));
        let r = app.call(req(Method::GET, &path, None, Value::Null)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = app.call(req(Method::GET, "/api/track/NOPE-1", Some(&seller()), Value::Null)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}
