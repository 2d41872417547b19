//! The catalog port: what other modules (orders) ask the products module about products.
//!
//! In one process the products module answers it directly; split into services an HTTP
//! client does. It carries no framework types.
//!
//! Promises:
//! - [`Catalog::products_by_ids`] returns the products that exist among the ids asked,
//!   once each, in the order first asked; unknown and malformed ids are left out (the
//!   caller compares lengths to spot them).
//! - [`Catalog::reserve_for`] is all-or-nothing and atomic: either every line's quantity
//!   is taken from stock or nothing is, in one transaction with the hold that records it
//!   (`stock_reservations`, see [`hme_kernel::holds`]), so no other shopper ever sees an
//!   intermediate stock. Concurrent reservations never oversell: stock never goes below
//!   zero. A product without a `stock` count has unlimited stock but must be `inStock`.
//!   Reserving again with a `reservation_id` that is already reserved does nothing and
//!   returns Ok (retries are safe). The hold lives for `lease`: unless confirmed by then
//!   it is given back by the products module's sweeper (any instance, idempotent).
//! - [`Catalog::confirm`] makes a hold part of an order (no expiry); again is Ok; a
//!   released hold answers [`CatalogError::Released`]. The orders module confirms in its
//!   own transaction when the holds share its database, and calls this otherwise.
//! - [`Catalog::release`] gives back what the reservation `reservation_id` took, once:
//!   releasing again, or releasing an id that never reserved, does nothing and returns
//!   Ok. A released id is spent: a later `reserve` with it answers
//!   [`CatalogError::Released`].
//!
//! - [`Catalog::product_documents`] returns the existing products among the ids asked,
//!   each exactly as mongoose's `toJSON` serializes it (virtuals `id` and
//!   `effectivePrice` included): what `populate('items.product')` puts in an order.
//!   Unknown and malformed ids are left out; order is unspecified.
//!
//! Errors: [`CatalogError::NotFound`] and [`CatalogError::OutOfStock`] are answers about
//! the request (show them to the customer); [`CatalogError::Unavailable`] means the
//! storage could not be reached or answered unexpectedly: nothing is known to have
//! changed, retrying later with the same reservation id is safe.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// How long a hold lives unless confirmed, when the caller does not say (30 s).
pub const DEFAULT_HOLD_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// What an order needs to know about a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogProduct {
    /// The product's `_id` as 24 hex characters.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The list price, PKR.
    pub price: f64,
    /// The offer price, PKR (0 when there is no offer).
    pub offer_price: f64,
    /// What one unit costs now: `offer_price` when above 0, else `price`.
    pub unit_price: f64,
    /// Whether the seller sells it now.
    pub in_stock: bool,
    /// Units left; None means the product does not count stock (unlimited).
    pub stock: Option<i64>,
    /// The first image URL, if any.
    pub image: Option<String>,
}

/// Why a catalog call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CatalogError {
    /// No product has this id (the id as given).
    #[error("product {0} not found")]
    NotFound(String),
    /// The product cannot supply the quantity: `available` units are left (0 when the
    /// product is marked out of stock).
    #[error("product {product_id} is out of stock ({available} available)")]
    OutOfStock {
        /// The product's id.
        product_id: String,
        /// Units that could be reserved now.
        available: i64,
    },
    /// The reservation id was already released; reservation ids are single-use.
    #[error("reservation {0} was already released")]
    Released(String),
    /// The catalog could not be reached; nothing is known to have changed.
    #[error("catalog unavailable: {0}")]
    Unavailable(String),
}

/// The status a catalog failure answers: an unknown product 404, too little stock 409
/// (both shown to the customer), a spent reservation id 500 (a bug of the caller), the
/// catalog unreachable 503.
impl From<CatalogError> for hme_kernel::error::ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::NotFound(_) => Self::not_found(e.to_string()),
            CatalogError::OutOfStock { .. } => Self::conflict(e.to_string()),
            CatalogError::Released(_) => Self::internal(e),
            CatalogError::Unavailable(_) => Self::unavailable(e),
        }
    }
}

/// The catalog port (see the module documentation for its promises).
#[async_trait]
pub trait Catalog: Send + Sync {
    /// The existing products among `ids` (24-hex strings), once each, in request order.
    async fn products_by_ids(&self, ids: &[String]) -> Result<Vec<CatalogProduct>, CatalogError>;
    /// Takes `qty` units of each `(product_id, qty)` line from stock, all or nothing,
    /// held for `lease` unless confirmed.
    async fn reserve_for(&self, reservation_id: &str, lines: &[(String, u32)], lease: std::time::Duration) -> Result<(), CatalogError>;
    /// [`Catalog::reserve_for`] with [`DEFAULT_HOLD_LEASE`].
    async fn reserve(&self, reservation_id: &str, lines: &[(String, u32)]) -> Result<(), CatalogError> {
        self.reserve_for(reservation_id, lines, DEFAULT_HOLD_LEASE).await
    }
    /// Makes the hold part of an order: it no longer expires.
    async fn confirm(&self, reservation_id: &str) -> Result<(), CatalogError>;
    /// Gives back what the reservation took. `lines` is what the caller believes it
    /// reserved; the recorded reservation is authoritative when it exists.
    async fn release(&self, reservation_id: &str, lines: &[(String, u32)]) -> Result<(), CatalogError>;
    /// The existing products among `ids` as mongoose JSON documents (for populate).
    async fn product_documents(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, CatalogError>;
}
