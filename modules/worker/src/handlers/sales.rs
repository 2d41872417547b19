//! `order.created` → products' sales counters (views untouched).

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, HandlerError};
use hme_products_contract::{SalesError, SalesLedger};

use super::{Job, Steps};
use crate::payload::{parse, OrderCreated};

/// Consumer `inventory.sales`; the ledger itself is idempotent by event id too.
pub struct SalesCounter {
    /// The products module's ledger.
    pub ledger: Arc<dyn SalesLedger>,
}

/// The consumer name.
pub const CONSUMER: &str = hme_kernel::events::consumers::INVENTORY_SALES;

#[async_trait]
impl Job for SalesCounter {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec!["order.created".to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, _steps: &Steps<'_>) -> Result<(), HandlerError> {
        let order: OrderCreated = parse(event)?;
        let lines: Vec<(String, i64)> = order.items.iter().map(|i| (i.product_id.clone(), i.quantity.round() as i64)).collect();
        match self.ledger.record_sales(event.id, &lines).await {
            Ok(_) => Ok(()),
            Err(SalesError::Unavailable(m)) => Err(HandlerError::Transient(m)),
        }
    }
}
