//! The JazzCash checkout (frontend.md 6; 9 "initiate", "callback").

use reqwest::Method;
use serde_json::{json, Value};

use crate::pages::{checkout_page, path_of, payment_failed_page, query_param, Checkout};
use crate::support::{Shop, User, BASE_URL, MERCHANT, SALT};

on_both_backends!(
    initiate_with_the_session_cookie_alone_posts_the_jazzcash_form,
    initiate_failures_toast_the_pipeline_error_text,
    initiate_answers_the_legacy_field_set_and_stores_the_pending_order,
    a_declined_payment_lands_on_payment_failed_with_the_reason_decoded_twice,
    a_bad_signature_fails_the_order_with_security_signature_mismatch,
    a_paid_checkout_lands_on_payment_success_with_the_order_completed_and_booked_with_tcs,
);

/// The address string the checkout page builds from the selected address.
const ADDRESS: &str = "Sana Checkout, Gulberg III, Lahore, Punjab";

/// A customer with a seller's product at 1999 (offer 1499): (customer, product).
async fn ready(shop: &Shop) -> (User, String) {
    let (user, seller) = (shop.customer("Checkout").await, shop.seller().await);
    let p = shop.add_product(&seller, "Checkout Buds", "1999", "1499").await;
    shop.axios(Method::POST, "/api/cart/update", Some(&user.token), Some(json!({"cartData": { &p: 2 }}))).await.unwrap();
    (user, p)
}

/// The initiate answer of a successful checkout of 2 × the product.
async fn initiated(shop: &Shop, user: &User, p: &str) -> Value {
    let a = shop.initiate(Some(user), &[(p, 2)], 2998.0, ADDRESS).await;
    assert_eq!((a.status, &a.body["success"]), (200, &json!(true)), "[{:?}] initiate: {}", shop.backend, a.body);
    a.body
}

/// 6: fetch with no Authorization header, the Clerk `__session` cookie only: success →
/// the hidden form posted to `gatewayUrl`, one input per `fields` entry; cart kept.
async fn initiate_with_the_session_cookie_alone_posts_the_jazzcash_form(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let body = initiated(&shop, &user, &p).await;
    let Checkout::PostForm { action, inputs } = checkout_page(&body) else { panic!("[{:?}] no form: {body}", shop.backend) };
    assert!(action.starts_with("https://"), "[{:?}] gatewayUrl {action}", shop.backend);
    let fields = body["fields"].as_object().unwrap();
    assert_eq!(inputs.len(), fields.len());
    assert!(fields.values().all(Value::is_string), "[{:?}] a form input is not a string: {body}", shop.backend);
    assert!(inputs.iter().any(|(k, _)| k == "pp_SecureHash"), "[{:?}]", shop.backend);
    let data = shop.axios(Method::GET, "/api/user/data", Some(&user.token), None).await.unwrap();
    assert_eq!(data["user"]["cartItems"], json!({ &p: 2 }), "[{:?}] the cart is kept until payment-success", shop.backend);
}

/// 6 and 9: signed out → 401 `{success:false, error:"Unauthorized profile login
/// missing"}`, read as JSON at any status: "Initiation pipeline error track criteria: "
/// + error; a payment method other than jazzcash → 400 with `error`.
async fn initiate_failures_toast_the_pipeline_error_text(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let a = shop.initiate(None, &[(&p, 2)], 2998.0, ADDRESS).await;
    assert_eq!(a.status, 401, "[{:?}] {}", shop.backend, a.body);
    assert_eq!(checkout_page(&a.body), Checkout::Toast("Initiation pipeline error track criteria: Unauthorized profile login missing".into()), "[{:?}]", shop.backend);
    let body = json!({"items": [{"product": p, "quantity": 1}], "amount": 1499, "address": ADDRESS, "paymentMethod": "easypaisa"});
    let other = shop.fetch(Method::POST, "/api/checkout/initiate", Some(&user.token), Some(body)).await;
    assert_eq!((other.status, &other.body["success"], other.body["error"].is_string()), (400, &json!(false), true), "[{:?}] {}", shop.backend, other.body);
}

