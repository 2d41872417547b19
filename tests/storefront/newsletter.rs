//! Newsletter and contact (frontend.md 2 "POST /api/subscribe", "POST /api/contact",
//! 9 "subscribe").

use reqwest::Method;
use serde_json::json;

use crate::pages::{subscribe_page, Subscribe};
use crate::support::Shop;

on_both_backends!(
    subscribing_goes_to_thank_you_and_a_known_email_gets_the_already_subscribed_notice,
    the_contact_form_goes_to_thank_you_on_2xx,
    subscribe_answers_400_with_error_for_a_bad_email_and_200_otherwise,
);

fn email() -> String {
    format!("reader-{}@shop.test", uuid::Uuid::new_v4().simple())
}

/// 2: the subscribe form (fetch `{email}`): a new email → /thank-you; the same again
/// → the already-subscribed notice (2xx with `message` exactly "Already subscribed").
async fn subscribing_goes_to_thank_you_and_a_known_email_gets_the_already_subscribed_notice(shop: Shop) {
    let e = email();
    let first = shop.fetch(Method::POST, "/api/subscribe", None, Some(json!({"email": e}))).await;
    assert_eq!(subscribe_page(first.status, &first.body), Subscribe::ThankYou, "[{:?}] {} {}", shop.backend, first.status, first.body);
    let again = shop.fetch(Method::POST, "/api/subscribe", None, Some(json!({"email": e}))).await;
    assert_eq!(subscribe_page(again.status, &again.body), Subscribe::AlreadySubscribed, "[{:?}] {} {}", shop.backend, again.status, again.body);
}

/// 2: the contact form (fetch `{name, email, message}`): status only; 2xx → /thank-you.
async fn the_contact_form_goes_to_thank_you_on_2xx(shop: Shop) {
    let body = json!({"name": "Hina", "email": email(), "message": "Do you ship to Quetta?"});
    let a = shop.fetch(Method::POST, "/api/contact", None, Some(body)).await;
    assert!((200..300).contains(&a.status), "[{:?}] the contact page shows its error: {} {}", shop.backend, a.status, a.body);
}

/// 9: subscribe: a bad email → 400 `{error}` (the page's error notice); known → 200
/// `{message:"Already subscribed"}`; new → 200.
async fn subscribe_answers_400_with_error_for_a_bad_email_and_200_otherwise(shop: Shop) {
    let bad = shop.fetch(Method::POST, "/api/subscribe", None, Some(json!({"email": "not-an-email"}))).await;
    assert_eq!((bad.status, bad.body["error"].is_string()), (400, true), "[{:?}] {}", shop.backend, bad.body);
    assert_eq!(subscribe_page(bad.status, &bad.body), Subscribe::ErrorNotice);
    let e = email();
    let new = shop.fetch(Method::POST, "/api/subscribe", None, Some(json!({"email": e}))).await;
    assert_eq!(new.status, 200, "[{:?}] {}", shop.backend, new.body);
    let known = shop.fetch(Method::POST, "/api/subscribe", None, Some(json!({"email": e}))).await;
    assert_eq!((known.status, &known.body["message"]), (200, &json!("Already subscribed")), "[{:?}] {}", shop.backend, known.body);
}
