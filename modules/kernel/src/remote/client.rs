//! [`ServiceClient`]: the one HTTP client of every remote adapter. Per call: the service
//! token, a timeout, and for idempotent calls bounded retries with a short doubling
//! backoff on a connection failure, a timeout, a 5xx or a 429. Never hangs: the worst case is
//! `(retries + 1) * timeout` plus the backoffs.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::guard::{ServiceToken, INTERNAL_PREFIX};
use crate::redact::redact_url;
use crate::telemetry::ports::{observe_port, Transport};

/// Where a module runs and how to call it.
#[derive(Debug, Clone)]
pub struct ServiceClientSettings {
    /// The module called (`products`), for messages.
    pub service: &'static str,
    /// Its base URL (`http://products:8080`), as `HME_PRODUCTS_URL` gives it.
    pub base_url: String,
    /// The shared secret its internal endpoints require.
    pub token: ServiceToken,
    /// One attempt's time limit, connect included.
    pub timeout: Duration,
    /// Extra attempts of an idempotent call.
    pub retries: u32,
}

/// Whether a call may be sent again when its answer was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it changes nothing more (the port promises it): retried.
    Idempotent,
    /// Repeating it could do it twice: sent once.
    Once,
}

/// Why a remote call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteError {
    /// The owning module answered with one of its port's errors (the `error` field of
    /// its answer), to be rebuilt by the adapter.
    Refused(serde_json::Value),
    /// The module could not be reached, timed out, failed (5xx), refused the token or
    /// answered something unexpected: nothing is known to have changed.
    Unavailable(String),
}

impl RemoteError {
    /// Why the call failed, for a port whose only failure is "unavailable": an error
    /// the port cannot have answered is unexpected, and says so.
    pub fn reason(self) -> String {
        match self {
            Self::Refused(v) => format!("unexpected error: {v}"),
            Self::Unavailable(why) => why,
        }
    }
}

/// The HTTP client of one remote module (cheap to clone).
#[derive(Debug, Clone)]
pub struct ServiceClient {
    http: reqwest::Client,
    settings: Arc<ServiceClientSettings>,
}

enum Attempt<T> {
    Done(Result<T, RemoteError>),
    Transient(String),
}

impl ServiceClient {
    /// A client of `settings.base_url`; fails on a URL that is not http(s).
    pub fn new(mut settings: ServiceClientSettings) -> Result<Self, String> {
        settings.base_url = settings.base_url.trim().trim_end_matches('/').to_owned();
        let url = url::Url::parse(&settings.base_url).map_err(|e| format!("{} URL {}: {e}", settings.service, redact_url(&settings.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{} URL {}: must be http or https", settings.service, redact_url(&settings.base_url)));
        }
        settings.timeout = settings.timeout.max(Duration::from_millis(1));
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("{} client: {e}", settings.service))?;
        Ok(Self { http, settings: Arc::new(settings) })
    }

    /// The module called.
    pub fn service(&self) -> &'static str {
        self.settings.service
    }

    /// `POST <base>/internal/v1<path>` with `body`; the 2xx answer parsed as `T`.
    /// Runs in a client span `<port> <operation>` (its context goes along as
    /// `traceparent`, so the owning service's server span is its child) and is counted in
    /// `hme_port_calls_total{port, operation, transport="http"}` (see
    /// [`crate::telemetry::ports`]); only [`RemoteError::Unavailable`] counts as an error.
    pub async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &'static str, body: &B, idempotency: Idempotency) -> Result<T, RemoteError> {
        let failed = |e: &RemoteError| matches!(e, RemoteError::Unavailable(_));
        observe_port(path, Transport::Http, failed, async {
            tracing::Span::current().record("peer.service", self.settings.service);
            self.call_with_retries(path, body, idempotency).await
        })
        .await
    }

    async fn call_with_retries<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &str, body: &B, idempotency: Idempotency) -> Result<T, RemoteError> {
        let attempts = match idempotency {
            Idempotency::Idempotent => self.settings.retries.saturating_add(1),
            Idempotency::Once => 1,
        };
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            match self.once(path, body).await {
                Attempt::Done(r) => return r,
                Attempt::Transient(why) => {
                    tracing::warn!(service = self.settings.service, path, attempt = attempt + 1, attempts, error = %why, "remote call failed");
                    last = why;
                }
            }
        }
        Err(RemoteError::Unavailable(format!("{} at {}: {last}", self.settings.service, redact_url(&self.settings.base_url))))
    }

    async fn once<B: Serialize + ?Sized, T: DeserializeOwned>(&self, path: &str, body: &B) -> Attempt<T> {
        let url = format!("{}{INTERNAL_PREFIX}{path}", self.settings.base_url);
        let request = self.http.post(&url).bearer_auth(self.settings.token.expose()).json(body);
        let sent = crate::telemetry::trace::inject_reqwest(request).send().await;
        let res = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Attempt::Transient(format!("{path}: no answer within {} ms", self.settings.timeout.as_millis())),
            Err(e) => return Attempt::Transient(format!("{path}: {}", error_chain(&e))),
        };
        let status = res.status();
        let bytes = match res.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Attempt::Transient(format!("{path}: no answer within {} ms", self.settings.timeout.as_millis())),
            Err(e) => return Attempt::Transient(format!("{path}: {}", error_chain(&e))),
        };
        if status.is_server_error() || status.as_u16() == 429 {
            return Attempt::Transient(format!("{path} answered {status}"));
        }
        if status.is_success() {
            return Attempt::Done(serde_json::from_slice(&bytes).map_err(|e| RemoteError::Unavailable(format!("{path}: unexpected answer: {e}"))));
        }
        let error = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|mut v| v.get_mut("error").map(serde_json::Value::take));
        Attempt::Done(Err(match error {
            Some(e) if !e.is_null() => RemoteError::Refused(e),
            _ if status.as_u16() == 401 => RemoteError::Unavailable(format!("{path} answered 401: the service token (HME_SERVICE_TOKEN) differs from the {} service's", self.settings.service)),
            _ if status.as_u16() == 404 => RemoteError::Unavailable(format!("{path} answered 404: is HME_SERVICE_TOKEN set on the {} service, and is it compiled in there?", self.settings.service)),
            _ => RemoteError::Unavailable(format!("{path} answered {status}")),
        }))
    }
}

/// 50 ms, 100 ms, 200 ms... at most 1 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(50u64.saturating_mul(1 << attempt.saturating_sub(1).min(10)).min(1000))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        out.push_str(": ");
        out.push_str(&c.to_string());
        next = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!([1, 2, 3, 6, 40].map(|a| backoff(a).as_millis()), [50, 100, 200, 1000, 1000]);
    }
}
