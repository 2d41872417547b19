//! Input checks shared by subscribe and contact, and the per-address rate limit.

use std::time::Duration;

use actix_web::HttpRequest;
use hme_kernel::cache::Cache;
use hme_kernel::ApiError;
use serde_json::Value;

/// A plausible email address, trimmed and lower-cased; None when it is not one
/// (one `@`, non-empty local part, a dotted domain, no spaces, at most 254 characters).
pub fn normalize_email(v: Option<&Value>) -> Option<String> {
    let e = v?.as_str()?.trim().to_ascii_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && e.chars().all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_control()));
    ok.then_some(e)
}

/// A required text field, trimmed, 1 to `max` characters.
pub fn bounded_text(v: Option<&Value>, field: &str, max: usize) -> Result<String, ApiError> {
    let s = v.and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if s.is_empty() {
        return Err(ApiError::bad_request(format!("{field} is required")));
    }
    if s.chars().count() > max {
        return Err(ApiError::bad_request(format!("{field} is too long (at most {max} characters)")));
    }
    Ok(s.to_owned())
}

/// The client's address: the TCP peer (forwarded headers are not trusted).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".to_owned())
}

/// Counts one request of `route` from `client`; 429 with `Retry-After` above `max` per
/// `window`. A cache failure lets the request through (logged).
pub async fn rate_limit(cache: &dyn Cache, route: &str, client: &str, max: u64, window: Duration) -> Result<(), ApiError> {
    match cache.hit(&format!("ratelimit:{route}:{client}"), window).await {
        Ok((n, left)) if n > max => Err(ApiError::too_many_requests(left.as_secs().max(1))),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(route, error = %e, "rate limit not applied: cache unavailable");
            Ok(())
        }
    }
}
