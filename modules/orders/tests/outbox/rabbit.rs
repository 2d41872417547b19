//! The relay against a real RabbitMQ (HME_TEST_RABBITMQ_URL), through a proxy that can
//! be switched off: topic exchange, routing key = event type, persistent JSON.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use futures::StreamExt;
use hme_kernel::events::{EventBus, RabbitEventBus, RabbitSettings};
use hme_kernel::testing::{service_env, unique_name};
use lapin::options::{BasicAckOptions, BasicConsumeOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::{json, Value};

use crate::proxy::{host_port, via, FaultProxy};
use crate::support::{customer, order_body, settings, People, TestApp, CUSTOMER};

type Seen = Arc<Mutex<Vec<(String, bool, Value)>>>;

/// Consumes every message of `exchange` with routing key `order.*`: (key, persistent, body).
async fn consume(url: &str, exchange: &str) -> (Seen, Connection) {
    let conn = Connection::connect(url, ConnectionProperties::default()).await.unwrap();
    let ch = conn.create_channel().await.unwrap();
    let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
    ch.exchange_declare(exchange, ExchangeKind::Topic, durable, FieldTable::default()).await.unwrap();
    let q = ch.queue_declare("", QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() }, FieldTable::default()).await.unwrap();
    ch.queue_bind(q.name().as_str(), exchange, "order.*", QueueBindOptions::default(), FieldTable::default()).await.unwrap();
    let mut stream = ch.basic_consume(q.name().as_str(), "test", BasicConsumeOptions::default(), FieldTable::default()).await.unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        while let Some(Ok(d)) = stream.next().await {
            let persistent = d.properties.delivery_mode() == &Some(2);
            sink.lock().unwrap().push((d.routing_key.to_string(), persistent, serde_json::from_slice(&d.data).unwrap()));
            let _ = d.ack(BasicAckOptions::default()).await;
        }
    });
    (got, conn)
}

async fn wait_for(got: &Seen, n: usize) -> Vec<(String, bool, Value)> {
    for _ in 0..300 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    got.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_accepted_while_rabbitmq_is_unreachable_are_all_published_with_confirms_once_it_is_back() {
    let Some(url) = service_env("HME_TEST_RABBITMQ_URL") else { return };
    let exchange = unique_name("orders_test_events");
    let proxy = FaultProxy::start(host_port(&url)).await;
    let (got, conn) = consume(&url, &exchange).await;
    let rabbit = RabbitEventBus::connect(RabbitSettings {
        url: via(&url, proxy.port), exchange: exchange.clone(), queue_prefix: unique_name("t."), prefetch: 8,
        max_attempts: 3, base_delay_ms: 100, known_consumers: vec![],
    })
    .await
    .unwrap();
    let bus: Arc<dyn EventBus> = Arc::new(rabbit);
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    let docs = hme_kernel::backends::Documents::Embedded(db.clone());
    let app = TestApp::build("embedded", docs, People::Embedded(db), None, Some(Arc::new(dir)), settings(), Some(bus)).await;
    let address = app.customer_with_address(CUSTOMER).await;
    let a = app.product("Buds", 100.0, 0.0, None).await;
    let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
    assert_eq!(wait_for(&got, 1).await.len(), 1, "published while the broker is up");
    proxy.down();
    let mut ids = vec![r.body["orderId"].clone()];
    for _ in 0..4 {
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        ids.push(r.body["orderId"].clone());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(got.lock().unwrap().len(), 1, "nothing gets through while the broker is unreachable");
    proxy.up();
    let msgs = wait_for(&got, 5).await;
    let mut seen: Vec<Value> = msgs.iter().map(|(_, _, b)| b["data"]["orderId"].clone()).collect();
    seen.sort_by_key(|v| v.to_string());
    seen.dedup();
    ids.sort_by_key(|v| v.to_string());
    assert_eq!(seen, ids);
    assert!(msgs.iter().all(|(key, persistent, body)| key == "order.created" && *persistent && body["type"] == "order.created"));
    let ch = conn.create_channel().await.unwrap();
    let _ = ch.exchange_delete(&exchange, ExchangeDeleteOptions::default()).await;
}
