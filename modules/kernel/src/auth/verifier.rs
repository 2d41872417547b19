//! Session-token verification without a network call per request.

use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Header};

use super::claims::{peek_issuer, validation, SessionClaims};
use super::jwks::{JwksSettings, RemoteJwks};
use super::keys::{normalize_pem, KeySet, VerifyKey};
use super::principal::{Principal, Role};

/// How tokens are checked; built from configuration. Every field added after the first
/// version has a neutral default, so `..Default::default()` keeps older callers working.
#[derive(Debug, Clone, Default)]
pub struct TokenSettings {
    /// Clerk's instance public key in PEM form (`CLERK_JWT_KEY`). With neither it nor
    /// `clerk_jwks_url`, Clerk tokens cannot be verified and answer 401.
    pub clerk_public_key_pem: Option<String>,
    /// Accepted clock skew for `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// When non-empty, a Clerk token's `azp` must be one of these origins.
    pub authorized_parties: Vec<String>,
    /// When set, a Clerk token's `iss` must equal it (`https://<instance>.clerk.accounts.dev`).
    pub issuer: Option<String>,
    /// Clerk's JWKS URL (`CLERK_JWKS_URL`, `https://<instance>/.well-known/jwks.json`).
    pub clerk_jwks_url: Option<String>,
    /// The `iss` of tokens of our own (the auth module's issuer). None: only keys
    /// registered in process with [`TokenVerifier::trust_own_keys`] name it.
    pub own_issuer: Option<String>,
    /// Where our own public keys are published (`<auth>/api/auth/jwks.json`), for
    /// services that do not run the auth module in process.
    pub own_jwks_url: Option<String>,
    /// Seconds a fetched JWKS is used before being refetched; 0 = 3600.
    pub jwks_cache_ttl_secs: u64,
    /// Fewest seconds between two JWKS fetches (unknown `kid` included); 0 = 30.
    pub jwks_min_refresh_secs: u64,
}

impl TokenSettings {
    fn jwks(&self) -> JwksSettings {
        let d = JwksSettings::default();
        let or = |secs: u64, default: Duration| if secs == 0 { default } else { Duration::from_secs(secs) };
        JwksSettings {
            cache_ttl: or(self.jwks_cache_ttl_secs, d.cache_ttl),
            min_refresh_interval: or(self.jwks_min_refresh_secs, d.min_refresh_interval),
            timeout: d.timeout,
        }
    }
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

fn invalid(e: impl std::fmt::Display) -> AuthError {
    AuthError::Invalid(e.to_string())
}

/// Our own issuer and the keys registered in process.
#[derive(Default)]
struct OwnKeys {
    issuer: Option<String>,
    local: KeySet,
}

/// How long a verified token is taken on trust when it comes again (never beyond its
/// `exp`). Bounds how long a token verified with a key that is then withdrawn from a
/// JWKS keeps being accepted.
pub const VERIFIED_TTL: Duration = Duration::from_secs(60);

/// Bytes of tokens remembered as verified.
const VERIFIED_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Verifies session tokens. Shared by every module through the [`Principal`] extractor.
///
/// [`Self::verify_async`] remembers the tokens it verified (token -> principal and
/// `exp`) for [`VERIFIED_TTL`]: a client sends the same token with every request, and
/// checking it again (RSA signature, JSON) was the main per-request cost of a signed-in
/// route. Only verified tokens are remembered; registering own keys forgets them all.
pub struct TokenVerifier {
    clerk_key: Option<DecodingKey>,
    clerk_jwks: Option<RemoteJwks>,
    own: RwLock<OwnKeys>,
    own_jwks: Option<RemoteJwks>,
    leeway: u64,
    clerk_issuer: Option<String>,
    authorized_parties: Vec<String>,
    verified: moka::future::Cache<String, Verified>,
}

/// A verified session token: the caller, and whether the role still has to be asked
/// for (a Clerk user whose token carries no role claim: Clerk's default session token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The caller, with the role of the token's claim ([`Role::Customer`] without one).
    pub principal: Principal,
    /// A Clerk token (`user_...` subject) without a `metadata.role` claim: the role
    /// comes from the [`super::RoleResolver`].
    pub role_unclaimed: bool,
    /// `exp` of the token.
    exp: u64,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("clerk_key", &self.clerk_key.is_some())
            .field("clerk_jwks", &self.clerk_jwks)
            .field("own_jwks", &self.own_jwks)
            .finish()
    }
}

