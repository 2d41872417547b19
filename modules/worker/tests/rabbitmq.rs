//! The worker consuming from real RabbitMQ, sending to the SMTP sink.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_kernel::testing::embedded_test_db;
use hme_worker::metrics::Outcome;
use hme_worker::WorkerPorts;
use support::*;

#[tokio::test]
async fn order_created_from_rabbitmq_sends_both_emails() {
    let (Some(sink), Some(rabbit)) = (Sink::get(), rabbit_settings()) else { return };
    let (db, _dir) = embedded_test_db();
    let bus = rabbit_bus(rabbit).await;
    let platform = platform(Documents::Embedded(db), bus.clone());
    let (customer, owner) = (address("cust"), address("owner"));
    start_worker(&platform, &smtp_settings(&sink.url, &owner), WorkerPorts::default()).await;

    bus.publish(&EventEnvelope::new("order.created", order_created(Some(&customer), &["p1"]))).await.unwrap();

    assert_eq!(sink.wait_for(&customer, 1, 20).await.len(), 1);
    let owner_mail = sink.wait_for(&owner, 1, 20).await;
    assert_eq!(owner_mail.len(), 1);
    assert!(owner_mail[0].body().contains("TCS-12345678"), "{}", owner_mail[0].eml);
}

#[tokio::test]
async fn two_workers_on_one_queue_process_each_event_once() {
    let (Some(sink), Some(rabbit)) = (Sink::get(), rabbit_settings()) else { return };
    let (db, _dir) = embedded_test_db();
    let owner = address("owner");
    let settings = smtp_settings(&sink.url, &owner);
    let mut workers = Vec::new();
    let mut buses = Vec::new();
    for _ in 0..2 {
        let bus = rabbit_bus(rabbit.clone()).await;
        let platform = platform(Documents::Embedded(Arc::clone(&db)), bus.clone());
        workers.push(start_worker(&platform, &settings, WorkerPorts::default()).await);
        buses.push(bus);
    }
    let customers: Vec<String> = (0..8).map(|_| address("cust")).collect();
    for c in &customers {
        buses[0].publish(&EventEnvelope::new("order.created", order_created(Some(c), &["p1"]))).await.unwrap();
    }

    assert_eq!(sink.wait_for(&owner, customers.len(), 30).await.len(), customers.len());
    for c in &customers {
        assert_eq!(sink.wait_for(c, 1, 10).await.len(), 1, "{c}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(sink.messages_to(&owner).len(), customers.len(), "no event processed twice");
    let processed: u64 = workers.iter().map(|w| w.metrics().get("email.order_created", "order.created", Outcome::Processed)).sum();
    assert_eq!(processed, customers.len() as u64);
}

#[tokio::test]
async fn a_malformed_order_created_goes_straight_to_the_dead_letter_queue() {
    let (Some(sink), Some(rabbit)) = (Sink::get(), rabbit_settings()) else { return };
    let (db, _dir) = embedded_test_db();
    let bus = hme_kernel::events::RabbitEventBus::connect(rabbit).await.unwrap();
    let dyn_bus: Arc<dyn hme_kernel::events::EventBus> = Arc::new(bus.clone());
    let platform = platform(Documents::Embedded(db), dyn_bus.clone());
    let worker = start_worker(&platform, &smtp_settings(&sink.url, &address("owner")), WorkerPorts::default()).await;

    dyn_bus.publish(&EventEnvelope::new("order.created", serde_json::json!({"orderId": "o1"}))).await.unwrap();

    let m = worker.metrics();
    assert!(wait_until(|| m.get("email.order_created", "order.created", Outcome::DeadLettered) == 1, 15).await, "{}", m.render());
    let mut dead = 0;
    for _ in 0..50 {
        dead = bus.dead_letter_count("email.order_created").await.unwrap();
        if dead == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(dead, 1, "poison goes to <queue>.dlq at once");
    assert_eq!(m.get("email.order_created", "order.created", Outcome::Retried), 0);
}

#[tokio::test]
async fn a_broker_cut_during_consumption_loses_nothing() {
    let (Some(sink), Some(rabbit)) = (Sink::get(), rabbit_settings()) else { return };
    let (db, _dir) = embedded_test_db();
    let proxy = FaultProxy::start(host_port(&rabbit.url)).await;
    let mut through_proxy = rabbit.clone();
    let mut url = url::Url::parse(&rabbit.url).unwrap();
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    through_proxy.url = url.to_string();
    let publisher = rabbit_bus(rabbit).await;
    let consumer_bus = rabbit_bus(through_proxy).await;
    let owner = address("owner");
    let platform = platform(Documents::Embedded(db), consumer_bus);
    start_worker(&platform, &smtp_settings(&sink.url, &owner), WorkerPorts::default()).await;
    let customers: Vec<String> = (0..12).map(|_| address("cust")).collect();
    for c in &customers {
        publisher.publish(&EventEnvelope::new("order.created", order_created(Some(c), &["p1"]))).await.unwrap();
    }

    assert!(!sink.wait_for(&owner, 1, 20).await.is_empty(), "consumption started");
    proxy.down();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    proxy.up();

    assert_eq!(sink.wait_for(&owner, customers.len(), 60).await.len(), customers.len(), "no event lost");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(sink.messages_to(&owner).len(), customers.len(), "a redelivery after the cut is skipped as a duplicate");
    for c in &customers {
        assert_eq!(sink.messages_to(c).len(), 1, "{c}");
    }
}

#[actix_web::test]
async fn metrics_report_the_consumer_lag_of_each_queue() {
    use hme_kernel::module::HttpModule;
    use hme_kernel::telemetry::metrics;
    let Some(rabbit) = rabbit_settings() else { return };
    metrics::install();
    let (db, _dir) = embedded_test_db();
    let bus = rabbit_bus(rabbit).await;
    let platform = platform(Documents::Embedded(db), bus.clone());
    let outbox = tempfile::tempdir().unwrap();
    let settings = hme_worker::WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..Default::default() };
    // Built but not consuming: the publisher declared the queues, the events wait.
    let worker = hme_worker::WorkerModule::build(&platform, &settings, WorkerPorts::default()).unwrap();
    for _ in 0..3 {
        bus.publish(&EventEnvelope::new("order.created", order_created(None, &["p1"]))).await.unwrap();
    }
    let mut body = String::new();
    for _ in 0..30 {
        for c in worker.collectors() {
            c.collect().await;
        }
        body = metrics::render();
        if body.contains(r#"hme_worker_consumer_lag{consumer="email.order_created"} 3"#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(body.contains("# TYPE hme_worker_consumer_lag gauge"), "{body}");
    assert!(body.contains(r#"hme_worker_consumer_lag{consumer="email.order_created"} 3"#), "{body}");
    assert!(body.contains(r#"hme_worker_consumer_lag{consumer="email.status_changed"} 0"#), "{body}");
    assert!(body.contains(r#"hme_worker_dead_letters{consumer="email.order_created"} 0"#), "{body}");
}
