//! Shared test helpers: the SMTP sink's folder, a switchable TCP proxy, buses, payloads.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use hme_kernel::backends::Documents;
use hme_kernel::cache::MemoryCache;
use hme_kernel::events::embedded::RetryPolicy;
use hme_kernel::events::{EmbeddedEventBus, EventBus, RabbitEventBus, RabbitSettings};
use hme_kernel::module::Platform;
use hme_kernel::testing::{service_env, unique_name, verifier};
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::{json, Value};

/// A unique address at example.com.
pub fn address(prefix: &str) -> String {
    format!("{}@example.com", unique_name(prefix))
}

/// One message the sink received.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub eml: String,
}

impl Received {
    /// The message with quoted-printable / base64 parts decoded enough to search text:
    /// soft line breaks removed and `=3D` restored.
    pub fn body(&self) -> String {
        self.eml.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=").replace("=E2=80=94", "—")
    }
}

/// The sink (`HME_TEST_SMTP_URL`, `HME_TEST_SMTP_DIR`), or None to skip.
pub struct Sink {
    pub url: String,
    dir: std::path::PathBuf,
}

impl Sink {
    pub fn get() -> Option<Self> {
        let url = service_env("HME_TEST_SMTP_URL")?;
        let dir = service_env("HME_TEST_SMTP_DIR")?;
        Some(Self { url, dir: dir.into() })
    }

    /// Every message addressed to `rcpt`.
    pub fn messages_to(&self, rcpt: &str) -> Vec<Received> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return out };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Ok(meta) = serde_json::from_str::<Value>(&text) else { continue };
            let rcpts: Vec<String> = meta["rcpt_tos"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            if !rcpts.iter().any(|r| r.eq_ignore_ascii_case(rcpt)) {
                continue;
            }
            let Ok(eml) = std::fs::read_to_string(path.with_extension("eml")) else { continue };
            out.push(Received { mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(), rcpt_tos: rcpts, eml });
        }
        out
    }

    /// Waits until `rcpt` got at least `n` messages (up to `secs`); returns them.
    pub async fn wait_for(&self, rcpt: &str, n: usize, secs: u64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages_to(rcpt);
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Polls `done` every 50 ms for up to `secs`.
pub async fn wait_until(mut done: impl FnMut() -> bool, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

#[allow(unused_imports)] // used by some of the test binaries sharing this module
pub use hme_kernel::testing::{host_port, FaultProxy};

/// A platform on `documents` and `events`.
pub fn platform(documents: Documents, events: Arc<dyn EventBus>) -> Platform {
    Platform { documents, cache: Arc::new(MemoryCache::new(1 << 20)), events, tokens: Arc::new(verifier()) }
}

/// Fast retries for the embedded bus.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy { max_attempts: 5, base_delay_ms: 100, max_delay_ms: 500 }
}

/// The embedded bus on `db`.
pub fn embedded_bus(db: Arc<redb::Database>) -> Arc<dyn EventBus> {
    Arc::new(EmbeddedEventBus::new(db, fast_policy()).unwrap())
}

/// RabbitMQ settings with a unique exchange and queue prefix (None to skip).
pub fn rabbit_settings() -> Option<RabbitSettings> {
    let url = service_env("HME_TEST_RABBITMQ_URL")?;
    Some(RabbitSettings {
        url,
        exchange: unique_name("events"),
        queue_prefix: format!("{}.", unique_name("w")),
        prefetch: 4,
        max_attempts: 5,
        base_delay_ms: 100,
        known_consumers: WorkerModule::consumers(),
    })
}

/// A RabbitMQ bus on `settings`.
pub async fn rabbit_bus(settings: RabbitSettings) -> Arc<dyn EventBus> {
    Arc::new(RabbitEventBus::connect(settings).await.unwrap())
}

/// Worker settings sending through `smtp_url` with `owner` as EMAIL_TO.
pub fn smtp_settings(smtp_url: &str, owner: &str) -> WorkerSettings {
    WorkerSettings {
        smtp_url: Some(smtp_url.to_owned().into()),
        owner_email: Some(owner.to_owned()),
        from: Some("HMElectronics <shop@example.com>".to_owned()),
        ..WorkerSettings::default()
    }
}

/// Builds the worker and subscribes its consumers to `platform.events`.
pub async fn start_worker(platform: &Platform, settings: &WorkerSettings, ports: WorkerPorts) -> Arc<WorkerModule> {
    let worker = WorkerModule::build(platform, settings, ports).unwrap();
    for h in worker.handlers() {
        platform.events.subscribe(h).await.unwrap();
    }
    worker
}

/// An `order.created` payload as the orders module publishes it.
pub fn order_created(customer_email: Option<&str>, product_ids: &[&str]) -> Value {
    let items: Vec<Value> = product_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let q = i as i64 + 1;
            json!({"productId": id, "name": format!("Widget <{}> & Co", i + 1), "unitPrice": 1500, "quantity": q, "lineTotal": 1500 * q})
        })
        .collect();
    let subtotal: i64 = (1..=product_ids.len() as i64).map(|q| 1500 * q).sum();
    json!({
        "orderId": "6650a1b2c3d4e5f601234567",
        "userId": "user_2abc",
        "customer": {"name": "Ayesha <Khan>", "email": customer_email},
        "address": {"id": "a1", "fullName": "Ayesha Khan", "phoneNumber": "03001234567", "pinCode": "54000",
                    "area": "12 Mall Road", "city": "Lahore", "state": "Punjab", "text": "12 Mall Road, Lahore"},
        "items": items,
        "shippingFee": 250,
        "amount": subtotal + 250,
        "date": 1748773230000i64,
        "status": "Order Placed",
        "paymentMethod": "cod",
        "paymentStatus": "pending",
        "courier": {"courierName": "TCS", "courierTrackingNumber": "TCS-12345678", "courierStatus": "Booked"}
    })
}

/// A fresh test exchange name is enough isolation; this names the consumer queues.
pub fn unique() -> String {
    unique_name("x")
}
