//! Placing an order: validate, check the address, price (skipping products that no
//! longer exist, as the legacy did), claim the `Idempotency-Key`, hold the stock (with a
//! lease), commit order + event + hold confirmation + key together, empty the cart.
//!
//! Stock is never stranded: a hold the order does not confirm is given back right away
//! when the attempt is known to have failed (retried in the background while the
//! catalog is down), and otherwise by the products module's sweeper when its lease
//! (`orders.hold_lease_secs`) ends; an outcome that is unknown (a lost reply) is left to
//! the sweeper, which gives back only holds that no order confirmed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hme_kernel::auth::Principal;
use hme_kernel::dates::now_millis;
use hme_products_contract::{CatalogError, CatalogProduct};
use hme_auth_contract::CustomerAddress;
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::oid::ObjectId;
use serde_json::Value;

use super::{catalog_error, OrdersService};
use crate::domain::events::order_created;
use crate::domain::order::{Courier, NewOrder, PricedLine};
use crate::domain::{CreateOrderBody, OrderRequest};
use crate::store::{Claim, IdempotencyRecord, Inserted};

/// The answer to a create: the body, and whether it replays an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The response body.
    pub body: Value,
    /// True when an `Idempotency-Key` matched an earlier create.
    pub replayed: bool,
}

/// Checks an `Idempotency-Key`: 1 to 200 visible ASCII characters.
pub fn check_key(key: &str) -> ApiResult<()> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request("Invalid Idempotency-Key: 1 to 200 visible ASCII characters"));
    }
    Ok(())
}

/// What placing an order does with the customer's cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cart {
    /// Emptied once the order is stored (order/create, as the legacy did).
    Empty,
    /// Left as it is (JazzCash checkout: the legacy kept the cart until the
    /// payment-success page emptied it, so a failed payment comes back to a full cart).
    Keep,
}

impl OrdersService {
    fn fresh_after(&self) -> DateTime<Utc> {
        let ttl = i64::try_from(self.settings.idempotency_ttl_secs).unwrap_or(i64::MAX / 4_000);
        Utc::now() - chrono::Duration::seconds(ttl.min(100 * 365 * 86_400))
    }

    fn hold_lease(&self) -> Duration {
        Duration::from_secs(self.settings.hold_lease_secs.max(1))
    }

    /// Places an order for the caller (see the module documentation).
    pub async fn place(&self, principal: &Principal, body: &CreateOrderBody, key: Option<&str>) -> ApiResult<Placed> {
        let request = body.validate(self.settings.max_lines, self.settings.max_quantity)?;
        let key_id = match key {
            Some(k) => {
                check_key(k)?;
                Some(format!("{}:{k}", principal.user_id))
            }
            None => None,
        };
        if let Some(id) = &key_id {
            if let Some(done) = self.store.idempotency(id, self.fresh_after()).await? {
                return Ok(Placed { body: done.response, replayed: true });
            }
        }
        let address = self.deps.customers.address(&principal.user_id, &request.address_id).await?;
        let address = address.ok_or_else(|| ApiError::not_found("Address not found"))?;
        let order = self.price(principal, &request, address).await?;
        if let Some(id) = &key_id {
            if let Some(done) = self.claim(id, &order.id.to_hex()).await? {
                return Ok(Placed { body: done.response, replayed: true });
            }
        }
        self.commit(order, key_id, Cart::Empty).await
    }

