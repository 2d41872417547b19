//! The RabbitMQ event bus (lapin): publisher confirms, durable queues, retry queues
//! with growing TTLs, and a dead-letter queue per consumer.
//!
//! Topology per consumer `c` (queue name `<prefix>c`):
//! - `<q>` durable, bound to the topic exchange with each of the consumer's patterns;
//! - `<q>.retry.<n>` durable, `x-message-ttl` = backoff(n), dead-lettering back to `<q>`;
//! - `<q>.dlq` durable: messages that failed `max_attempts` times or are poison, with
//!   the error in the `x-error` header.
//!
//! A failed message is re-published (confirmed) to the retry queue of its attempt
//! before the original is acked, so a crash in between duplicates but never loses.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::publisher_confirm::Confirmation;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

mod dlq;

use super::{backoff, DeadLetter, EventBus, EventEnvelope, EventError, EventHandler};
use crate::redact::redact_url;
use crate::telemetry;
use tracing::Instrument;

/// Settings of the RabbitMQ adapter.
#[derive(Debug, Clone)]
pub struct RabbitSettings {
    /// `amqp://user:pass@host:5672/%2f`
    pub url: String,
    /// The topic exchange (contract: `events`).
    pub exchange: String,
    /// Prefix of every queue name (`hme.`), so environments can share a broker.
    pub queue_prefix: String,
    /// Unacknowledged messages a consumer holds at once.
    pub prefetch: u16,
    /// Attempts before dead-lettering.
    pub max_attempts: u32,
    /// First retry delay; doubles per attempt.
    pub base_delay_ms: u64,
    /// Consumers whose queues the publisher declares too, so events published before
    /// a worker first starts wait for it: `(consumer, patterns)`.
    pub known_consumers: Vec<(String, Vec<String>)>,
}

/// The RabbitMQ [`EventBus`].
pub struct RabbitEventBus {
    settings: RabbitSettings,
    publisher: Mutex<Option<(Connection, Channel)>>,
    /// Set once by `shutdown`: consumers stop taking deliveries.
    stop: watch::Sender<bool>,
    /// The consumer loops, awaited by `shutdown`.
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

fn unavailable(e: impl std::fmt::Display) -> EventError {
    EventError::Unavailable(e.to_string())
}

fn str_arg(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.to_owned()))
}

impl RabbitEventBus {
    /// Connects, declares the exchange and the known consumers' queues. Fails with a
    /// message naming the (redacted) URL when the broker cannot be reached.
    pub async fn connect(settings: RabbitSettings) -> Result<Arc<Self>, EventError> {
        let bus = Arc::new(Self {
            settings,
            publisher: Mutex::new(None),
            stop: watch::channel(false).0,
            tasks: std::sync::Mutex::new(Vec::new()),
        });
        bus.publisher_channel().await?;
        Ok(bus)
    }

    /// The queue name of a consumer.
    pub fn queue_name(&self, consumer: &str) -> String {
        format!("{}{}", self.settings.queue_prefix, consumer)
    }

