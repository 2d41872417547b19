//! Who is calling: session-token verification and the [`Principal`] extractor.
//!
//! Clerk session tokens (RS256) are verified locally with the instance's public key
//! (`CLERK_JWT_KEY`, PEM), so no request costs a network call. The role is read from
//! the custom session claim `metadata.role`, which is how Clerk puts public metadata
//! into session tokens.

mod principal;
mod verifier;

pub use principal::{Principal, Role};
pub use verifier::{AuthError, TokenSettings, TokenVerifier};
