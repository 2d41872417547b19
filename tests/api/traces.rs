//! Traces exported over OTLP (HTTP/protobuf) to a test receiver that decodes the
//! published protobuf format (scripts/otlp_receiver.py): the all-in-one binary
//! continues the caller's `traceparent` in a server span named after the route
//! template, with the route, module and status, and the event its request commits
//! (relay, bus publish, consumer, the consumer's port call) stays in that trace, on
//! embedded storage. A failed export is counted and fails no request. One order through
//! every module (MongoDB, Redis, RabbitMQ; one process and split) is tests/split/traces.rs.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hme_kernel::testing::{clerk_token, TEST_PUBLIC_PEM};
use serde_json::{json, Value};

use crate::common::otlp::{spans, start_receiver, wait_spans, Trace};
pub use crate::common::Proc;
use crate::common::free_port;

pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while !client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
        assert!(started.elapsed() < Duration::from_secs(60), "hme not ready at {base}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The all-in-one binary on embedded storage, tracing off.
pub fn spawn_hme_plain(data: &Path, log: &Path, port: u16, admin: u16) -> Proc {
    spawn_hme_with(data, log, port, admin, &[])
}

fn spawn_hme(data: &Path, log: &Path, port: u16, admin: u16, otlp: u16) -> Proc {
    let otel = [("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{otlp}")), ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned())];
    spawn_hme_with(data, log, port, admin, &otel)
}

fn spawn_hme_with(data: &Path, log: &Path, port: u16, admin: u16, extra: &[(&'static str, String)]) -> Proc {
    let mut env: HashMap<&str, String> = HashMap::from([
        ("HME_CONFIG_DIR", crate::helpers::config_dir().display().to_string()),
        ("HME__STORAGE__DATA_DIR", data.display().to_string()),
        ("HME__SERVER__HOST", "127.0.0.1".into()),
        ("HME__SERVER__PORT", port.to_string()),
        ("HME__ADMIN__PORT", admin.to_string()),
        ("HME__SERVER__WORKERS", "1".into()),
        ("HME_LOG_FORMAT", "json".into()),
        ("RUST_LOG", "info".into()),
        ("CLERK_JWT_KEY", TEST_PUBLIC_PEM.into()),
    ]);
    env.extend(extra.iter().cloned());
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_hme"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    Proc(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_continues_the_callers_trace_and_a_failed_export_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spans.jsonl");
    // The first export is refused: counted, and no request fails for it.
    let Some((_receiver, otlp)) = start_receiver(&out, 1) else { return };
    let (port, admin) = (free_port(), free_port());
    let log = dir.path().join("hme.log");
    let _hme = spawn_hme(&dir.path().join("data"), &log, port, admin, otlp);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;
    // The first batch (the readiness probes) was refused; requests go on being served
    // and traced, and the next batches arrive.
    let started = Instant::now();
    while spans(&out).is_empty() {
        assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
        assert!(started.elapsed() < Duration::from_secs(30), "no batch received after the refused one; hme log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let seller = clerk_token("user_trace_seller", Some("seller"));
    let product = json!({"name": "Traced buds", "description": "tracing test", "category": "Earphone", "price": 100, "offerPrice": 90, "image": ["https://res.cloudinary.com/demo/image/upload/buds.png"]});
    let added: Value = client.post(format!("{base}/api/product/add")).bearer_auth(&seller).json(&product).send().await.unwrap().json().await.unwrap();
    let id = added["newProduct"]["_id"].as_str().unwrap_or_else(|| panic!("{added}")).to_owned();

    let (trace_id, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let deleted = client
        .delete(format!("{base}/api/product/delete"))
        .bearer_auth(&seller)
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({"productId": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);

    // The delete, the relay's publish of its `product.deleted` (the embedded store built
    // the envelope on the blocking pool, in the request's span) and the images clean-up
    // consumer's handling of it are one trace.
    let consumed = format!("consume product.deleted {}", hme_kernel::events::consumers::IMAGES_CLEANUP);
    let spans = wait_spans(&out, "the delete's trace up to the images clean-up", |s| Trace::of(s, trace_id).has("hme", &consumed)).await;
    let trace = Trace::of(&spans, trace_id);
    let server = trace.one("hme", "DELETE /api/product/delete");
    assert_eq!(server["parent_span_id"], caller_span, "the request continues the caller's span");
    assert_eq!(server["kind"], "server");
    assert_eq!(server["attributes"]["http.route"], "/api/product/delete");
    assert_eq!(server["attributes"]["hme.module"], "products");
    assert_eq!(server["attributes"]["http.response.status_code"].to_string().trim_matches('"'), "200");
    assert_eq!(server["attributes"]["trace_id"], trace_id, "the span's trace_id field (what JSON log lines carry)");
    let relay = trace.one("hme", "outbox relay product.deleted");
    trace.assert_parent(relay, server);
    let publish = trace.one("hme", "publish product.deleted");
    assert_eq!(publish["kind"], "producer");
    trace.assert_parent(publish, relay);
    let consume = trace.one("hme", &consumed);
    assert_eq!(consume["kind"], "consumer");
    trace.assert_parent(consume, publish);
    // The consumer's call of the images module's port, in process, has its span too.
    let cleanup = trace.one("hme", "images delete-for-product");
    assert_eq!(cleanup["kind"], "internal");
    assert_eq!(cleanup["attributes"]["hme.port.transport"], "in_process");
    trace.assert_parent(cleanup, consume);
    trace.assert_connected(caller_span);

    let metrics = client.get(format!("http://127.0.0.1:{admin}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l.starts_with("hme_trace_export_failures_total ") && !l.ends_with(" 0")), "the refused export is counted:\n{metrics}");
}
