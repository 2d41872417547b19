//! `order.created` → the customer's confirmation and the owner's new-order email.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, HandlerError};

use super::{mail_error, Job, Steps};
use crate::mail::Mailer;
use crate::payload::{parse, OrderCreated};
use crate::templates::{customer_order_email, owner_order_email};

/// Consumer `email.order_created`. Each email is a recorded step: a retry after the
/// owner email failed does not send the customer's again. The owner email goes out even
/// when the customer has no email; without `EMAIL_TO` it is skipped with a warning.
pub struct OrderEmails {
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// The shop owner's address (`EMAIL_TO`).
    pub owner: Option<String>,
    /// Shop name in subjects and signatures.
    pub shop: String,
    /// Currency prefix.
    pub currency: String,
}

/// The consumer name.
pub const CONSUMER: &str = hme_kernel::events::consumers::EMAIL_ORDER_CREATED;

#[async_trait]
impl Job for OrderEmails {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec!["order.created".to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, steps: &Steps<'_>) -> Result<(), HandlerError> {
        let order: OrderCreated = parse(event)?;
        match order.customer.email.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(to) if !steps.is_done("customer").await? => {
                let email = customer_order_email(&order, to, &self.shop, &self.currency);
                self.mailer.send(&email).await.map_err(mail_error)?;
                steps.done("customer").await;
            }
            Some(_) => {}
            None => tracing::info!(order_id = order.order_id, "customer has no email; confirmation skipped"),
        }
        match self.owner.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(to) if !steps.is_done("owner").await? => {
                let email = owner_order_email(&order, to, &self.shop, &self.currency);
                self.mailer.send(&email).await.map_err(mail_error)?;
                steps.done("owner").await;
            }
            Some(_) => {}
            None => tracing::warn!(order_id = order.order_id, "EMAIL_TO is not set; owner's new-order email skipped"),
        }
        Ok(())
    }
}
