//! Our own access tokens: signed with a key from configuration (EdDSA or RS256), the
//! public half published as a JWKS at `/api/auth/jwks.json`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hme_kernel::auth::{KeySet, Role};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ring::signature::{Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{json, Value};

/// Signs access tokens.
pub struct Signer {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
    jwks: Value,
    issuer: String,
    ttl_secs: u64,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("alg", &self.alg).field("kid", &self.kid).finish()
    }
}

fn kid_of(public: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public);
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12])
}

impl Signer {
    /// Loads a PEM private key: PKCS#8 Ed25519 (EdDSA), PKCS#8 or PKCS#1 RSA (RS256).
    pub fn from_pem(pem_text: &str, issuer: &str, ttl_secs: u64) -> Result<Self, String> {
        let normalized = pem_text.trim().replace("\\n", "\n");
        let parsed = pem::parse(normalized.as_bytes()).map_err(|e| format!("not a PEM key: {e}"))?;
        let der = parsed.contents();
        if parsed.tag() == "PRIVATE KEY" {
            if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
                return Ok(Self::ed25519(der, pair.public_key().as_ref(), issuer, ttl_secs));
            }
        }
        let pair = match parsed.tag() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(der),
            other => return Err(format!("unsupported PEM block {other:?}: expected PRIVATE KEY (Ed25519 or RSA)")),
        }
        .map_err(|e| format!("not an Ed25519 or RSA private key: {e}"))?;
        let key = EncodingKey::from_rsa_pem(normalized.as_bytes()).map_err(|e| format!("RSA key: {e}"))?;
        let c: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
        let kid = kid_of(pair.public().as_ref());
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)});
        Ok(Self { alg: Algorithm::RS256, kid, key, jwks: json!({"keys": [jwk]}), issuer: issuer.to_owned(), ttl_secs })
    }

    /// A fresh Ed25519 key (when none is configured): tokens die with the process.
    pub fn ephemeral(issuer: &str, ttl_secs: u64) -> Result<Self, String> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|e| format!("key generation: {e}"))?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|e| format!("key generation: {e}"))?;
        Ok(Self::ed25519(pkcs8.as_ref(), pair.public_key().as_ref(), issuer, ttl_secs))
    }

    fn ed25519(pkcs8: &[u8], public: &[u8], issuer: &str, ttl_secs: u64) -> Self {
        let kid = kid_of(public);
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid, "x": URL_SAFE_NO_PAD.encode(public)});
        Self { alg: Algorithm::EdDSA, kid, key: EncodingKey::from_ed_der(pkcs8), jwks: json!({"keys": [jwk]}), issuer: issuer.to_owned(), ttl_secs }
    }

    /// A signed access token for `user_id` with `role`, from refresh family `sid`.
    pub fn access_token(&self, user_id: &str, role: Role, sid: &str) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.ttl_secs).unwrap_or(900);
        let claims = json!({"iss": self.issuer, "sub": user_id, "iat": now, "nbf": now, "exp": now + ttl, "role": role, "sid": sid});
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.key).map_err(|e| format!("signing: {e}"))
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// The public keys, for the in-process verifier.
    pub fn key_set(&self) -> KeySet {
        KeySet::from_jwks_json(self.jwks.to_string().as_bytes()).unwrap_or_default()
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Access-token lifetime, seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }
}
