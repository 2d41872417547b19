//! `GET /healthz` (the process is alive) and `GET /readyz` (every configured backend
//! answers).

use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use hme_kernel::health::{probe_all, BackendStatus, HealthCheck};
use serde::Serialize;
use utoipa::ToSchema;

/// The probes `/readyz` runs.
pub struct Readiness(pub Vec<Arc<dyn HealthCheck>>);

/// Liveness answer.
#[derive(Serialize, ToSchema)]
pub struct Alive {
    /// Always true.
    success: bool,
    /// `alive`.
    status: &'static str,
}

/// Readiness answer: each backend with its status and latency.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// True when every backend is up.
    success: bool,
    /// `ready` or `unavailable`.
    status: &'static str,
    /// Each configured backend.
    backends: Vec<BackendStatus>,
}

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Alive)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Alive { success: true, status: "alive" })
}

/// Every configured backend answers (200), or not (503), with each one's latency.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Every backend answers", body = Ready),
        (status = 503, description = "At least one backend is down", body = Ready)
    )
)]
#[get("/readyz")]
pub async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let backends = probe_all(&readiness.0, Duration::from_secs(2)).await;
    let ready = backends.iter().all(|b| b.status == "up");
    let body = Ready { success: ready, status: if ready { "ready" } else { "unavailable" }, backends };
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
