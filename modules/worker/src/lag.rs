//! The consumer-lag gauge: deliveries waiting in each consumer's queue, asked of the
//! bus when `GET /metrics` is scraped (RabbitMQ: the queue's ready count; embedded:
//! the consumer's pending deliveries).

use std::fmt::Write;
use std::sync::Arc;

use hme_kernel::events::EventBus;

/// Reads the backlog of the worker's consumers from the bus.
pub struct ConsumerLag {
    bus: Arc<dyn EventBus>,
    consumers: Vec<String>,
}

impl ConsumerLag {
    /// The gauge for `consumers` on `bus`.
    pub fn new(bus: Arc<dyn EventBus>, consumers: Vec<String>) -> Self {
        Self { bus, consumers }
    }

    /// The Prometheus text of `hme_worker_consumer_lag{consumer}`; a consumer whose
    /// backlog cannot be read (broker down) is left out.
    pub async fn render(&self) -> String {
        let mut out = String::from(
            "# HELP hme_worker_consumer_lag Deliveries waiting in each consumer's queue.\n# TYPE hme_worker_consumer_lag gauge\n",
        );
        for consumer in &self.consumers {
            match self.bus.backlog(consumer).await {
                Ok(Some(n)) => {
                    let _ = writeln!(out, "hme_worker_consumer_lag{{consumer=\"{consumer}\"}} {n}");
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(consumer = %consumer, error = %e, "consumer lag unavailable"),
            }
        }
        out
    }
}
