//! `order.status_changed` → the customer's status email.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, HandlerError};

use super::{mail_error, Job, Steps};
use crate::mail::Mailer;
use crate::payload::{parse, StatusChanged};
use crate::templates::status_email;

/// Consumer `email.status_changed`; a customer without an email gets nothing.
pub struct StatusEmail {
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// Shop name.
    pub shop: String,
}

/// The consumer name.
pub const CONSUMER: &str = hme_kernel::events::consumers::EMAIL_STATUS_CHANGED;

#[async_trait]
impl Job for StatusEmail {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec!["order.status_changed".to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, _steps: &Steps<'_>) -> Result<(), HandlerError> {
        let change: StatusChanged = parse(event)?;
        let Some(to) = change.customer.email.as_deref().map(str::trim).filter(|m| !m.is_empty()) else {
            tracing::info!(order_id = change.order_id, "customer has no email; status email skipped");
            return Ok(());
        };
        self.mailer.send(&status_email(&change, to, &self.shop)).await.map_err(mail_error)
    }
}
