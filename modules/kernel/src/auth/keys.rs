//! Verification keys by `kid`, built from a JWKS document or a PEM.

use std::collections::HashMap;

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};

/// One usable key: its algorithm is fixed by the key, never by the token.
#[derive(Clone)]
pub(super) struct VerifyKey {
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// Public keys by `kid` (RSA keys as RS256, Ed25519 keys as EdDSA); keys of other
/// types or without a `kid` are skipped.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, VerifyKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet").field("kids", &self.keys.keys().collect::<Vec<_>>()).finish()
    }
}

impl KeySet {
    /// The usable keys of a JWKS document.
    pub fn from_jwks(set: &JwkSet) -> Self {
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else { continue };
            let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
                (AlgorithmParameters::OctetKeyPair(_), None | Some(KeyAlgorithm::EdDSA)) => Algorithm::EdDSA,
                _ => continue,
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid, VerifyKey { alg, key });
                }
                Err(e) => tracing::warn!(kid, error = %e, "skipping an unusable JWKS key"),
            }
        }
        Self { keys }
    }

    /// Parses a JWKS JSON document.
    /// A key the parser does not know (another key type, an unknown `alg`) is skipped,
    /// not fatal: providers add key types over time.
    pub fn from_jwks_json(json: &[u8]) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct Raw {
            keys: Vec<serde_json::Value>,
        }
        let raw: Raw = serde_json::from_slice(json).map_err(|e| format!("not a JWKS document: {e}"))?;
        let keys = raw.keys.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect();
        Ok(Self::from_jwks(&JwkSet { keys }))
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key with this `kid` is known.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub(super) fn get(&self, kid: &str) -> Option<&VerifyKey> {
        self.keys.get(kid)
    }
}

/// `.env` files often hold the PEM on one line with literal `\n`; accept that form too.
pub(super) fn normalize_pem(pem: &str) -> String {
    pem.trim().replace("\\n", "\n")
}
