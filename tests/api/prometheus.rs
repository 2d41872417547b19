//! A real Prometheus (Debian's `prometheus` package, installed by scripts/services.sh)
//! scrapes the admin listener of the all-in-one binary and counts exactly the requests
//! sent; `promtool` accepts the exposition (`check metrics`), the alert rules
//! (`check rules`) and the compose scrape config (`check config`). The split deploy's
//! scrape is tests/split/metrics.rs.

use hme_kernel::testing::service_env;

use crate::common::prometheus::{assert_exposition_valid, promtool, Prometheus};
use crate::common::free_port;
use crate::traces::spawn_hme_plain;

#[test]
fn promtool_accepts_the_alert_rules_and_the_compose_scrape_config() {
    if service_env("HME_TEST_PROMTOOL").is_none() {
        return;
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rules = root.join("deploy/prometheus/alerts.yml");
    let (ok, out) = promtool(&["check", "rules", rules.to_str().unwrap()], None);
    assert!(ok, "promtool check rules: {out}");
    // The config names the rules at their path in the container: check a copy beside them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&rules, dir.path().join("alerts.yml")).unwrap();
    let config = std::fs::read_to_string(root.join("deploy/prometheus/prometheus.yml")).unwrap().replace("/etc/prometheus/alerts.yml", "alerts.yml");
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let (ok, out) = promtool(&["check", "config", dir.path().join("prometheus.yml").to_str().unwrap()], None);
    assert!(ok, "promtool check config: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_admin_listener_and_counts_exactly_the_requests_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (port, admin) = (free_port(), free_port());
    let Some(prom) = Prometheus::start(&dir.path().join("prometheus"), &[("hme", admin)]) else { return };
    let _hme = spawn_hme_plain(&dir.path().join("data"), &dir.path().join("hme.log"), port, admin);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    crate::traces::wait_ready(&client, &base).await;

    const SENT: u32 = 7;
    for _ in 0..SENT {
        assert_eq!(client.get(format!("{base}/api/product/list")).send().await.unwrap().status(), 200);
    }
    for _ in 0..2 {
        assert_eq!(client.get(format!("{base}/no/such/route")).send().await.unwrap().status(), 404);
    }
    let expected = [
        (r#"sum(hme_http_requests_total{job="hme",route="/api/product/list",method="GET",status_class="2xx"})"#.to_owned(), f64::from(SENT)),
        (r#"sum(hme_http_requests_total{job="hme",route="unmatched",status_class="4xx"})"#.to_owned(), 2.0),
        // The duration histogram counts the same requests.
        (r#"sum(hme_http_request_duration_seconds_count{route="/api/product/list"})"#.to_owned(), f64::from(SENT)),
    ];
    prom.assert_values(&client, &expected).await;
    assert_exposition_valid(&client, "hme", admin).await;
}
