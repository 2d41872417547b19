//! Emails through the real SMTP sink (aiosmtpd) and the `.eml` outbox, events delivered
//! by the embedded bus (or the handlers called directly, for redeliveries).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_kernel::testing::embedded_test_db;
use hme_worker::metrics::Outcome;
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::json;
use support::*;

#[tokio::test]
async fn order_created_sends_the_customer_and_the_owner_an_email_with_the_order_details() {
    let Some(sink) = Sink::get() else { return };
    let (db, _dir) = embedded_test_db();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let (customer, owner) = (address("cust"), address("owner"));
    start_worker(&platform, &smtp_settings(&sink.url, &owner), WorkerPorts::default()).await;

    bus.publish(&EventEnvelope::new("order.created", order_created(Some(&customer), &["p1", "p2"]))).await.unwrap();

    let to_customer = sink.wait_for(&customer, 1, 15).await;
    let to_owner = sink.wait_for(&owner, 1, 15).await;
    assert_eq!(to_customer.len(), 1, "one confirmation");
    assert_eq!(to_owner.len(), 1, "one owner notice");
    for m in [&to_customer[0], &to_owner[0]] {
        assert_eq!(m.mail_from, "shop@example.com");
        let body = m.body();
        assert!(body.contains("multipart/alternative"), "{body}");
        assert!(body.contains("text/plain") && body.contains("text/html"), "{body}");
        for needle in ["6650a1b2c3d4e5f601234567", "Rs. 1,500", "Rs. 3,000", "Rs. 4,750", "Rs. 250", "12 Mall Road", "Lahore", "54000", "03001234567", "TCS-12345678", "Booked", "TCS"] {
            assert!(body.contains(needle), "missing {needle:?} in {body}");
        }
        assert!(body.contains("Widget &lt;1&gt; &amp; Co"), "item names are escaped in HTML: {body}");
        assert!(!body.contains("<td>Widget <1>"), "raw markup never reaches the HTML part: {body}");
    }
    assert!(to_customer[0].body().contains("Hi Ayesha &lt;Khan&gt;,</p>"), "the customer's name is escaped: {}", to_customer[0].eml);
    assert!(to_customer[0].body().contains("Subject: Your HMElectronics order 6650a1b2c3d4e5f601234567 is confirmed"), "{}", to_customer[0].eml);
    assert!(to_owner[0].body().contains("Subject: New order 6650a1b2c3d4e5f601234567"), "{}", to_owner[0].eml);
}

#[tokio::test]
async fn the_owner_email_is_sent_when_the_customer_has_no_email() {
    let Some(sink) = Sink::get() else { return };
    let (db, _dir) = embedded_test_db();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let owner = address("owner");
    let worker = start_worker(&platform, &smtp_settings(&sink.url, &owner), WorkerPorts::default()).await;

    bus.publish(&EventEnvelope::new("order.created", order_created(None, &["p1"]))).await.unwrap();

    let to_owner = sink.wait_for(&owner, 1, 15).await;
    assert_eq!(to_owner.len(), 1);
    assert!(to_owner[0].body().contains("Ayesha"), "{}", to_owner[0].eml);
    let m = worker.metrics();
    assert!(wait_until(|| m.get("email.order_created", "order.created", Outcome::Processed) == 1, 5).await);
}

#[tokio::test]
async fn a_redelivered_event_sends_no_second_email() {
    let Some(sink) = Sink::get() else { return };
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let (customer, owner) = (address("cust"), address("owner"));
    let worker = WorkerModule::build(&platform, &smtp_settings(&sink.url, &owner), WorkerPorts::default()).unwrap();
    let handler = worker.handlers().into_iter().find(|h| h.consumer() == "email.order_created").unwrap();
    let event = EventEnvelope::new("order.created", order_created(Some(&customer), &["p1"]));

    handler.handle(&event).await.unwrap();
    handler.handle(&event).await.unwrap();
    handler.handle(&event.clone()).await.unwrap();

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages_to(&customer).len(), 1);
    assert_eq!(sink.messages_to(&owner).len(), 1);
    assert_eq!(worker.metrics().get("email.order_created", "order.created", Outcome::Duplicate), 2);
}

