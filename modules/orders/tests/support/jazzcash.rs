//! The published JazzCash `pp_SecureHash` algorithm, written independently of hme's
//! (`hmac` crate not used): upper-case hex HMAC-SHA256 keyed by the integrity salt over
//! `salt&` + the values of the non-empty `pp_*` keys (but `pp_SecureHash`) in key order.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// HMAC-SHA256 written from RFC 2104 (independent of the `hmac` crate).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(msg.iter().copied()).collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner.iter().copied()).collect();
    Sha256::digest(&outer).to_vec()
}

/// The published algorithm: `salt&` + values of non-empty pp_* keys in key order.
pub fn reference_hash(salt: &str, fields: &BTreeMap<String, String>) -> String {
    let mut keys: Vec<&String> = fields.keys().filter(|k| k.starts_with("pp_") && *k != "pp_SecureHash" && !fields[*k].is_empty()).collect();
    keys.sort();
    let values: Vec<&str> = keys.iter().map(|k| fields[*k].as_str()).collect();
    let msg = format!("{salt}&{}", values.join("&"));
    hmac_sha256(salt.as_bytes(), msg.as_bytes()).iter().map(|b| format!("{b:02X}")).collect()
}