/// Which keys and checks a token gets.
enum Kind {
    Clerk,
    Own(String),
}

impl TokenVerifier {
    /// Builds a verifier; fails when the configured PEM is not an RSA public key or a
    /// JWKS URL does not parse. Nothing is fetched here: keys come on first use.
    pub fn new(settings: &TokenSettings) -> Result<Self, String> {
        let clerk_key = match settings.clerk_public_key_pem.as_deref().map(normalize_pem) {
            Some(pem) => Some(
                DecodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| format!("CLERK_JWT_KEY is not an RSA public key in PEM form: {e}"))?,
            ),
            None => None,
        };
        let remote = |url: &Option<String>, what: &str| -> Result<Option<RemoteJwks>, String> {
            url.as_deref()
                .filter(|u| !u.trim().is_empty())
                .map(|u| RemoteJwks::new(u.trim().to_owned(), settings.jwks()).map_err(|e| format!("{what}: {e}")))
                .transpose()
        };
        Ok(Self {
            clerk_key,
            clerk_jwks: remote(&settings.clerk_jwks_url, "CLERK_JWKS_URL")?,
            own: RwLock::new(OwnKeys { issuer: settings.own_issuer.clone(), local: KeySet::default() }),
            own_jwks: remote(&settings.own_jwks_url, "own JWKS URL")?,
            leeway: settings.leeway_secs,
            clerk_issuer: settings.issuer.clone(),
            authorized_parties: settings.authorized_parties.clone(),
            verified: moka::future::Cache::builder()
                .max_capacity(VERIFIED_MAX_BYTES)
                .weigher(|token: &String, v: &Verified| u32::try_from(token.len() + v.principal.user_id.len() + 64).unwrap_or(u32::MAX))
                .time_to_live(VERIFIED_TTL)
                .build(),
        })
    }

    /// Trusts tokens whose `iss` is `issuer`, verified with `keys` (the auth module
    /// registers its public keys here when it runs in process). Replaces earlier ones.
    pub fn trust_own_keys(&self, issuer: &str, keys: KeySet) {
        if let Ok(mut own) = self.own.write() {
            *own = OwnKeys { issuer: Some(issuer.to_owned()), local: keys };
        }
        self.verified.invalidate_all();
    }

    /// The issuer of our own tokens, when one is configured or registered.
    pub fn own_issuer(&self) -> Option<String> {
        self.own.read().ok().and_then(|o| o.issuer.clone())
    }

    fn kind(&self, token: &str, header: &Header) -> Kind {
        let iss = peek_issuer(token, header);
        match (iss, self.own_issuer()) {
            (Some(iss), Some(own)) if iss == own => Kind::Own(own),
            _ => Kind::Clerk,
        }
    }

    /// Verifies `token` with the keys at hand (the PEM, keys registered in process,
    /// JWKS keys already fetched): never a network call. Prefer [`Self::verify_async`].
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        self.verify_uncached(token).map(|v| v.principal)
    }

    fn verify_uncached(&self, token: &str) -> Result<Verified, AuthError> {
        let header = decode_header(token).map_err(invalid)?;
        match self.kind(token, &header) {
            Kind::Own(iss) => {
                let key = self.own_key_cached(header.kid.as_deref()).ok_or_else(|| invalid("unknown signing key"))?;
                self.check_own(token, &key, &iss)
            }
            Kind::Clerk => {
                let cached = header.kid.as_deref().and_then(|kid| self.clerk_jwks.as_ref().and_then(|j| j.cached(kid)));
                match cached {
                    Some(key) => self.check_clerk(token, &header, &key),
                    None => self.check_clerk_pem(token, &header),
                }
            }
        }
    }

    /// Verifies `token`, fetching a JWKS when a configured one is not loaded yet, is
    /// stale, or lacks the token's `kid` (at most once per refresh interval).
    /// A token verified within [`VERIFIED_TTL`] is accepted again without checking,
    /// until its `exp` (plus the leeway) passes.
    pub async fn verify_async(&self, token: &str) -> Result<Principal, AuthError> {
        self.verify_session(token).await.map(|v| v.principal)
    }

    /// [`Self::verify_async`], telling also whether the role is still to be resolved
    /// (the [`super::Principal`] extractor asks the [`super::RoleResolver`] then: never
    /// remembered here, so a role change reaches the next request).
    pub async fn verify_session(&self, token: &str) -> Result<Verified, AuthError> {
        if let Some(verified) = self.verified.get(token).await {
            if now_secs() <= verified.exp.saturating_add(self.leeway) {
                return Ok(verified);
            }
            self.verified.invalidate(token).await;
        }
        let verified = self.verify_fetching(token).await?;
        self.verified.insert(token.to_owned(), verified.clone()).await;
        Ok(verified)
    }

    async fn verify_fetching(&self, token: &str) -> Result<Verified, AuthError> {
        let header = decode_header(token).map_err(invalid)?;
        match self.kind(token, &header) {
            Kind::Own(iss) => {
                let kid = header.kid.as_deref().ok_or_else(|| invalid("no kid"))?;
                let key = match self.own_key_cached(Some(kid)) {
                    Some(k) => Some(k),
                    None => match &self.own_jwks {
                        Some(j) => j.key(kid).await,
                        None => None,
                    },
                };
                self.check_own(token, &key.ok_or_else(|| invalid("unknown signing key"))?, &iss)
            }
            Kind::Clerk => match (&self.clerk_jwks, header.kid.as_deref()) {
                (Some(jwks), Some(kid)) => match jwks.key(kid).await {
                    Some(key) => self.check_clerk(token, &header, &key),
                    None => self.check_clerk_pem(token, &header),
                },
                _ => self.check_clerk_pem(token, &header),
            },
        }
    }

    fn own_key_cached(&self, kid: Option<&str>) -> Option<VerifyKey> {
        let kid = kid?;
        let local = self.own.read().ok().and_then(|o| o.local.get(kid).cloned());
        local.or_else(|| self.own_jwks.as_ref().and_then(|j| j.cached(kid)))
    }

    fn check_clerk_pem(&self, token: &str, header: &Header) -> Result<Verified, AuthError> {
        let key = self.clerk_key.as_ref().ok_or(if self.clerk_jwks.is_some() { invalid("unknown signing key") } else { AuthError::NotConfigured })?;
        self.check_clerk(token, header, &VerifyKey { alg: Algorithm::RS256, key: key.clone() })
    }

    fn check_clerk(&self, token: &str, header: &Header, key: &VerifyKey) -> Result<Verified, AuthError> {
        // Only RS256: a token claiming `none` or HS256 is refused before any key is used.
        if header.alg != Algorithm::RS256 || key.alg != Algorithm::RS256 {
            return Err(invalid(format!("algorithm {:?} not accepted", header.alg)));
        }
        let v = validation(Algorithm::RS256, self.leeway, self.clerk_issuer.as_deref());
        let claims = decode::<SessionClaims>(token, &key.key, &v).map_err(invalid)?.claims;
        if !self.authorized_parties.is_empty()
            && !claims.azp.as_ref().is_some_and(|azp| self.authorized_parties.iter().any(|p| p == azp))
        {
            return Err(AuthError::UnauthorizedParty(claims.azp));
        }
        let claim = claims.metadata.as_ref().and_then(|m| m.role.as_deref());
        let role_unclaimed = claim.is_none() && is_clerk_user_id(&claims.sub);
        Ok(Verified { principal: principal(claims.sub, Role::from_claim(claim))?, role_unclaimed, exp: claims.exp })
    }

    fn check_own(&self, token: &str, key: &VerifyKey, issuer: &str) -> Result<Verified, AuthError> {
        let v = validation(key.alg, self.leeway, Some(issuer));
        let claims = decode::<SessionClaims>(token, &key.key, &v).map_err(invalid)?.claims;
        Ok(Verified { principal: principal(claims.sub, Role::from_claim(claims.role.as_deref()))?, role_unclaimed: false, exp: claims.exp })
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A Clerk user id (`user_...`), the only subjects whose role Clerk's API knows.
pub(super) fn is_clerk_user_id(sub: &str) -> bool {
    sub.strip_prefix("user_").is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
}

fn principal(sub: String, role: Role) -> Result<Principal, AuthError> {
    if sub.trim().is_empty() {
        return Err(AuthError::Invalid("empty sub".into()));
    }
    Ok(Principal { user_id: sub, role })
}
