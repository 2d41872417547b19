//! The embedded event bus: a redb outbox with an in-process dispatcher.
//!
//! `publish` commits the event and one pending delivery per matching consumer in one
//! redb transaction, so an accepted event survives a crash. Each consumer's loop takes
//! its due deliveries, runs the handler, and deletes the delivery only after success;
//! a failure is rescheduled with exponential backoff (the deliveries behind it go on),
//! and after `max_attempts` it moves to the dead-letter table.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::{backoff, topic_matches, DeadLetter, EventBus, EventEnvelope, EventError, EventHandler, HandlerError};

mod dlq;

use crate::telemetry;
use tracing::Instrument;

/// seq → (number of pending deliveries, event JSON)
const EVENTS: TableDefinition<u64, (u32, &[u8])> = TableDefinition::new("bus_events");
/// (consumer, seq) → (attempts so far, due at unix ms)
const PENDING: TableDefinition<(&str, u64), (u32, u64)> = TableDefinition::new("bus_pending");
/// (consumer, event id) → JSON `{event, error, attempts, failedAt}`
const DEAD: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("bus_dead_letters");

/// Retry policy of the embedded bus.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
    /// First retry delay in ms; doubles per attempt.
    pub base_delay_ms: u64,
    /// Longest retry delay in ms.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base_delay_ms: 200, max_delay_ms: 30_000 }
    }
}

/// Each consumer's event types and the signal that wakes its loop, by consumer name.
type Consumers = HashMap<String, (Vec<String>, Arc<Notify>)>;

/// A consumer's next delivery: Ok((seq, attempts, event)) when one is due, else
/// Err(the wait in ms until the soonest one is, None when nothing is pending).
type NextDue = Result<(u64, u32, Vec<u8>), Option<u64>>;

/// The in-process [`EventBus`] over redb.
pub struct EmbeddedEventBus {
    db: Arc<Database>,
    consumers: RwLock<Consumers>,
    policy: RetryPolicy,
    /// Set once by `shutdown`: consumers stop taking deliveries.
    stop: watch::Sender<bool>,
    /// The consumer loops, awaited by `shutdown`.
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

fn unavailable(e: impl std::fmt::Display) -> EventError {
    EventError::Unavailable(e.to_string())
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

impl EmbeddedEventBus {
    /// A bus over `db` (tables are created on first use) with no consumer expected
    /// before it subscribes: an event published while none is subscribed is for nobody.
    pub fn new(db: Arc<Database>, policy: RetryPolicy) -> Result<Arc<Self>, EventError> {
        Self::expecting(db, policy, Vec::new())
    }

    /// A bus over `db` that keeps deliveries for the `expected` consumers (name, event
    /// type patterns) from the start, before they subscribe: what the outbox relay
    /// publishes at startup (the events a killed process left) waits for the worker's
    /// handlers instead of being dropped for want of a subscriber.
    pub fn expecting(db: Arc<Database>, policy: RetryPolicy, expected: Vec<(String, Vec<String>)>) -> Result<Arc<Self>, EventError> {
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(EVENTS).map_err(unavailable)?;
        txn.open_table(PENDING).map_err(unavailable)?;
        txn.open_table(DEAD).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        let consumers = expected.into_iter().map(|(name, patterns)| (name, (patterns, Arc::new(Notify::new())))).collect();
        Ok(Arc::new(Self {
            db,
            consumers: RwLock::new(consumers),
            policy,
            stop: watch::channel(false).0,
            tasks: std::sync::Mutex::new(Vec::new()),
        }))
    }

    /// Dead letters of every consumer: `(consumer, JSON record)`.
    pub fn dead_letters(&self) -> Result<Vec<(String, serde_json::Value)>, EventError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let table = txn.open_table(DEAD).map_err(unavailable)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(unavailable)? {
            let (k, v) = row.map_err(unavailable)?;
            let record = serde_json::from_slice(v.value()).unwrap_or(serde_json::Value::Null);
            out.push((k.value().0.to_owned(), record));
        }
        Ok(out)
    }

    /// Number of deliveries not yet done, across consumers (the consumer lag).
    pub fn pending_count(&self) -> Result<u64, EventError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let table = txn.open_table(PENDING).map_err(unavailable)?;
        table.len().map_err(unavailable)
    }

    fn store(&self, event: &EventEnvelope, payload: &[u8]) -> Result<Vec<Arc<Notify>>, EventError> {
        let consumers = self.consumers.read().map_err(unavailable)?;
        let matching: Vec<(&String, &Arc<Notify>)> = consumers
            .iter()
            .filter(|(_, (patterns, _))| patterns.iter().any(|p| topic_matches(p, &event.event_type)))
            .map(|(name, (_, notify))| (name, notify))
            .collect();
        if matching.is_empty() {
            tracing::debug!(event_type = %event.event_type, "no in-process consumer for event");
            return Ok(Vec::new());
        }
        let txn = self.db.begin_write().map_err(unavailable)?;
        {
            let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
            let seq = events.last().map_err(unavailable)?.map_or(1, |(k, _)| k.value() + 1);
            let count = u32::try_from(matching.len()).unwrap_or(u32::MAX);
            events.insert(seq, (count, payload)).map_err(unavailable)?;
            let mut pending = txn.open_table(PENDING).map_err(unavailable)?;
            let due = now_ms();
            for (name, _) in &matching {
                pending.insert((name.as_str(), seq), (0, due)).map_err(unavailable)?;
            }
        }
        txn.commit().map_err(unavailable)?;
        Ok(matching.into_iter().map(|(_, n)| n.clone()).collect())
    }

