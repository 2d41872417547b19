//! The customers port: what other modules (orders, the worker) ask the auth module
//! about a signed-in customer.
//!
//! In one process the auth module answers it directly; split into services an HTTP
//! client does. It carries no framework types.
//!
//! Promises:
//! - [`Customers::address`] returns the address only when it exists AND belongs to
//!   `user_id`; a foreign, unknown or malformed id is `Ok(None)` (the caller answers
//!   404 without learning which).
//! - [`Customers::profile`] returns the user's name and email from the `users`
//!   collection; an unknown user is `Ok(None)`.
//! - [`Customers::clear_cart`] leaves the user's cart as `{}`; clearing an empty
//!   cart, or the cart of an unknown user, does nothing and returns Ok (retries are safe).
//!
//! Errors: [`CustomersError::Unavailable`] means the storage could not be reached or
//! answered unexpectedly; nothing is known to have changed, retrying later is safe.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A delivery address, as the `addresses` collection holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAddress {
    /// The address `_id` as 24 hex characters.
    pub id: String,
    /// The owner's user id.
    pub user_id: String,
    /// The recipient.
    pub full_name: String,
    /// A phone number, as typed.
    pub phone_number: String,
    /// The postal code, when given.
    pub pin_code: Option<i64>,
    /// Street and area.
    pub area: String,
    /// City.
    pub city: String,
    /// State or province.
    pub state: String,
}

/// Who a customer is, for emails and order records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerProfile {
    /// The user id (Clerk id, or an own account's id).
    pub user_id: String,
    /// The display name.
    pub name: String,
    /// The email address.
    pub email: String,
}

/// Why a customers call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "camelCase")]
pub enum CustomersError {
    /// The storage could not be reached; nothing is known to have changed.
    #[error("customers unavailable: {0}")]
    Unavailable(String),
}

/// The status a customers failure answers: the module unreachable is a 503.
impl From<CustomersError> for hme_kernel::error::ApiError {
    fn from(e: CustomersError) -> Self {
        Self::unavailable(e)
    }
}

/// The customers port (see the module documentation for its promises).
#[async_trait]
pub trait Customers: Send + Sync {
    /// The address `address_id` if it is `user_id`'s.
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError>;
    /// The user's name and email.
    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError>;
    /// Empties the user's cart (stored as `{}`).
    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError>;
}
