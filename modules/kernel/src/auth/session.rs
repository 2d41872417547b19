//! Where a request's session token comes from, and the cross-site check of requests
//! signed in by the session cookie alone.
//!
//! - An `Authorization` header decides on its own: `Bearer <token>` is the token, and
//!   `Bearer null` / `Bearer undefined` / `Bearer ` (what axios sends when Clerk's
//!   `getToken()` gave nothing) mean signed out, whatever cookie comes along; this is
//!   how Clerk's own `authenticateRequest` reads a request (a header, when present, is
//!   the only token looked at).
//! - Without the header, the Clerk session JWT of the `__session` cookie (the storefront's
//!   `fetch` calls: checkout initiate, tracking) is the token, verified the same way.
//! - A state-changing request (POST, PUT, PATCH, DELETE) signed in by the cookie alone
//!   must come from the shop's own pages: its `Origin` (else its `Referer`) must be the
//!   origin hme is reached at (the `Host` header; `X-Forwarded-Host` too when the proxy
//!   is trusted) or one of the [`TrustedOrigins`]. Anything else, `Origin: null`, and a
//!   request with neither header are refused (403) as cross-site request forgery. A
//!   header-authenticated request cannot be forged cross-site (a page cannot set
//!   `Authorization` on another site's request without a CORS preflight hme refuses).

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest};

use super::verifier::AuthError;
use crate::ratelimit::TrustForwardedFor;

/// The cookie Clerk keeps the session JWT in.
pub const SESSION_COOKIE: &str = "__session";

/// Origins (`scheme://host[:port]`) whose pages may send state-changing requests
/// signed in by the session cookie, besides the origin hme is reached at. Registered
/// once by the composition root as app data; absent means none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedOrigins(Vec<String>);

impl TrustedOrigins {
    /// The origins, normalized (lower case, default ports dropped, no path); entries
    /// that are not `http(s)` URLs are skipped (and logged).
    pub fn new<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list: Vec<String> = Vec::new();
        for o in origins {
            let o = o.as_ref().trim();
            if o.is_empty() {
                continue;
            }
            match origin_of(o) {
                Some(norm) if !list.contains(&norm) => list.push(norm),
                Some(_) => {}
                None => tracing::warn!(origin = o, "not an http(s) origin: ignored as a trusted origin"),
            }
        }
        Self(list)
    }

    /// The normalized origins.
    pub fn origins(&self) -> &[String] {
        &self.0
    }

    fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }
}

/// Where the token of a request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SessionToken {
    /// `Authorization: Bearer <token>`.
    Header(String),
    /// The `__session` cookie, no `Authorization` header.
    Cookie(String),
}

impl SessionToken {
    pub fn token(&self) -> &str {
        match self {
            SessionToken::Header(t) | SessionToken::Cookie(t) => t,
        }
    }
}

/// The token of a request: the `Authorization` header when there is one, else the
/// `__session` cookie. Several `Authorization` headers are refused rather than guessing
/// which one counts.
pub(super) fn session_token(req: &HttpRequest) -> Result<SessionToken, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return cookie(req).map(SessionToken::Cookie).ok_or(AuthError::Missing);
    };
    if values.next().is_some() {
        return Err(AuthError::Malformed("several Authorization headers"));
    }
    let value = value.to_str().map_err(|_| AuthError::Malformed("Authorization header is not text"))?.trim();
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Malformed("expected `Bearer <token>`"));
    }
    match token.trim() {
        // axios with a signed-out Clerk: `Bearer ${null}`.
        "" | "null" | "undefined" => Err(AuthError::Missing),
        t => Ok(SessionToken::Header(t.to_owned())),
    }
}

/// The first non-empty `__session` cookie (as Clerk reads it), over every `Cookie` header.
fn cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| name.trim() == SESSION_COOKIE && !value.trim().is_empty())
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
}

