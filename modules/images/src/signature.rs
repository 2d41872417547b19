//! Cloudinary's request signature, as its docs define it ("Generating authentication
//! signatures"): take every parameter to sign except `file`, `cloud_name`,
//! `resource_type`, `api_key` and `signature`, drop empty values, sort by name, join as
//! `name=value` with `&`, append the API secret, and hash with SHA-1 (or SHA-256 when the
//! account is set to it); the signature is the lower-case hex digest.

use sha1::Digest;

use crate::settings::SignatureAlgorithm;

/// Parameters never signed.
const UNSIGNED: [&str; 5] = ["file", "cloud_name", "resource_type", "api_key", "signature"];

/// The string that is hashed, without the secret: `a=1&b=2`.
pub fn string_to_sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = params.into_iter().filter(|(k, v)| !v.is_empty() && !UNSIGNED.contains(k)).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The signature of `params` with `secret`.
pub fn sign<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, secret: &str, algorithm: SignatureAlgorithm) -> String {
    let payload = format!("{}{secret}", string_to_sign(params));
    match algorithm {
        SignatureAlgorithm::Sha1 => hex::encode(sha1::Sha1::digest(payload.as_bytes())),
        SignatureAlgorithm::Sha256 => hex::encode(sha2::Sha256::digest(payload.as_bytes())),
    }
}

/// Compares two hex signatures in constant time (for the stub and any verifier).
pub fn signatures_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
