//! `pp_SecureHash`: upper-case hex HMAC-SHA256 keyed by the integrity salt over
//! `salt&v1&v2...`, the values of the non-empty `pp_*` fields (except `pp_SecureHash`)
//! in key order (byte order of the names).

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The message that is signed: `salt&v1&v2...`.
pub fn hash_message(salt: &str, fields: &BTreeMap<String, String>) -> String {
    let mut msg = salt.to_owned();
    for (k, v) in fields {
        if k.starts_with("pp_") && k != "pp_SecureHash" && !v.is_empty() {
            msg.push('&');
            msg.push_str(v);
        }
    }
    msg
}

/// `pp_SecureHash` of `fields`.
pub fn secure_hash(salt: &str, fields: &BTreeMap<String, String>) -> String {
    let msg = hash_message(salt, fields);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(salt.as_bytes()) else { return String::new() };
    mac.update(msg.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// Whether `received` is the hash of `fields`, compared in constant time (case of the
/// hex digits ignored).
pub fn verify(salt: &str, fields: &BTreeMap<String, String>, received: &str) -> bool {
    let expected = secure_hash(salt, fields);
    let received = received.trim().to_ascii_uppercase();
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}
