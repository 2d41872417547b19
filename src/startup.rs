//! The composition root: connects the backends, builds the compiled modules, and
//! serves them. The app reports the port it bound, so tests spawn it on port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress, Condition};
use actix_web::{web, App, HttpResponse, HttpServer};
use hme_kernel::auth::TrustedOrigins;
use hme_kernel::json::{json_config, query_config};
use hme_kernel::module::HttpModule;
use hme_kernel::remote::{internal_scope, ServiceToken};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::configuration::Settings;
use crate::http::request_span::RequestSpan;
use crate::http::{admin, health, middleware, observe};
use crate::infrastructure::{self, Infrastructure};
use crate::modules::{self, Modules};

/// What the process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The HTTP API, plus the worker's consumers when the worker is compiled in.
    Serve,
    /// The worker's consumers only, with the health probes over HTTP.
    Worker,
}

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    admin_port: u16,
    server: Server,
    admin: Server,
    /// The connected backends (kept for commands and tests).
    pub infrastructure: Arc<Infrastructure>,
    /// The built modules.
    pub modules: Arc<Modules>,
}

impl Application {
    /// Connects, builds and binds. Fails with a message naming the bad setting or the
    /// unreachable backend.
    pub async fn build(settings: Settings, mode: Mode) -> anyhow::Result<Self> {
        let (infrastructure, modules) = connect_and_build(&settings).await?;
        if mode == Mode::Serve {
            let embedded = matches!(infrastructure.platform.documents, hme_kernel::backends::Documents::Embedded(_));
            crate::seed::seed_if_empty_embedded(&settings, embedded, &modules).await?;
        }
        let infrastructure = Arc::new(infrastructure);
        let modules = Arc::new(modules);
        start_consumers(&infrastructure, &modules, mode).await?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| anyhow::anyhow!("server.port: cannot bind {}:{}: {e}", settings.server.host, settings.server.port))?;
        let port = listener.local_addr()?.port();
        let http: Vec<Arc<dyn HttpModule>> = match mode {
            Mode::Serve => modules.http.clone(),
            #[cfg(feature = "worker")]
            Mode::Worker => vec![modules.worker.clone() as Arc<dyn HttpModule>],
            #[cfg(not(feature = "worker"))]
            Mode::Worker => Vec::new(),
        };
        hme_kernel::telemetry::metrics::install();
        let admin_listener = TcpListener::bind((settings.admin.host.as_str(), settings.admin.port))
            .map_err(|e| anyhow::anyhow!("admin.port: cannot bind {}:{}: {e}", settings.admin.host, settings.admin.port))?;
        let admin_port = admin_listener.local_addr()?.port();
        let collectors = admin::Collectors(http.iter().flat_map(|m| m.collectors()).collect());
        let server = http_server(listener, &settings, &infrastructure, http)?;
        let admin = admin::server(admin_listener, collectors)?;
        tracing::info!(port, admin_port, ?mode, modules = ?modules::compiled(), "hme listening");
        Ok(Self { port, admin_port, server, admin, infrastructure, modules })
    }

    /// The port the server bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the admin listener (`/metrics`) bound.
    pub fn admin_port(&self) -> u16 {
        self.admin_port
    }

    /// Serves until SIGTERM/SIGINT; in-flight requests finish first, then the event
    /// consumers finish (and ack) the deliveries in hand and stop taking new ones.
    /// The admin listener stops last, so the final state can still be scraped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let admin = self.admin.handle();
        let admin_task = tokio::spawn(self.admin);
        let served = self.server.await;
        self.infrastructure.platform.events.shutdown().await;
        admin.stop(true).await;
        let _ = admin_task.await;
        served
    }
}

/// Connects the backends and builds the modules (also used by CLI commands that need
/// a backend but no server).
pub async fn connect_and_build(settings: &Settings) -> anyhow::Result<(Infrastructure, Modules)> {
    modules::check_dependencies(settings).map_err(anyhow::Error::msg)?;
    let infrastructure = infrastructure::connect(settings, modules::consumers()).await?;
    let modules = modules::build(&infrastructure.platform, settings).await?;
    Ok((infrastructure, modules))
}

/// Subscribes the worker's consumers when the worker is compiled in (serve and worker
/// modes): each declares its durable queue and bindings and starts consuming.
async fn start_consumers(infrastructure: &Infrastructure, modules: &Modules, mode: Mode) -> anyhow::Result<()> {
    #[cfg(feature = "worker")]
    for handler in modules.worker.handlers() {
        tracing::info!(consumer = handler.consumer(), ?mode, bus = infrastructure.platform.events.name(), "starting consumer");
        infrastructure.platform.events.subscribe(handler).await?;
    }
    let _ = (infrastructure, modules, mode);
    Ok(())
}

