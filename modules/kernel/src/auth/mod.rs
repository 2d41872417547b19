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
//! No request costs a network call, except the first after a key rotation.

mod claims;
mod jwks;
mod keys;
mod principal;
mod verifier;

pub use jwks::JwksSettings;
pub use keys::KeySet;
pub use principal::{Principal, Role};
pub use verifier::{AuthError, TokenSettings, TokenVerifier};
