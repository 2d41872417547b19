//! Tracking (frontend.md 7; 9 "track").

use reqwest::Method;
use serde_json::{json, Value};

use crate::pages::{tracking_page, TrackingView};
use crate::support::{Shop, User};

on_both_backends!(
    tracking_shows_the_couriers_status_location_and_every_history_field_latest_first,
    tracking_without_courier_details_shows_the_legacy_defaults,
    tracking_failures_read_tracking_data_generating,
);

/// A customer's COD order booked with TCS: (customer, its tracking number).
async fn shipped(shop: &Shop) -> (User, String) {
    let (user, seller) = (shop.customer("Tracking").await, shop.seller().await);
    let address = shop.add_address(&user, "Tariq Tracking").await;
    let p = shop.add_product(&seller, "Tracked Buds", "1000", "").await;
    let r = shop.place_order(&user, &address, &[(&p, 1)], "tcs").await.unwrap();
    let tn = r["courier"]["courierTrackingNumber"].as_str().unwrap_or_else(|| panic!("[{:?}] no tracking number: {r}", shop.backend));
    (user, tn.to_owned())
}

/// The tracking page's call: fetch `GET /api/track/<number>` (unencoded), the session
/// cookie only.
async fn track(shop: &Shop, session: Option<&str>, number: &str) -> crate::support::Answer {
    shop.fetch(Method::GET, &format!("/api/track/{number}"), session, None).await
}

/// 7: success → `status` verbatim (no mapping), `currentLocation`, `history[]` of
/// `{date, time, remarks, location}` as the courier gave them, item 0 the latest.
async fn tracking_shows_the_couriers_status_location_and_every_history_field_latest_first(shop: Shop) {
    let (user, tn) = shipped(&shop).await;
    let history = json!([
        {"date": "2026-12-02", "time": "14:05", "remarks": "Out for delivery", "location": "Lahore Gulberg", "status": "OUT FOR DELIVERY"},
        {"date": "2026-12-01", "time": "22:40", "remarks": "Arrived at hub", "location": "Lahore Hub", "status": "ARRIVED"},
        {"date": "2026-12-01", "time": "09:15", "remarks": "Shipment booked", "location": "Karachi", "status": "BOOKED"},
    ]);
    shop.tcs.answer_tracking(&tn, json!({"success": true, "status": "Out For Delivery (Rider 7)", "currentLocation": "Lahore Gulberg", "history": history}));
    let a = track(&shop, Some(&user.token), &tn).await;
    let row = |h: &Value| [h["date"].as_str().unwrap().to_owned(), h["time"].as_str().unwrap().to_owned(), h["remarks"].as_str().unwrap().to_owned(), h["location"].as_str().unwrap().to_owned()];
    let want = TrackingView::Data { status: "Out For Delivery (Rider 7)".into(), location: "Lahore Gulberg".into(), history: history.as_array().unwrap().iter().map(row).collect() };
    assert_eq!(tracking_page(&a.body), want, "[{:?}] {} {}", shop.backend, a.status, a.body);
}

/// 9: the courier answers without details: "In Transit", "Sorting Hub", `[]`.
async fn tracking_without_courier_details_shows_the_legacy_defaults(shop: Shop) {
    let (user, tn) = shipped(&shop).await;
    shop.tcs.answer_tracking(&tn, json!({"success": true}));
    let a = track(&shop, Some(&user.token), &tn).await;
    let shown = (&a.body["status"], &a.body["currentLocation"], &a.body["history"]);
    assert_eq!(shown, (&json!("In Transit"), &json!("Sorting Hub"), &json!([])), "[{:?}] {} {}", shop.backend, a.status, a.body);
    assert!(matches!(tracking_page(&a.body), TrackingView::Data { .. }), "[{:?}]", shop.backend);
}

/// 7 and 9: signed out → 401 `{error:"Unauthorized session"}`; an unknown number;
/// the courier down → 502: each reads "Tracking Data Generating".
async fn tracking_failures_read_tracking_data_generating(shop: Shop) {
    let (user, tn) = shipped(&shop).await;
    shop.tcs.answer_tracking(&tn, json!({"success": true, "status": "Booked", "currentLocation": "Karachi", "history": []}));
    let signed_out = track(&shop, None, &tn).await;
    assert_eq!((signed_out.status, &signed_out.body["error"]), (401, &json!("Unauthorized session")), "[{:?}] {}", shop.backend, signed_out.body);
    assert_eq!(tracking_page(&signed_out.body), TrackingView::Generating);
    let unknown = track(&shop, Some(&user.token), "TCS-00000001").await;
    assert_eq!(tracking_page(&unknown.body), TrackingView::Generating, "[{:?}] {}", shop.backend, unknown.body);
    shop.tcs.down();
    let down = track(&shop, Some(&user.token), &tn).await;
    assert_eq!((down.status, &down.body["success"]), (502, &json!(false)), "[{:?}] courier down: {}", shop.backend, down.body);
    assert_eq!(tracking_page(&down.body), TrackingView::Generating);
}
