//! The orders service: validation, pricing, stock, storage, events and the customer's
//! cart together. Handlers are thin wrappers around it.

mod lifecycle;
mod lists;
pub(crate) mod place;

use std::sync::Arc;

use hme_kernel::auth::Principal;
use hme_auth_contract::{AddressBook, Customers};
use hme_products_contract::{Catalog, CatalogError};
use hme_kernel::ratelimit::{Limit, RateLimiter};
use hme_kernel::ApiError;

use crate::settings::OrdersSettings;
use crate::store::{OrderStore, StoreError};

pub use place::Placed;

/// What the orders module calls in other modules.
#[derive(Clone)]
pub struct OrdersDeps {
    /// Prices and stock (the products module).
    pub catalog: Arc<dyn Catalog>,
    /// Addresses, profiles and carts (the auth module).
    pub customers: Arc<dyn Customers>,
    /// Address documents for the populated lists (the auth module).
    pub address_book: Arc<dyn AddressBook>,
}

/// The orders service.
pub struct OrdersService {
    pub(crate) store: Arc<dyn OrderStore>,
    pub(crate) deps: OrdersDeps,
    pub(crate) settings: OrdersSettings,
    /// Order-creation rate limits; None: unlimited (a service built without a platform).
    pub(crate) limiter: Option<RateLimiter>,
}

impl OrdersService {
    /// A service over `store`.
    pub fn new(store: Arc<dyn OrderStore>, deps: OrdersDeps, settings: OrdersSettings) -> Self {
        Self { store, deps, settings, limiter: None }
    }

    /// Counts order placements in `limiter` (`orders.create_max_per_user`,
    /// `orders.create_max_per_ip` per `orders.create_window_secs`).
    pub fn with_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Counts one order placement by `principal` from `client`; 429 with `Retry-After`
    /// past the per-user or per-address limit.
    pub async fn check_create_limits(&self, principal: &Principal, client: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let s = &self.settings;
        limiter.check("order:user", &principal.user_id, Limit::per_secs(s.create_max_per_user, s.create_window_secs)).await?;
        limiter.check("order:ip", client, Limit::per_secs(s.create_max_per_ip, s.create_window_secs)).await
    }

    /// One stored order as stored (tests, tools).
    pub async fn stored(&self, id: &mongodb::bson::oid::ObjectId) -> Result<Option<mongodb::bson::Document>, StoreError> {
        self.store.get(id).await
    }
}

/// The status an orders storage failure answers: storage down is a 503.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::unavailable(e)
    }
}

/// A catalog failure as the customer sees it: the status is the contract's
/// (`From<CatalogError> for ApiError`); orders only rewords an answer about the request
/// to name the cart item ("Item 2 (Mouse, product ...): out of stock (1 available)").
pub(crate) fn catalog_error(e: CatalogError, item_of: impl Fn(&str) -> Option<(usize, String)>) -> ApiError {
    let label = |id: &str| match item_of(id) {
        Some((n, name)) if !name.is_empty() => format!("Item {n} ({name}, product {id})"),
        Some((n, _)) => format!("Item {n} (product {id})"),
        None => format!("Product {id}"),
    };
    let reworded = match &e {
        CatalogError::NotFound(id) => Some(format!("{}: product not found", label(id))),
        CatalogError::OutOfStock { product_id, available } => Some(format!("{}: out of stock ({available} available)", label(product_id))),
        CatalogError::Released(_) | CatalogError::Unavailable(_) => None,
    };
    let status = ApiError::from(e);
    match reworded {
        Some(message) => status.reworded(message),
        None => status,
    }
}
