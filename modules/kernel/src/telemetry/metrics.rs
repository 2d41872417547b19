//! The process's metrics, through the `metrics` facade and rendered by the Prometheus
//! exporter. Names follow the Prometheus conventions (`_total` counters, `_seconds`
//! histograms, base units); label values are bounded (route templates, port and
//! operation names, consumer names: never raw paths or ids).
//!
//! [`install`] sets the one recorder of the process (idempotent); before it, or in a
//! test binary that never calls it, every call here is a no-op.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{LazyLock, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use ::metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter, Gauge, Histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Histogram buckets of every `_seconds` metric: 1 ms to 10 s.
pub const SECONDS_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Every metric the binary exports: name, type, help. `deploy/` (alert rules, the
/// dashboard) may only name these (`tests/api/deploy` checks it).
pub const CATALOGUE: &[(&str, Kind, &str)] = &[
    ("hme_http_requests_total", Kind::Counter, "HTTP requests answered, by route template, method and status class."),
    ("hme_http_request_duration_seconds", Kind::Histogram, "HTTP request duration, by route template, method and status class."),
    ("hme_http_requests_in_flight", Kind::Gauge, "HTTP requests being served."),
    ("hme_http_open_connections", Kind::Gauge, "HTTP connections open on the public listener."),
    ("hme_port_calls_total", Kind::Counter, "Calls to another module's port, by port, operation, transport (in_process or http) and outcome."),
    ("hme_port_call_duration_seconds", Kind::Histogram, "Duration of calls to another module's port, by port, operation and transport."),
    ("hme_db_operations_total", Kind::Counter, "MongoDB and Redis operations, by system, operation and outcome."),
    ("hme_db_operation_duration_seconds", Kind::Histogram, "MongoDB and Redis operation duration, by system and operation."),
    ("hme_db_commands_total", Kind::Counter, "MongoDB commands sent while serving HTTP requests, by route template and command (background loops not included): divided by hme_http_requests_total, the database round trips per request."),
    ("hme_broker_operations_total", Kind::Counter, "Event bus operations (publish, consume), by bus, operation and outcome."),
    ("hme_broker_operation_duration_seconds", Kind::Histogram, "Event bus operation duration, by bus and operation."),
    ("hme_outbox_pending", Kind::Gauge, "Events committed to the outbox and not yet relayed to the bus (read at each scrape)."),
    ("hme_outbox_oldest_age_seconds", Kind::Gauge, "Age of the oldest event waiting in the outbox, 0 when empty (read at each scrape)."),
    ("hme_outbox_relay_published_total", Kind::Counter, "Events the outbox relay handed to the bus."),
    ("hme_outbox_relay_failures_total", Kind::Counter, "Outbox relay publish attempts the bus refused (retried with backoff)."),
    ("hme_worker_events_total", Kind::Counter, "Events handled by the worker's consumers, by consumer, event type and outcome."),
    ("hme_worker_consumer_lag", Kind::Gauge, "Deliveries waiting in each consumer's queue (read at each scrape)."),
    ("hme_worker_dead_letters", Kind::Gauge, "Dead letters held for each consumer (read at each scrape)."),
    ("hme_cache_requests_total", Kind::Counter, "Cache lookups, by adapter, key family and result (hit or miss)."),
    ("hme_rate_limit_refusals_total", Kind::Counter, "Requests refused 429 by a rate limit, by limit (scope)."),
    ("hme_trace_export_failures_total", Kind::Counter, "Span batches the OTLP exporter could not deliver."),
    ("process_resident_memory_bytes", Kind::Gauge, "Resident memory of the process (read at each scrape)."),
    ("process_open_fds", Kind::Gauge, "Open file descriptors of the process, sockets included (read at each scrape)."),
];

/// A metric's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in buckets (`_bucket`, `_sum`, `_count` series).
    Histogram,
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (first call) and returns its handle; None when
/// another recorder was installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS).ok()?;
            let handle = builder.install_recorder().ok()?;
            describe();
            Some(handle)
        })
        .clone()
}

