//! Read-through cache of serialized responses, on the platform's [`Cache`].
//!
//! Keys carry a generation: `products:<gen>:list:...`, `products:<gen>:item:<id>`. Every
//! write replaces the generation stored at `products:gen`, so every cached read is
//! invalidated at once, on every instance sharing the cache (Redis). A reader that
//! computed a body from data older than a write stores it under the old generation,
//! where nobody looks any more. Entries also expire after the TTL. Cache failures are
//! misses (reads) or warnings (writes), never errors.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hme_kernel::cache::Cache;
use sha2::{Digest, Sha256};

const GENERATION_KEY: &str = "products:gen";
const GENERATION_TTL: Duration = Duration::from_secs(24 * 3600);

/// A response body with its strong ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedBody {
    /// `"<32 hex>"`, quoted as HTTP wants it.
    pub etag: String,
    /// The JSON body.
    pub body: Bytes,
}

impl CachedBody {
    /// Wraps a body, computing its ETag (SHA-256, first 128 bits).
    pub fn new(body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Self { etag: format!("\"{hex}\""), body: Bytes::from(body) }
    }

    fn encode(&self) -> Bytes {
        let mut v = Vec::with_capacity(self.etag.len() + 1 + self.body.len());
        v.extend_from_slice(self.etag.as_bytes());
        v.push(b'\n');
        v.extend_from_slice(&self.body);
        Bytes::from(v)
    }

    fn decode(raw: &Bytes) -> Option<Self> {
        let nl = raw.iter().position(|b| *b == b'\n')?;
        let etag = std::str::from_utf8(&raw[..nl]).ok()?.to_owned();
        etag.starts_with('"').then(|| Self { etag, body: raw.slice(nl + 1..) })
    }
}

/// The products read cache.
pub struct ResponseCache {
    cache: Arc<dyn Cache>,
    ttl: Duration,
    enabled: bool,
}

impl ResponseCache {
    /// A cache over `cache`; `enabled` false makes every call a no-op miss.
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration, enabled: bool) -> Self {
        Self { cache, ttl, enabled: enabled && !ttl.is_zero() }
    }

    async fn generation(&self) -> Option<String> {
        match self.cache.get(GENERATION_KEY).await {
            Ok(Some(g)) => String::from_utf8(g.to_vec()).ok(),
            Ok(None) => {
                let g = uuid::Uuid::new_v4().simple().to_string();
                self.cache.set(GENERATION_KEY, Bytes::from(g.clone()), GENERATION_TTL).await.ok()?;
                Some(g)
            }
            Err(e) => {
                tracing::debug!(error = %e, "products cache: generation unreadable, bypassing");
                None
            }
        }
    }

    /// The full key for `name` in the current generation and the value there, if any.
    /// None: the cache is off or unreachable (do not store either).
    pub async fn lookup(&self, name: &str) -> Option<(String, Option<CachedBody>)> {
        if !self.enabled {
            return None;
        }
        let key = format!("products:{}:{name}", self.generation().await?);
        let hit = match self.cache.get(&key).await {
            Ok(v) => v.as_ref().and_then(CachedBody::decode),
            Err(e) => {
                tracing::debug!(error = %e, "products cache: read failed, treating as a miss");
                None
            }
        };
        Some((key, hit))
    }

    /// Stores a body at a key from [`Self::lookup`].
    pub async fn store(&self, key: &str, body: &CachedBody) {
        if let Err(e) = self.cache.set(key, body.encode(), self.ttl).await {
            tracing::warn!(error = %e, "products cache: write failed");
        }
    }

    /// Invalidates every cached read (all instances sharing the cache).
    pub async fn invalidate(&self) {
        if !self.enabled {
            return;
        }
        let g = uuid::Uuid::new_v4().simple().to_string();
        if let Err(e) = self.cache.set(GENERATION_KEY, Bytes::from(g), GENERATION_TTL).await {
            // Fall back to deleting it; failing that, the TTL bounds staleness.
            tracing::warn!(error = %e, "products cache: invalidation failed; entries expire within the TTL");
            let _ = self.cache.delete(&[GENERATION_KEY]).await;
        }
    }
}
