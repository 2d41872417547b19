//! The consumers, one per side effect, each wrapped in [`Idempotent`]: skipped when the
//! event id was already processed by that consumer, recorded after success, counted in
//! the metrics.

pub mod images;
pub mod order_emails;
pub mod sales;
pub mod status_email;

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, EventHandler, HandlerError};

pub use images::ImagesCleanup;
pub use order_emails::OrderEmails;
pub use sales::SalesCounter;
pub use status_email::StatusEmail;

use crate::mail::MailError;
use crate::metrics::{Metrics, Outcome};
use crate::processed::ProcessedEvents;

/// One consumer's work on one event.
#[async_trait]
pub trait Job: Send + Sync {
    /// The consumer (queue) name.
    fn consumer(&self) -> &'static str;
    /// The event types it wants.
    fn event_types(&self) -> Vec<String>;
    /// Does the side effect; `steps` records sub-steps done (several emails).
    async fn run(&self, event: &EventEnvelope, steps: &Steps<'_>) -> Result<(), HandlerError>;
}

/// Records the sub-steps of one consumer's work on one event, so a retry after a partial
/// failure does not redo what succeeded (a second email).
pub struct Steps<'a> {
    processed: &'a dyn ProcessedEvents,
    prefix: String,
}

impl Steps<'_> {
    /// Whether `step` was done.
    pub async fn is_done(&self, step: &str) -> Result<bool, HandlerError> {
        self.processed.is_done(&format!("{}:{step}", self.prefix)).await.map_err(|e| HandlerError::Transient(e.to_string()))
    }

    /// Records `step` as done. A failure to record is logged, not returned: the side
    /// effect happened, and only a later redelivery could repeat it.
    pub async fn done(&self, step: &str) {
        let key = format!("{}:{step}", self.prefix);
        if let Err(e) = self.processed.record(&key).await {
            tracing::warn!(key, error = %e, "side effect done but not recorded: a redelivery would repeat it");
        }
    }
}

/// A mail failure as a handler failure: passing ones retry, rejections dead-letter.
pub fn mail_error(e: MailError) -> HandlerError {
    match e {
        MailError::Unavailable(m) => HandlerError::Retry(m),
        MailError::Rejected(m) => HandlerError::Permanent(m),
    }
}

/// A [`Job`] as an idempotent, counted [`EventHandler`].
pub struct Idempotent<J> {
    job: J,
    processed: Arc<dyn ProcessedEvents>,
    metrics: Arc<Metrics>,
}

impl<J: Job + 'static> Idempotent<J> {
    /// Wraps `job`.
    pub fn handler(job: J, processed: Arc<dyn ProcessedEvents>, metrics: Arc<Metrics>) -> Arc<dyn EventHandler> {
        Arc::new(Self { job, processed, metrics })
    }
}

#[async_trait]
impl<J: Job> EventHandler for Idempotent<J> {
    fn consumer(&self) -> &str {
        self.job.consumer()
    }

    fn event_types(&self) -> Vec<String> {
        self.job.event_types()
    }

    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        let (consumer, ty) = (self.job.consumer(), event.event_type.as_str());
        let steps = Steps { processed: self.processed.as_ref(), prefix: format!("{consumer}:{}", event.id) };
        let result = match self.processed.is_done(&steps.prefix).await {
            Ok(true) => {
                tracing::info!(consumer, event_id = %event.id, "already processed; skipped");
                self.metrics.count(consumer, ty, Outcome::Duplicate);
                return Ok(());
            }
            Ok(false) => self.job.run(event, &steps).await,
            Err(e) => Err(HandlerError::Transient(e.to_string())),
        };
        match &result {
            Ok(()) => {
                if let Err(e) = self.processed.record(&steps.prefix).await {
                    tracing::warn!(consumer, event_id = %event.id, error = %e, "processed but not recorded");
                }
                self.metrics.count(consumer, ty, Outcome::Processed);
            }
            Err(e) => {
                tracing::warn!(consumer, event_id = %event.id, error = %e, "handler failed");
                self.metrics.count(consumer, ty, Outcome::Failed);
                let outcome = if matches!(e, HandlerError::Permanent(_)) { Outcome::DeadLettered } else { Outcome::Retried };
                self.metrics.count(consumer, ty, outcome);
            }
        }
        result
    }
}
