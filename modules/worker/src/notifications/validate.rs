//! Input checks shared by subscribe and contact (the per-address rate limit is the
//! kernel's `RateLimiter`).

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
    hme_kernel::text::check(s, field, field == "Message").map_err(ApiError::bad_request)?;
    Ok(s.to_owned())
}
