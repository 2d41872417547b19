//! The populated lists: the caller's orders, and every order for sellers.

use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;
use mongodb::bson::Document;
use serde_json::Value;

use super::{catalog_error, OrdersService};
use crate::domain::json::{by_id, order_json, references};

impl OrdersService {
    /// The caller's orders, in natural (insertion) order, populated.
    pub async fn my_orders(&self, principal: &Principal) -> ApiResult<Vec<Value>> {
        let orders = self.store.list(Some(&principal.user_id)).await?;
        self.populate(&orders).await
    }

    /// Every order, in natural (insertion) order, populated (sellers only).
    pub async fn all_orders(&self, principal: &Principal) -> ApiResult<Vec<Value>> {
        principal.require_seller()?;
        let orders = self.store.list(None).await?;
        self.populate(&orders).await
    }

    /// What mongoose's `populate('address items.product')` makes of `orders`.
    pub async fn populate(&self, orders: &[Document]) -> ApiResult<Vec<Value>> {
        let (address_ids, product_ids) = references(orders);
        let addresses = if address_ids.is_empty() {
            Vec::new()
        } else {
            self.deps.address_book.address_documents(&address_ids).await?
        };
        let products = if product_ids.is_empty() {
            Vec::new()
        } else {
            self.deps.catalog.product_documents(&product_ids).await.map_err(|e| catalog_error(e, |_| None))?
        };
        let (addresses, products) = (by_id(addresses), by_id(products));
        Ok(orders.iter().map(|o| order_json(o, &addresses, &products)).collect())
    }
}