    /// The next due delivery of `consumer`: (seq, attempts, event), or the wait until one is due.
    fn next_due(&self, consumer: &str) -> Result<NextDue, EventError> {
        let txn = self.db.begin_read().map_err(unavailable)?;
        let pending = txn.open_table(PENDING).map_err(unavailable)?;
        let events = txn.open_table(EVENTS).map_err(unavailable)?;
        let now = now_ms();
        let mut soonest: Option<u64> = None;
        for row in pending.range((consumer, 0)..=(consumer, u64::MAX)).map_err(unavailable)? {
            let (k, v) = row.map_err(unavailable)?;
            let (attempts, due) = v.value();
            if due <= now {
                let seq = k.value().1;
                let body = events.get(seq).map_err(unavailable)?.map(|e| e.value().1.to_vec()).unwrap_or_default();
                return Ok(Ok((seq, attempts, body)));
            }
            soonest = Some(soonest.map_or(due - now, |s| s.min(due - now)));
        }
        Ok(Err(soonest))
    }

    /// Records the outcome of one delivery in one transaction.
    fn settle(&self, consumer: &str, seq: u64, outcome: Settle) -> Result<(), EventError> {
        let txn = self.db.begin_write().map_err(unavailable)?;
        {
            let mut pending = txn.open_table(PENDING).map_err(unavailable)?;
            match outcome {
                Settle::RetryAt(attempts, due) => {
                    pending.insert((consumer, seq), (attempts, due)).map_err(unavailable)?;
                }
                Settle::Done | Settle::Dead(_) => {
                    pending.remove((consumer, seq)).map_err(unavailable)?;
                    let mut events = txn.open_table(EVENTS).map_err(unavailable)?;
                    let entry = events.get(seq).map_err(unavailable)?.map(|e| (e.value().0, e.value().1.to_vec()));
                    if let Some((count, body)) = entry {
                        if let Settle::Dead(record) = &outcome {
                            let mut dead = txn.open_table(DEAD).map_err(unavailable)?;
                            let id = serde_json::from_slice::<EventEnvelope>(&body).map(|e| e.id.to_string()).unwrap_or_else(|_| seq.to_string());
                            dead.insert((consumer, id.as_str()), record.as_slice()).map_err(unavailable)?;
                        }
                        if count <= 1 {
                            events.remove(seq).map_err(unavailable)?;
                        } else {
                            events.insert(seq, (count - 1, body.as_slice())).map_err(unavailable)?;
                        }
                    }
                }
            }
        }
        txn.commit().map_err(unavailable)
    }