/// Whether the method changes state (the methods a cross-site form or `fetch` could
/// use to act on the shopper's behalf).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// The cross-site request forgery check of a request signed in by the cookie alone:
/// Ok for reads and for state-changing requests from an accepted origin; the reason
/// otherwise (logged, never sent).
pub(super) fn check_cookie_request(req: &HttpRequest) -> Result<(), String> {
    if !changes_state(req.method()) {
        return Ok(());
    }
    let (claimed, via) = match header_text(req, header::ORIGIN) {
        Some(origin) => (origin, "Origin"),
        None => match header_text(req, header::REFERER) {
            Some(referer) => (referer, "Referer"),
            None => return Err("no Origin or Referer header".to_owned()),
        },
    };
    let Some(origin) = origin_of(claimed) else {
        return Err(format!("{via} {claimed:?} is not an http(s) origin"));
    };
    let authority = authority_of(&origin);
    let default_port = if origin.starts_with("https://") { 443 } else { 80 };
    let same_host = |host: &str| normalize_host(host, default_port).is_some_and(|h| h == authority);
    let request_host = header_text(req, header::HOST).or_else(|| req.uri().authority().map(|a| a.as_str()));
    if request_host.is_some_and(same_host) {
        return Ok(());
    }
    let trust_forwarded = req.app_data::<web::Data<TrustForwardedFor>>().is_some_and(|t| t.0);
    if trust_forwarded && req.headers().get_all("x-forwarded-host").filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(same_host) {
        return Ok(());
    }
    if req.app_data::<web::Data<TrustedOrigins>>().is_some_and(|t| t.contains(&origin)) {
        return Ok(());
    }
    Err(format!("{via} {origin} is another site"))
}

fn header_text(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// `scheme://host[:port]` of an http(s) URL or origin, lower case, default port
/// dropped; None for `null`, other schemes, or text that is not a URL.
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let origin = u.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// `host[:port]` of a normalized origin.
fn authority_of(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, a)| a)
}

/// A `Host` / `X-Forwarded-Host` value as it appears in an origin: lower case, the
/// default port of the origin's scheme dropped.
fn normalize_host(host: &str, default_port: u16) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let suffix = format!(":{default_port}");
    Some(host.strip_suffix(&suffix).unwrap_or(&host).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn origins_are_normalized() {
        assert_eq!(origin_of("https://Shop.Example:443/cart?x=1").as_deref(), Some("https://shop.example"));
        assert_eq!(origin_of("http://localhost:3000/").as_deref(), Some("http://localhost:3000"));
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("file:///etc/passwd"), None);
        let t = TrustedOrigins::new(["https://shop.example/", "nonsense", "", "https://SHOP.example"]);
        assert_eq!(t.origins(), ["https://shop.example"]);
    }

    #[test]
    fn a_header_wins_and_bearer_null_is_signed_out() {
        let req = TestRequest::default().insert_header(("Authorization", "Bearer abc")).insert_header(("Cookie", "__session=xyz")).to_http_request();
        assert_eq!(session_token(&req).ok(), Some(SessionToken::Header("abc".into())));
        let req = TestRequest::default().insert_header(("Authorization", "Bearer null")).insert_header(("Cookie", "__session=xyz")).to_http_request();
        assert!(matches!(session_token(&req), Err(AuthError::Missing)));
        let req = TestRequest::default().insert_header(("Cookie", "a=1; __session=xyz; b=2")).to_http_request();
        assert_eq!(session_token(&req).ok(), Some(SessionToken::Cookie("xyz".into())));
        let req = TestRequest::default().insert_header(("Cookie", "__session=; __client_uat=0")).to_http_request();
        assert!(matches!(session_token(&req), Err(AuthError::Missing)));
    }

    #[test]
    fn host_with_the_default_port_matches_the_origin() {
        let req = TestRequest::post().insert_header(("Host", "shop.example:443")).insert_header(("Origin", "https://shop.example")).to_http_request();
        assert!(check_cookie_request(&req).is_ok());
        let req = TestRequest::post().insert_header(("Host", "shop.example:8443")).insert_header(("Origin", "https://shop.example")).to_http_request();
        assert!(check_cookie_request(&req).is_err());
    }
}
