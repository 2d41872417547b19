//! Port calls, observed the same way whatever carries them: a span `<port> <operation>`
//! (with tracing on) and `hme_port_calls_total` / `hme_port_call_duration_seconds` by
//! port, operation and [`Transport`]. The labels come from the port's wire path
//! (`/catalog/reserve` is port `catalog`, operation `reserve`), in process as over HTTP,
//! so the two transports of one call compare on the same series.

use std::future::Future;
use std::time::Instant;

use tracing::Instrument;

use super::metrics::{port_call, Outcome};

/// How a port call reaches the owning module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A function call into the owning module, compiled into this process.
    InProcess,
    /// An HTTP call to the owning module's internal endpoint (split deploy).
    Http,
}

impl Transport {
    /// `in_process` or `http` (the `transport` label).
    pub fn label(self) -> &'static str {
        match self {
            Self::InProcess => "in_process",
            Self::Http => "http",
        }
    }
}

/// The port and operation labels of a wire path: `/catalog/reserve` →
/// (`catalog`, `reserve`).
pub fn labels(path: &'static str) -> (&'static str, &'static str) {
    let path = path.trim_start_matches('/');
    path.split_once('/').unwrap_or((path, ""))
}

/// Runs one port call (`path` names it, see [`labels`]) in its span, then counts and
/// times it; `failed` tells which errors mean the owning module could not answer
/// (`outcome="error"`), as opposed to a refusal by the port (out of stock: `ok`).
pub async fn observe_port<T, E, F>(path: &'static str, transport: Transport, failed: impl FnOnce(&E) -> bool, fut: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let (port, operation) = labels(path);
    let span = super::trace::span_if_enabled(|| {
        let kind = if transport == Transport::Http { "client" } else { "internal" };
        tracing::info_span!(
            "port call",
            otel.name = %format_args!("{port} {operation}"),
            otel.kind = kind,
            otel.status_code = tracing::field::Empty,
            hme.port = port,
            hme.port.operation = operation,
            hme.port.transport = transport.label(),
            peer.service = tracing::field::Empty,
        )
    });
    let started = Instant::now();
    let r = fut.instrument(span.clone()).await;
    let outcome = match &r {
        Err(e) if failed(e) => Outcome::Error,
        _ => Outcome::Ok,
    };
    if outcome == Outcome::Error {
        span.record("otel.status_code", "ERROR");
    }
    port_call(port, operation, transport.label(), outcome, started.elapsed());
    r
}

/// A port implemented in this process, observed: the composition root wraps the owning
/// module's implementation in it before handing it to another module, and each
/// contract crate implements its port for `Observed<dyn Port>` by running every call
/// through [`observe_port`] with [`Transport::InProcess`] — so a port call has its span
/// and its metrics whether it stays in the process or goes over HTTP (the contracts'
/// `Remote*` clients do the same with [`Transport::Http`]).
pub struct Observed<P: ?Sized>(std::sync::Arc<P>);

impl<P: ?Sized> Observed<P> {
    /// Wraps the owning module's implementation `port`.
    pub fn new(port: std::sync::Arc<P>) -> Self {
        Self(port)
    }

    /// The wrapped implementation.
    pub fn inner(&self) -> &P {
        &self.0
    }
}

/// `port` observed, as the trait object the calling module takes.
pub fn observed<P: ?Sized>(port: std::sync::Arc<P>) -> std::sync::Arc<Observed<P>> {
    std::sync::Arc::new(Observed(port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_path_names_the_port_and_the_operation() {
        assert_eq!(labels("/catalog/products-by-ids"), ("catalog", "products-by-ids"));
        assert_eq!(labels("/address-book/documents"), ("address-book", "documents"));
        assert_eq!(Transport::InProcess.label(), "in_process");
    }
}
