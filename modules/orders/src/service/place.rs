//! Placing an order: validate, check the address, price, reserve stock, commit order +
//! event + idempotency key together, empty the cart.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hme_kernel::auth::Principal;
use hme_kernel::dates::now_millis;
use hme_kernel::ports::{CatalogError, CatalogProduct, CustomerAddress};
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::oid::ObjectId;
use serde_json::Value;

use super::{catalog_error, customers_error, store_error, OrdersService};
use crate::domain::events::order_created;
use crate::domain::order::{Courier, NewOrder, PricedLine};
use crate::domain::{CreateOrderBody, OrderRequest};
use crate::store::{IdempotencyRecord, Inserted};

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

impl OrdersService {
    fn fresh_after(&self) -> DateTime<Utc> {
        let ttl = i64::try_from(self.settings.idempotency_ttl_secs).unwrap_or(i64::MAX / 4_000);
        Utc::now() - chrono::Duration::seconds(ttl.min(100 * 365 * 86_400))
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
            if let Some(done) = self.store.idempotency(id, self.fresh_after()).await.map_err(store_error)? {
                return Ok(Placed { body: done.response, replayed: true });
            }
        }
        let address = self.deps.customers.address(&principal.user_id, &request.address_id).await.map_err(customers_error)?;
        let address = address.ok_or_else(|| ApiError::not_found("Address not found"))?;
        let order = self.price(principal, &request, address).await?;
        self.commit(order, key_id).await
    }

    /// Looks the products up and prices the lines; unknown or unavailable products are
    /// 4xx naming the item.
    pub(crate) async fn price(&self, principal: &Principal, request: &OrderRequest, address: CustomerAddress) -> ApiResult<NewOrder> {
        let ids: Vec<String> = request.lines.iter().map(|l| l.product_id.clone()).collect();
        let found = self.deps.catalog.products_by_ids(&ids).await.map_err(|e| catalog_error(e, |_| None))?;
        let mut lines = Vec::with_capacity(request.lines.len());
        for line in &request.lines {
            let p: &CatalogProduct = found.iter().find(|p| p.id == line.product_id).ok_or_else(|| {
                ApiError::not_found(format!("Item {} (product {}): product not found", line.item, line.product_id))
            })?;
            let left = if p.in_stock { p.stock } else { Some(0) };
            if left.is_some_and(|a| a < i64::from(line.quantity)) {
                let available = left.unwrap_or(0).max(0);
                return Err(ApiError::conflict(format!("Item {} ({}, product {}): out of stock ({available} available)", line.item, p.name, p.id)));
            }
            lines.push(PricedLine { line: line.clone(), item_id: ObjectId::new(), name: p.name.clone(), unit_price: p.unit_price });
        }
        let subtotal: f64 = lines.iter().map(|l| l.unit_price * f64::from(l.line.quantity)).sum();
        let fee = self.settings.shipping_fee;
        Ok(NewOrder {
            id: ObjectId::new(),
            user_id: principal.user_id.clone(),
            lines,
            shipping_fee: fee,
            amount: subtotal + fee,
            address,
            courier: Courier::book(request.courier_name.clone()),
            date: now_millis(),
            payment_method: "cod",
            payment_txn_ref: None,
        })
    }

    /// Reserves the stock, then commits order + event + key; releases the stock when
    /// anything fails before the commit, or when a concurrent twin with the same key won.
    pub(crate) async fn commit(&self, order: NewOrder, key_id: Option<String>) -> ApiResult<Placed> {
        let rid = order.id.to_hex();
        let stock = order.stock_lines();
        let item_of = |id: &str| order.lines.iter().find(|l| l.line.product_id == id).map(|l| (l.line.item, l.name.clone()));
        if let Err(e) = self.deps.catalog.reserve(&rid, &stock).await {
            if matches!(e, CatalogError::Unavailable(_)) {
                // A remote catalog may have taken the stock and lost its answer: give it
                // back in the background (a no-op when nothing was taken; the id is this
                // attempt's own, never reused) and answer 503 now.
                let (catalog, rid, stock) = (Arc::clone(&self.deps.catalog), rid.clone(), stock.clone());
                tokio::spawn(async move {
                    if let Err(e) = catalog.release(&rid, &stock).await {
                        tracing::error!(reservation = %rid, error = %e, "reservation outcome unknown and its release failed");
                    }
                });
            }
            return Err(catalog_error(e, item_of));
        }
        let profile = match self.deps.customers.profile(&order.user_id).await {
            Ok(p) => p,
            Err(e) => {
                self.release(&rid, &stock).await;
                return Err(customers_error(e));
            }
        };
        let body = order.response();
        let record = key_id.map(|id| IdempotencyRecord { id, order_id: rid.clone(), response: body.clone(), created_at: Utc::now() });
        let event = order_created(&order, profile.as_ref());
        match self.store.insert(&order.to_document(), &event, record.as_ref(), self.fresh_after()).await {
            Ok(Inserted::Created) => {
                if let Err(e) = self.deps.customers.clear_cart(&order.user_id).await {
                    tracing::warn!(user = %order.user_id, error = %e, "order placed but the cart could not be emptied");
                }
                Ok(Placed { body, replayed: false })
            }
            Ok(Inserted::Replayed(first)) => {
                self.release(&rid, &stock).await;
                Ok(Placed { body: first.response, replayed: true })
            }
            Err(e) => {
                self.release(&rid, &stock).await;
                Err(store_error(e))
            }
        }
    }

    pub(crate) async fn release(&self, rid: &str, stock: &[(String, u32)]) {
        if let Err(e) = self.deps.catalog.release(rid, stock).await {
            tracing::error!(reservation = rid, error = %e, "could not give reserved stock back");
        }
    }
}
