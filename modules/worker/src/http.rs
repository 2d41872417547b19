//! The worker's one route: `GET /metrics`.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};
use utoipa::OpenApi;

use crate::metrics::Metrics;

/// The worker module's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(metrics),
    tags((name = "worker", description = "the consumers of events: order emails, sales counters, image clean-up; their metrics"))
)]
pub struct WorkerApi;

/// Worker metrics (Prometheus text format).
///
/// Counters `hme_worker_events_total{consumer, event_type, outcome}` with outcome
/// `processed`, `duplicate`, `failed`, `retried` or `dead_lettered`, since this process
/// started.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "worker",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics(metrics: web::Data<Arc<Metrics>>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics.render())
}

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig, metrics_data: &Arc<Metrics>) {
    cfg.app_data(web::Data::new(Arc::clone(metrics_data))).service(metrics);
}
