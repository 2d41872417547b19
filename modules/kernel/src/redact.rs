//! Connection strings without their secrets, for logs and error messages.

/// `scheme://user:***@host/path` — the URL with its password (and any `password`,
/// `secret`, `token` query parameters) replaced. A string that does not parse as a URL
/// is replaced whole, since it may be a secret.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "<unparseable url>".to_owned();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret = ["password", "secret", "token", "key"].iter().any(|s| k.to_ascii_lowercase().contains(s));
            (k.into_owned(), if secret { "***".to_owned() } else { v.into_owned() })
        })
        .collect();
    if !pairs.is_empty() {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_survive_redaction() {
        let r = redact_url("mongodb://shop:s3cr3t@db.example:27017/shop?authSource=admin");
        assert!(!r.contains("s3cr3t"), "{r}");
        assert!(r.contains("shop:***@db.example"), "{r}");
        let r = redact_url("amqp://guest:guest@127.0.0.1:5672/%2f");
        assert!(!r.contains(":guest@"), "{r}");
        assert_eq!(redact_url("not a url with s3cr3t"), "<unparseable url>");
    }
}