    async fn run_consumer(self: Arc<Self>, handler: Arc<dyn EventHandler>, notify: Arc<Notify>) {
        let consumer = handler.consumer().to_owned();
        let mut stop = self.stop.subscribe();
        loop {
            if *stop.borrow_and_update() {
                tracing::info!(consumer = %consumer, "consumer stopped");
                return;
            }
            let bus = self.clone();
            let name = consumer.clone();
            let next = tokio::task::spawn_blocking(move || bus.next_due(&name)).await;
            let wait = match next {
                Ok(Ok(Ok((seq, attempts, body)))) => {
                    self.deliver(&handler, seq, attempts, &body).await;
                    continue;
                }
                Ok(Ok(Err(soonest))) => soonest.map_or(Duration::from_secs(5), Duration::from_millis),
                Ok(Err(e)) => {
                    tracing::error!(consumer = %consumer, error = %e, "embedded bus read failed");
                    Duration::from_secs(1)
                }
                Err(e) => {
                    tracing::error!(consumer = %consumer, error = %e, "embedded bus task failed");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = tokio::time::timeout(wait, notify.notified()) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn deliver(self: &Arc<Self>, handler: &Arc<dyn EventHandler>, seq: u64, attempts: u32, body: &[u8]) {
        let consumer = handler.consumer().to_owned();
        let attempts = attempts + 1;
        let outcome = match serde_json::from_slice::<EventEnvelope>(body) {
            Err(e) => Settle::dead(body, &format!("not an event envelope: {e}"), attempts),
            Ok(event) => match Self::handle_traced(handler, &event).await {
                Ok(()) => Settle::Done,
                Err(e) if e.settle(attempts, self.policy.max_attempts).1 => Settle::dead(body, e.settle(attempts, self.policy.max_attempts).0, attempts),
                Err(e) => {
                    let why = e.settle(attempts, self.policy.max_attempts).0;
                    let delay = backoff(self.policy.base_delay_ms, attempts, self.policy.max_delay_ms);
                    tracing::warn!(consumer = %consumer, event_id = %event.id, attempts, error = %why, ?delay, "event handler failed, will retry");
                    Settle::RetryAt(attempts, now_ms() + u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
                }
            },
        };
        if let Settle::Dead(_) = &outcome {
            tracing::error!(consumer = %consumer, seq, attempts, "event dead-lettered");
        }
        let bus = self.clone();
        let result = tokio::task::spawn_blocking(move || bus.settle(&consumer, seq, outcome)).await;
        if !matches!(result, Ok(Ok(()))) {
            tracing::error!(seq, "could not record an event delivery; it will be delivered again");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl EmbeddedEventBus {
    /// Runs the handler in a consumer span continuing the event's trace.
    async fn handle_traced(handler: &Arc<dyn EventHandler>, event: &EventEnvelope) -> Result<(), HandlerError> {
        let span = telemetry::trace::consumer_span("embedded", handler.consumer(), event);
        let started = std::time::Instant::now();
        let r = handler.handle(event).instrument(span).await;
        telemetry::metrics::broker_operation("embedded", "consume", telemetry::metrics::Outcome::of_result(&r), started.elapsed());
        r
    }
}

enum Settle {
    Done,
    RetryAt(u32, u64),
    Dead(Vec<u8>),
}

impl Settle {
    fn dead(body: &[u8], error: &str, attempts: u32) -> Self {
        let event = serde_json::from_slice::<serde_json::Value>(body)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()));
        let record = serde_json::json!({
            "event": event, "error": error, "attempts": attempts,
            "failedAt": crate::dates::to_iso_millis(&chrono::Utc::now()),
        });
        Settle::Dead(serde_json::to_vec(&record).unwrap_or_default())
    }
}

#[async_trait]
impl EventBus for Arc<EmbeddedEventBus> {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn publish(&self, event: &EventEnvelope) -> Result<(), EventError> {
        let span = telemetry::trace::producer_span("embedded", event);
        let started = std::time::Instant::now();
        let result = span.in_scope(|| {
            let mut event = event.clone();
            event.stamp_trace();
            event
        });
        let bus = self.clone();
        let result = async move {
            let payload = serde_json::to_vec(&result)?;
            let notifies = tokio::task::spawn_blocking(move || bus.store(&result, &payload)).await.map_err(unavailable)??;
            for n in notifies {
                n.notify_one();
            }
            Ok(())
        }
        .instrument(span)
        .await;
        telemetry::metrics::broker_operation("embedded", "publish", telemetry::metrics::Outcome::of_result(&result), started.elapsed());
        result
    }

    async fn subscribe(&self, handler: Arc<dyn EventHandler>) -> Result<(), EventError> {
        // An expected consumer keeps its signal (its deliveries may already be waiting;
        // the loop reads them first).
        let notify = {
            let mut consumers = self.consumers.write().map_err(unavailable)?;
            let notify = consumers.get(handler.consumer()).map_or_else(|| Arc::new(Notify::new()), |(_, n)| n.clone());
            consumers.insert(handler.consumer().to_owned(), (handler.event_types(), notify.clone()));
            notify
        };
        let task = tokio::spawn(self.clone().run_consumer(handler, notify));
        self.tasks.lock().map_err(unavailable)?.push(task);
        Ok(())
    }

    async fn shutdown(&self) {
        self.stop.send_replace(true);
        let tasks = self.tasks.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for task in tasks {
            let _ = task.await;
        }
    }

    async fn backlog(&self, consumer: &str) -> Result<Option<u64>, EventError> {
        let (bus, consumer) = (self.clone(), consumer.to_owned());
        tokio::task::spawn_blocking(move || EmbeddedEventBus::pending_for(&bus, &consumer)).await.map_err(unavailable)?.map(Some)
    }

    async fn dead_letters_held(&self, consumer: &str) -> Result<Option<u64>, EventError> {
        let (bus, consumer) = (self.clone(), consumer.to_owned());
        tokio::task::spawn_blocking(move || EmbeddedEventBus::dead_count_for(&bus, &consumer)).await.map_err(unavailable)?.map(Some)
    }

    async fn dead_letters_of(&self, consumers: &[String]) -> Result<Vec<DeadLetter>, EventError> {
        let bus = self.clone();
        let all = tokio::task::spawn_blocking(move || EmbeddedEventBus::dead_letters(&bus)).await.map_err(unavailable)??;
        Ok(all
            .into_iter()
            .filter(|(c, _)| consumers.is_empty() || consumers.contains(c))
            .map(|(c, record)| dlq::to_dead_letter(&c, record))
            .collect())
    }

    async fn replay(&self, consumer: &str, event_id: Option<&str>) -> Result<u64, EventError> {
        let (bus, c, id) = (self.clone(), consumer.to_owned(), event_id.map(str::to_owned));
        let n = tokio::task::spawn_blocking(move || EmbeddedEventBus::replay_dead_letters(&bus, &c, id.as_deref())).await.map_err(unavailable)??;
        if let Ok(consumers) = self.consumers.read() {
            if let Some((_, notify)) = consumers.get(consumer) {
                notify.notify_one();
            }
        }
        Ok(n)
    }
}
