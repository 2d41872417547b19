//! `GET /metrics` serves the counters in the Prometheus text format.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use actix_web::{test, App};
use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_kernel::module::HttpModule;
use hme_kernel::testing::embedded_test_db;
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::json;
use support::*;

#[actix_web::test]
async fn metrics_route_reports_counts_per_consumer_and_event_type() {
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let worker = WorkerModule::build(&platform, &settings, WorkerPorts::default()).unwrap();
    let h = worker.handlers().into_iter().find(|h| h.consumer() == "email.status_changed").unwrap();
    let _ = h.handle(&EventEnvelope::new("order.status_changed", json!({"bad": 1}))).await;

    let w = worker.clone();
    let app = test::init_service(App::new().configure(move |cfg| w.configure(cfg))).await;
    let resp = test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    assert!(resp.status().is_success());
    assert!(resp.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/plain"));
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(body.contains(r#"hme_worker_events_total{consumer="email.status_changed",event_type="order.status_changed",outcome="dead_lettered"} 1"#), "{body}");
    assert!(WorkerModule::api_doc().paths.paths.contains_key("/metrics"));
}
