//! The storage port of the orders module.
//!
//! Promises, for every adapter. No conformance suite of its own checks them yet: the
//! route tests of `tests/api` (create, lifecycle, lists, stock) do, through the service,
//! on MongoDB and on the embedded store.
//! - [`OrderStore::claim`] claims an `Idempotency-Key` for one attempt (order id) until
//!   a time, in a short write of its own (never inside a long transaction, so a process
//!   that dies holding a claim blocks its key only until the claim ends): [`Claim::Mine`],
//!   [`Claim::Done`] (the key's order exists: replay it) or [`Claim::Busy`] (another live
//!   attempt holds it). An ended claim is taken over by the next attempt.
//! - [`OrderStore::insert`] stores the order document, appends its event to the outbox,
//!   confirms its stock hold (when the hold lives in the same database) and records the
//!   idempotency key (when given; the claim becomes the record) atomically: all or none.
//!   When a fresh record for the key exists already (a retry, or a concurrent twin that
//!   won), nothing is written and [`Inserted::Replayed`] carries the record; when another
//!   attempt took the claim over, [`Inserted::ClaimLost`]; when the hold was given back
//!   (its lease ended), [`Inserted::HoldReleased`]. A record older than `fresh_after`
//!   counts as absent and is replaced.
//! - [`OrderStore::list`] returns the orders of one user, or all, in natural order, as
//!   the legacy `Order.find(...)` did (the my-orders page reverses the list to show the
//!   newest first): MongoDB a `find` hinted `{$natural: 1}` (insertion order; an
//!   unsorted `find` follows the index the planner picks), embedded
//!   the table's key order, which is `_id` (ObjectId) creation order. As stored
//!   (unknown fields kept).
//! - [`OrderStore::set_status`] is a compare-and-set: it changes `status` (and
//!   `updatedAt`) only while the order's status is still `from`, and appends the event
//!   in the same transaction. `Ok(false)`: the order is missing or its status moved.
//! - [`OrderStore::update_where`] is a compare-and-set over any top-level fields (the
//!   payment and courier fields), with an optional event in the same transaction.
//! - After every commit that appended an event the relay is woken.
//!
//! Errors: [`StoreError::Unavailable`] = the backend could not be reached or failed;
//! nothing was written (transactions).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hme_kernel::events::EventEnvelope;
use mongodb::bson::{oid::ObjectId, Document};
use serde::{Deserialize, Serialize};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed or could not be reached.
    #[error("order storage unavailable: {0}")]
    Unavailable(String),
}

/// What an `Idempotency-Key` remembers: the order it placed and the body answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    /// `<userId>:<key>`.
    pub id: String,
    /// The order placed.
    pub order_id: String,
    /// The response body answered.
    pub response: serde_json::Value,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// The outcome of [`OrderStore::insert`].
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// The order, its event and the key were stored, the hold confirmed with them.
    Created,
    /// Stored, but the hold is not in this database: confirm it through the catalog.
    CreatedHoldElsewhere,
    /// A fresh record for the key existed; nothing was written.
    Replayed(IdempotencyRecord),
    /// Another attempt took the key's claim over; nothing was written.
    ClaimLost,
    /// The stock hold was given back (its lease ended); nothing was written.
    HoldReleased,
}

impl Inserted {
    /// Whether the order was stored.
    pub fn created(&self) -> bool {
        matches!(self, Self::Created | Self::CreatedHoldElsewhere)
    }
}

/// The outcome of [`OrderStore::claim`].
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The caller's attempt holds the key until the time it asked.
    Mine,
    /// The key's order is placed: its record.
    Done(IdempotencyRecord),
    /// Another attempt holds the key until this time.
    Busy(DateTime<Utc>),
}

/// The orders storage port (see the module documentation for its promises).
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// The adapter's name (`mongodb`, `embedded`), for logs.
    fn name(&self) -> &'static str;
    /// Claims key `id` (`<userId>:<key>`) for the attempt placing `order_id`, until
    /// `until` (see the promises).
    async fn claim(&self, id: &str, order_id: &str, until: DateTime<Utc>, fresh_after: DateTime<Utc>) -> Result<Claim, StoreError>;
    /// Stores order + event + hold confirmation + key atomically (see the promises).
    /// Called once per order document, whose `_id` is new: a retry of the same insert is
    /// the adapter's own business (MongoDB: a transaction retried after a commit whose
    /// reply was lost finds the order and answers `Created`).
    async fn insert(&self, order: &Document, event: &EventEnvelope, key: Option<&IdempotencyRecord>, hold: Option<&str>, fresh_after: DateTime<Utc>) -> Result<Inserted, StoreError>;
    /// The record of `id` (`<userId>:<key>`) if it is not older than `fresh_after`.
    async fn idempotency(&self, id: &str, fresh_after: DateTime<Utc>) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// The orders of `user_id` (all orders when None), in natural (insertion) order.
    async fn list(&self, user_id: Option<&str>) -> Result<Vec<Document>, StoreError>;
    /// One order.
    async fn get(&self, id: &ObjectId) -> Result<Option<Document>, StoreError>;
    /// Compare-and-set of the status, with its event (see the promises).
    async fn set_status(&self, id: &ObjectId, from: &str, to: &str, now: DateTime<Utc>, event: &EventEnvelope) -> Result<bool, StoreError>;
    /// The first order whose top-level `field` is the string `value` (payment reference,
    /// tracking number).
    async fn find_by(&self, field: &str, value: &str) -> Result<Option<Document>, StoreError>;
    /// Compare-and-set of fields: applies `$set: set` (and appends `event`, when given,
    /// in the same transaction) only while every top-level field of `expect` equals its
    /// value (a missing field counts as null). `Ok(false)`: missing or moved.
    async fn update_where(&self, id: &ObjectId, expect: &Document, set: &Document, event: Option<&EventEnvelope>) -> Result<bool, StoreError>;
}
