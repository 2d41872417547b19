//! Backend faults while orders flow, for the whole binary: MongoDB, Redis and RabbitMQ
//! each cut and restored through a `FaultProxy` (the shared services keep running).
//! Reads degrade gracefully, writes answer a clear 503 or are queued by the outbox,
//! every accepted order exists afterwards with its event delivered, and the service
//! recovers by itself. (Readiness under faults: readiness.rs; the relay alone:
//! hme-orders' outbox tests; the product cache alone: hme-products' cache tests.)

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use hme_kernel::testing::service_env;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use reqwest::Method;
use serde_json::{json, Value};

use super::fixture::{assert_envelope, base_overrides, send, Reply, Shop, Who};
use crate::helpers::{host_port, Backends, FaultProxy};

/// The ids of the orders whose `order.created` reached a queue bound to the app's exchange.
struct Events {
    seen: Arc<Mutex<BTreeSet<String>>>,
    _conn: Connection,
}

impl Events {
    async fn bind(exchange: &str) -> Events {
        let url = service_env("HME_TEST_RABBITMQ_URL").unwrap_or_default();
        let conn = Connection::connect(&url, ConnectionProperties::default()).await.unwrap();
        let ch = conn.create_channel().await.unwrap();
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        ch.exchange_declare(exchange, ExchangeKind::Topic, durable, FieldTable::default()).await.unwrap();
        let q = ch.queue_declare("", QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() }, FieldTable::default()).await.unwrap();
        ch.queue_bind(q.name().as_str(), exchange, "order.created", QueueBindOptions::default(), FieldTable::default()).await.unwrap();
        let mut stream = ch.basic_consume(q.name().as_str(), "security-faults", BasicConsumeOptions::default(), FieldTable::default()).await.unwrap();
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let sink = seen.clone();
        tokio::spawn(async move {
            while let Some(Ok(d)) = stream.next().await {
                if let Ok(v) = serde_json::from_slice::<Value>(&d.data) {
                    if let Some(id) = v["data"]["orderId"].as_str() {
                        sink.lock().unwrap().insert(id.to_owned());
                    }
                }
                let _ = d.ack(BasicAckOptions::default()).await;
            }
        });
        Events { seen, _conn: conn }
    }

    /// Waits until every id in `ids` has arrived; the ones that never did.
    async fn missing_after_wait(&self, ids: &BTreeSet<String>) -> BTreeSet<String> {
        for _ in 0..300 {
            if ids.is_subset(&self.seen.lock().unwrap()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen = self.seen.lock().unwrap();
        ids.difference(&seen).cloned().collect()
    }
}

/// Orders placed one after another by the customer until stopped: every answer kept.
struct Flow {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<(u16, Value)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Flow {
    fn start(shop: &Shop) -> Flow {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let (client, url, token, body) = (shop.app.client.clone(), shop.app.url("/api/order/create"), shop.token(Who::Customer).unwrap_or_default().to_owned(), shop.order_body(&shop.address));
        let (s, a) = (stop.clone(), answers.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::SeqCst) {
                let r = send(client.post(&url).bearer_auth(&token).json(&body).timeout(Duration::from_secs(30))).await;
                a.lock().unwrap().push((r.status.as_u16(), r.body));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Flow { stop, answers, task }
    }

    /// How many answers so far.
    fn count(&self) -> usize {
        self.answers.lock().unwrap().len()
    }

    /// Waits for `n` more answers.
    async fn more(&self, n: usize) {
        let target = self.count() + n;
        for _ in 0..600 {
            if self.count() >= target {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the order flow stalled");
    }

    /// Stops; the ids of the accepted orders and every answer. Each answer must be 200
    /// or a 503 in the legacy envelope.
    async fn finish(self) -> (BTreeSet<String>, Vec<(u16, Value)>) {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap();
        let answers = self.answers.lock().unwrap().clone();
        let mut ids = BTreeSet::new();
        for (status, body) in &answers {
            match status {
                200 => {
                    ids.insert(body["orderId"].as_str().unwrap_or_else(|| panic!("200 without an orderId: {body}")).to_owned());
                }
                503 => {
                    assert_eq!(body["success"], json!(false), "503 without the envelope: {body}");
                    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
                }
                s => panic!("an order answered {s} during the fault: {body}"),
            }
        }
        (ids, answers)
    }
}

/// The ids of the customer's orders, as the list answers them.
async fn listed(shop: &Shop) -> BTreeSet<String> {
    let r = shop.call(Who::Customer, Method::GET, "/api/order/list", None).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    r.body["orders"].as_array().into_iter().flatten().filter_map(|o| o["_id"].as_str().map(str::to_owned)).collect()
}

/// Polls `path` until it answers 200 (the service recovering by itself).
async fn until_ok(shop: &Shop, who: Who, method: Method, path: &str, body: Option<Value>) -> Reply {
    for _ in 0..150 {
        let r = shop.call(who, method.clone(), path, body.clone()).await;
        if r.status == 200 {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{method} {path} never answered 200 again after the backend came back");
}

fn backends(mongo: bool, redis: bool, rabbitmq: bool) -> Backends {
    Backends { mongo, redis, rabbitmq, overrides: base_overrides() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rabbitmq_cut_orders_are_still_accepted_and_every_event_arrives_after_restore() {
    let Some(url) = service_env("HME_TEST_RABBITMQ_URL") else { return };
    let proxy = FaultProxy::start(host_port(&url)).await;
    let mut b = backends(true, true, true);
    let via = url.replacen(&host_port(&url), &format!("127.0.0.1:{}", proxy.port), 1);
    b.overrides.insert("RABBITMQ_URL".into(), via);
    b.overrides.insert("HME__ORDERS__RELAY_BASE_DELAY_MS".into(), "100".into());
    b.overrides.insert("HME__ORDERS__RELAY_MAX_DELAY_MS".into(), "1000".into());
    let Some(shop) = Shop::build(b).await else { return };
    let events = Events::bind(&shop.app.settings.rabbitmq.exchange).await;
    let flow = Flow::start(&shop);
    flow.more(3).await;
    proxy.down();
    flow.more(5).await;
    let list = shop.call(Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert_eq!(list.status, 200, "reads do not need the broker: {}", list.raw);
    let contact = shop.call(Who::Anonymous, Method::POST, "/api/contact", Some(json!({"name": "N", "email": "n@faults.test", "message": "hi"}))).await;
    assert!(contact.status == 200 || contact.status == 503, "{}", contact.raw);
    if contact.status == 503 {
        assert_envelope(&contact, "contact while the broker is down");
    }
    proxy.up();
    flow.more(3).await;
    let (ids, answers) = flow.finish().await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "the outbox takes orders while the broker is down: {answers:?}");
    let stored = listed(&shop).await;
    let missing_in_list: Vec<&String> = ids.difference(&stored).collect();
    assert!(missing_in_list.is_empty(), "accepted orders missing: {missing_in_list:?}");
    let undelivered = events.missing_after_wait(&ids).await;
    assert!(undelivered.is_empty(), "order.created never reached the queue for {undelivered:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cut_reads_come_from_the_database_and_orders_keep_flowing() {
    let Some(url) = service_env("HME_TEST_REDIS_URL") else { return };
    let proxy = FaultProxy::start(host_port(&url)).await;
    let mut b = backends(false, true, false);
    b.overrides.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{}", proxy.port));
    b.overrides.insert("HME__PRODUCTS__CACHE_ENABLED".into(), "true".into());
    let Some(shop) = Shop::build(b).await else { return };
    let before = shop.call(Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert_eq!(before.status, 200);
    let flow = Flow::start(&shop);
    flow.more(2).await;
    proxy.down();
    flow.more(4).await;
    let during = shop.call(Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert_eq!(during.status, 200, "the list is served from the database: {}", during.raw);
    assert_eq!(during.body["products"].as_array().map(Vec::len), before.body["products"].as_array().map(Vec::len));
    let one = shop.call(Who::Anonymous, Method::GET, &format!("/api/product/{}", shop.product), None).await;
    assert_eq!(one.status, 200, "{}", one.raw);
    let a = &shop.accounts[&Who::OtherCustomer];
    let login = shop.call(Who::Anonymous, Method::POST, "/api/auth/login", Some(json!({"email": a.email, "password": a.password}))).await;
    assert_eq!(login.status, 200, "the login limiter lets attempts through while its counters are unreachable: {}", login.raw);
    let subscribe = shop.call(Who::Anonymous, Method::POST, "/api/subscribe", Some(json!({"email": "redis.down@faults.test"}))).await;
    assert_eq!(subscribe.status, 200, "{}", subscribe.raw);
    proxy.up();
    until_ok(&shop, Who::Anonymous, Method::GET, "/readyz", None).await;
    flow.more(2).await;
    let (ids, answers) = flow.finish().await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "orders need no cache: {answers:?}");
    let stored = listed(&shop).await;
    let missing: Vec<&String> = ids.difference(&stored).collect();
    assert!(missing.is_empty(), "accepted orders missing: {missing:?}");
    let after = until_ok(&shop, Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert_eq!(after.body["products"].as_array().map(Vec::len), before.body["products"].as_array().map(Vec::len));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongodb_cut_writes_answer_503_and_nothing_accepted_is_lost() {
    let Some(uri) = service_env("HME_TEST_MONGODB_URI") else { return };
    let proxy = FaultProxy::start(host_port(&uri)).await;
    let mut b = backends(true, true, true);
    b.overrides.insert("MONGODB_URI".into(), format!("mongodb://127.0.0.1:{}/?directConnection=true&serverSelectionTimeoutMS=1000", proxy.port));
    b.overrides.insert("HME__PRODUCTS__CACHE_ENABLED".into(), "true".into());
    let Some(shop) = Shop::build(b).await else { return };
    let events = Events::bind(&shop.app.settings.rabbitmq.exchange).await;
    let warm = shop.call(Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert_eq!(warm.status, 200);
    let flow = Flow::start(&shop);
    flow.more(3).await;
    proxy.down();
    flow.more(3).await;
    let list = shop.call(Who::Anonymous, Method::GET, "/api/product/list", None).await;
    assert!(list.status == 200 || list.status == 503, "a read degrades to the cache or a clear 503: {} {}", list.status, list.raw);
    if list.status == 503 {
        assert_envelope(&list, "list while MongoDB is down");
    }
    for (who, method, path, body) in [
        (Who::Customer, Method::POST, "/api/user/add-address", json!({"address": {"fullName": "F", "phoneNumber": "03001234567", "pinCode": "54000", "area": "A", "city": "Lahore", "state": "Punjab"}})),
        (Who::Seller, Method::PUT, "/api/product/inStock", json!({"productId": shop.product, "inStock": true})),
        (Who::Anonymous, Method::POST, "/api/subscribe", json!({"email": "mongo.down@faults.test"})),
    ] {
        let r = shop.call(who, method.clone(), path, Some(body)).await;
        assert_eq!(r.status, 503, "{method} {path} while MongoDB is down: {}", r.raw);
        assert_envelope(&r, path);
        assert!(!r.raw.contains("127.0.0.1") && !r.raw.to_lowercase().contains("mongo"), "a 5xx reveals nothing internal: {}", r.raw);
    }
    proxy.up();
    until_ok(&shop, Who::Customer, Method::GET, "/api/order/list", None).await;
    flow.more(3).await;
    let (ids, answers) = flow.finish().await;
    assert!(answers.iter().any(|(s, _)| *s == 503), "some orders were refused while MongoDB was down: {answers:?}");
    assert_eq!(answers.last().map(|a| a.0), Some(200), "orders are accepted again without a restart");
    let stored = listed(&shop).await;
    let missing: Vec<&String> = ids.difference(&stored).collect();
    assert!(missing.is_empty(), "accepted orders missing: {missing:?}");
    let undelivered = events.missing_after_wait(&ids).await;
    assert!(undelivered.is_empty(), "order.created never reached the queue for {undelivered:?}");
}
