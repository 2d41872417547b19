//! Cross-cutting middleware: request id echo, security headers, CORS, 404s, the
//! legacy envelope on actix's own errors, the handler timeout and the per-client cap.

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use hme_kernel::ratelimit::ClientAddress;
use tracing_actix_web::RequestId;

/// Copies the request id of the tracing span into the `x-request-id` response header,
/// so a client report can be matched to the logs.
pub async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id {
        // hyphenated lowercase hex, encoded on the stack (no String, no formatter)
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        if let Ok(value) = HeaderValue::from_str(id.hyphenated().encode_lower(&mut text)) {
            res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
        }
    }
    Ok(res)
}

/// The security headers: name and value.
pub const SECURITY_HEADERS: [(&str, &str); 4] =
    [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"), ("cross-origin-resource-policy", "same-site")];

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    SECURITY_HEADERS.iter().fold(DefaultHeaders::new(), |h, pair| h.add(*pair))
}

/// CORS for the configured origins only. With none configured no CORS header is sent,
/// so browsers keep cross-origin reads blocked; a request from another origin is not
/// refused outright (server-side callers such as the Next.js proxy send `Origin`).
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_NONE_MATCH, HeaderName::from_static("idempotency-key")])
        .expose_headers([HeaderName::from_static("x-request-id"), header::ETAG, header::RETRY_AFTER])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Unknown routes answer 404 with the legacy envelope.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(serde_json::json!({"success": false, "message": "Not found"}))
}

/// The server's request limits, shared by every worker thread (app data).
#[derive(Debug)]
pub struct RequestLimits {
    /// Longest time a request may take before it is answered 503.
    pub timeout: Option<std::time::Duration>,
    /// Most requests in flight per client address; 0: no cap.
    pub max_per_client: usize,
    /// Where the client address comes from.
    pub trust_forwarded_for: bool,
    in_flight: std::sync::Mutex<std::collections::HashMap<ClientAddress, usize>>,
}

impl RequestLimits {
    /// Limits of `timeout_secs` (0: none) and `max_per_client` (0: none).
    pub fn new(timeout_secs: u64, max_per_client: usize, trust_forwarded_for: bool) -> Self {
        let timeout = (timeout_secs > 0).then(|| std::time::Duration::from_secs(timeout_secs));
        Self { timeout, max_per_client, trust_forwarded_for, in_flight: std::sync::Mutex::default() }
    }

    /// Takes one slot of `client`; None when the client already has `max_per_client`
    /// (call only with a cap: `max_per_client` > 0).
    fn enter(self: &std::sync::Arc<Self>, client: ClientAddress) -> Option<Slot> {
        let mut map = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(client.clone()).or_insert(0);
        if *n >= self.max_per_client {
            return None;
        }
        *n += 1;
        Some(Slot { limits: std::sync::Arc::clone(self), client })
    }
}

/// One request in flight; frees its slot when dropped (also when the client goes away).
struct Slot {
    limits: std::sync::Arc<RequestLimits>,
    client: ClientAddress,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.limits.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.client);
            }
        }
    }
}

/// The cap on concurrent requests per client (429 + `Retry-After: 1` above
/// `server.max_concurrent_per_client`) and the handler timeout (503 after
/// `server.request_timeout_secs`), both answering the legacy envelope.
pub async fn request_limits(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<actix_web::web::Data<std::sync::Arc<RequestLimits>>>().map(|d| std::sync::Arc::clone(d.get_ref())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Calls between services (split deploys) all come from a few addresses and carry the
    // service token (checked first thing, nothing else runs without it): not capped.
    // Without a cap (0) the client is not looked at.
    let internal = req.path().starts_with(hme_kernel::remote::INTERNAL_PREFIX);
    let _slot = if internal || limits.max_per_client == 0 {
        None
    } else {
        let client = hme_kernel::ratelimit::client_address_of(req.request(), limits.trust_forwarded_for);
        let Some(slot) = limits.enter(client) else {
            let res = hme_kernel::ApiError::too_many_requests(1).error_response();
            return Ok(req.into_response(res));
        };
        Some(slot)
    };
    let Some(t) = limits.timeout else { return Ok(next.call(req).await?.map_into_boxed_body()) };
    // The request cannot be kept (routing needs it unshared), so a timeout is answered
    // as an error carrying its complete response: the layers outside do not touch an
    // error, hence the security headers and the request id set here.
    // (what the timeout's answer and log line need, kept without copying: the URI and
    // the id are shared or small; formatted only if the timeout fires)
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let id = req.extensions().get::<RequestId>().copied();
    match tokio::time::timeout(t, next.call(req)).await {
        Ok(res) => Ok(res?.map_into_boxed_body()),
        Err(_) => {
            let id = id.map(|id| id.to_string());
            tracing::warn!(%method, path = uri.path(), timeout_secs = t.as_secs(), "request timed out");
            let mut res = HttpResponse::ServiceUnavailable();
            res.insert_header((header::RETRY_AFTER, "1"));
            for pair in SECURITY_HEADERS {
                res.insert_header(pair);
            }
            if let Some(id) = id {
                res.insert_header(("x-request-id", id));
            }
            let body = serde_json::json!({"success": false, "message": "Request timed out, try again shortly"});
            Err(actix_web::error::InternalError::from_response("request timed out", res.json(body)).into())
        }
    }
}

/// Error answers actix produces itself (a method a route does not serve: 405; a body
/// over the limit read as bytes or a form: 413; ...) come with an empty or plain-text
/// body: give them the legacy envelope naming the problem. Bodies of our own handlers
/// (JSON already) are left alone.
pub async fn envelope_errors(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let status = res.status();
    let is_json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return Ok(res.map_into_boxed_body());
    }
    let (http, res) = res.into_parts();
    let allow = res.headers().get(header::ALLOW).cloned();
    let message = match status.as_u16() {
        405 => "Method not allowed on this route".to_owned(),
        413 => "Request body is too large".to_owned(),
        415 => "Unsupported Content-Type".to_owned(),
        s if s >= 500 => "Internal server error".to_owned(),
        _ => {
            // Keep actix's own short explanation (e.g. a form that does not parse).
            let reason = status.canonical_reason().unwrap_or("Bad request");
            let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap_or_default();
            let text: String = String::from_utf8_lossy(&bytes).trim().chars().take(200).collect();
            if text.is_empty() { reason.to_owned() } else { format!("{reason}: {text}") }
        }
    };
    let mut out = envelope(status, message);
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ServiceResponse::new(http, out))
}

fn envelope(status: actix_web::http::StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({"success": false, "message": message}))
}
