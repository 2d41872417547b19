//! A real Prometheus (Debian's `prometheus` package, installed by scripts/services.sh)
//! scraping hme's admin listeners every second, queried through its HTTP API; and
//! `promtool`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::testing::service_env;
use serde_json::Value;

use super::{free_port, Proc};

/// A running Prometheus and the port of its HTTP API.
pub struct Prometheus {
    _proc: Proc,
    pub port: u16,
    log: std::path::PathBuf,
}

impl Prometheus {
    /// Starts Prometheus in `dir` scraping every `(service, admin port)` every second, as
    /// job `hme` with a `service` label; None without the test services' Prometheus.
    pub fn start(dir: &Path, targets: &[(&str, u16)]) -> Option<Self> {
        let prometheus = service_env("HME_TEST_PROMETHEUS")?;
        let mut config = "global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: hme\n    static_configs:\n".to_owned();
        for (service, port) in targets {
            config.push_str(&format!("      - targets: [\"127.0.0.1:{port}\"]\n        labels: {{service: {service}}}\n"));
        }
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = free_port();
        let log = dir.join("prometheus.log");
        let child = Command::new(prometheus)
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Some(Self { _proc: Proc(child), port, log })
    }

    /// The first value of the instant query `q`, None when it has no result (yet).
    pub async fn query(&self, client: &reqwest::Client, q: &str) -> Option<f64> {
        let v: Value = client.get(format!("http://127.0.0.1:{}/api/v1/query", self.port)).query(&[("query", q)]).send().await.ok()?.json().await.ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Polls every query until each answers its expected value (at most 45 s), then
    /// returns what each answered last, for the caller to compare.
    pub async fn settle(&self, client: &reqwest::Client, expected: &[(String, f64)]) -> Vec<Option<f64>> {
        let started = Instant::now();
        loop {
            let mut got = Vec::with_capacity(expected.len());
            for (q, _) in expected {
                got.push(self.query(client, q).await);
            }
            if got.iter().zip(expected).all(|(g, (_, want))| *g == Some(*want)) || started.elapsed() > Duration::from_secs(45) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Asserts each query answers exactly its expected value.
    pub async fn assert_values(&self, client: &reqwest::Client, expected: &[(String, f64)]) {
        let got = self.settle(client, expected).await;
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        for ((q, want), got) in expected.iter().zip(got) {
            assert_eq!(got, Some(*want), "Prometheus answered {got:?} to {q}, expected {want}; its log:\n{log}");
        }
    }
}

/// Runs `promtool` with `args` (and `stdin`): whether it passed, and what it wrote.
pub fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let tool = service_env("HME_TEST_PROMTOOL").unwrap();
    let mut child = Command::new(tool).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// `promtool check metrics` accepts the exposition at `http://127.0.0.1:<admin>/metrics`
/// (`who` names the process in the failure).
pub async fn assert_exposition_valid(client: &reqwest::Client, who: &str, admin: u16) {
    let exposition = client.get(format!("http://127.0.0.1:{admin}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(exposition.contains("hme_http_requests_total"), "{who}: no request counter in its exposition:\n{exposition}");
    let (ok, out) = promtool(&["check", "metrics"], Some(&exposition));
    assert!(ok, "{who}: promtool check metrics:\n{out}\n--- exposition:\n{exposition}");
}
