//! The worker's counters and gauges are in the process's registry (served at
//! `/metrics` on the admin listener, tests/api/observability.rs scrapes it there).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hme_kernel::backends::Documents;
use hme_kernel::events::EventEnvelope;
use hme_kernel::module::HttpModule;
use hme_kernel::telemetry::metrics;
use hme_kernel::testing::embedded_test_db;
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::json;
use support::*;

#[actix_web::test]
async fn the_registry_reports_counts_per_consumer_and_event_type_and_the_lag() {
    metrics::install().expect("the recorder of this test binary");
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let worker = WorkerModule::build(&platform, &settings, WorkerPorts::default()).unwrap();
    let h = worker.handlers().into_iter().find(|h| h.consumer() == "email.status_changed").unwrap();
    let _ = h.handle(&EventEnvelope::new("order.status_changed", json!({"bad": 1}))).await;
    for c in worker.collectors() {
        c.collect().await;
    }
    let body = metrics::render();
    assert!(body.contains("# TYPE hme_worker_events_total counter"), "{body}");
    assert!(body.contains(r#"hme_worker_events_total{consumer="email.status_changed",event_type="order.status_changed",outcome="dead_lettered"} 1"#), "{body}");
    assert!(body.contains(r#"hme_worker_consumer_lag{consumer="email.order_created"} 0"#), "{body}");
    assert!(!WorkerModule::api_doc().paths.paths.contains_key("/metrics"), "no public /metrics route");
}