    async fn open(&self) -> Result<(Connection, Channel), EventError> {
        let props = ConnectionProperties::default()
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio);
        let conn = tokio::time::timeout(Duration::from_secs(5), Connection::connect(&self.settings.url, props))
            .await
            .map_err(|_| EventError::Unavailable(format!("RabbitMQ at {} did not answer in 5 s", redact_url(&self.settings.url))))?
            .map_err(|e| EventError::Unavailable(format!("RabbitMQ at {}: {e}", redact_url(&self.settings.url))))?;
        let channel = conn.create_channel().await.map_err(unavailable)?;
        channel.confirm_select(ConfirmSelectOptions::default()).await.map_err(unavailable)?;
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel
            .exchange_declare(&self.settings.exchange, ExchangeKind::Topic, durable, FieldTable::default())
            .await
            .map_err(unavailable)?;
        Ok((conn, channel))
    }

    async fn publisher_channel(&self) -> Result<Channel, EventError> {
        let mut guard = self.publisher.lock().await;
        if let Some((conn, ch)) = guard.as_ref() {
            if conn.status().connected() && ch.status().connected() {
                return Ok(ch.clone());
            }
        }
        let (conn, ch) = self.open().await?;
        for (consumer, patterns) in &self.settings.known_consumers {
            self.declare_consumer(&ch, consumer, patterns).await?;
        }
        *guard = Some((conn, ch.clone()));
        Ok(ch)
    }

    /// Declares a consumer's queue, bindings, retry queues and dead-letter queue.
    async fn declare_consumer(&self, ch: &Channel, consumer: &str, patterns: &[String]) -> Result<(), EventError> {
        let queue = self.queue_name(consumer);
        let durable = QueueDeclareOptions { durable: true, ..Default::default() };
        ch.queue_declare(&queue, durable, FieldTable::default()).await.map_err(unavailable)?;
        for p in patterns {
            ch.queue_bind(&queue, &self.settings.exchange, p, QueueBindOptions::default(), FieldTable::default())
                .await
                .map_err(unavailable)?;
        }
        for attempt in 1..self.settings.max_attempts.max(1) {
            let mut args = FieldTable::default();
            let ttl = backoff(self.settings.base_delay_ms, attempt, 3_600_000).as_millis();
            args.insert(ShortString::from("x-message-ttl"), AMQPValue::LongUInt(u32::try_from(ttl).unwrap_or(u32::MAX)));
            args.insert(ShortString::from("x-dead-letter-exchange"), str_arg(""));
            args.insert(ShortString::from("x-dead-letter-routing-key"), str_arg(&queue));
            ch.queue_declare(&format!("{queue}.retry.{attempt}"), durable, args).await.map_err(unavailable)?;
        }
        ch.queue_declare(&format!("{queue}.dlq"), durable, FieldTable::default()).await.map_err(unavailable)?;
        Ok(())
    }

    async fn confirm(ch: &Channel, exchange: &str, key: &str, body: &[u8], props: BasicProperties) -> Result<(), EventError> {
        let confirm = ch
            .basic_publish(exchange, key, BasicPublishOptions::default(), body, props)
            .await
            .map_err(unavailable)?
            .await
            .map_err(unavailable)?;
        match confirm {
            Confirmation::Nack(_) => Err(EventError::Unavailable("broker refused the message (nack)".into())),
            _ => Ok(()),
        }
    }

    fn properties(id: Option<String>, headers: FieldTable) -> BasicProperties {
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type(ShortString::from("application/json"))
            .with_headers(headers);
        match id {
            Some(id) => props.with_message_id(ShortString::from(id)),
            None => props,
        }
    }

    async fn consume(self: Arc<Self>, handler: Arc<dyn EventHandler>) {
        let mut stop = self.stop.subscribe();
        let mut failures = 0u32;
        while !*stop.borrow() {
            match self.consume_once(&handler, &mut stop).await {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures += 1;
                    tracing::warn!(consumer = handler.consumer(), error = %e, "consumer lost its broker connection, reconnecting");
                }
            }
            if *stop.borrow() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff(500, failures.max(1), 15_000)) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::info!(consumer = handler.consumer(), "consumer stopped");
    }

    /// Consumes until the connection breaks or `stop` is set. On stop the delivery in
    /// hand is finished and acked, then the channel is closed: the prefetched
    /// deliveries not started go back to the queue.
    async fn consume_once(&self, handler: &Arc<dyn EventHandler>, stop: &mut watch::Receiver<bool>) -> Result<(), EventError> {
        let (conn, ch) = self.open().await?;
        self.declare_consumer(&ch, handler.consumer(), &handler.event_types()).await?;
        ch.basic_qos(self.settings.prefetch, BasicQosOptions::default()).await.map_err(unavailable)?;
        let queue = self.queue_name(handler.consumer());
        let tag = format!("{queue}-{}", uuid::Uuid::new_v4());
        let mut stream = ch
            .basic_consume(&queue, &tag, BasicConsumeOptions::default(), FieldTable::default())
            .await
            .map_err(unavailable)?;
        tracing::info!(queue = %queue, "consuming");
        loop {
            if *stop.borrow_and_update() {
                break;
            }
            let next = tokio::select! {
                biased;
                _ = stop.changed() => break,
                next = stream.next() => next,
            };
            let Some(delivery) = next else { return Ok(()) };
            let delivery = delivery.map_err(unavailable)?;
            self.process(&ch, handler, &queue, delivery).await?;
        }
        tracing::info!(queue = %queue, "consumer draining: in-flight delivery settled, closing the channel");
        let _ = ch.close(200, "shutdown").await;
        let _ = conn.close(200, "shutdown").await;
        Ok(())
    }

    async fn process(&self, ch: &Channel, handler: &Arc<dyn EventHandler>, queue: &str, d: Delivery) -> Result<(), EventError> {
        let attempts = attempts_of(&d) + 1;
        let started = std::time::Instant::now();
        let failure = match serde_json::from_slice::<EventEnvelope>(&d.data) {
            Err(e) => Some((format!("poison message: {e}"), true)),
            Ok(mut event) => {
                // The message headers win over the body (they are the producer span's).
                if let Some(tp) = header_str(&d, telemetry::trace::TRACEPARENT) {
                    event.traceparent = Some(tp);
                    event.tracestate = header_str(&d, telemetry::trace::TRACESTATE);
                }
                let span = telemetry::trace::consumer_span("rabbitmq", handler.consumer(), &event);
                let handled = handler.handle(&event).instrument(span).await;
                telemetry::metrics::broker_operation("rabbitmq", "consume", outcome(&handled), started.elapsed());
                match handled {
                Ok(()) => None,
                Err(e) => {
                    let (why, dead) = e.settle(attempts, self.settings.max_attempts);
                    Some((why.to_owned(), dead))
                }
                }
            }
        };
        if let Some((error, dead)) = failure {
            let mut headers = d.properties.headers().clone().unwrap_or_default();
            headers.insert(ShortString::from("x-attempts"), AMQPValue::LongUInt(attempts));
            headers.insert(ShortString::from("x-error"), str_arg(&error));
            let id = d.properties.message_id().as_ref().map(|s| s.to_string());
            // Transient failures outlast the retry queues: they wait in the longest one.
            let wait = attempts.min(self.settings.max_attempts.saturating_sub(1)).max(1);
            let target = if dead { format!("{queue}.dlq") } else { format!("{queue}.retry.{wait}") };
            tracing::warn!(queue, attempts, dead, error = %error, "event handling failed");
            Self::confirm(ch, "", &target, &d.data, Self::properties(id, headers)).await?;
        }
        d.ack(BasicAckOptions::default()).await.map_err(unavailable)
    }

    /// Checks the broker answers (re-opening the publisher channel when needed).
    pub async fn dead_letter_count_probe(&self) -> Result<(), EventError> {
        self.publisher_channel().await.map(|_| ())
    }

    /// Number of messages in a consumer's dead-letter queue.
    pub async fn dead_letter_count(&self, consumer: &str) -> Result<u32, EventError> {
        self.ready_count(&format!("{}.dlq", self.queue_name(consumer))).await
    }

    /// Messages ready (not taken by a consumer) in `queue` (passive declare).
    async fn ready_count(&self, queue: &str) -> Result<u32, EventError> {
        let ch = self.publisher_channel().await?;
        let passive = QueueDeclareOptions { passive: true, durable: true, ..Default::default() };
        match ch.queue_declare(queue, passive, FieldTable::default()).await {
            Ok(q) => Ok(q.message_count()),
            Err(e) => {
                // A failed passive declare closes the channel; reopen it next time.
                *self.publisher.lock().await = None;
                Err(unavailable(e))
            }
        }
    }
}

