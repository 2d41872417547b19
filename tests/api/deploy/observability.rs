//! The operations files name only metrics the binary exports, and the binary serves
//! them on the admin listener, not on the public port.

use std::collections::BTreeSet;

use hme_kernel::telemetry::metrics::{Kind, CATALOGUE};

use super::read;
use crate::helpers::{spawn_app, Backends};

/// The metric names (`hme_*`, `process_*`) used in a text, histogram series suffixes
/// (`_bucket`, `_sum`, `_count`) taken back to the histogram's name.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let starts = (rest.starts_with("hme_") || rest.starts_with("process_")) && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if starts {
            let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            out.insert(rest[..len].to_owned());
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

fn exported(name: &str) -> bool {
    CATALOGUE.iter().any(|(n, kind, _)| {
        *n == name || (*kind == Kind::Histogram && ["_bucket", "_sum", "_count"].iter().any(|s| name.strip_suffix(s) == Some(n)))
    })
}

#[test]
fn every_metric_named_by_the_alert_rules_and_the_dashboard_is_exported() {
    for file in ["deploy/prometheus/alerts.yml", "deploy/grafana/hme-dashboard.json"] {
        let names = metric_names(&read(file));
        assert!(names.len() >= 5, "{file}: found only {names:?}");
        let unknown: Vec<&String> = names.iter().filter(|n| !exported(n)).collect();
        assert!(unknown.is_empty(), "{file} names metrics the binary does not export: {unknown:?}");
    }
    // The finder itself: a typo is caught.
    assert!(!exported("hme_http_request_total"));
    assert!(exported("hme_http_request_duration_seconds_bucket"));
}

#[test]
fn the_scrape_config_scrapes_the_admin_port_of_every_process() {
    let config = read("deploy/prometheus/prometheus.yml");
    for target in ["hme:9464", "hme-products:9464", "hme-orders:9464", "hme-images:9464", "hme-auth:9464", "hme-worker:9464"] {
        assert!(config.contains(target), "deploy/prometheus/prometheus.yml does not scrape {target}");
    }
    for m in ["products", "orders", "images", "auth", "worker"] {
        let k8s = read(&format!("deploy/k8s/{m}.yaml"));
        assert!(k8s.contains("prometheus.io/port: \"9464\""), "deploy/k8s/{m}.yaml: no scrape annotation for the admin port");
    }
}

#[actix_web::test]
async fn metrics_are_served_on_the_admin_listener_only_with_the_request_counters() {
    let app = spawn_app(Backends::default()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    }
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404, "/metrics must not be served on the public port");
    let admin = app.client.get(format!("http://127.0.0.1:{}/metrics", app.admin_port)).send().await.unwrap();
    assert_eq!(admin.status(), 200);
    assert!(admin.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let body = admin.text().await.unwrap();
    let line = body
        .lines()
        .find(|l| l.starts_with(r#"hme_http_requests_total{route="/healthz",method="GET",status_class="2xx"}"#))
        .unwrap_or_else(|| panic!("no /healthz counter:\n{body}"));
    let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 3.0, "{line}");
    assert!(body.contains("# TYPE hme_http_request_duration_seconds histogram"), "{body}");
    assert!(body.contains(r#"hme_http_requests_total{route="unmatched",method="GET",status_class="4xx"}"#), "the 404 is counted under `unmatched`:\n{body}");
    assert!(body.contains("process_resident_memory_bytes"), "{body}");
    let uncatalogued: Vec<String> = metric_names(&body).into_iter().filter(|n| !exported(n)).collect();
    assert!(uncatalogued.is_empty(), "exported but not in the catalogue (migrations-docs/observability.md): {uncatalogued:?}");
}

/// The value of the series starting with `prefix` (0 when absent).
fn series(body: &str, prefix: &str) -> f64 {
    body.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

#[actix_web::test]
async fn the_mongodb_commands_of_each_request_are_counted_by_route_and_command() {
    let Some(app) = spawn_app(Backends { mongo: true, ..Default::default() }).await else { return };
    let scrape = || async { app.client.get(format!("http://127.0.0.1:{}/metrics", app.admin_port)).send().await.unwrap().text().await.unwrap() };
    let find = r#"hme_db_commands_total{route="/api/product/{id}",command="find"}"#;
    let before = series(&scrape().await, find);
    for _ in 0..3 {
        // A product that does not exist: a cache miss each time, one `find` (the recorder
        // is shared by the tests of this binary, so only the increase is ours, at least).
        let r = app.client.get(app.url(&format!("/api/product/{}", mongodb::bson::oid::ObjectId::new().to_hex()))).send().await.unwrap();
        assert_eq!(r.status(), 404, "not found (server.error_statuses = http in the tests)");
    }
    let after = series(&scrape().await, find);
    assert!(after - before >= 3.0, "{find}: {before} -> {after}");
}