    /// Claims key `id` for the attempt placing `order_id`: Ok(None) = ours; Ok(Some) =
    /// the key's order exists (replay it). While another attempt holds the claim, waits
    /// for it to finish or to end (a dead process's claim ends after
    /// `orders.idempotency_claim_secs`), then 503 if it still has not.
    async fn claim(&self, id: &str, order_id: &str) -> ApiResult<Option<IdempotencyRecord>> {
        let claim_for = chrono::Duration::seconds(i64::try_from(self.settings.idempotency_claim_secs.max(1)).unwrap_or(60));
        let give_up = std::time::Instant::now() + Duration::from_secs(self.settings.idempotency_claim_secs.max(1) + 2);
        loop {
            match self.store.claim(id, order_id, Utc::now() + claim_for, self.fresh_after()).await? {
                Claim::Mine => return Ok(None),
                Claim::Done(r) => return Ok(Some(r)),
                Claim::Busy(until) => {
                    if std::time::Instant::now() >= give_up {
                        return Err(ApiError::unavailable(std::io::Error::other("an order with this Idempotency-Key is being placed; retry shortly")));
                    }
                    let left = (until - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(left.clamp(Duration::from_millis(50), Duration::from_millis(250))).await;
                }
            }
        }
    }

    /// Looks the products up and prices the lines. Lines whose product no longer exists
    /// are left out (the legacy did the same; the cart page hides them); with none left
    /// the answer is the legacy "No items in the order". An unavailable product is 409
    /// naming the item.
    pub(crate) async fn price(&self, principal: &Principal, request: &OrderRequest, address: CustomerAddress) -> ApiResult<NewOrder> {
        let ids: Vec<String> = request.lines.iter().map(|l| l.product_id.clone()).collect();
        let found = self.deps.catalog.products_by_ids(&ids).await.map_err(|e| catalog_error(e, |_| None))?;
        let mut lines = Vec::with_capacity(request.lines.len());
        for line in &request.lines {
            let Some(p) = found.iter().find(|p: &&CatalogProduct| p.id == line.product_id) else {
                tracing::info!(item = line.item, product = %line.product_id, "order line skipped: the product no longer exists");
                continue;
            };
            let left = if p.in_stock { p.stock } else { Some(0) };
            if left.is_some_and(|a| a < i64::from(line.quantity)) {
                let available = left.unwrap_or(0).max(0);
                return Err(ApiError::conflict(format!("Item {} ({}, product {}): out of stock ({available} available)", line.item, p.name, p.id)));
            }
            lines.push(PricedLine { line: line.clone(), item_id: ObjectId::new(), name: p.name.clone(), unit_price: p.unit_price });
        }
        if lines.is_empty() {
            return Err(ApiError::bad_request("No items in the order"));
        }
        let fee = self.settings.shipping_fee;
        let mut order = NewOrder {
            id: ObjectId::new(),
            user_id: principal.user_id.clone(),
            lines,
            shipping_fee: fee,
            amount: 0.0,
            address,
            courier: Courier::book(request.courier_name.clone()),
            date: now_millis(),
            payment_method: "cod",
            payment_txn_ref: None,
        };
        reprice(&mut order);
        Ok(order)
    }

    /// Holds the stock (all lines together), then commits order + event + hold
    /// confirmation + key; gives the hold back when the attempt is known to have failed
    /// (the sweeper gives back the rest when the lease ends).
    pub(crate) async fn commit(&self, mut order: NewOrder, key_id: Option<String>, cart: Cart) -> ApiResult<Placed> {
        let rid = order.id.to_hex();
        loop {
            let stock = order.stock_lines();
            match self.deps.catalog.reserve_for(&rid, &stock, self.hold_lease()).await {
                Ok(()) => break,
                // Deleted since it was priced: leave it out, as when pricing.
                Err(CatalogError::NotFound(id)) if order.lines.len() > 1 && order.lines.iter().any(|l| l.line.product_id == id) => {
                    tracing::info!(product = %id, "order line skipped: the product was deleted meanwhile");
                    order.lines.retain(|l| l.line.product_id != id);
                    reprice(&mut order);
                }
                Err(CatalogError::NotFound(id)) if order.lines.iter().all(|l| l.line.product_id == id) => {
                    return Err(ApiError::bad_request("No items in the order"));
                }
                Err(e) => {
                    // Unavailable: the stock may have been taken with the reply lost; the
                    // hold then expires and the sweeper gives it back.
                    let item_of = |id: &str| order.lines.iter().find(|l| l.line.product_id == id).map(|l| (l.line.item, l.name.clone()));
                    return Err(catalog_error(e, item_of));
                }
            }
        }
        let profile = match self.deps.customers.profile(&order.user_id).await {
            Ok(p) => p,
            Err(e) => {
                self.give_back(&rid);
                return Err(ApiError::from(e));
            }
        };
        let body = order.response();
        let record = key_id.map(|id| IdempotencyRecord { id, order_id: rid.clone(), response: body.clone(), created_at: Utc::now() });
        let event = order_created(&order, profile.as_ref());
        match self.store.insert(&order.to_document(), &event, record.as_ref(), Some(&rid), self.fresh_after()).await {
            Ok(out @ (Inserted::Created | Inserted::CreatedHoldElsewhere)) => {
                if out == Inserted::CreatedHoldElsewhere {
                    self.confirm_elsewhere(&rid);
                }
                if cart == Cart::Empty {
                    if let Err(e) = self.deps.customers.clear_cart(&order.user_id).await {
                        tracing::warn!(user = %order.user_id, error = %e, "order placed but the cart could not be emptied");
                    }
                }
                Ok(Placed { body, replayed: false })
            }
            Ok(Inserted::Replayed(first)) if first.order_id == rid => Ok(Placed { body: first.response, replayed: false }),
            Ok(Inserted::Replayed(first)) => {
                self.give_back(&rid);
                Ok(Placed { body: first.response, replayed: true })
            }
            Ok(Inserted::ClaimLost) => {
                self.give_back(&rid);
                Err(ApiError::unavailable(std::io::Error::other("another attempt with this Idempotency-Key took over; retry to get its answer")))
            }
            Ok(Inserted::HoldReleased) => Err(ApiError::unavailable(std::io::Error::other("placing the order took longer than its stock hold; try again"))),
            // Unknown whether it committed: the sweeper gives the hold back unless the
            // order confirmed it.
            Err(e) => Err(ApiError::from(e)),
        }
    }

    /// Gives a hold back now, in the background, retrying with backoff while the catalog
    /// is down; the sweeper is the backstop.
    pub(crate) fn give_back(&self, rid: &str) {
        let (catalog, rid) = (Arc::clone(&self.deps.catalog), rid.to_owned());
        tokio::spawn(async move {
            for attempt in 1..=6u32 {
                match catalog.release(&rid, &[]).await {
                    Ok(()) => return,
                    Err(e) => tracing::warn!(reservation = %rid, attempt, error = %e, "could not give the stock hold back yet"),
                }
                tokio::time::sleep(hme_kernel::events::backoff(250, attempt, 8_000)).await;
            }
            tracing::error!(reservation = %rid, "stock hold not given back; its lease will expire it");
        });
    }

    /// Confirms a hold the order's transaction could not reach (another database),
    /// retrying in the background.
    fn confirm_elsewhere(&self, rid: &str) {
        let (catalog, rid) = (Arc::clone(&self.deps.catalog), rid.to_owned());
        tokio::spawn(async move {
            for attempt in 1..=8u32 {
                match catalog.confirm(&rid).await {
                    Ok(()) => return,
                    Err(e) => tracing::warn!(reservation = %rid, attempt, error = %e, "stored order's stock hold not confirmed yet"),
                }
                tokio::time::sleep(hme_kernel::events::backoff(100, attempt, 4_000)).await;
            }
            tracing::error!(reservation = %rid, "stored order's stock hold could not be confirmed");
        });
    }

    /// Gives back the stock of a cancelled order (its confirmed hold), retrying in the
    /// background while the catalog is down.
    pub(crate) async fn release(&self, rid: &str, stock: &[(String, u32)]) {
        if let Err(e) = self.deps.catalog.release(rid, stock).await {
            tracing::warn!(reservation = rid, error = %e, "could not give reserved stock back; retrying in the background");
            self.give_back(rid);
        }
    }
}

/// The amount from the lines and the shipping fee.
fn reprice(order: &mut NewOrder) {
    let subtotal: f64 = order.lines.iter().map(|l| l.unit_price * f64::from(l.line.quantity)).sum();
    order.amount = subtotal + order.shipping_fee;
}
