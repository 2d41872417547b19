//! Moving the shop off the Next.js API routes: the route manifest (state per route
//! from settings), the legacy pass-through, shadow comparison, the migration status
//! endpoint and the generated Next.js rewrites.
//!
//! Without `migration.upstream_url` the layer is a no-op.

pub mod diff;
pub mod manifest;
pub mod proxy;
pub mod rewrites;
pub mod settings;
pub mod shadow;

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::error::ApiResult;

pub use settings::MigrationSettings;
pub use manifest::{ManifestEntry, RouteState, ServedRoute};
use proxy::Upstream;
use shadow::{ShadowStats, SHADOW_HEADER};

/// For `check-config`: the route states are valid and the upstream, when set, answers HTTP.
pub async fn check(settings: &MigrationSettings) -> Result<(), String> {
    manifest::validate(settings)?;
    for url in [&settings.upstream_url, &settings.second_upstream_url].into_iter().flatten().filter(|u| !u.trim().is_empty()) {
        let upstream = Upstream::new(url, Duration::from_secs(5), Duration::from_secs(3)).map_err(|e| e.to_string())?;
        let fwd = proxy::Forward { method: reqwest::Method::GET, path_and_query: "/".into(), headers: Vec::new() };
        upstream.send(&fwd, None).await.map_err(|e| format!("{}: {e}", upstream.shown()))?;
    }
    Ok(())
}

/// The status endpoint's path (always served by hme).
pub const STATUS_PATH: &str = "/api/migration/status";

/// The migration layer's state, shared by every worker.
pub struct Migration {
    settings: MigrationSettings,
    manifest: Vec<ManifestEntry>,
    /// (method, pattern) of every route hme serves.
    hme_routes: Vec<(String, String)>,
    upstream: Option<Upstream>,
    second: Option<Upstream>,
    /// hme itself, for shadow calls.
    loopback: Upstream,
    /// The value of [`SHADOW_HEADER`] on our own shadow calls.
    secret: String,
    stats: ShadowStats,
}

impl Migration {
    /// Builds the layer for the server bound at `host:port`, serving `served`.
    pub fn build(settings: &MigrationSettings, host: &str, port: u16, served: &[ServedRoute]) -> anyhow::Result<Self> {
        manifest::validate(settings).map_err(anyhow::Error::msg)?;
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let connect = Duration::from_secs(settings.connect_timeout_secs.max(1));
        let configured = |u: &Option<String>| u.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned);
        let upstream = configured(&settings.upstream_url).map(|u| Upstream::new(&u, timeout, connect)).transpose()?;
        let second = configured(&settings.second_upstream_url)
            .map(|u| Upstream::new(&u, timeout, connect).map_err(|e| anyhow::anyhow!("migration.second_upstream_url: {e}")))
            .transpose()?;
        let own_host = match host {
            "0.0.0.0" | "" => "127.0.0.1".to_owned(),
            "::" => "[::1]".to_owned(),
            h if h.contains(':') => format!("[{h}]"),
            h => h.to_owned(),
        };
        let loopback = Upstream::new(&format!("http://{own_host}:{port}"), timeout, connect)?;
        let hme_routes = served.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
        let manifest = manifest::manifest_of_build(settings, served);
        if let Some(u) = &upstream {
            let summary = |s: RouteState| manifest.iter().filter(|e| e.state == s).count();
            tracing::info!(upstream = u.shown(), hme = summary(RouteState::Hme), shadow = summary(RouteState::Shadow), legacy = summary(RouteState::Legacy), "legacy pass-through on");
        }
        Ok(Self {
            settings: settings.clone(),
            manifest,
            hme_routes,
            upstream,
            second,
            loopback,
            secret: uuid::Uuid::new_v4().to_string(),
            stats: ShadowStats::default(),
        })
    }

    fn known_to_hme(&self, method: &str, path: &str) -> bool {
        let method = if method == "HEAD" { "GET" } else { method };
        path.starts_with("/api/migration/") || self.hme_routes.iter().any(|(m, p)| m == method && manifest::path_matches(p, path))
    }
}

