//! Logging and tracing. Logs: human-readable in a terminal, JSON when
//! `log.format = "json"` (`HME_LOG_FORMAT=json`); `RUST_LOG` overrides the configured
//! level. Traces: OpenTelemetry over OTLP (HTTP/protobuf) when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, configured by the standard variables
//! (`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*`); unset, no exporter and no OpenTelemetry
//! layer at all. Export runs on the batch processor's own thread: a failed export never
//! fails a request, it is logged and counted (`hme_trace_export_failures_total`).

mod span_fields;

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Flushes and stops the trace exporter when dropped (end of `main`).
#[derive(Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Exports the spans still buffered, waiting at most a few seconds.
    pub fn flush(&self) {
        if let Some(p) = &self.provider {
            let _ = p.force_flush();
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown_with_timeout(Duration::from_secs(5));
        }
    }
}

/// The service name when `OTEL_SERVICE_NAME` is unset: `hme` with every module
/// compiled in, else `hme-<module>` (the split images).
pub fn default_service_name() -> String {
    let compiled = crate::modules::compiled();
    if compiled.len() == 1 {
        format!("hme-{}", compiled[0])
    } else {
        "hme".to_owned()
    }
}

/// Installs the global subscriber once; later calls (tests) are ignored. With
/// `OTEL_EXPORTER_OTLP_ENDPOINT` set it adds the OpenTelemetry layer and returns the
/// guard that flushes it.
pub fn init(format: &str, level: &str) -> TelemetryGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let (otel, provider) = match otlp_endpoint() {
        Some(_) => match tracer_provider() {
            Ok(p) => {
                let layer = tracing_opentelemetry::layer().with_tracer(p.tracer("hme")).with_location(false).with_threads(false);
                (Some(layer), Some(p))
            }
            Err(e) => {
                eprintln!("hme: tracing disabled: {e}");
                (None, None)
            }
        },
        None => (None, None),
    };
    let fmt_layer = if format.eq_ignore_ascii_case("json") {
        fmt::layer().json().flatten_event(true).with_current_span(true).fmt_fields(span_fields::JsonSpanFields).with_writer(std::io::stderr).boxed()
    } else {
        fmt::layer().with_writer(std::io::stderr).boxed()
    };
    let installed = tracing_subscriber::registry().with(filter).with(fmt_layer).with(otel).try_init().is_ok();
    if installed && provider.is_some() {
        hme_kernel::telemetry::trace::set_enabled(true);
    }
    TelemetryGuard { provider: provider.filter(|_| installed) }
}

fn otlp_endpoint() -> Option<String> {
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

fn tracer_provider() -> Result<SdkTracerProvider, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("OTLP exporter: {e}"))?;
    let mut resource = Resource::builder();
    let named_in_env = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    if !named_in_env {
        resource = resource.with_service_name(default_service_name());
    }
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(CountingExporter(exporter))
        .with_resource(resource.build())
        .build())
}

/// The OTLP exporter, counting the batches it fails to deliver.
#[derive(Debug)]
struct CountingExporter<E>(E);

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let r = self.0.export(batch).await;
        if let Err(e) = &r {
            hme_kernel::telemetry::metrics::trace_export_failed();
            tracing::debug!(error = %e, "trace export failed");
        }
        r
    }

    fn shutdown_with_timeout(&mut self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn force_flush(&mut self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}
