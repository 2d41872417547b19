//! The one rate limiter every module uses: fixed windows counted in the platform cache
//! (Redis when configured, so a limit holds across instances; in-process otherwise),
//! answering 429 with `Retry-After` and the legacy envelope.
//!
//! A cache failure lets the request through (logged): the limiter is a guard, never a
//! source of truth, and a Redis outage must not take the shop down.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpRequest};

use crate::cache::Cache;
use crate::ApiError;

/// At most `max` requests per `window`; `max == 0` turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed in one window (0: unlimited).
    pub max: u64,
    /// The window.
    pub window: Duration,
}

impl Limit {
    /// `max` requests per `window_secs` seconds (a zero window counts as one second).
    pub fn per_secs(max: u64, window_secs: u64) -> Self {
        Self { max, window: Duration::from_secs(window_secs.max(1)) }
    }
}

/// Counts requests per (scope, subject) in the cache.
#[derive(Clone)]
pub struct RateLimiter {
    cache: Arc<dyn Cache>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("cache", &self.cache.name()).finish()
    }
}

impl RateLimiter {
    /// A limiter counting in `cache`.
    pub fn new(cache: Arc<dyn Cache>) -> Self {
        Self { cache }
    }

    fn key(scope: &str, subject: &str) -> String {
        format!("ratelimit:{scope}:{subject}")
    }

    /// Counts one request of `subject` (a client address, a user id, a hashed email)
    /// under `scope` (`login:ip`, `register`, `order:user`...); past `limit.max` in the
    /// current window: 429 with `Retry-After` = the seconds left in the window.
    /// Subjects end up in cache keys: pass nothing secret (hash emails first).
    pub async fn check(&self, scope: &str, subject: &str, limit: Limit) -> Result<(), ApiError> {
        if limit.max == 0 {
            return Ok(());
        }
        match self.cache.hit(&Self::key(scope, subject), limit.window).await {
            Ok((count, left)) if count > limit.max => {
                crate::telemetry::metrics::rate_limit_refused(scope);
                Err(ApiError::too_many_requests(left.as_secs().max(1)))
            }
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(scope, error = %e, "rate limit not applied: cache unavailable");
                Ok(())
            }
        }
    }

    /// Forgets the count of `subject` under `scope` (e.g. after a successful login).
    pub async fn reset(&self, scope: &str, subject: &str) {
        if let Err(e) = self.cache.delete(&[Self::key(scope, subject).as_str()]).await {
            tracing::warn!(scope, error = %e, "rate limit not reset");
        }
    }
}

/// Whether the client address comes from `X-Forwarded-For`: registered once by the
/// composition root as app data (`server.trust_forwarded_for`); absent means no.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrustForwardedFor(pub bool);

/// The client address a request is counted against: the last `X-Forwarded-For`
/// entry when `trust_forwarded_for` (only behind a proxy that sets it), else the TCP
/// peer; `unknown` when neither is known.
///
/// The last entry is the address the trusted proxy itself saw; the entries before it
/// come from the client and are not trusted (a proxy such as nginx's
/// `$proxy_add_x_forwarded_for` or the Next.js rewrites appends to whatever the client
/// sent, so the first entry is whatever the client wants it to be).
pub fn client_address_with(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(ip) = last_forwarded(req) {
            return ip.to_owned();
        }
    }
    req.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// The client's address as [`client_address_with`] finds it, unformatted: for keying
/// per-request state (the per-client cap) without making a String per request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    /// An IP address (the peer's, or a forwarded entry that is one).
    Ip(std::net::IpAddr),
    /// A forwarded entry that is not an IP address, as given; `unknown` without a peer.
    Other(String),
}

/// The last `X-Forwarded-For` entry (the one our proxy appended), if any.
fn last_forwarded(req: &HttpRequest) -> Option<&str> {
    let entry = req.headers().get("x-forwarded-for")?.to_str().ok()?.rsplit(',').next()?.trim();
    (!entry.is_empty()).then_some(entry)
}

/// [`client_address_with`], unformatted (the same client gives the same value).
pub fn client_address_of(req: &HttpRequest, trust_forwarded_for: bool) -> ClientAddress {
    if trust_forwarded_for {
        if let Some(entry) = last_forwarded(req) {
            return entry.parse().map_or_else(|_| ClientAddress::Other(entry.to_owned()), ClientAddress::Ip);
        }
    }
    req.peer_addr().map_or_else(|| ClientAddress::Other("unknown".to_owned()), |a| ClientAddress::Ip(a.ip()))
}

/// [`client_address_with`] under the server's [`TrustForwardedFor`] policy.
pub fn client_address(req: &HttpRequest) -> String {
    let trust = req.app_data::<web::Data<TrustForwardedFor>>().is_some_and(|t| t.0);
    client_address_with(req, trust)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use actix_web::ResponseError;

    fn limiter() -> RateLimiter {
        RateLimiter::new(Arc::new(MemoryCache::new(1 << 20)))
    }

    #[tokio::test]
    async fn the_request_past_the_limit_gets_429_with_retry_after() {
        let l = limiter();
        let limit = Limit::per_secs(2, 60);
        assert!(l.check("t", "a", limit).await.is_ok());
        assert!(l.check("t", "a", limit).await.is_ok());
        let e = l.check("t", "a", limit).await.err().map(|e| e.error_response());
        let resp = e.unwrap_or_else(|| panic!("third request must be limited"));
        assert_eq!(resp.status(), 429);
        let retry: u64 = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(l.check("t", "b", limit).await.is_ok(), "another subject has its own count");
        assert!(l.check("u", "a", limit).await.is_ok(), "another scope has its own count");
        l.reset("t", "a").await;
        assert!(l.check("t", "a", limit).await.is_ok(), "reset forgets the count");
    }

    #[test]
    fn the_unformatted_client_address_names_the_same_client_as_the_formatted_one() {
        use actix_web::test::TestRequest;
        let peer: std::net::SocketAddr = "10.1.2.3:5555".parse().unwrap();
        let plain = TestRequest::default().peer_addr(peer).to_http_request();
        assert_eq!(client_address_of(&plain, false), ClientAddress::Ip(peer.ip()));
        assert_eq!(client_address_with(&plain, false), "10.1.2.3");
        let proxied = TestRequest::default().peer_addr(peer).insert_header(("x-forwarded-for", "6.6.6.6, 192.168.0.9")).to_http_request();
        assert_eq!(client_address_of(&proxied, false), ClientAddress::Ip(peer.ip()), "forwarded entries untrusted");
        assert_eq!(client_address_of(&proxied, true), ClientAddress::Ip("192.168.0.9".parse().unwrap()), "the last entry, from our proxy");
        assert_eq!(client_address_with(&proxied, true), "192.168.0.9");
        let odd = TestRequest::default().peer_addr(peer).insert_header(("x-forwarded-for", "unknown")).to_http_request();
        assert_eq!(client_address_of(&odd, true), ClientAddress::Other("unknown".into()));
        let empty = TestRequest::default().peer_addr(peer).insert_header(("x-forwarded-for", " ")).to_http_request();
        assert_eq!(client_address_of(&empty, true), ClientAddress::Ip(peer.ip()), "an empty entry falls back to the peer");
    }

    #[tokio::test]
    async fn zero_turns_the_limit_off() {
        let l = limiter();
        for _ in 0..20 {
            assert!(l.check("t", "a", Limit::per_secs(0, 60)).await.is_ok());
        }
    }
}
