//! A remote JWKS (Clerk's `/.well-known/jwks.json`, or our auth module's
//! `/api/auth/jwks.json`): fetched on first use, cached, refreshed when stale or when a
//! token names an unknown `kid`, at most once per `min_refresh_interval`.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use super::keys::{KeySet, VerifyKey};

/// How a remote key set is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksSettings {
    /// Keys older than this are refetched on the next use (a failed fetch keeps them).
    pub cache_ttl: Duration,
    /// Fetches (refresh on an unknown `kid` included) happen at most this often.
    pub min_refresh_interval: Duration,
    /// Timeout of one fetch.
    pub timeout: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self { cache_ttl: Duration::from_secs(3600), min_refresh_interval: Duration::from_secs(30), timeout: Duration::from_secs(5) }
    }
}

struct Cached {
    keys: KeySet,
    fetched_at: Option<Instant>,
}

/// One remote key set.
pub(super) struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    settings: JwksSettings,
    cached: RwLock<Cached>,
    /// Single flight, and the time of the last fetch attempt (the rate limit).
    fetching: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks").field("url", &self.url).finish()
    }
}

impl RemoteJwks {
    pub fn new(url: String, settings: JwksSettings) -> Result<Self, String> {
        url::Url::parse(&url).map_err(|e| format!("JWKS URL {url:?}: {e}"))?;
        let client = reqwest::Client::builder().timeout(settings.timeout).build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            url,
            client,
            settings,
            cached: RwLock::new(Cached { keys: KeySet::default(), fetched_at: None }),
            fetching: tokio::sync::Mutex::new(None),
        })
    }

    /// The cached key for `kid`, without any network call.
    pub fn cached(&self, kid: &str) -> Option<VerifyKey> {
        self.cached.read().ok().and_then(|c| c.keys.get(kid).cloned())
    }

    fn is_fresh(&self) -> bool {
        self.cached.read().ok().and_then(|c| c.fetched_at).is_some_and(|t| t.elapsed() < self.settings.cache_ttl)
    }

    /// The key for `kid`: from the cache when present and fresh, else after a fetch
    /// (unless one happened less than `min_refresh_interval` ago).
    pub async fn key(&self, kid: &str) -> Option<VerifyKey> {
        if self.is_fresh() {
            if let Some(k) = self.cached(kid) {
                return Some(k);
            }
        }
        self.refresh().await;
        self.cached(kid)
    }

    /// Fetches the set unless a fetch was attempted within the rate-limit interval.
    pub async fn refresh(&self) {
        let mut last = self.fetching.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.settings.min_refresh_interval) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "JWKS fetched");
                if let Ok(mut c) = self.cached.write() {
                    *c = Cached { keys, fetched_at: Some(Instant::now()) };
                }
            }
            Err(e) => tracing::warn!(url = %self.url, error = %e, "JWKS fetch failed; keeping the cached keys"),
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let resp = self.client.get(&self.url).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        KeySet::from_jwks_json(&body)
    }
}
