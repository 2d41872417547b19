//! The transactional outbox end to end: events reach the bus once it works again, a
//! relay started later publishes what was committed before, and RabbitMQ gets them with
//! confirms even when it was unreachable while orders were accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod proxy;
mod rabbit;

use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use serde_json::json;

use support::{customer, order_body, settings, TestApp, CUSTOMER};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_accepted_while_the_bus_fails_are_all_published_once_it_works_again() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, None).await;
        app.bus.fail.store(true, Ordering::SeqCst);
        let mut ids = Vec::new();
        for _ in 0..5 {
            let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}: the order is accepted while the bus is down", r.raw);
            ids.push(r.body["orderId"].clone());
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(app.published().is_empty());
        app.bus.fail.store(false, Ordering::SeqCst);
        let events = app.wait_published(5).await;
        let mut got: Vec<_> = events.iter().map(|e| e.data["orderId"].clone()).collect();
        got.sort_by_key(|v| v.to_string());
        ids.sort_by_key(|v| v.to_string());
        assert_eq!(got, ids, "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_started_over_the_same_database_publishes_what_was_committed_but_not_published() {
    for app in TestApp::all().await {
        // The "crashed" process: commits orders, never publishes (no relay running).
        let crashed = app.restart(hme_orders::OrdersSettings { relay_enabled: false, ..settings() }, None).await;
        app.orders.stop_relay();
        let address = crashed.customer_with_address(CUSTOMER).await;
        let a = crashed.product("Buds", 100.0, 0.0, None).await;
        for _ in 0..3 {
            assert_eq!(crashed.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await.status, StatusCode::OK);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(crashed.published().iter().all(|e| e.event_type != "order.created"));
        drop(crashed);
        // The restarted process publishes them.
        let restarted = app.restart(settings(), None).await;
        let events = restarted.wait_published(3).await;
        let created = events.iter().filter(|e| e.event_type == "order.created").count();
        assert_eq!(created, 3, "{}", app.backend);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(restarted.published().len(), 3, "published once each");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_broker_events_reach_in_process_consumers_through_the_embedded_bus() {
    use hme_kernel::events::{EmbeddedEventBus, EventBus, EventEnvelope, EventHandler, HandlerError};
    use std::sync::{Arc, Mutex};
    struct Sink(Mutex<Vec<EventEnvelope>>);
    #[async_trait::async_trait]
    impl EventHandler for Sink {
        fn consumer(&self) -> &str {
            "test-mailer"
        }
        fn event_types(&self) -> Vec<String> {
            vec!["order.*".into()]
        }
        async fn handle(&self, e: &EventEnvelope) -> Result<(), HandlerError> {
            self.0.lock().unwrap().push(e.clone());
            Ok(())
        }
    }
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    let bus = EmbeddedEventBus::new(db.clone(), Default::default()).unwrap();
    let sink = Arc::new(Sink(Mutex::new(Vec::new())));
    bus.subscribe(sink.clone()).await.unwrap();
    let docs = hme_kernel::backends::Documents::Embedded(db.clone());
    let app = TestApp::build("embedded", docs, support::People::Embedded(db), None, Some(Arc::new(dir)), settings(), Some(Arc::new(bus))).await;
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Buds", 100.0, 0.0, None).await;
    let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
    for _ in 0..100 {
        if sink.0.lock().unwrap().iter().any(|e| e.event_type == "order.created") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let got = sink.0.lock().unwrap().clone();
    let created: Vec<_> = got.iter().filter(|e| e.event_type == "order.created").collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].data["orderId"], r.body["orderId"]);
}
