//! The users service: the legacy user, cart and address routes, the Clerk webhook
//! changes, and the [`Customers`] port for other modules.

use std::sync::Arc;

use async_trait::async_trait;
use hme_auth_contract::{AddressBook, AddressBookError, CustomerAddress, CustomerProfile, Customers, CustomersError};
use hme_kernel::ApiError;
use mongodb::bson::{oid::ObjectId, Document};
use serde_json::Value;

use crate::domain::webhook::UserChange;
use crate::domain::{validate_cart, Address, AddressInput, User};
use crate::store::{StoreError, UserStore};

/// The status a users storage failure answers: unavailable 503, an email already in
/// use 409, an unreadable document 500.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ApiError::unavailable(e),
            StoreError::Conflict(_) => ApiError::conflict("Conflict: the email address is already in use"),
            StoreError::Corrupt(_) => ApiError::internal(e),
        }
    }
}

fn user_not_found() -> ApiError {
    ApiError::not_found("User not found")
}

/// Serves the legacy user routes over a [`UserStore`].
pub struct UsersService {
    store: Arc<dyn UserStore>,
    max_cart_lines: usize,
}

impl UsersService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn UserStore>, max_cart_lines: usize) -> Self {
        Self { store, max_cart_lines }
    }

    /// The store (the accounts service writes users of its own).
    pub fn store(&self) -> Arc<dyn UserStore> {
        Arc::clone(&self.store)
    }

    /// The caller's user document; 404 "User not found".
    pub async fn user(&self, user_id: &str) -> Result<User, ApiError> {
        self.store.user(user_id).await?.ok_or_else(user_not_found)
    }

    /// Replaces the caller's cart after validation; 404 for an unknown user.
    pub async fn update_cart(&self, user_id: &str, cart: &Value) -> Result<(), ApiError> {
        let cart = validate_cart(cart, self.max_cart_lines)?;
        if self.store.set_cart(user_id, &cart).await? { Ok(()) } else { Err(user_not_found()) }
    }

    /// Stores a new address of the caller.
    pub async fn add_address(&self, user_id: &str, input: &AddressInput) -> Result<Address, ApiError> {
        let address = input.into_address(user_id)?;
        self.store.insert_address(&address).await?;
        Ok(address)
    }

    /// The caller's addresses, oldest first.
    pub async fn addresses(&self, user_id: &str) -> Result<Vec<Address>, ApiError> {
        self.store.addresses_of(user_id).await.map_err(ApiError::from)
    }

    /// Applies a Clerk user event.
    pub async fn apply(&self, change: &UserChange) -> Result<(), StoreError> {
        match change {
            UserChange::Upsert(p) => self.store.upsert_profile(p).await,
            UserChange::Delete(id) => self.store.delete_user(id).await.map(|_| ()),
            UserChange::Ignore => Ok(()),
        }
    }
}

fn unavailable(e: StoreError) -> CustomersError {
    CustomersError::Unavailable(e.to_string())
}

#[async_trait]
impl Customers for UsersService {
    async fn address(&self, user_id: &str, address_id: &str) -> Result<Option<CustomerAddress>, CustomersError> {
        let Ok(id) = ObjectId::parse_str(address_id.trim()) else { return Ok(None) };
        let found = self.store.address(&id).await.map_err(unavailable)?;
        Ok(found.filter(|a| a.user_id() == user_id).map(|a| a.to_customer()))
    }

    async fn profile(&self, user_id: &str) -> Result<Option<CustomerProfile>, CustomersError> {
        let user = self.store.user(user_id).await.map_err(unavailable)?;
        Ok(user.map(|u| CustomerProfile { user_id: u.id().to_owned(), name: u.name().to_owned(), email: u.email().to_owned() }))
    }

    async fn clear_cart(&self, user_id: &str) -> Result<(), CustomersError> {
        self.store.set_cart(user_id, &Document::new()).await.map(|_| ()).map_err(unavailable)
    }
}

#[async_trait]
impl AddressBook for UsersService {
    async fn address_documents(&self, ids: &[String]) -> Result<Vec<Value>, AddressBookError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for id in ids.iter().filter_map(|i| ObjectId::parse_str(i.trim()).ok()).filter(|o| seen.insert(*o)) {
            if let Some(a) = self.store.address(&id).await.map_err(|e| AddressBookError::Unavailable(e.to_string()))? {
                out.push(a.to_json());
            }
        }
        Ok(out)
    }
}
