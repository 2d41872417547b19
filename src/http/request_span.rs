//! The span every request runs in: what a log line written while serving it carries,
//! and, with tracing on, the server span of the request's trace.
//!
//! `tracing-actix-web`'s default span has some fifteen fields (client address, user
//! agent, route found by matching the path against every route again, ...) and records
//! the status and the outcome into it at the end. With the JSON log format each field
//! recorded re-parses and re-writes the span's fields as JSON: that was the largest
//! cost of a cached request (about a quarter of the server's CPU time on
//! `GET /api/product/{id}`, measured with perf). Nothing is logged after a response is
//! made, so with tracing off nothing is recorded at the end; with tracing on
//! ([`hme_kernel::telemetry::trace::enabled`]) the route template and the status are
//! recorded for the exporter (see `middleware::observe`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use hme_kernel::telemetry::trace;
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The root span of a request: `request_id` (echoed as `x-request-id`), method and
/// path; with tracing on also the OpenTelemetry fields and `trace_id`, and it continues
/// the caller's trace when the request carries a W3C `traceparent`.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request.extensions().get::<RequestId>().copied();
        if !trace::enabled() {
            // recorded as strings (the id encoded on the stack), not through `Display`:
            // the formatting machinery was a third of the span's cost (callgrind)
            let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let id = id.map(|id| &*id.hyphenated().encode_lower(&mut text));
            return tracing::info_span!("request", request_id = id, method = request.method().as_str(), path = request.path());
        }
        // The span's name is fixed at creation (the exporter reads no later change): the
        // route template is matched here, only with tracing on.
        let route = request.match_pattern();
        let span = tracing::info_span!(
            "request",
            request_id = id.map(tracing::field::display),
            method = %request.method(),
            path = request.path(),
            trace_id = Empty,
            otel.name = %format_args!("{} {}", request.method(), route.as_deref().unwrap_or(crate::http::observe::UNMATCHED)),
            otel.kind = "server",
            otel.status_code = Empty,
            http.request.method = %request.method(),
            http.route = Empty,
            http.response.status_code = Empty,
            hme.module = Empty,
        );
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        trace::continue_from(&span, header(trace::TRACEPARENT), header(trace::TRACESTATE));
        trace::record_trace_id(&span);
        span
    }

    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}
