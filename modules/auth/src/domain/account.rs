//! Accounts of our own (email + password), and their refresh tokens.

use chrono::{DateTime, Utc};
use hme_kernel::auth::Role;
use hme_kernel::ApiError;

/// Shortest and longest accepted password, in characters (the upper bound caps the
/// hashing cost an attacker can ask for).
pub const PASSWORD_CHARS: (usize, usize) = (8, 128);

/// An account of our own. Its `id` is also the `_id` of its `users` document, so the
/// cart, addresses and orders work as for a Clerk user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `usr_<32 hex>`.
    pub id: String,
    /// The normalized email (see [`normalize_email`]); unique.
    pub email: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// The role our tokens carry.
    pub role: Role,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Account {
    /// A new id for an account.
    pub fn new_id() -> String {
        format!("usr_{}", uuid::Uuid::now_v7().simple())
    }
}

/// A stored refresh token: only the SHA-256 of the token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// Hex SHA-256 of the token.
    pub hash: String,
    /// Every token issued from one login shares the family; reuse revokes it all.
    pub family_id: String,
    /// The account.
    pub user_id: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// After this it is refused.
    pub expires_at: DateTime<Utc>,
    /// Set when it was exchanged for a new one (rotation).
    pub used_at: Option<DateTime<Utc>>,
    /// Set when its family was revoked (logout, reuse).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Live: it is now marked used (exactly one caller gets this per token).
    Fresh(RefreshRecord),
    /// Already exchanged before: a sign of theft; the caller revokes the family.
    Reused(RefreshRecord),
    /// Its family was revoked.
    Revoked,
    /// Past its expiry.
    Expired,
    /// No such token.
    Unknown,
}

/// Trims and lower-cases an email and checks its shape; `None` when it is not one.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let domain_ok = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@') && !domain.contains("..");
    (!local.is_empty() && local.len() <= 64 && domain_ok).then_some(email)
}

/// Checks a new password's length.
pub fn validate_password(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < PASSWORD_CHARS.0 || n > PASSWORD_CHARS.1 {
        return Err(ApiError::bad_request(format!("Invalid input: the password must have {} to {} characters", PASSWORD_CHARS.0, PASSWORD_CHARS.1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(normalize_email("  Ada.Lovelace@Example.COM "), Some("ada.lovelace@example.com".into()));
        for bad in ["", "ada", "ada@", "@x.com", "ada@x", "a b@x.com", "ada@x..com", "ada@@x.com"] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_must_have_8_to_128_characters() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_password(&"x".repeat(129)).is_err());
    }
}