#[tokio::test]
async fn smtp_failing_twice_then_recovering_sends_exactly_one_email() {
    let Some(sink) = Sink::get() else { return };
    let proxy = FaultProxy::start(host_port(&sink.url)).await;
    proxy.down();
    let (db, _dir) = embedded_test_db();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let owner = address("owner");
    let settings = smtp_settings(&format!("smtp://127.0.0.1:{}", proxy.port), &owner);
    let worker = start_worker(&platform, &settings, WorkerPorts::default()).await;
    let m = worker.metrics();

    bus.publish(&EventEnvelope::new("order.created", order_created(None, &["p1"]))).await.unwrap();

    assert!(wait_until(|| m.get("email.order_created", "order.created", Outcome::Retried) >= 2, 15).await, "{}", m.render());
    proxy.up();
    assert_eq!(sink.wait_for(&owner, 1, 15).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages_to(&owner).len(), 1, "exactly one email");
    assert_eq!(m.get("email.order_created", "order.created", Outcome::Retried), 2, "{}", m.render());
    assert_eq!(m.get("email.order_created", "order.created", Outcome::Processed), 1);
}

#[tokio::test]
async fn order_status_changed_emails_the_customer() {
    let Some(sink) = Sink::get() else { return };
    let (db, _dir) = embedded_test_db();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let customer = address("cust");
    start_worker(&platform, &smtp_settings(&sink.url, &address("owner")), WorkerPorts::default()).await;

    let data = json!({"orderId": "o-42", "userId": "u1", "customer": {"name": "Ali", "email": customer},
                      "from": "Order Placed", "to": "Shipped <now>", "changedBy": "seller", "at": "2026-11-24T10:20:30.000Z"});
    bus.publish(&EventEnvelope::new("order.status_changed", data)).await.unwrap();

    let got = sink.wait_for(&customer, 1, 15).await;
    assert_eq!(got.len(), 1);
    let body = got[0].body();
    assert!(body.contains("o-42") && body.contains("Shipped &lt;now&gt;") && body.contains("Order Placed"), "{body}");
}

#[tokio::test]
async fn without_smtp_emails_are_written_to_the_outbox_folder() {
    let (db, _dir) = embedded_test_db();
    let outbox = tempfile::tempdir().unwrap();
    let bus = embedded_bus(db.clone());
    let platform = platform(Documents::Embedded(db), bus.clone());
    let settings = WorkerSettings { owner_email: Some("owner@example.com".into()), outbox_dir: Some(outbox.path().join("mail")), ..WorkerSettings::default() };
    start_worker(&platform, &settings, WorkerPorts::default()).await;

    bus.publish(&EventEnvelope::new("order.created", order_created(Some("c@example.com"), &["p1"]))).await.unwrap();

    let dir = outbox.path().join("mail");
    let count = || std::fs::read_dir(&dir).map(|d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "eml")).count()).unwrap_or(0);
    assert!(wait_until(|| count() == 2, 15).await, "two .eml files");
    let all: String = std::fs::read_dir(&dir).unwrap().flatten().map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
    assert!(all.contains("To: c@example.com") && all.contains("To: owner@example.com"), "{all}");
    assert!(all.contains("multipart/alternative"), "{all}");
}

#[tokio::test]
async fn a_payload_missing_required_fields_is_a_permanent_failure() {
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let worker = WorkerModule::build(&platform, &settings, WorkerPorts::default()).unwrap();
    for h in worker.handlers() {
        let ty = h.event_types()[0].clone();
        let err = h.handle(&EventEnvelope::new(ty.clone(), json!({"nothing": true}))).await.unwrap_err();
        assert!(matches!(err, hme_kernel::events::HandlerError::Permanent(_)), "{ty}: {err}");
    }
    let _: Arc<WorkerModule> = worker;
}
