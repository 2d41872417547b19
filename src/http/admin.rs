//! The admin listener: operator endpoints apart from the public port (`admin.host`,
//! `admin.port`). Today `GET /metrics`, the Prometheus text exposition of the whole
//! process (one registry: HTTP, ports, databases, broker, outbox, consumers, cache,
//! rate limits, process), after the modules' collectors refreshed their gauges.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use hme_kernel::telemetry::metrics::{self, Collector};

/// The collectors run at each scrape.
#[derive(Clone, Default)]
pub struct Collectors(pub Vec<Arc<dyn Collector>>);

/// The longest one collector may take before the scrape goes on without it.
const COLLECT_TIMEOUT: Duration = Duration::from_secs(2);

async fn scrape(collectors: web::Data<Collectors>) -> HttpResponse {
    for c in &collectors.0 {
        let _ = tokio::time::timeout(COLLECT_TIMEOUT, c.collect()).await;
    }
    metrics::upkeep();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics::render())
}

/// The admin server on `listener` (one worker; stopped by the application after the
/// public server).
pub fn server(listener: TcpListener, collectors: Collectors) -> std::io::Result<Server> {
    let data = web::Data::new(collectors);
    Ok(HttpServer::new(move || App::new().app_data(data.clone()).route("/metrics", web::get().to(scrape)))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run())
}