impl RabbitEventBus {
    /// Publishes in the producer span: the event and the message headers carry its
    /// trace context.
    async fn publish_traced(self: &Arc<Self>, event: &EventEnvelope) -> Result<(), EventError> {
        let mut event = event.clone();
        event.stamp_trace();
        let body = serde_json::to_vec(&event)?;
        let mut headers = FieldTable::default();
        for (k, v) in telemetry::trace::current_headers() {
            headers.insert(ShortString::from(k), str_arg(&v));
        }
        let props = RabbitEventBus::properties(Some(event.id.to_string()), headers);
        let ch = self.publisher_channel().await?;
        let result = RabbitEventBus::confirm(&ch, &self.settings.exchange, &event.event_type, &body, props).await;
        if result.is_err() {
            *self.publisher.lock().await = None;
        }
        result
    }
}

fn outcome<T, E>(r: &Result<T, E>) -> telemetry::Outcome {
    telemetry::Outcome::of_result(r)
}

/// A string header of a delivery.
fn header_str(d: &Delivery, name: &str) -> Option<String> {
    match d.properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The `x-attempts` header of a delivery (0 when absent).
fn attempts_of(d: &Delivery) -> u32 {
    d.properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-attempts").cloned())
        .and_then(|v| match v {
            AMQPValue::LongUInt(n) => Some(n),
            AMQPValue::LongLongInt(n) => u32::try_from(n).ok(),
            AMQPValue::LongInt(n) => u32::try_from(n).ok(),
            _ => None,
        })
        .unwrap_or(0)
}

#[async_trait]
impl EventBus for Arc<RabbitEventBus> {
    fn name(&self) -> &'static str {
        "rabbitmq"
    }

    async fn publish(&self, event: &EventEnvelope) -> Result<(), EventError> {
        let span = telemetry::trace::producer_span("rabbitmq", event);
        let started = std::time::Instant::now();
        let result = self.publish_traced(event).instrument(span).await;
        telemetry::metrics::broker_operation("rabbitmq", "publish", outcome(&result), started.elapsed());
        result
    }

    async fn subscribe(&self, handler: Arc<dyn EventHandler>) -> Result<(), EventError> {
        let task = tokio::spawn(self.clone().consume(handler));
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
        Ok(Some(u64::from(self.ready_count(&self.queue_name(consumer)).await?)))
    }

    async fn dead_letters_held(&self, consumer: &str) -> Result<Option<u64>, EventError> {
        Ok(Some(u64::from(RabbitEventBus::dead_letter_count(self, consumer).await?)))
    }

    async fn dead_letters_of(&self, consumers: &[String]) -> Result<Vec<DeadLetter>, EventError> {
        self.list_dead_letters(consumers).await
    }

    async fn replay(&self, consumer: &str, event_id: Option<&str>) -> Result<u64, EventError> {
        self.replay_dead_letters(consumer, event_id).await
    }
}
