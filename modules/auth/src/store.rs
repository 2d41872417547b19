//! The storage ports of the auth module.
//!
//! [`UserStore`]: the legacy `users` and `addresses` collections, shared with the
//! mongoose app. [`AccountStore`]: our own `accounts` and `refresh_tokens`.
//!
//! Promises, for every adapter (checked by `tests/conformance`, run against MongoDB
//! and the embedded store):
//! - Documents read back equal what was written; fields outside the schema survive
//!   `upsert_profile` and `set_cart` (only the named fields change).
//! - `upsert_profile` creates a user with `cartItems: {}` and `__v: 0`, or sets name,
//!   email and imageUrl of an existing one (the cart is kept); repeating it is a no-op.
//! - `insert_user` never overwrites: an existing `_id` or email is [`StoreError::Conflict`].
//! - `set_cart` and `delete_user` report whether the user existed.
//! - `addresses_of` lists one user's addresses in insertion order.
//! - `use_refresh` is atomic: of concurrent calls with one token, exactly one gets
//!   [`RefreshUse::Fresh`]; the others get `Reused`.
//! - `revoke_family` marks every token of the family revoked; later uses get `Revoked`.
//!
//! Errors: [`StoreError::Unavailable`] = the backend failed or could not be reached;
//! [`StoreError::Conflict`] = a unique key (user `_id`, email) is taken;
//! [`StoreError::Corrupt`] = a stored record cannot be read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::auth::Role;
use mongodb::bson::{oid::ObjectId, Document};

use crate::domain::{Account, Address, RefreshRecord, RefreshUse, User, UserProfile};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed or could not be reached.
    #[error("auth storage unavailable: {0}")]
    Unavailable(String),
    /// A unique key is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored record is not readable.
    #[error("unreadable record: {0}")]
    Corrupt(String),
}

/// The legacy users and addresses (see the module documentation for the promises).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// The adapter's name (`mongodb`, `embedded`).
    fn name(&self) -> &'static str;
    /// The user with this `_id`.
    async fn user(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// Creates or updates name, email, imageUrl.
    async fn upsert_profile(&self, profile: &UserProfile) -> Result<(), StoreError>;
    /// Inserts a new user; `Conflict` when the `_id` or the email is taken.
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;
    /// Deletes the user; whether it existed.
    async fn delete_user(&self, id: &str) -> Result<bool, StoreError>;
    /// Replaces the cart; whether the user exists.
    async fn set_cart(&self, id: &str, cart: &Document) -> Result<bool, StoreError>;
    /// Stores a new address.
    async fn insert_address(&self, address: &Address) -> Result<(), StoreError>;
    /// The user's addresses, in insertion order.
    async fn addresses_of(&self, user_id: &str) -> Result<Vec<Address>, StoreError>;
    /// One address by id.
    async fn address(&self, id: &ObjectId) -> Result<Option<Address>, StoreError>;
}

/// Accounts of our own and their refresh tokens (see the module documentation).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The adapter's name.
    fn name(&self) -> &'static str;
    /// Stores a new account; `Conflict` when the email or id is taken.
    async fn create_account(&self, account: &Account) -> Result<(), StoreError>;
    /// The account with this normalized email.
    async fn account_by_email(&self, email: &str) -> Result<Option<Account>, StoreError>;
    /// The account with this id.
    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError>;
    /// Sets the role; whether the account exists.
    async fn set_role(&self, id: &str, role: Role, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Stores a new refresh token record.
    async fn insert_refresh(&self, record: &RefreshRecord) -> Result<(), StoreError>;
    /// Presents a token (by hash): marks it used when live, atomically.
    async fn use_refresh(&self, hash: &str, now: DateTime<Utc>) -> Result<RefreshUse, StoreError>;
    /// Revokes every token of the family.
    async fn revoke_family(&self, family_id: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The record of a token (by hash), whatever its state.
    async fn refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError>;
}
