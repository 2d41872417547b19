//! Legacy pass-through: a request forwarded to the Next.js app unchanged (method,
//! path, query, headers including `Authorization`, body streamed both ways), with
//! timeouts; `502 {success:false, message:"Upstream unavailable"}` when it is down and
//! `504 ... "Upstream timed out"` when it is too slow.

use std::time::Duration;

use actix_web::body::SizedStream;
use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use futures::StreamExt;

/// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus the
/// ones the client library sets itself.
const HOP_BY_HOP: &[&str] =
    &["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"];

/// Whether a header is hop-by-hop (or recomputed by the client library).
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// A configured Next.js app.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: String,
    shown: String,
}

/// The request parts forwarded (owned, so they can move into a background task).
#[derive(Debug, Clone)]
pub struct Forward {
    /// The method.
    pub method: reqwest::Method,
    /// Path and query, as received.
    pub path_and_query: String,
    /// The end-to-end request headers.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Forward {
    /// The parts of an incoming request, with `x-forwarded-*` added.
    pub fn of(req: &HttpRequest) -> Self {
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
        let path_and_query = req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let mut headers = end_to_end(req.headers());
        let info = req.connection_info();
        if let Some(peer) = info.peer_addr() {
            headers.push(("x-forwarded-for".into(), peer.as_bytes().to_vec()));
        }
        headers.push(("x-forwarded-host".into(), info.host().as_bytes().to_vec()));
        headers.push(("x-forwarded-proto".into(), info.scheme().as_bytes().to_vec()));
        Self { method, path_and_query, headers }
    }

    /// Without the named headers (any case).
    pub fn without(mut self, names: &[&str]) -> Self {
        self.headers.retain(|(k, _)| !names.iter().any(|n| k.eq_ignore_ascii_case(n)));
        self
    }
}

/// The end-to-end headers of a header map.
pub fn end_to_end(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    headers.iter().filter(|(k, _)| !is_hop_by_hop(k.as_str())).map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec())).collect()
}

impl Upstream {
    /// A client for `base` with the given timeouts; redirects are passed back, not followed.
    pub fn new(base: &str, timeout: Duration, connect_timeout: Duration) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(base).map_err(|e| anyhow::anyhow!("migration.upstream_url: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("migration.upstream_url: expected an http(s) URL");
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| anyhow::anyhow!("migration upstream client: {e}"))?;
        let base = base.trim_end_matches('/').to_owned();
        Ok(Self { client, shown: hme_kernel::redact::redact_url(&base).trim_end_matches('/').to_owned(), base })
    }

    /// The base URL, credentials redacted (for logs and the status endpoint).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Sends `fwd` with `body`.
    pub async fn send(&self, fwd: &Forward, body: Option<reqwest::Body>) -> Result<reqwest::Response, reqwest::Error> {
        let mut rb = self.client.request(fwd.method.clone(), format!("{}{}", self.base, fwd.path_and_query));
        // The client's trace context is replaced by ours (the upstream call is our child).
        let ours = hme_kernel::telemetry::trace::current_headers();
        for (k, v) in &fwd.headers {
            if ours.is_empty() || !(k.eq_ignore_ascii_case("traceparent") || k.eq_ignore_ascii_case("tracestate")) {
                rb = rb.header(k.as_str(), v.as_slice());
            }
        }
        for (k, v) in ours {
            rb = rb.header(k, v);
        }
        if let Some(body) = body {
            rb = rb.body(body);
        }
        rb.send().await
    }
}

/// The request body as a stream for the client library (actix's payload is not
/// `Send`, so a local task feeds a channel). None when the request has no body.
pub fn stream_body(req: &HttpRequest, mut payload: Payload) -> Option<reqwest::Body> {
    let h = req.headers();
    let sized = h.get("content-length").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0");
    if !sized && !h.contains_key("transfer-encoding") {
        return None;
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    Some(reqwest::Body::wrap_stream(stream))
}

/// The response builder of an upstream answer: its status and end-to-end headers.
pub fn builder_of(resp: &reqwest::Response) -> HttpResponseBuilder {
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut b = HttpResponse::build(status);
    for (k, v) in resp.headers() {
        if is_hop_by_hop(k.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_str().as_bytes()), HeaderValue::from_bytes(v.as_bytes())) {
            b.append_header((name, value));
        }
    }
    b
}

/// The upstream answer streamed back to the client.
pub fn stream_back(resp: reqwest::Response) -> HttpResponse {
    let mut b = builder_of(&resp);
    match resp.content_length() {
        Some(len) => b.body(SizedStream::new(len, resp.bytes_stream())),
        None => b.streaming(resp.bytes_stream()),
    }
}

/// The answer when the upstream failed: 504 on a timeout, else 502.
pub fn failure(err: &reqwest::Error, upstream: &Upstream, route: &str) -> HttpResponse {
    tracing::warn!(upstream = upstream.shown(), route, error = %err, timeout = err.is_timeout(), "legacy upstream failed");
    if err.is_timeout() {
        HttpResponse::GatewayTimeout().json(serde_json::json!({"success": false, "message": "Upstream timed out"}))
    } else {
        HttpResponse::BadGateway().json(serde_json::json!({"success": false, "message": "Upstream unavailable"}))
    }
}

/// Forwards a request and streams the answer back.
pub async fn forward(upstream: &Upstream, req: &HttpRequest, payload: Payload, route: &str) -> HttpResponse {
    let fwd = Forward::of(req);
    let body = stream_body(req, payload);
    match upstream.send(&fwd, body).await {
        Ok(resp) => stream_back(resp),
        Err(e) => failure(&e, upstream, route),
    }
}
