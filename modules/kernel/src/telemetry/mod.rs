//! Observability shared by every module: Prometheus metrics ([`metrics`]: one registry
//! per process, rendered at `/metrics` on the admin listener) and OpenTelemetry trace
//! context ([`trace`]: W3C `traceparent`/`tracestate` over internal HTTP and AMQP).
//!
//! Every instrumentation point in the modules is one call into this module, so the
//! names, units and label sets live in one place (`migrations-docs/observability.md`
//! lists them).

pub mod metrics;
pub mod mongo;
pub mod ports;
pub mod trace;

pub use metrics::{observe, Outcome};