fn describe() {
    for (name, kind, help) in CATALOGUE {
        let unit = if name.ends_with("_seconds") { Some(Unit::Seconds) } else if name.ends_with("_bytes") { Some(Unit::Bytes) } else { None };
        match (kind, unit) {
            (Kind::Counter, _) => describe_counter!(*name, *help),
            (Kind::Gauge, Some(u)) => describe_gauge!(*name, u, *help),
            (Kind::Gauge, None) => describe_gauge!(*name, *help),
            (Kind::Histogram, Some(u)) => describe_histogram!(*name, u, *help),
            (Kind::Histogram, None) => describe_histogram!(*name, *help),
        }
    }
}

/// Whether [`install`] set the process's recorder: only then may a handle be kept (one
/// made before is a no-op for good).
fn installed() -> bool {
    matches!(HANDLE.get(), Some(Some(_)))
}

/// Handles of one metric family on a hot path, registered once per label set and kept:
/// the registry's own lookup on every call (label `String`s built, the key hashed and
/// compared) was the metrics' whole cost on a cached request (callgrind, release build:
/// about 6,700 instructions of `GET /api/product/{id}`'s 110,000). Keyed by the one
/// label that comes from the input (a route template, a cache key family), then by the
/// `'static` rest; both are bounded, so the map is. The exporter has no idle timeout
/// (`install`), so a kept handle stays the registered series.
struct KeptHandles<K, H>(LazyLock<RwLock<KeptMap<K, H>>>);

/// The one varying label, then the rest and the handle.
type KeptMap<K, H> = HashMap<String, Vec<(K, H)>>;

impl<K: Copy + PartialEq, H: Clone> KeptHandles<K, H> {
    const fn new() -> Self {
        Self(LazyLock::new(RwLock::default))
    }

    /// The handle of (`name`, `rest`), registered with `register` the first time.
    fn get(&self, name: &str, rest: K, register: impl FnOnce() -> H) -> H {
        if !installed() {
            return register();
        }
        let find = |map: &KeptMap<K, H>| map.get(name).and_then(|v| v.iter().find(|(k, _)| *k == rest)).map(|(_, h)| h.clone());
        if let Some(h) = find(&self.0.read().unwrap_or_else(PoisonError::into_inner)) {
            return h;
        }
        let mut map = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(h) = find(&map) {
            return h;
        }
        let h = register();
        map.entry(name.to_owned()).or_default().push((rest, h.clone()));
        h
    }
}

/// How an operation ended, for the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded.
    Ok,
    /// It failed.
    Error,
}

impl Outcome {
    /// `ok` or `error`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }

    /// `Ok` for `Ok(_)`, `Error` for `Err(_)`.
    pub fn of_result<T, E>(r: &Result<T, E>) -> Self {
        if r.is_ok() {
            Self::Ok
        } else {
            Self::Error
        }
    }
}

/// `2xx`, `4xx`, ... of a status code.
pub fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// One answered HTTP request: `route` is the route template (`unmatched` when none).
pub fn http_request(route: &str, method: &'static str, status: u16, elapsed: Duration) {
    static KEPT: KeptHandles<(&str, &str), (Counter, Histogram)> = KeptHandles::new();
    let class = status_class(status);
    let (count, duration) = KEPT.get(route, (method, class), || {
        let labels = [("route", route.to_owned()), ("method", method.to_owned()), ("status_class", class.to_owned())];
        (counter!("hme_http_requests_total", &labels), histogram!("hme_http_request_duration_seconds", &labels))
    });
    count.increment(1);
    duration.record(elapsed.as_secs_f64());
}

/// A request started (+1) or finished (-1) being served.
pub fn http_in_flight(delta: f64) {
    static KEPT: KeptHandles<(), Gauge> = KeptHandles::new();
    KEPT.get("", (), || gauge!("hme_http_requests_in_flight")).increment(delta);
}

/// A connection of the public listener opened (+1) or closed (-1).
pub fn http_connections(delta: f64) {
    gauge!("hme_http_open_connections").increment(delta);
}

