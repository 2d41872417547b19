//! W3C trace context (`traceparent`, `tracestate`) in and out of the process.
//!
//! Spans are `tracing` spans; when the composition root installed the OpenTelemetry
//! layer (`OTEL_EXPORTER_OTLP_ENDPOINT` set) they become OpenTelemetry spans. Without it
//! every function here finds no context and does nothing: no header is written, no
//! parent is set.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Marks tracing on (the composition root installed the OpenTelemetry layer): the
/// adapters then open spans for their operations. Off, they open none, so logging
/// pays nothing for them.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether spans are exported (see [`set_enabled`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A span built by `make` when tracing is on, else a disabled span (free to enter).
pub fn span_if_enabled(make: impl FnOnce() -> Span) -> Span {
    if enabled() {
        make()
    } else {
        Span::none()
    }
}

/// The header names of the W3C trace context.
pub const TRACEPARENT: &str = "traceparent";
/// The vendor part of the W3C trace context.
pub const TRACESTATE: &str = "tracestate";

/// The trace context of `span` as header pairs (`traceparent`, and `tracestate` when
/// not empty); empty when the span is not traced.
pub fn headers_of(span: &Span) -> Vec<(&'static str, String)> {
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return Vec::new();
    }
    let mut map: HashMap<String, String> = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut map);
    let mut out = Vec::with_capacity(2);
    if let Some(tp) = map.remove(TRACEPARENT) {
        out.push((TRACEPARENT, tp));
    }
    if let Some(ts) = map.remove(TRACESTATE).filter(|s| !s.is_empty()) {
        out.push((TRACESTATE, ts));
    }
    out
}

/// The trace context of the current span as header pairs (see [`headers_of`]).
pub fn current_headers() -> Vec<(&'static str, String)> {
    headers_of(&Span::current())
}

/// The current span's `traceparent` and `tracestate` (None when not traced).
pub fn current_traceparent() -> (Option<String>, Option<String>) {
    let mut tp = None;
    let mut ts = None;
    for (k, v) in current_headers() {
        if k == TRACEPARENT {
            tp = Some(v);
        } else {
            ts = Some(v);
        }
    }
    (tp, ts)
}

/// Makes `span` a child of the remote context in `traceparent`/`tracestate` (an
/// incoming request, a consumed event); does nothing when `traceparent` is absent or
/// malformed, or when tracing is off.
pub fn continue_from(span: &Span, traceparent: Option<&str>, tracestate: Option<&str>) {
    let Some(tp) = traceparent.filter(|s| !s.is_empty()) else { return };
    let mut map = HashMap::with_capacity(2);
    map.insert(TRACEPARENT.to_owned(), tp.to_owned());
    if let Some(ts) = tracestate {
        map.insert(TRACESTATE.to_owned(), ts.to_owned());
    }
    let cx = TraceContextPropagator::new().extract(&map);
    if cx.span().span_context().is_valid() {
        let _ = span.set_parent(cx);
    }
}

/// The trace id (32 hex digits) of `span`, None when it is not traced.
pub fn trace_id_of(span: &Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Adds the current trace context to an outgoing HTTP request.
pub fn inject_reqwest(rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    current_headers().into_iter().fold(rb, |rb, (k, v)| rb.header(k, v))
}

/// The producer span of handing `event` to `bus` (a child of the current span).
pub fn producer_span(bus: &'static str, event: &crate::events::EventEnvelope) -> Span {
    if !enabled() {
        return Span::none();
    }
    tracing::info_span!(
        "publish",
        otel.name = %format_args!("publish {}", event.event_type),
        otel.kind = "producer",
        messaging.system = bus,
        messaging.destination.name = %event.event_type,
        messaging.message.id = %event.id,
    )
}

/// The consumer span of `consumer` handling `event`: a root span continuing the trace
/// of the event's producer (its `traceparent`), with the trace id for the log lines.
pub fn consumer_span(bus: &'static str, consumer: &str, event: &crate::events::EventEnvelope) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!(
        parent: None,
        "consume",
        otel.name = %format_args!("consume {} {consumer}", event.event_type),
        otel.kind = "consumer",
        messaging.system = bus,
        messaging.consumer.group.name = consumer,
        messaging.destination.name = %event.event_type,
        messaging.message.id = %event.id,
        trace_id = tracing::field::Empty,
    );
    continue_from(&span, event.traceparent.as_deref(), event.tracestate.as_deref());
    record_trace_id(&span);
    span
}

/// Records the span's trace id in its `trace_id` field (declared empty) when tracing
/// is on, so every log line written inside carries it.
pub fn record_trace_id(span: &Span) {
    if let Some(id) = trace_id_of(span) {
        span.record("trace_id", id.as_str());
    }
}

/// The relay's span for publishing one outbox entry: a child of the request that
/// committed the event (its `traceparent`), linked to the current relay batch.
pub fn relay_span(event: &crate::events::EventEnvelope) -> Span {
    if !enabled() {
        return Span::none();
    }
    let batch = Span::current();
    let span = tracing::info_span!(
        parent: None,
        "outbox relay publish",
        otel.name = %format_args!("outbox relay {}", event.event_type),
        messaging.message.id = %event.id,
        trace_id = tracing::field::Empty,
    );
    continue_from(&span, event.traceparent.as_deref(), event.tracestate.as_deref());
    let batch_cx = batch.context();
    let sc = batch_cx.span().span_context().clone();
    if sc.is_valid() {
        span.add_link(sc);
    }
    record_trace_id(&span);
    span
}
