//! The error mode: by default failures answer with the legacy statuses (every other
//! file's tests); with `HME__SERVER__ERROR_STATUSES=http` the same failures arrive with
//! proper HTTP statuses and the same bodies.

use reqwest::Method;
use serde_json::json;

use crate::support::{Answer, Backend, Shop};

/// The failures a page can cause: (what, answer).
async fn failures(shop: &Shop) -> Vec<(&'static str, Answer)> {
    let user = shop.customer("Modes").await;
    let stranger = hme_kernel::testing::clerk_token("user_never_created_by_a_webhook", None);
    let empty = json!({"address": {"fullName": "", "phoneNumber": "0300", "pinCode": "54000", "area": "A", "city": "Lahore", "state": "Punjab"}});
    vec![
        ("user/data of an unknown user", shop.axios_answer(Method::GET, "/api/user/data", Some(&stranger), None).await),
        ("add-address with an empty field", shop.axios_answer(Method::POST, "/api/user/add-address", Some(&user.token), Some(empty)).await),
        ("order/create without items", shop.axios_answer(Method::POST, "/api/order/create", Some(&user.token), Some(json!({"items": []}))).await),
        ("seller-orders by a customer", shop.axios_answer(Method::GET, "/api/order/seller-orders", Some(&user.token), None).await),
    ]
}

async fn http_mode_answers_failures_with_proper_statuses_and_the_same_bodies(backend: Backend) {
    let Some(legacy) = Shop::start(backend).await else { return };
    let Some(http) = Shop::start_with(backend, &[("HME__SERVER__ERROR_STATUSES", "http")]).await else { return };
    let (old, new) = (failures(&legacy).await, failures(&http).await);
    let proper = [404, 400, 400, 403];
    for (((what, o), (_, n)), status) in old.into_iter().zip(new).zip(proper) {
        assert_eq!(o.status, 200, "[{backend:?}] {what}, legacy mode: {}", o.body);
        assert_eq!(n.status, status, "[{backend:?}] {what}, http mode: {}", n.body);
        assert_eq!(n.body, o.body, "[{backend:?}] {what}: the bodies differ between the modes");
        assert_eq!((&n.body["success"], n.body["message"].is_string()), (&json!(false), true), "[{backend:?}] {what}: {}", n.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_mode_answers_failures_with_proper_statuses_and_the_same_bodies_embedded() {
    http_mode_answers_failures_with_proper_statuses_and_the_same_bodies(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_mode_answers_failures_with_proper_statuses_and_the_same_bodies_mongodb() {
    http_mode_answers_failures_with_proper_statuses_and_the_same_bodies(Backend::Mongo).await;
}
