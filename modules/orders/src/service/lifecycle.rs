//! The order lifecycle: sellers move orders forward or cancel them before shipping;
//! customers cancel their own while "Order Placed". A cancel gives the stock back.

use hme_kernel::auth::Principal;
use hme_kernel::dates::now_millis;
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::oid::ObjectId;
use serde_json::{json, Value};

use super::OrdersService;
use crate::domain::events::{status_changed, StatusChange};
use crate::domain::order::StoredOrder;
use crate::domain::OrderStatus;

impl OrdersService {
    async fn load(&self, id: &ObjectId) -> ApiResult<StoredOrder> {
        let doc = self.store.get(id).await?;
        doc.as_ref().and_then(StoredOrder::from_document).ok_or_else(|| ApiError::not_found("Order not found"))
    }

    /// A seller moves an order to `to` (one step forward, or "Cancelled" before shipping).
    pub async fn set_status(&self, principal: &Principal, id: &ObjectId, to: OrderStatus) -> ApiResult<Value> {
        principal.require_seller()?;
        let order = self.load(id).await?;
        let from = OrderStatus::parse(&order.status);
        if !from.is_some_and(|f| f.seller_may(to)) {
            return Err(ApiError::conflict(format!("Cannot move an order from \"{}\" to \"{}\"", order.status, to.as_str())));
        }
        self.transition(principal, &order, to).await
    }

    /// Cancels an order: its customer while "Order Placed", a seller before "Shipped".
    /// Another customer's order is 404.
    pub async fn cancel(&self, principal: &Principal, id: &ObjectId) -> ApiResult<Value> {
        let order = self.load(id).await?;
        let is_seller = principal.require_seller().is_ok();
        if !is_seller && order.user_id != principal.user_id {
            return Err(ApiError::not_found("Order not found"));
        }
        let from = OrderStatus::parse(&order.status);
        let allowed = from.is_some_and(|f| if is_seller { f.seller_may(OrderStatus::Cancelled) } else { f.customer_may_cancel() });
        if !allowed {
            return Err(ApiError::conflict(format!("An order in status \"{}\" cannot be cancelled", order.status)));
        }
        self.transition(principal, &order, OrderStatus::Cancelled).await
    }

    async fn transition(&self, principal: &Principal, order: &StoredOrder, to: OrderStatus) -> ApiResult<Value> {
        let profile = self.deps.customers.profile(&order.user_id).await?;
        let (oid, now) = (order.id.to_hex(), now_millis());
        let change = StatusChange { order_id: &oid, user_id: &order.user_id, from: &order.status, to: to.as_str(), changed_by: &principal.user_id, at: now };
        let event = status_changed(&change, profile.as_ref());
        let changed = self.store.set_status(&order.id, &order.status, to.as_str(), now, &event).await?;
        if !changed {
            return Err(ApiError::conflict("The order changed meanwhile; reload it and try again"));
        }
        if to == OrderStatus::Cancelled {
            self.release(&oid, &order.lines).await;
        }
        Ok(json!({"success": true, "message": "Order status updated", "orderId": oid, "status": to.as_str()}))
    }
}
