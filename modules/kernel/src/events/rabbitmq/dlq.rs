//! Dead letters on RabbitMQ: `<queue>.dlq` read with `basic_get` and manual acks.
//!
//! Listing takes every message of the queue on a channel of its own and closes the
//! channel without acking: the broker puts them all back, in order. Replaying
//! re-publishes a body (publisher confirm) to the consumer's main queue through the
//! default exchange with the attempt count reset, and only then acks the DLQ copy: a
//! crash in between duplicates, never loses.

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicGetOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::Channel;

use super::{attempts_of, unavailable, RabbitEventBus};
use crate::events::{DeadLetter, EventError};

/// Takes (without acking) every message ready in `queue`, declaring it when missing.
async fn take_all(ch: &Channel, queue: &str) -> Result<Vec<Delivery>, EventError> {
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };
    let count = ch.queue_declare(queue, durable, FieldTable::default()).await.map_err(unavailable)?.message_count();
    let mut out = Vec::new();
    for _ in 0..count {
        match ch.basic_get(queue, BasicGetOptions { no_ack: false }).await.map_err(unavailable)? {
            Some(m) => out.push(m.delivery),
            None => break,
        }
    }
    Ok(out)
}

fn dead_letter(consumer: &str, d: &Delivery) -> DeadLetter {
    let error = d
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-error").cloned())
        .map(|v| match v {
            AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            other => format!("{other:?}"),
        })
        .unwrap_or_default();
    DeadLetter::from_body(consumer, &d.data, attempts_of(d), error)
}

impl RabbitEventBus {
    /// The dead letters of `consumers`, left in their queues.
    pub async fn list_dead_letters(&self, consumers: &[String]) -> Result<Vec<DeadLetter>, EventError> {
        let (conn, ch) = self.open().await?;
        let mut out = Vec::new();
        for consumer in consumers {
            let held = take_all(&ch, &format!("{}.dlq", self.queue_name(consumer))).await?;
            out.extend(held.iter().map(|d| dead_letter(consumer, d)));
        }
        // Closing without acks returns every message taken to its queue.
        let _ = ch.close(200, "listed").await;
        let _ = conn.close(200, "listed").await;
        Ok(out)
    }

    /// Moves `consumer`'s dead letters (only `event_id`'s when given) back to its queue
    /// with fresh attempts. Returns how many were moved.
    pub async fn replay_dead_letters(&self, consumer: &str, event_id: Option<&str>) -> Result<u64, EventError> {
        let (conn, ch) = self.open().await?;
        let queue = self.queue_name(consumer);
        // Never publish to a queue that does not exist (the message would be dropped).
        let durable = QueueDeclareOptions { durable: true, ..Default::default() };
        ch.queue_declare(&queue, durable, FieldTable::default()).await.map_err(unavailable)?;
        let mut replayed = 0u64;
        for d in take_all(&ch, &format!("{queue}.dlq")).await? {
            let letter = dead_letter(consumer, &d);
            if event_id.is_some_and(|id| letter.event_id.as_deref() != Some(id)) {
                continue; // not acked: back to the DLQ when the channel closes
            }
            let mut headers = FieldTable::default();
            for (k, v) in d.properties.headers().as_ref().map(|h| h.inner().clone()).unwrap_or_default() {
                if !matches!(k.as_str(), "x-attempts" | "x-error" | "x-death") {
                    headers.insert(k, v);
                }
            }
            let id = d.properties.message_id().as_ref().map(|s| s.to_string());
            Self::confirm(&ch, "", &queue, &d.data, Self::properties(id, headers)).await?;
            d.ack(BasicAckOptions::default()).await.map_err(unavailable)?;
            tracing::info!(consumer, event_id = ?letter.event_id, "dead letter replayed");
            replayed += 1;
        }
        let _ = ch.close(200, "replayed").await;
        let _ = conn.close(200, "replayed").await;
        Ok(replayed)
    }
}