/// What the layer does with a request.
enum Decision {
    Hme,
    Proxy(String),
    Shadow(String),
}

fn decide(m: &Migration, req: &ServiceRequest) -> Decision {
    if m.upstream.is_none() || !req.path().starts_with("/api/") {
        return Decision::Hme;
    }
    if req.headers().get(SHADOW_HEADER).is_some_and(|v| v.as_bytes() == m.secret.as_bytes()) {
        return Decision::Hme;
    }
    let (method, path) = (req.method().as_str(), req.path());
    match manifest::find(method, path) {
        Some(route) => {
            let key = format!("{} {}", route.method, route.path);
            let state = m.manifest.iter().find(|e| e.method == route.method && e.path == route.path).map_or(RouteState::Legacy, |e| e.state);
            match state {
                RouteState::Hme => Decision::Hme,
                RouteState::Shadow if route.safe => Decision::Shadow(key),
                RouteState::Shadow | RouteState::Legacy => Decision::Proxy(key),
            }
        }
        None if m.known_to_hme(method, path) => Decision::Hme,
        None => Decision::Proxy(format!("{method} {path} (unknown to hme)")),
    }
}

/// The middleware: per request, served by hme, proxied to Next.js, or proxied and
/// shadowed.
pub async fn layer(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(m) = req.app_data::<web::Data<Migration>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    match decide(&m, &req) {
        Decision::Hme => Ok(next.call(req).await?.map_into_boxed_body()),
        Decision::Proxy(key) => {
            let (http, payload) = req.into_parts();
            let res = match m.upstream.as_ref() {
                Some(upstream) => proxy::forward(upstream, &http, payload, &key).await,
                None => HttpResponse::BadGateway().finish(),
            };
            Ok(ServiceResponse::new(http, res))
        }
        Decision::Shadow(key) => {
            let (http, _) = req.into_parts();
            let res = shadow::serve(m, &http, key).await;
            Ok(ServiceResponse::new(http, res))
        }
    }
}

/// One legacy route in the status answer: its manifest entry and its shadow figures.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MigrationRoute {
    /// The route and its state.
    #[serde(flatten)]
    pub entry: ManifestEntry,
    /// Shadow comparison figures; null before the first shadowed request.
    pub parity: Option<shadow::Parity>,
}

/// `GET /api/migration/status`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MigrationStatusBody {
    /// Always true.
    pub success: bool,
    /// The Next.js app (password hidden); null when the layer is off.
    pub upstream: Option<String>,
    /// The second Next.js instance, when configured.
    pub second_upstream: Option<String>,
    /// The state of a route no setting names.
    pub default_state: RouteState,
    /// Fields ignored when comparing.
    pub volatile_fields: Vec<String>,
    /// Every legacy route.
    pub routes: Vec<MigrationRoute>,
}

/// Migration status
///
/// Every legacy route with its state (`legacy`, `shadow`, `hme`) and, for shadowed
/// routes, the parity figures of the comparison. Admins only.
#[utoipa::path(
    get,
    path = "/api/migration/status",
    operation_id = "migration_status",
    tag = "migration",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The manifest with parity figures", body = MigrationStatusBody),
        (status = 401, description = "No token, or one that does not verify"),
        (status = 403, description = "Signed in but not an admin"),
    )
)]
#[get("/api/migration/status")]
pub async fn status(principal: Principal, m: web::Data<Migration>) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let routes = m
        .manifest
        .iter()
        .map(|e| MigrationRoute { entry: e.clone(), parity: m.stats.get(&format!("{} {}", e.method, e.path)) })
        .collect();
    Ok(HttpResponse::Ok().json(MigrationStatusBody {
        success: true,
        upstream: m.upstream.as_ref().map(|u| u.shown().to_owned()),
        second_upstream: m.second.as_ref().map(|u| u.shown().to_owned()),
        default_state: m.settings.default_state,
        volatile_fields: m.settings.volatile_fields.clone(),
        routes,
    }))
}

/// Registers the status endpoint.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(status);
}
