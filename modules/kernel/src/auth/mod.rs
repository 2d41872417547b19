//! Who is calling: session-token verification and the [`Principal`] extractor.
//!
//! Two kinds of bearer tokens are accepted, told apart by their `iss`:
//! - Clerk session tokens (RS256), verified locally with the instance's public key:
//!   the PEM (`CLERK_JWT_KEY`) and/or the keys of Clerk's JWKS URL (`CLERK_JWKS_URL`),
//!   fetched once, cached, and refetched (rate limited) when a token names an unknown
//!   `kid`. The role is the custom session claim `metadata.role`.
//! - Tokens of our own (EdDSA or RS256), signed by the auth module, whose `iss` is the
//!   configured own issuer. Their keys are registered in process by the auth module
//!   ([`TokenVerifier::trust_own_keys`]) or fetched from its `/api/auth/jwks.json`
//!   (`own_jwks_url`) when it runs elsewhere. The role is the `role` claim.
//!
//! The token comes from `Authorization: Bearer`, else from Clerk's `__session` cookie;
//! a state-changing request signed in by the cookie alone must come from the shop's own
//! origin ([`session`]). A Clerk token without a role claim (Clerk's default session
//! token) gets its role from the [`RoleResolver`] (Clerk's backend API, remembered).
//!
//! No request costs a network call, except the first after a key rotation (and, for a
//! Clerk user without a role claim, the first within the role TTL).

mod claims;
mod jwks;
mod keys;
mod principal;
mod roles;
pub mod session;
mod verifier;

pub use jwks::JwksSettings;
pub use keys::KeySet;
pub use principal::{Principal, Role};
pub use roles::{role_of_public_metadata, RoleResolver, RoleSettings, DEFAULT_CLERK_API_URL, FAILURE_BACKOFF};
pub use session::{TrustedOrigins, SESSION_COOKIE};
pub use verifier::{AuthError, TokenSettings, TokenVerifier, Verified};
