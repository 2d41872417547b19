//! Addresses (frontend.md 2 "GET /api/user/get-address", "POST /api/user/add-address",
//! 9 "add-address").

use reqwest::Method;
use serde_json::{json, Value};

use crate::pages::{toast, Toast};
use crate::support::Shop;

on_both_backends!(
    the_cart_page_auto_selects_the_first_address_and_shows_its_fields,
    add_address_sends_the_form_strings_and_toasts_the_servers_message,
    add_address_refusals_are_200_false_and_toast_the_servers_message,
);

/// 2: the cart page's address list: the first one auto-selected; shows `fullName,
/// area, city, state` and keeps `_id` for the order.
async fn the_cart_page_auto_selects_the_first_address_and_shows_its_fields(shop: Shop) {
    let user = shop.customer("Address").await;
    let first = shop.add_address(&user, "Ayesha First").await;
    let _second = shop.add_address(&user, "Bilal Second").await;
    let b = shop.axios(Method::GET, "/api/user/get-address", Some(&user.token), None).await.unwrap();
    assert_eq!(b["success"], json!(true), "[{:?}] {b}", shop.backend);
    let selected = &b["addresses"][0];
    assert_eq!(selected["_id"], json!(first), "[{:?}] auto-selected: {b}", shop.backend);
    let shown = format!("{}, {}, {}, {}", selected["fullName"].as_str().unwrap(), selected["area"].as_str().unwrap(), selected["city"].as_str().unwrap(), selected["state"].as_str().unwrap());
    assert_eq!(shown, "Ayesha First, Gulberg III, Lahore, Punjab", "[{:?}]", shop.backend);
}

/// 2: the address form posts its strings unvalidated (pinCode as typed); success →
/// the server's message as toast, then /cart.
async fn add_address_sends_the_form_strings_and_toasts_the_servers_message(shop: Shop) {
    let user = shop.customer("Address").await;
    let body = json!({"address": {"fullName": "Zara Khan", "phoneNumber": "0300 1234567", "pinCode": "75500", "area": "Clifton Block 5", "city": "Karachi", "state": "Sindh"}});
    let r = shop.axios(Method::POST, "/api/user/add-address", Some(&user.token), Some(body)).await;
    assert_eq!(toast(&r), Toast::Success("Address added successfully".into()), "[{:?}] {r:?}", shop.backend);
    let listed = shop.axios(Method::GET, "/api/user/get-address", Some(&user.token), None).await.unwrap();
    assert_eq!(listed["addresses"][0]["phoneNumber"], json!("0300 1234567"), "[{:?}]", shop.backend);
}

/// 9: an empty required field or a non-numeric pinCode: 200 `{success:false, message}`,
/// so the page shows the server's message (not axios' "Request failed ...").
async fn add_address_refusals_are_200_false_and_toast_the_servers_message(shop: Shop) {
    let user = shop.customer("Address").await;
    let good = json!({"fullName": "Zara Khan", "phoneNumber": "03001234567", "pinCode": "75500", "area": "Clifton", "city": "Karachi", "state": "Sindh"});
    let mut empty_name = good.clone();
    empty_name["fullName"] = json!("");
    let mut letters_pin = good.clone();
    letters_pin["pinCode"] = json!("ABC12");
    for (case, address) in [("empty fullName", empty_name), ("non-numeric pinCode", letters_pin)] {
        let r = shop.axios(Method::POST, "/api/user/add-address", Some(&user.token), Some(json!({ "address": address }))).await;
        match toast(&r) {
            Toast::Error(m) if !m.starts_with("Request failed") && m != "undefined" => {}
            other => panic!("[{:?}] {case}: the page shows {other:?} ({r:?})", shop.backend),
        }
    }
    let listed: Value = shop.axios(Method::GET, "/api/user/get-address", Some(&user.token), None).await.unwrap();
    assert_eq!(listed["addresses"], json!([]), "[{:?}] a refused address was stored", shop.backend);
}
