//! The relay: moves committed outbox entries to the event bus.
//!
//! It claims due entries (oldest first), publishes each through the bus, and removes an
//! entry only once the bus accepted it (RabbitMQ: after the publisher confirm). A failed
//! publish is rescheduled with capped exponential backoff and the batch stops (the bus
//! is probably down). It wakes when a commit notifies it and also polls, so entries
//! committed before a restart, or by another instance, are published too.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::{OutboxEntry, OutboxStore};
use crate::events::{backoff, EventBus};
use crate::telemetry;
use tracing::Instrument;

/// How often the relay reads the outbox's size and oldest entry for the gauges.
const GAUGE_EVERY: Duration = Duration::from_secs(5);

/// Settings of a [`Relay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelaySettings {
    /// Poll interval when nothing notifies, ms.
    pub poll_ms: u64,
    /// First retry delay after a failed publish, ms; doubles per attempt.
    pub base_delay_ms: u64,
    /// Longest retry delay, ms.
    pub max_delay_ms: u64,
    /// Entries claimed per round.
    pub batch: usize,
    /// How long a claimed entry is reserved to this relay, ms.
    pub lease_ms: u64,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self { poll_ms: 1000, base_delay_ms: 500, max_delay_ms: 30_000, batch: 100, lease_ms: 30_000 }
    }
}

/// Moves outbox entries to the bus (see the module documentation).
pub struct Relay {
    store: Arc<dyn OutboxStore>,
    bus: Arc<dyn EventBus>,
    wake: Arc<Notify>,
    settings: RelaySettings,
}

/// A running relay; dropping it (or [`RelayHandle::stop`]) stops the task.
pub struct RelayHandle {
    task: tokio::task::JoinHandle<()>,
}

impl RelayHandle {
    /// Stops the relay task.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for RelayHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    /// A relay from `store` to `bus`, woken early by `wake.notify_one()`.
    pub fn new(store: Arc<dyn OutboxStore>, bus: Arc<dyn EventBus>, wake: Arc<Notify>, settings: RelaySettings) -> Self {
        Self { store, bus, wake, settings }
    }

    /// Starts the relay on the current tokio runtime.
    pub fn spawn(self) -> RelayHandle {
        RelayHandle { task: tokio::spawn(self.run()) }
    }

    async fn run(self) {
        let mut reported: Option<std::time::Instant> = None;
        loop {
            let published = self.run_once().await;
            if reported.is_none_or(|at| at.elapsed() >= GAUGE_EVERY) {
                self.report_state().await;
                reported = Some(std::time::Instant::now());
            }
            if published >= self.settings.batch {
                continue;
            }
            let poll = Duration::from_millis(self.settings.poll_ms.max(10));
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Sets `hme_outbox_pending` and `hme_outbox_oldest_age_seconds`.
    async fn report_state(&self) {
        let (Ok(pending), Ok(oldest)) = (self.store.pending().await, self.store.oldest().await) else { return };
        let age = oldest.map_or(Duration::ZERO, |t| (chrono::Utc::now() - t).to_std().unwrap_or(Duration::ZERO));
        telemetry::metrics::outbox_state(pending, age);
    }

    /// One round: publishes the due entries; returns how many were published.
    pub async fn run_once(&self) -> usize {
        let lease = Duration::from_millis(self.settings.lease_ms);
        let entries = match self.store.claim_due(self.settings.batch.max(1), lease).await {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay: cannot read the outbox");
                return 0;
            }
        };
        if entries.is_empty() {
            return 0;
        }
        let n = entries.len();
        let batch = telemetry::trace::span_if_enabled(|| tracing::info_span!(parent: None, "outbox relay", otel.name = "outbox relay batch", entries = n));
        self.relay(entries).instrument(batch).await
    }

    async fn relay(&self, entries: Vec<OutboxEntry>) -> usize {
        let mut published = 0;
        let mut retry_at = None;
        for entry in entries {
            match retry_at {
                // The bus just failed: hand the rest of the batch back, due with the retry.
                Some(at) => self.reschedule(&entry, entry.attempts, at).await,
                None => match self.publish(&entry).await {
                    None => published += 1,
                    Some(at) => retry_at = Some(at),
                },
            }
        }
        published
    }

    async fn reschedule(&self, entry: &OutboxEntry, attempts: u32, at: chrono::DateTime<chrono::Utc>) {
        let id = entry.envelope.id.to_string();
        if let Err(e) = self.store.mark_failed(&id, attempts, at).await {
            tracing::warn!(event = %id, error = %e, "outbox relay: cannot reschedule; it waits for its lease to end");
        }
    }

    /// Publishes one entry; None on success, else when to retry.
    /// The span joins the trace of the request that committed the event (its
    /// `traceparent`) and links to the relay batch.
    async fn publish(&self, entry: &OutboxEntry) -> Option<chrono::DateTime<chrono::Utc>> {
        let id = entry.envelope.id.to_string();
        let span = telemetry::trace::relay_span(&entry.envelope);
        let result = self.bus.publish(&entry.envelope).instrument(span).await;
        telemetry::metrics::relay_publish(telemetry::Outcome::of_result(&result));
        match result {
            Ok(()) => {
                if let Err(e) = self.store.mark_sent(&id).await {
                    tracing::warn!(event = %id, error = %e, "outbox relay: published but not removed; it will be published again");
                }
                None
            }
            Err(e) => {
                let attempts = entry.attempts.saturating_add(1);
                let delay = backoff(self.settings.base_delay_ms, attempts, self.settings.max_delay_ms);
                let retry_at = chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(1));
                tracing::warn!(event = %id, attempts, error = %e, "outbox relay: publish failed, retrying later");
                self.reschedule(entry, attempts, retry_at).await;
                Some(retry_at)
            }
        }
    }
}
