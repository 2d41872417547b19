//! No oversell under concurrency, and idempotent retries.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{customer, order_body, place_direct, req, TestApp, CUSTOMER};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_orders_against_stock_five_sell_exactly_five() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Limited", 100.0, 0.0, Some(5)).await;
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let (service, body) = (app.orders.service(), order_body(&address, &[(&a, json!(1))]));
                tokio::spawn(async move { place_direct(service, CUSTOMER, body, None).await.0 })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 5, "{}: {statuses:?}", app.backend);
        assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT), "{statuses:?}");
        assert_eq!(app.stock(&a).await, Some(0), "{}", app.backend);
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(list.body["orders"].as_array().unwrap().len(), 5);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_create_with_the_same_idempotency_key_answers_the_first_order_and_takes_stock_once() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(10)).await;
        let body = order_body(&address, &[(&a, json!(2))]);
        let first = app.create(&customer(), body.clone(), Some("checkout-1")).await;
        let again = app.create(&customer(), body.clone(), Some("checkout-1")).await;
        assert_eq!((first.status, again.status), (StatusCode::OK, StatusCode::OK), "{}", again.raw);
        assert_eq!(first.body, again.body);
        assert_eq!(app.stock(&a).await, Some(8));
        let other = app.create(&customer(), body, Some("checkout-2")).await;
        assert_ne!(other.body["orderId"], first.body["orderId"]);
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(list.body["orders"].as_array().unwrap().len(), 2, "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_twins_with_one_idempotency_key_place_one_order_and_give_the_loser_stock_back() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(10)).await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (service, body) = (app.orders.service(), order_body(&address, &[(&a, json!(1))]));
                tokio::spawn(async move { place_direct(service, CUSTOMER, body, Some("twin")).await })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            ids.push(body["orderId"].clone());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{}: {ids:?}", app.backend);
        assert_eq!(app.stock(&a).await, Some(9), "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_idempotency_key_places_a_new_order() {
    for app in TestApp::all().await {
        let s = hme_orders::OrdersSettings { idempotency_ttl_secs: 0, ..crate::support::settings() };
        let app = app.restart(s, None).await;
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, None).await;
        let first = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("k")).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let second = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("k")).await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.raw);
        assert_ne!(first.body["orderId"], second.body["orderId"], "{}", app.backend);
    }
}
