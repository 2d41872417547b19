//! The sales-counter port between the worker and the products module.
//!
//! [`SalesLedger`] is answered by the products module and called by the worker when an
//! order is created (`order.created`): each ordered product's `sales` counter grows by
//! the quantity ordered. `views` are never touched.

use async_trait::async_trait;
use uuid::Uuid;

/// Why a sales-counter update failed.
#[derive(Debug, thiserror::Error)]
pub enum SalesError {
    /// The products store could not be reached; nothing (or, on MongoDB, only some
    /// counters, never recorded as done) was written. Retrying with the same event id is
    /// safe.
    #[error("sales ledger unavailable: {0}")]
    Unavailable(String),
}

/// Increments products' sales counters, once per event.
///
/// Promises: `record_sales(event_id, lines)` adds each line's quantity to the `sales` of
/// the product with that id (ObjectId hex); products that do not exist (or ids that are
/// not ObjectIds) are skipped. Calling again with the same `event_id` changes nothing
/// and returns `Ok(false)`; the first successful call returns `Ok(true)`. Errors:
/// [`SalesError::Unavailable`] only.
#[async_trait]
pub trait SalesLedger: Send + Sync {
    /// Adds `lines` (`(product_id, quantity)`) to the sales counters unless `event_id` was
    /// already recorded. Returns whether counters were changed by this call.
    async fn record_sales(&self, event_id: Uuid, lines: &[(String, i64)]) -> Result<bool, SalesError>;
}
