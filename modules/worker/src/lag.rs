//! The consumer gauges, asked of the bus at each scrape of `/metrics` on the admin
//! listener: `hme_worker_consumer_lag{consumer}`, deliveries waiting in each consumer's
//! queue (RabbitMQ: the queue's ready count; embedded: the consumer's pending
//! deliveries), and `hme_worker_dead_letters{consumer}`.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::EventBus;
use hme_kernel::telemetry::metrics::{consumer_state, Collector};

/// Reads the backlog and dead letters of the worker's consumers from the bus.
pub struct ConsumerLag {
    bus: Arc<dyn EventBus>,
    consumers: Vec<String>,
}

impl ConsumerLag {
    /// The gauges for `consumers` on `bus`.
    pub fn new(bus: Arc<dyn EventBus>, consumers: Vec<String>) -> Self {
        Self { bus, consumers }
    }
}

#[async_trait]
impl Collector for ConsumerLag {
    /// A consumer whose queue cannot be read (broker down) keeps its last values.
    async fn collect(&self) {
        for consumer in &self.consumers {
            let lag = match self.bus.backlog(consumer).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(consumer = %consumer, error = %e, "consumer lag unavailable");
                    None
                }
            };
            let dead = self.bus.dead_letters_held(consumer).await.ok().flatten();
            consumer_state(consumer, lag, dead);
        }
    }
}