/// One call to another module's port.
pub fn port_call(port: &'static str, operation: &'static str, transport: &'static str, outcome: Outcome, elapsed: Duration) {
    counter!("hme_port_calls_total", "port" => port, "operation" => operation, "transport" => transport, "outcome" => outcome.label())
        .increment(1);
    histogram!("hme_port_call_duration_seconds", "port" => port, "operation" => operation, "transport" => transport)
        .record(elapsed.as_secs_f64());
}

/// One MongoDB or Redis operation.
pub fn db_operation(system: &'static str, operation: &str, outcome: Outcome, elapsed: Duration) {
    counter!("hme_db_operations_total", "system" => system, "operation" => operation.to_owned(), "outcome" => outcome.label()).increment(1);
    histogram!("hme_db_operation_duration_seconds", "system" => system, "operation" => operation.to_owned()).record(elapsed.as_secs_f64());
}

/// The MongoDB commands one request to `route` sent (see [`super::mongo::tally`]).
pub fn db_commands(route: &str, sent: &[super::mongo::SentCommand]) {
    for c in sent {
        counter!("hme_db_commands_total", "route" => route.to_owned(), "command" => c.name.clone()).increment(1);
    }
}

/// Runs one Redis (or other `system`) operation in a client span, timing it and
/// counting its outcome: `observe("redis", "get", async { ... }).await`.
pub async fn observe<T, E, F: Future<Output = Result<T, E>>>(system: &'static str, operation: &'static str, fut: F) -> Result<T, E> {
    use tracing::Instrument;
    let span = super::trace::span_if_enabled(|| {
        tracing::info_span!("db", otel.name = %format_args!("{system} {operation}"), otel.kind = "client", db.system = system, db.operation = operation)
    });
    let started = Instant::now();
    let r = fut.instrument(span).await;
    db_operation(system, operation, Outcome::of_result(&r), started.elapsed());
    r
}

/// One event bus operation (`publish`, `consume`).
pub fn broker_operation(bus: &'static str, operation: &'static str, outcome: Outcome, elapsed: Duration) {
    counter!("hme_broker_operations_total", "bus" => bus, "operation" => operation, "outcome" => outcome.label()).increment(1);
    histogram!("hme_broker_operation_duration_seconds", "bus" => bus, "operation" => operation).record(elapsed.as_secs_f64());
}

/// The outbox's size and the age of its oldest entry (set at scrape time).
pub fn outbox_state(pending: u64, oldest_age: Duration) {
    #[allow(clippy::cast_precision_loss)]
    gauge!("hme_outbox_pending").set(pending as f64);
    gauge!("hme_outbox_oldest_age_seconds").set(oldest_age.as_secs_f64());
}

/// The relay handed an event to the bus (`Ok`) or the bus refused it (`Error`).
pub fn relay_publish(outcome: Outcome) {
    match outcome {
        Outcome::Ok => counter!("hme_outbox_relay_published_total").increment(1),
        Outcome::Error => counter!("hme_outbox_relay_failures_total").increment(1),
    }
}

/// One delivery handled by a consumer (`outcome`: processed, duplicate, failed,
/// retried, dead_lettered).
pub fn consumer_event(consumer: &str, event_type: &str, outcome: &'static str) {
    counter!("hme_worker_events_total", "consumer" => consumer.to_owned(), "event_type" => event_type.to_owned(), "outcome" => outcome).increment(1);
}

/// A consumer's backlog and dead letters (set at scrape time).
pub fn consumer_state(consumer: &str, lag: Option<u64>, dead_letters: Option<u64>) {
    #[allow(clippy::cast_precision_loss)]
    if let Some(n) = lag {
        gauge!("hme_worker_consumer_lag", "consumer" => consumer.to_owned()).set(n as f64);
    }
    #[allow(clippy::cast_precision_loss)]
    if let Some(n) = dead_letters {
        gauge!("hme_worker_dead_letters", "consumer" => consumer.to_owned()).set(n as f64);
    }
}

