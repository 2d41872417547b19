//! A real Prometheus (Debian's `prometheus` package, installed by scripts/services.sh)
//! scrapes the admin listener of the all-in-one binary and counts exactly the requests
//! sent; `promtool` accepts the exposition (`check metrics`), the alert rules
//! (`check rules`) and the compose scrape config (`check config`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::testing::service_env;
use serde_json::Value;

use crate::traces::{spawn_hme_plain, Proc};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let tool = service_env("HME_TEST_PROMTOOL").unwrap();
    let mut child = Command::new(tool).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

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

async fn query(client: &reqwest::Client, prom: u16, q: &str) -> Option<f64> {
    let v: Value = client.get(format!("http://127.0.0.1:{prom}/api/v1/query")).query(&[("query", q)]).send().await.ok()?.json().await.ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_admin_listener_and_counts_exactly_the_requests_sent() {
    let Some(prometheus) = service_env("HME_TEST_PROMETHEUS") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (port, admin) = (free_port(), free_port());
    let _hme = spawn_hme_plain(&dir.path().join("data"), &dir.path().join("hme.log"), port, admin);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    crate::traces::wait_ready(&client, &base).await;

    let config = format!(
        "global: {{scrape_interval: 1s}}\nscrape_configs:\n  - job_name: hme\n    static_configs:\n      - targets: [\"127.0.0.1:{admin}\"]\n        labels: {{service: hme}}\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let prom = free_port();
    let child = Command::new(prometheus)
        .arg(format!("--config.file={}", dir.path().join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("tsdb").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{prom}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("prometheus.log")).unwrap())
        .spawn()
        .unwrap();
    let _prometheus = Proc(child);

    const SENT: u32 = 7;
    for _ in 0..SENT {
        assert_eq!(client.get(format!("{base}/api/product/list")).send().await.unwrap().status(), 200);
    }
    for _ in 0..2 {
        assert_eq!(client.get(format!("{base}/no/such/route")).send().await.unwrap().status(), 404);
    }
    let q = r#"sum(hme_http_requests_total{job="hme",route="/api/product/list",method="GET",status_class="2xx"})"#;
    let q404 = r#"sum(hme_http_requests_total{job="hme",route="unmatched",status_class="4xx"})"#;
    let started = Instant::now();
    let (mut got, mut got404) = (None, None);
    while started.elapsed() < Duration::from_secs(45) {
        got = query(&client, prom, q).await;
        got404 = query(&client, prom, q404).await;
        if got == Some(f64::from(SENT)) && got404 == Some(2.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
    assert_eq!(got, Some(f64::from(SENT)), "Prometheus's count of the list requests; its log:\n{log}");
    assert_eq!(got404, Some(2.0), "Prometheus's count of the unmatched requests");
    let duration = query(&client, prom, r#"sum(hme_http_request_duration_seconds_count{route="/api/product/list"})"#).await;
    assert_eq!(duration, Some(f64::from(SENT)), "the duration histogram counts the same requests");

    let exposition = client.get(format!("http://127.0.0.1:{admin}/metrics")).send().await.unwrap().text().await.unwrap();
    let (ok, out) = promtool(&["check", "metrics"], Some(&exposition));
    assert!(ok, "promtool check metrics:\n{out}\n--- exposition:\n{exposition}");
}
