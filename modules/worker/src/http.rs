//! The worker's one route: `GET /metrics`.

use std::sync::Arc;

use actix_web::{get, web, HttpResponse};
use utoipa::OpenApi;

use crate::lag::ConsumerLag;
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
/// started; gauge `hme_worker_consumer_lag{consumer}`: deliveries waiting in each
/// consumer's queue.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "worker",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics(metrics: web::Data<Arc<Metrics>>, lag: web::Data<Arc<ConsumerLag>>) -> HttpResponse {
    let mut body = metrics.render();
    body.push_str(&lag.render().await);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body)
}

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig, metrics_data: &Arc<Metrics>, lag: &Arc<ConsumerLag>) {
    cfg.app_data(web::Data::new(Arc::clone(metrics_data))).app_data(web::Data::new(Arc::clone(lag))).service(metrics);
}