/// One cache lookup: `key` is the full key; its first `:`-separated word is the label.
pub fn cache_lookup(adapter: &'static str, key: &str, hit: bool) {
    static KEPT: KeptHandles<(&str, bool), Counter> = KeptHandles::new();
    let family = key.split(':').next().unwrap_or("");
    KEPT.get(family, (adapter, hit), || {
        counter!("hme_cache_requests_total", "cache" => adapter, "family" => family.to_owned(), "result" => if hit { "hit" } else { "miss" })
    })
    .increment(1);
}

/// A request refused by the rate limit `scope` (`login:ip`, `order:user`...).
pub fn rate_limit_refused(scope: &str) {
    counter!("hme_rate_limit_refusals_total", "limit" => scope.to_owned()).increment(1);
}

/// The OTLP exporter failed to deliver a batch of spans.
pub fn trace_export_failed() {
    counter!("hme_trace_export_failures_total").increment(1);
}

/// Reads the process gauges (resident memory, open descriptors) from `/proc/self`.
pub fn process_state() {
    if let Some(kb) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmRSS:").and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())))
    {
        gauge!("process_resident_memory_bytes").set(kb * 1024.0);
    }
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        #[allow(clippy::cast_precision_loss)]
        gauge!("process_open_fds").set(dir.count() as f64);
    }
}

/// The Prometheus text exposition of every metric of the process (empty without a
/// recorder).
pub fn render() -> String {
    process_state();
    HANDLE.get().and_then(Option::as_ref).map(PrometheusHandle::render).unwrap_or_default()
}

/// A source of gauges read when `/metrics` is scraped (queue backlogs, dead letters):
/// a module hands its collectors to the composition root (`HttpModule::collectors`).
#[async_trait::async_trait]
pub trait Collector: Send + Sync {
    /// Sets the gauges; a source that cannot be read (broker down) leaves them as they were.
    async fn collect(&self);
}

/// Runs the process's upkeep (histogram rolling) so memory stays bounded; call now and
/// then (the admin listener does at each scrape).
pub fn upkeep() {
    if let Some(h) = HANDLE.get().and_then(Option::as_ref) {
        h.run_upkeep();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// The value of the one series of `render()` whose line starts with `series`.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines().find(|l| l.starts_with(series)).and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }

    #[test]
    fn kept_handles_count_each_label_set_in_its_own_series() {
        super::install().expect("the test binary's recorder");
        for _ in 0..3 {
            super::http_request("/api/test/kept", "GET", 200, Duration::from_millis(2));
        }
        super::http_request("/api/test/kept", "GET", 404, Duration::from_millis(2));
        super::http_request("/api/test/kept", "POST", 201, Duration::from_millis(2));
        super::http_request("/api/test/other", "GET", 200, Duration::from_millis(2));
        for hit in [true, true, false] {
            super::cache_lookup("memory", "kepttest:gen:item:1", hit);
        }
        let text = super::render();
        let requests = |route: &str, method: &str, class: &str| {
            value(&text, &format!("hme_http_requests_total{{route=\"{route}\",method=\"{method}\",status_class=\"{class}\"}}"))
        };
        assert_eq!(requests("/api/test/kept", "GET", "2xx"), Some(3.0), "{text}");
        assert_eq!(requests("/api/test/kept", "GET", "4xx"), Some(1.0));
        assert_eq!(requests("/api/test/kept", "POST", "2xx"), Some(1.0));
        assert_eq!(requests("/api/test/other", "GET", "2xx"), Some(1.0));
        let count = value(&text, "hme_http_request_duration_seconds_count{route=\"/api/test/kept\",method=\"GET\",status_class=\"2xx\"}");
        assert_eq!(count, Some(3.0), "the histogram of the same label set");
        let lookups = |result: &str| value(&text, &format!("hme_cache_requests_total{{cache=\"memory\",family=\"kepttest\",result=\"{result}\"}}"));
        assert_eq!((lookups("hit"), lookups("miss")), (Some(2.0), Some(1.0)));
    }
}
