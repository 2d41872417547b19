//! Counters of what the worker's consumers did, per consumer and event type: kept here
//! (for the worker's own reports) and counted in the process's registry as
//! `hme_worker_events_total` (served at `/metrics` on the admin listener).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// What happened to one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Handled successfully.
    Processed,
    /// Already processed (a redelivery): skipped.
    Duplicate,
    /// The handler failed (either kind).
    Failed,
    /// A passing failure: handed back to the bus for a retry with backoff (the bus
    /// dead-letters it instead once the attempts are used up).
    Retried,
    /// A permanent failure (bad payload, rejected email): dead-lettered at once.
    DeadLettered,
}

impl Outcome {
    /// The `outcome` label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Processed => "processed",
            Self::Duplicate => "duplicate",
            Self::Failed => "failed",
            Self::Retried => "retried",
            Self::DeadLettered => "dead_lettered",
        }
    }
}

/// The counters (in memory, per process).
#[derive(Debug, Default)]
pub struct Metrics {
    counts: Mutex<BTreeMap<(String, String, Outcome), u64>>,
}

fn label_value(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// Counts one `outcome` for `consumer` on `event_type`.
    pub fn count(&self, consumer: &str, event_type: &str, outcome: Outcome) {
        hme_kernel::telemetry::metrics::consumer_event(consumer, event_type, outcome.label());
        if let Ok(mut m) = self.counts.lock() {
            *m.entry((consumer.to_owned(), event_type.to_owned(), outcome)).or_insert(0) += 1;
        }
    }

    /// The current value of one counter.
    pub fn get(&self, consumer: &str, event_type: &str, outcome: Outcome) -> u64 {
        self.counts.lock().ok().and_then(|m| m.get(&(consumer.to_owned(), event_type.to_owned(), outcome)).copied()).unwrap_or(0)
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP hme_worker_events_total Events handled by the worker's consumers, by consumer, event type and outcome.\n# TYPE hme_worker_events_total counter\n",
        );
        if let Ok(m) = self.counts.lock() {
            for ((consumer, event_type, outcome), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "hme_worker_events_total{{consumer=\"{}\",event_type=\"{}\",outcome=\"{}\"}} {n}",
                    label_value(consumer),
                    label_value(event_type),
                    outcome.label()
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lists_each_counter_with_its_labels() {
        let m = Metrics::default();
        m.count("email.order_created", "order.created", Outcome::Processed);
        m.count("email.order_created", "order.created", Outcome::Processed);
        m.count("inventory.sales", "order.created", Outcome::Retried);
        let text = m.render();
        assert!(text.contains("# TYPE hme_worker_events_total counter"), "{text}");
        assert!(text.contains(r#"hme_worker_events_total{consumer="email.order_created",event_type="order.created",outcome="processed"} 2"#), "{text}");
        assert!(text.contains(r#"outcome="retried"} 1"#), "{text}");
    }
}
