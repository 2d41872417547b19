//! The RED metrics and the trace fields of every request: `hme_http_requests_total`,
//! `hme_http_request_duration_seconds` (by route template, method and status class),
//! `hme_http_requests_in_flight`, and the MongoDB commands each request sent
//! (`hme_db_commands_total` by route and command); with tracing on, the route, module and status are
//! recorded into the request's server span.

use std::collections::HashMap;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use hme_kernel::telemetry::{metrics, trace};

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The module serving each route template (from the OpenAPI documents), for the span's
/// `hme.module`.
#[derive(Debug, Default)]
pub struct RouteModules(HashMap<String, &'static str>);

impl RouteModules {
    /// The routes of every compiled module.
    pub fn of_compiled() -> Self {
        let mut map = HashMap::new();
        for (module, api) in crate::modules::documents() {
            for path in api.paths.paths.keys() {
                map.insert(path.clone(), module);
            }
        }
        Self(map)
    }
}

/// The status a request is counted under (metrics and the span): the one function to
/// change when a layer answers with another status than the real outcome.
pub fn outcome_status<B>(res: &ServiceResponse<B>) -> StatusCode {
    // A legacy route answers many failures 200 `{success:false}` in the default mode;
    // the real outcome travels in the response extensions.
    res.response().extensions().get::<hme_kernel::error::RealStatus>().map_or_else(|| res.status(), |real| real.0)
}

/// The method label: the standard methods, `other` for anything else (bounded).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times the request; outermost but for the tracing span.
pub async fn observe(req: ServiceRequest, next: Next<impl MessageBody>) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    metrics::http_in_flight(1.0);
    let (res, sent) = hme_kernel::telemetry::mongo::tally(next.call(req)).await;
    metrics::http_in_flight(-1.0);
    let (route, status) = match &res {
        Ok(r) => (r.request().match_pattern(), outcome_status(r)),
        Err(e) => (None, e.as_response_error().status_code()),
    };
    let route = route.unwrap_or_else(|| UNMATCHED.to_owned());
    metrics::http_request(&route, method, status.as_u16(), started.elapsed());
    metrics::db_commands(&route, &sent);
    if trace::enabled() {
        let span = tracing::Span::current();
        let module = res.as_ref().ok().and_then(|r| r.request().app_data::<web::Data<RouteModules>>().and_then(|m| m.0.get(&route).copied()));
        span.record("http.route", route.as_str());
        span.record("http.response.status_code", status.as_u16());
        if let Some(module) = module {
            span.record("hme.module", module);
        }
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
    }
    res
}
