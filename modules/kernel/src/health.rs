//! Readiness: every configured backend answers a cheap probe.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Serialize;

/// A backend that can say whether it is reachable.
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// What it is: `mongodb`, `redis`, `rabbitmq`, `embedded`...
    fn name(&self) -> &'static str;
    /// Where it is, without secrets.
    fn target(&self) -> String;
    /// Ok when it answers.
    async fn check(&self) -> Result<(), String>;
}

/// One backend's answer, as `/readyz` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BackendStatus {
    /// The backend's name.
    pub name: &'static str,
    /// Where it is, without secrets.
    pub target: String,
    /// `up` or `down`.
    pub status: &'static str,
    /// Round-trip time of the probe, in milliseconds.
    pub latency_ms: f64,
    /// Why it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Probes every check concurrently, each bounded by `timeout`.
pub async fn probe_all(checks: &[std::sync::Arc<dyn HealthCheck>], timeout: Duration) -> Vec<BackendStatus> {
    let probes = checks.iter().map(|c| async move {
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, c.check()).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        };
        BackendStatus {
            name: c.name(),
            target: c.target(),
            status: if result.is_ok() { "up" } else { "down" },
            latency_ms: (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
            error: result.err(),
        }
    });
    futures::future::join_all(probes).await
}
