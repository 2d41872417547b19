//! The claims read from session tokens, and an unverified peek at `iss`.

use jsonwebtoken::{decode, Algorithm, DecodingKey, Header, Validation};
use serde::Deserialize;

/// The claims both token kinds share, plus each kind's role claim.
#[derive(Debug, Deserialize)]
pub(super) struct SessionClaims {
    pub sub: String,
    /// Expiry (seconds since the epoch); required by the validation.
    #[serde(default)]
    pub exp: u64,
    #[serde(default)]
    pub azp: Option<String>,
    /// Clerk: public metadata put in the session token by a template.
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// Own tokens: the account's role.
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Metadata {
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IssuerOnly {
    #[serde(default)]
    iss: Option<String>,
}

/// The `iss` of a token, read WITHOUT verifying anything: only used to pick which
/// keys and checks apply; the chosen verification then checks `iss` again.
pub(super) fn peek_issuer(token: &str, header: &Header) -> Option<String> {
    let mut v = Validation::new(header.alg);
    v.insecure_disable_signature_validation();
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    decode::<IssuerOnly>(token, &DecodingKey::from_secret(&[]), &v).ok().and_then(|d| d.claims.iss)
}

/// The validation of one token with one key of algorithm `alg`.
pub(super) fn validation(alg: Algorithm, leeway: u64, issuer: Option<&str>) -> Validation {
    let mut v = Validation::new(alg);
    v.leeway = leeway;
    v.validate_nbf = true;
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp", "sub"]);
    if let Some(iss) = issuer {
        v.set_issuer(&[iss]);
    }
    v
}