/// `YYYYMMDDHHMMSS`.
fn date_time(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// 9 initiate: the legacy `pp_*` set and values (pp_BillReference = the order id,
/// pp_BankID "TBANK", pp_ProductID "RETL", YYYYMMDDHHMMSS, expiry +24 h, the return
/// URL, the secure hash), pp_Amount the server's amount in whole paisa; the pending
/// order stored as the legacy did (address string, "jazzcash", "pending").
async fn initiate_answers_the_legacy_field_set_and_stores_the_pending_order(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let body = initiated(&shop, &user, &p).await;
    let f = &body["fields"];
    let s = |k: &str| f[k].as_str().unwrap_or_else(|| panic!("[{:?}] {k} missing: {f}", shop.backend)).to_owned();
    let fixed = [
        ("pp_Version", "1.1"),
        ("pp_TxnType", "MWALLET"),
        ("pp_Language", "EN"),
        ("pp_MerchantID", MERCHANT),
        ("pp_Password", "jc-pass"),
        ("pp_TxnCurrency", "PKR"),
        ("pp_Description", "HMElectronics Order Checkout Payment Request"),
        ("pp_BankID", "TBANK"),
        ("pp_ProductID", "RETL"),
    ];
    for (k, v) in fixed {
        assert_eq!(s(k), v, "[{:?}] {k}", shop.backend);
    }
    assert_eq!(s("pp_ReturnURL"), format!("{BASE_URL}/api/checkout/callback"), "[{:?}]", shop.backend);
    let (at, until) = (date_time(&s("pp_TxnDateTime")), date_time(&s("pp_TxnExpiryDateTime")));
    assert_eq!(until - at, chrono::Duration::hours(24), "[{:?}]", shop.backend);
    assert!(s("pp_TxnRefNo").starts_with(&format!("TXN{}", s("pp_TxnDateTime"))), "[{:?}] pp_TxnRefNo {}", shop.backend, s("pp_TxnRefNo"));
    let order = shop.order(&user, &s("pp_BillReference")).await;
    let paisa = s("pp_Amount");
    assert_eq!(paisa.parse::<u64>().ok().map(|n| n as f64), order["amount"].as_f64().map(|a| (a * 100.0).round()), "[{:?}] pp_Amount {paisa} vs {}", shop.backend, order["amount"]);
    let mut signed: std::collections::BTreeMap<String, String> = f.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect();
    signed.remove("pp_SecureHash");
    assert_eq!(s("pp_SecureHash"), hme_orders::payments::hash::secure_hash(SALT, &signed), "[{:?}]", shop.backend);
    let stored = (&order["paymentMethod"], &order["paymentStatus"], &order["status"], &order["paymentTxnRef"]);
    assert_eq!(stored, (&json!("jazzcash"), &json!("pending"), &json!("Order Placed"), &json!(s("pp_TxnRefNo"))), "[{:?}] {order}", shop.backend);
    assert_eq!(order["items"][0]["quantity"], json!(2), "[{:?}]", shop.backend);
}

/// The order id the checkout answer carries (pp_BillReference).
fn order_id(body: &Value) -> String {
    body["fields"]["pp_BillReference"].as_str().unwrap_or_default().to_owned()
}

/// 6 and 9 callback: another response code → paymentStatus "failed", 303 to
/// /payment-failed?reason=<encoded pp_ResponseMessage>; the page decodes it a second
/// time and shows it.
async fn a_declined_payment_lands_on_payment_failed_with_the_reason_decoded_twice(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let body = initiated(&shop, &user, &p).await;
    let a = shop.post_callback(&Shop::jazzcash_return(&body["fields"], "124", "Transaction declined by bank", true)).await;
    assert_eq!(a.status, 303, "[{:?}] {}", shop.backend, a.body);
    let to = a.location.unwrap();
    assert_eq!(path_of(&to), "/payment-failed", "[{:?}] {to}", shop.backend);
    assert_eq!(payment_failed_page(&to), Ok("Transaction declined by bank".into()), "[{:?}] {to}", shop.backend);
    let order = shop.order(&user, &order_id(&body)).await;
    assert_eq!(order["paymentStatus"], json!("failed"), "[{:?}] {order}", shop.backend);
}

/// 9 callback: a bad hash → paymentStatus "failed", paymentError "Signature
/// Mismatch", /payment-failed?reason=SecuritySignatureMismatch.
async fn a_bad_signature_fails_the_order_with_security_signature_mismatch(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let body = initiated(&shop, &user, &p).await;
    let a = shop.post_callback(&Shop::jazzcash_return(&body["fields"], "000", "Success", false)).await;
    let to = a.location.unwrap_or_else(|| panic!("[{:?}] no redirect: {} {}", shop.backend, a.status, a.body));
    assert_eq!((a.status, path_of(&to), payment_failed_page(&to)), (303, "/payment-failed".into(), Ok("SecuritySignatureMismatch".into())), "[{:?}] {to}", shop.backend);
    let order = shop.order(&user, &order_id(&body)).await;
    assert_eq!((&order["paymentStatus"], &order["paymentError"]), (&json!("failed"), &json!("Signature Mismatch")), "[{:?}] {order}", shop.backend);
}

/// 6 and 9 callback "000": 303 to /payment-success?orderId=<id>; the order the page
/// then shows: paymentStatus "completed" (the cart is emptied once, by the page's
/// `{cartData:{}}`), status "Order Placed", paymentTxnId = pp_TxnRefNo, courierName
/// "tcs", TCS's tracking number (booked to the state, the address' last part),
/// courierStatus "Booked" → the timeline.
async fn a_paid_checkout_lands_on_payment_success_with_the_order_completed_and_booked_with_tcs(shop: Shop) {
    let (user, p) = ready(&shop).await;
    let body = initiated(&shop, &user, &p).await;
    let a = shop.post_callback(&Shop::jazzcash_return(&body["fields"], "000", "Thank you for Using JazzCash", true)).await;
    let to = a.location.unwrap_or_else(|| panic!("[{:?}] no redirect: {} {}", shop.backend, a.status, a.body));
    assert_eq!((a.status, path_of(&to)), (303, "/payment-success".to_owned()), "[{:?}] {to}", shop.backend);
    let id = query_param(&to, "orderId").unwrap_or_else(|| panic!("[{:?}] no orderId in {to}", shop.backend));
    assert_eq!(id, order_id(&body), "[{:?}]", shop.backend);
    let order = shop.order(&user, &id).await;
    let got = (&order["paymentStatus"], &order["status"], &order["paymentTxnId"], &order["courierName"], &order["courierStatus"]);
    let want = (&json!("completed"), &json!("Order Placed"), &body["fields"]["pp_TxnRefNo"], &json!("tcs"), &json!("Booked"));
    assert_eq!(got, want, "[{:?}] {order}", shop.backend);
    let booked = shop.tcs.bookings();
    assert!(order["courierTrackingNumber"].as_str().is_some_and(|t| !t.is_empty()), "[{:?}] no tracking number: {order}", shop.backend);
    assert_eq!(booked.len(), 1, "[{:?}] TCS bookings", shop.backend);
    assert_eq!(booked[0]["destinationCityName"], json!("Punjab"), "[{:?}] {}", shop.backend, booked[0]);
    shop.axios(Method::POST, "/api/cart/update", Some(&user.token), Some(json!({"cartData": {}}))).await.unwrap();
}
