//! The client address a login or registration is counted against.

use actix_web::HttpRequest;

/// The last `X-Forwarded-For` entry (the one the trusted proxy added) when trusted (`accounts.trust_forwarded_for` or
/// the server-wide `server.trust_forwarded_for`), else the peer address.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        hme_kernel::ratelimit::client_address_with(req, true)
    } else {
        hme_kernel::ratelimit::client_address(req)
    }
}
