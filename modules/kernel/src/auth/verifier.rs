//! Session-token verification without a network call per request.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::principal::{Principal, Role};

/// How tokens are checked; built from configuration.
#[derive(Debug, Clone, Default)]
pub struct TokenSettings {
    /// Clerk's instance public key in PEM form (`CLERK_JWT_KEY`). None: Clerk tokens
    /// cannot be verified and every signed-in route answers 401.
    pub clerk_public_key_pem: Option<String>,
    /// Accepted clock skew for `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// When non-empty, a token's `azp` must be one of these origins.
    pub authorized_parties: Vec<String>,
    /// When set, a token's `iss` must equal it.
    pub issuer: Option<String>,
}

/// Why a token was refused. Only [`AuthError::client_message`] reaches the client.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header.
    #[error("no bearer token")]
    Missing,
    /// The header is not `Bearer <token>`.
    #[error("malformed authorization: {0}")]
    Malformed(&'static str),
    /// No key is configured to verify tokens.
    #[error("no token verification key is configured")]
    NotConfigured,
    /// Signature, algorithm, expiry or a claim check failed.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The token verified but its `azp` is not an authorized party.
    #[error("token azp {0:?} is not an authorized party")]
    UnauthorizedParty(Option<String>),
}

impl AuthError {
    /// What the client is told (never which check failed in detail).
    pub fn client_message(&self) -> &'static str {
        match self {
            AuthError::Missing => "Unauthorized: sign in required",
            _ => "Unauthorized: invalid or expired token",
        }
    }
}

#[derive(Debug, Deserialize)]
struct SessionClaims {
    sub: String,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default)]
    role: Option<String>,
}

/// Verifies session tokens. Shared by every module through the [`Principal`] extractor.
pub struct TokenVerifier {
    clerk_key: Option<DecodingKey>,
    validation: Validation,
    authorized_parties: Vec<String>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("clerk_key", &self.clerk_key.is_some()).finish()
    }
}

impl TokenVerifier {
    /// Builds a verifier; fails when the configured PEM is not an RSA public key.
    pub fn new(settings: &TokenSettings) -> Result<Self, String> {
        let clerk_key = match settings.clerk_public_key_pem.as_deref().map(normalize_pem) {
            Some(pem) => Some(
                DecodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| format!("CLERK_JWT_KEY is not an RSA public key in PEM form: {e}"))?,
            ),
            None => None,
        };
        // Only RS256: a token claiming `none` or HS256 is refused before any key is used.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = settings.leeway_secs;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
        }
        Ok(Self { clerk_key, validation, authorized_parties: settings.authorized_parties.clone() })
    }

    /// Verifies `token` and returns the caller it names.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let key = self.clerk_key.as_ref().ok_or(AuthError::NotConfigured)?;
        let header = decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid(format!("algorithm {:?} not accepted", header.alg)));
        }
        let data = decode::<SessionClaims>(token, key, &self.validation).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let claims = data.claims;
        if !self.authorized_parties.is_empty()
            && !claims.azp.as_ref().is_some_and(|azp| self.authorized_parties.iter().any(|p| p == azp))
        {
            return Err(AuthError::UnauthorizedParty(claims.azp));
        }
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid("empty sub".into()));
        }
        let role = Role::from_claim(claims.metadata.as_ref().and_then(|m| m.role.as_deref()));
        Ok(Principal { user_id: claims.sub, role })
    }
}

/// `.env` files often hold the PEM on one line with literal `\n`; accept that form too.
fn normalize_pem(pem: &str) -> String {
    pem.trim().replace("\\n", "\n")
}
