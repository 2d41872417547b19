//! `/healthz` and `/readyz` against real backends, including one that goes down.

use std::time::Duration;

use hme_kernel::testing::service_env;
use serde_json::Value;

use crate::helpers::{host_port, spawn_app, Backends, FaultProxy};

#[tokio::test]
async fn the_embedded_default_is_ready_with_no_setup() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let names: Vec<&str> = body["backends"].as_array().unwrap().iter().filter_map(|b| b["name"].as_str()).collect();
    assert_eq!(names, vec!["embedded"]);
}

#[tokio::test]
async fn readyz_lists_every_configured_backend_with_its_latency() {
    let Some(app) = spawn_app(Backends { mongo: true, redis: true, rabbitmq: true, ..Default::default() }).await else { return };
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let backends = body["backends"].as_array().unwrap();
    let mut names: Vec<&str> = backends.iter().filter_map(|b| b["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["mongodb", "rabbitmq", "redis"]);
    assert!(backends.iter().all(|b| b["status"] == "up" && b["latency_ms"].as_f64().is_some()));
    assert!(!body.to_string().contains("guest:guest"), "passwords must not be shown: {body}");
}

#[tokio::test]
async fn readyz_answers_503_while_redis_is_down_and_recovers_without_a_restart() {
    let Some(redis) = service_env("HME_TEST_REDIS_URL") else { return };
    let proxy = FaultProxy::start(host_port(&redis)).await;
    let mut backends = Backends { redis: true, ..Default::default() };
    backends.overrides.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{}", proxy.port));
    let app = spawn_app(backends).await.unwrap();
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);

    proxy.down();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    let redis_status = body["backends"].as_array().unwrap().iter().find(|b| b["name"] == "redis").unwrap().clone();
    assert_eq!(redis_status["status"], "down");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "liveness is not readiness");

    proxy.up();
    let mut recovered = false;
    for _ in 0..50 {
        if app.client.get(app.url("/readyz")).send().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "readyz must turn 200 again once redis is back");
}

#[tokio::test]
async fn readyz_answers_503_while_mongodb_is_down() {
    let Some(mongo) = service_env("HME_TEST_MONGODB_URI") else { return };
    let proxy = FaultProxy::start(host_port(&mongo)).await;
    let mut backends = Backends { mongo: true, ..Default::default() };
    backends.overrides.insert("MONGODB_URI".into(), format!("mongodb://127.0.0.1:{}/?directConnection=true&serverSelectionTimeoutMS=1000", proxy.port));
    let app = spawn_app(backends).await.unwrap();
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    proxy.down();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
}
