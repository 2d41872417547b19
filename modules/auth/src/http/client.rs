//! The client address a login is counted against.

use actix_web::HttpRequest;

/// The first `X-Forwarded-For` entry when trusted, else the peer address.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim);
        if let Some(ip) = forwarded.filter(|s| !s.is_empty()) {
            return ip.to_owned();
        }
    }
    req.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}
