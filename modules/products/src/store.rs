//! The storage port of the products module.
//!
//! Promises, for every adapter (checked by the conformance suite in
//! `tests/conformance`, run against MongoDB and the embedded store):
//! - A product read back is equal to the one inserted (documents keep their fields,
//!   unknown ones included; numbers keep their value).
//! - `list` returns the products matching the query's filter in the query's order
//!   (ties on `_id`, i.e. insertion order), the requested page of them, and `total` =
//!   how many match without paging.
//! - `update_owned` and `delete_owned` only touch a product whose `userId` is the
//!   given owner; a missing or foreign product is `Ok(None)` and changes nothing.
//! - `reserve_stock` is all-or-nothing and atomic with respect to every other call:
//!   concurrent reservations never take more than the stock, never leave it negative.
//!   A product without `stock` is unlimited but must be `inStock`. Reservation ids make
//!   `reserve_stock`, `confirm_stock` and `release_stock` idempotent (see
//!   [`hme_products_contract::Catalog`]); the hold is written in the same transaction as the
//!   stock it takes or gives back, and `expire_holds` gives back unconfirmed holds past
//!   their lease (see [`hme_kernel::holds`]).
//!
//! Errors: [`StoreError::Unavailable`] = the backend could not be reached or failed; the
//! operation may or may not have happened for single-document writes, never half-way
//! for `reserve_stock`. [`StoreError::Corrupt`] = a stored document cannot be read as a
//! product (lists skip such documents with a warning instead).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_products_contract::CatalogError;
use mongodb::bson::oid::ObjectId;

use crate::domain::{ListQuery, Product, ProductPatch};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed or could not be reached.
    #[error("product storage unavailable: {0}")]
    Unavailable(String),
    /// A stored document is not a readable product.
    #[error("unreadable product: {0}")]
    Corrupt(String),
}

impl From<StoreError> for CatalogError {
    fn from(e: StoreError) -> Self {
        CatalogError::Unavailable(e.to_string())
    }
}

/// One page of a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListPage {
    /// The products of the page, in order.
    pub products: Vec<Product>,
    /// How many products match the filter in all.
    pub total: u64,
}

/// One line of a stock reservation, ids already parsed, products distinct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLine {
    /// The product.
    pub product_id: ObjectId,
    /// Units wanted (at least 1).
    pub qty: u32,
}

/// Makes the event that announces a change of a product (committed with the change).
pub type Announce = fn(&Product) -> hme_kernel::events::EventEnvelope;

/// The products storage port (see the module documentation for its promises).
#[async_trait]
pub trait ProductStore: Send + Sync {
    /// The adapter's name (`mongodb`, `embedded`), for logs.
    fn name(&self) -> &'static str;
    /// Stores a new product (its `_id` must be new).
    async fn insert(&self, product: &Product) -> Result<(), StoreError>;
    /// The product with this id, if any.
    async fn get(&self, id: &ObjectId) -> Result<Option<Product>, StoreError>;
    /// The products with these ids that exist, in no particular order.
    async fn get_many(&self, ids: &[ObjectId]) -> Result<Vec<Product>, StoreError>;
    /// The matching products, ordered and paged.
    async fn list(&self, query: &ListQuery) -> Result<ListPage, StoreError>;
    /// Applies `patch` to the product if `owner` owns it; returns it as updated.
    async fn update_owned(&self, id: &ObjectId, owner: &str, patch: &ProductPatch, now: DateTime<Utc>) -> Result<Option<Product>, StoreError>;
    /// Deletes the product if `owner` owns it and, in the same transaction, appends to
    /// the outbox the event `announce` makes of it (both are committed or neither is);
    /// returns what was deleted.
    async fn delete_owned(&self, id: &ObjectId, owner: &str, announce: Announce) -> Result<Option<Product>, StoreError>;
    /// How many products exist.
    async fn count(&self) -> Result<u64, StoreError>;
    /// Takes stock for every line or for none, recording a `held` hold that expires
    /// `lease` after `now`, in one transaction; idempotent by `reservation_id`.
    async fn reserve_stock(&self, reservation_id: &str, lines: &[StockLine], now: DateTime<Utc>, lease: chrono::Duration) -> Result<(), CatalogError>;
    /// `held` → `confirmed` (no expiry); again is Ok; a released hold is `Released`.
    async fn confirm_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError>;
    /// Gives back what `reservation_id` took, once; records the id as released.
    async fn release_stock(&self, reservation_id: &str, now: DateTime<Utc>) -> Result<(), CatalogError>;
    /// Gives back every `held` hold whose lease ended by `now` (conditional on the state,
    /// so concurrent sweepers never give twice); returns how many.
    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64, CatalogError>;
}