/// The origins whose pages may send state-changing requests signed in by the session
/// cookie alone, besides the one hme is reached at: `server.cors_origins`,
/// `auth.trusted_origins` and the storefront's own base URL (`BASE_URL`).
fn trusted_origins(settings: &Settings) -> TrustedOrigins {
    #[cfg_attr(not(feature = "orders"), allow(unused_mut))]
    let mut origins: Vec<String> = settings.server.cors_origins.iter().chain(&settings.auth.trusted_origins).cloned().collect();
    #[cfg(feature = "orders")]
    origins.push(settings.orders.payments.base_url.clone());
    let trusted = TrustedOrigins::new(origins);
    tracing::debug!(origins = ?trusted.origins(), "origins trusted for cookie-authenticated requests");
    trusted
}

fn http_server(
    listener: TcpListener,
    settings: &Settings,
    infrastructure: &Infrastructure,
    http: Vec<Arc<dyn HttpModule>>,
) -> anyhow::Result<Server> {
    // Rendered once: the same bytes on every request and every run.
    let doc = web::Bytes::from(crate::openapi::document_json());
    let readiness = web::Data::new(health::Readiness(infrastructure.checks.clone()));
    let tokens = web::Data::new(infrastructure.platform.tokens.clone());
    let roles = web::Data::new(infrastructure.roles.clone());
    let trusted_origins = web::Data::new(trusted_origins(settings));
    let body_limit = settings.server.body_limit_bytes;
    let origins = settings.server.cors_origins.clone();
    #[cfg(feature = "auth")]
    let trust_forwarded_for = settings.server.trust_forwarded_for || settings.accounts.trust_forwarded_for;
    #[cfg(not(feature = "auth"))]
    let trust_forwarded_for = settings.server.trust_forwarded_for;
    let forwarded = web::Data::new(hme_kernel::ratelimit::TrustForwardedFor(trust_forwarded_for));
    let limits = web::Data::new(Arc::new(middleware::RequestLimits::new(
        settings.server.request_timeout_secs,
        settings.server.max_concurrent_per_client,
        trust_forwarded_for,
    )));
    let error_statuses = settings.server.error_statuses;
    let route_modules = web::Data::new(observe::RouteModules::of_compiled());
    let migration = web::Data::new(hme_migration::Migration::build(&settings.migration, &settings.server.host, listener.local_addr()?.port(), &crate::openapi::served_routes())?);
    // The owning modules' internal endpoints (split deploys), only with a service token.
    let internal = settings.services.service_token.clone().and_then(ServiceToken::new);
    if internal.is_none() && http.iter().any(|m| m.name() != "worker" && m.name() != "orders") {
        tracing::info!("services.service_token (HME_SERVICE_TOKEN) is not set: internal endpoints are not mounted");
    }
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .app_data(json_config(body_limit))
            .app_data(query_config())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(tokens.clone())
            .app_data(roles.clone())
            .app_data(trusted_origins.clone())
            .app_data(readiness.clone())
            .app_data(migration.clone())
            .app_data(forwarded.clone())
            .app_data(limits.clone())
            .app_data(error_statuses)
            .app_data(route_modules.clone())
            .configure(hme_migration::configure)
            .service(health::healthz)
            .service(health::readyz)
            .service(web::redirect("/swagger", "/swagger/").permanent())
            .route("/api-docs/openapi.json", web::get().to({
                let doc = doc.clone();
                move || {
                    let doc = doc.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(doc) }
                }
            }));
        for module in &http {
            app = app.configure(|cfg| module.configure(cfg));
        }
        // After the modules: routes are tried in order, and this pattern is a regex that
        // every API request would otherwise be matched against first.
        app = app.service(SwaggerUi::new("/swagger/{_:.*}").config(utoipa_swagger_ui::Config::from("/api-docs/openapi.json")));
        if let Some(token) = &internal {
            let owners = http.clone();
            app = app.service(internal_scope(token.clone(), move |cfg| owners.iter().for_each(|m| m.configure_internal(cfg))));
        }
        app.default_service(web::to(middleware::not_found))
            .wrap(from_fn(middleware::envelope_errors))
            .wrap(from_fn(hme_migration::layer))
            .wrap(from_fn(middleware::request_limits))
            .wrap(Compress::default())
            .wrap(Condition::new(!origins.is_empty(), middleware::cors(&origins)))
            .wrap(from_fn(middleware::echo_request_id))
            .wrap(middleware::security_headers())
            .wrap(from_fn(observe::observe))
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    .on_connect(|_, ext| {
        ext.insert(OpenConnection::new());
    });
    let server = if settings.server.workers > 0 { server.workers(settings.server.workers) } else { server };
    Ok(server
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .listen(listener)?
        .run())
}

/// Counts one open connection of the public listener while it lives (kept in the
/// connection's extensions, dropped when the connection closes).
struct OpenConnection;

impl OpenConnection {
    fn new() -> Self {
        hme_kernel::telemetry::metrics::http_connections(1.0);
        Self
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        hme_kernel::telemetry::metrics::http_connections(-1.0);
    }
}
