//! Validation of what sellers send: every failure is a 400 naming the problem.

use hme_kernel::ApiError;
use serde_json::Value;

/// Longest product name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Longest category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 100;
/// Longest image URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Most tags per product and longest tag.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// Largest price accepted (PKR).
pub const MAX_PRICE: f64 = 1e12;
/// Largest stock count accepted.
pub const MAX_STOCK: i64 = 1_000_000_000;

fn is_absent(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// A trimmed text field: None when absent; 400 when blank, not text, or too long.
pub fn text(value: Option<&Value>, label: &str, max: usize) -> Result<Option<String>, ApiError> {
    if is_absent(value) {
        return Ok(None);
    }
    let Some(s) = value.and_then(Value::as_str) else {
        return Err(ApiError::bad_request(format!("{label} must be text")));
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(ApiError::bad_request(format!("{label} is required")));
    }
    if s.chars().count() > max {
        return Err(ApiError::bad_request(format!("{label} is too long (at most {max} characters)")));
    }
    // Only descriptions run over several lines.
    hme_kernel::text::check(s, label, label.to_ascii_lowercase().contains("description")).map_err(ApiError::bad_request)?;
    Ok(Some(s.to_owned()))
}

/// A required trimmed text field.
pub fn required_text(value: Option<&Value>, label: &str, max: usize) -> Result<String, ApiError> {
    text(value, label, max)?.ok_or_else(|| ApiError::bad_request(format!("{label} is required")))
}

/// A money amount given as a JSON number or a string of digits (`"1999"`, `"1999.50"`).
/// None when absent, null or an empty string.
pub fn amount(value: Option<&Value>, label: &str) -> Result<Option<f64>, ApiError> {
    let parsed = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => parse_decimal(s.trim()),
        Some(_) => None,
    };
    let Some(v) = parsed.filter(|v| v.is_finite()) else {
        return Err(ApiError::bad_request(format!("{label} must be a number")));
    };
    if v < 0.0 {
        return Err(ApiError::bad_request(format!("{label} must not be negative")));
    }
    if v > MAX_PRICE {
        return Err(ApiError::bad_request(format!("{label} is too large")));
    }
    Ok(Some(v))
}

/// Digits with an optional fraction; a leading `-` is parsed so it can be refused as negative.
fn parse_decimal(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (digits(int) && digits(frac)).then(|| s.parse::<f64>().ok()).flatten()
}

/// The offer price as legacy edit reads it: missing or falsy (null, 0, "", false) is 0.
pub fn offer_price_or_zero(value: Option<&Value>) -> Result<f64, ApiError> {
    match value {
        Some(Value::Bool(false)) => Ok(0.0),
        other => Ok(amount(other, "Offer price")?.unwrap_or(0.0)),
    }
}

/// Refuses an offer price above the price.
pub fn check_offer(price: f64, offer: f64) -> Result<(), ApiError> {
    if offer > price {
        return Err(ApiError::bad_request("Offer price cannot be above the price"));
    }
    Ok(())
}

/// Image URLs: a non-empty array of at most `max` http(s) URLs.
pub fn images(value: Option<&Value>, max: usize) -> Result<Vec<String>, ApiError> {
    let items = match value {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => return Err(ApiError::bad_request("No image URLs provided")),
    };
    if items.len() > max {
        return Err(ApiError::bad_request(format!("Too many images (at most {max})")));
    }
    items.iter().map(|v| v.as_str().and_then(valid_url).ok_or_else(|| ApiError::bad_request("Invalid image URLs"))).collect()
}

fn valid_url(s: &str) -> Option<String> {
    let s = s.trim();
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let scheme_ok = lower.starts_with("http://") || lower.starts_with("https://");
    let host_ok = s.split_once("//").is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    (scheme_ok && host_ok && s.len() <= MAX_URL_CHARS && !s.chars().any(char::is_whitespace)).then(|| s.to_owned())
}

/// Optional tags: an array of short strings (trimmed, blanks dropped).
pub fn tags(value: Option<&Value>) -> Result<Option<Vec<String>>, ApiError> {
    if is_absent(value) {
        return Ok(None);
    }
    let bad = || ApiError::bad_request(format!("Tags must be an array of at most {MAX_TAGS} texts of at most {MAX_TAG_CHARS} characters"));
    let items = value.and_then(Value::as_array).ok_or_else(bad)?;
    if items.len() > MAX_TAGS {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let t = item.as_str().map(str::trim).ok_or_else(bad)?;
        if t.chars().count() > MAX_TAG_CHARS || hme_kernel::text::forbidden_char(t, false).is_some() {
            return Err(bad());
        }
        if !t.is_empty() {
            out.push(t.to_owned());
        }
    }
    Ok(Some(out))
}

/// Optional stock count: a non-negative integer (number or digits).
pub fn stock(value: Option<&Value>) -> Result<Option<i64>, ApiError> {
    let bad = || ApiError::bad_request(format!("Stock must be a whole number between 0 and {MAX_STOCK}"));
    let n = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    n.filter(|n| (0..=MAX_STOCK).contains(n)).map(Some).ok_or_else(bad)
}

/// The product id of a request body: 400 "Missing product ID" when absent or blank,
/// 400 when it is not a 24-hex id.
pub fn product_id(value: Option<&Value>) -> Result<mongodb::bson::oid::ObjectId, ApiError> {
    let s = match value {
        None | Some(Value::Null) => return Err(ApiError::bad_request("Missing product ID")),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(ApiError::bad_request("Missing product ID")),
        Some(Value::String(s)) => s,
        Some(_) => return Err(ApiError::bad_request("Invalid product ID")),
    };
    hme_kernel::ids::parse_object_id(s, "product ID")
}

/// A boolean flag (`inStock`, `promotion`): anything but true or false is "Invalid input".
pub fn flag(value: Option<&Value>) -> Result<bool, ApiError> {
    value.and_then(Value::as_bool).ok_or_else(|| ApiError::bad_request("Invalid input"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_accept_numbers_and_digit_strings_only() {
        assert_eq!(amount(Some(&json!("1999")), "Price").ok().flatten(), Some(1999.0));
        assert_eq!(amount(Some(&json!("1999.50")), "Price").ok().flatten(), Some(1999.5));
        assert_eq!(amount(Some(&json!(12.5)), "Price").ok().flatten(), Some(12.5));
        for bad in [json!("12a"), json!("1e5"), json!(true), json!("-5"), json!(-1), json!("0x10")] {
            assert!(amount(Some(&bad), "Price").is_err(), "{bad}");
        }
    }

    #[test]
    fn image_urls_must_be_http() {
        assert!(images(Some(&json!(["https://a.test/x.jpg"])), 8).is_ok());
        assert!(images(Some(&json!(["ftp://a.test/x.jpg"])), 8).is_err());
        assert!(images(Some(&json!(["javascript:alert(1)"])), 8).is_err());
        assert!(images(Some(&json!(["http://"])), 8).is_err());
        assert!(images(Some(&json!([])), 8).is_err());
    }
}
