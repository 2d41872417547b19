//! Read-through cache of serialized responses, on the platform's [`Cache`].
//!
//! Keys carry a generation: `products:<gen>:list:...`, `products:<gen>:item:<id>`. Every
//! write replaces the generation stored at `products:gen`, so every cached read is
//! invalidated at once, on every instance sharing the cache (Redis). A reader that
//! computed a body from data older than a write stores it under the old generation,
//! where nobody looks any more. Entries also expire after the TTL. Cache failures are
//! misses (reads) or warnings (writes), never errors.
//!
//! In front of the platform cache sits a small in-process tier: a body read from (or
//! stored into) the platform cache is kept here by name, with the generation it belongs
//! to, for [`LOCAL_TTL`], and served while that generation is current. A shared platform
//! cache (Redis) is asked for the generation on every request (a few bytes), so a write
//! through another instance is seen at once; only the body (the list is ~300 KB) is not
//! fetched from Redis and decoded again. The in-process cache is this process's alone,
//! so its generation is held here and changed by [`ResponseCache::invalidate`] itself
//! (a lookup then reads nothing but the in-process tier).
//! Bodies are also remembered by ETag for the TTL, so a body fetched again keeps the
//! compressed variants made for it ([`CachedBody::encoded`]).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use bytes::Bytes;
use hme_kernel::cache::Cache;
use moka::future::Cache as Moka;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::http::encoding::{compress, Encoding};

const GENERATION_KEY: &str = "products:gen";
const GENERATION_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long a body read from the platform cache is served from process memory under
/// the same generation key. Bounds the extra staleness of a change made behind the
/// module's back (without invalidation) to this much beyond the TTL.
pub const LOCAL_TTL: Duration = Duration::from_secs(1);

/// Bytes of bodies (with their compressed variants) kept in process.
const LOCAL_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Bodies shorter than this are not precompressed (the per-request compression of
/// the HTTP layer handles them, if the client asks).
pub const COMPRESS_MIN_BYTES: usize = 1024;

/// A response body with its strong ETag and its compressed variants, each made once
/// (on first request for it) and then served as is.
#[derive(Debug)]
pub struct CachedBody {
    /// `"<32 hex>"`, quoted as HTTP wants it.
    pub etag: String,
    /// The JSON body.
    pub body: Bytes,
    /// [`Self::etag`] as a header value, made once (a clone shares its bytes).
    etag_header: Option<HeaderValue>,
    gzip: OnceCell<Option<Bytes>>,
    br: OnceCell<Option<Bytes>>,
}

impl PartialEq for CachedBody {
    fn eq(&self, other: &Self) -> bool {
        self.etag == other.etag && self.body == other.body
    }
}

impl CachedBody {
    /// Wraps a body, computing its ETag (SHA-256, first 128 bits).
    pub fn new(body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Self::with_etag(format!("\"{hex}\""), Bytes::from(body))
    }

    fn with_etag(etag: String, body: Bytes) -> Self {
        let etag_header = HeaderValue::from_str(&etag).ok();
        Self { etag, body, etag_header, gzip: OnceCell::new(), br: OnceCell::new() }
    }

    /// The `ETag` header's value (None: the tag is not a valid header value, which
    /// [`Self::new`] never makes).
    pub fn etag_header(&self) -> Option<HeaderValue> {
        self.etag_header.clone()
    }

    /// The body in `encoding`, compressed on first use (off the async threads; callers
    /// asking meanwhile wait for the same result). None: not worth it (a short body),
    /// identity asked, or compression failed; serve [`Self::body`] then.
    pub async fn encoded(&self, encoding: Encoding) -> Option<Bytes> {
        let cell = match encoding {
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.br,
            Encoding::Identity => return None,
        };
        if self.body.len() < COMPRESS_MIN_BYTES {
            return None;
        }
        cell.get_or_init(|| {
            let body = self.body.clone();
            async move {
                match tokio::task::spawn_blocking(move || compress(encoding, &body)).await {
                    Ok(Ok(c)) if c.len() < self.body.len() => Some(c),
                    Ok(Ok(_)) => None,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, ?encoding, "products cache: compression failed, serving identity");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?encoding, "products cache: compression task failed, serving identity");
                        None
                    }
                }
            }
        })
        .await
        .clone()
    }

    /// Bytes held, for the in-process bound: the body and room for its compressed
    /// variants (made later, so estimated: together they stay under half the body).
    fn weight(&self) -> u32 {
        u32::try_from(self.etag.len() + self.body.len() + self.body.len() / 2).unwrap_or(u32::MAX)
    }

    fn encode(&self) -> Bytes {
        let mut v = Vec::with_capacity(self.etag.len() + 1 + self.body.len());
        v.extend_from_slice(self.etag.as_bytes());
        v.push(b'\n');
        v.extend_from_slice(&self.body);
        Bytes::from(v)
    }

    fn decode(raw: &Bytes) -> Option<(String, Bytes)> {
        let nl = raw.iter().position(|b| *b == b'\n')?;
        let etag = std::str::from_utf8(&raw[..nl]).ok()?;
        etag.starts_with('"').then(|| (etag.to_owned(), raw.slice(nl + 1..)))
    }
}

/// What [`ResponseCache::lookup`] found for a name.
#[derive(Debug)]
pub enum Slot {
    /// The body, current in this generation.
    Hit(Arc<CachedBody>),
    /// Not cached in this generation: where to [`ResponseCache::store`] it.
    Miss(MissedKey),
}

/// Where a body missed by [`ResponseCache::lookup`] goes: its name, and the full key in
/// the generation of the lookup (a body computed after a write stores under the old
/// generation, where nobody looks any more).
#[derive(Debug)]
pub struct MissedKey {
    name: String,
    generation: Bytes,
    key: String,
}

/// The products read cache.
pub struct ResponseCache {
    cache: Arc<dyn Cache>,
    ttl: Duration,
    enabled: bool,
    /// The generation, held here when the platform cache is this process's own (see
    /// [`Cache::shared`]): only this cache's [`Self::invalidate`] changes it then. None
    /// until first read; unused for a shared cache (read there on every lookup).
    held_generation: Option<RwLock<Option<Bytes>>>,
    /// Bodies by name, with the generation they belong to, for [`LOCAL_TTL`].
    local: Moka<String, (Bytes, Arc<CachedBody>)>,
    /// Bodies by ETag, for the TTL: a body fetched again reuses its compressed variants.
    by_etag: Moka<String, Arc<CachedBody>>,
}

impl ResponseCache {
    /// A cache over `cache`; `enabled` false makes every call a no-op miss.
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration, enabled: bool) -> Self {
        let weight = |k: &String, v: &Arc<CachedBody>| v.weight().saturating_add(u32::try_from(k.len()).unwrap_or(0));
        let local = Moka::builder()
            .max_capacity(LOCAL_MAX_BYTES)
            .weigher(move |k: &String, (g, v): &(Bytes, Arc<CachedBody>)| weight(k, v).saturating_add(u32::try_from(g.len()).unwrap_or(0)))
            .time_to_live(LOCAL_TTL.min(ttl.max(Duration::from_millis(1))))
            .build();
        let by_etag = Moka::builder().max_capacity(LOCAL_MAX_BYTES).weigher(weight).time_to_live(ttl.max(Duration::from_millis(1))).build();
        let held_generation = (!cache.shared()).then(|| RwLock::new(None));
        Self { cache, ttl, enabled: enabled && !ttl.is_zero(), held_generation, local, by_etag }
    }

    async fn generation(&self) -> Option<Bytes> {
        if let Some(held) = self.held_generation.as_ref().and_then(|h| h.read().unwrap_or_else(PoisonError::into_inner).clone()) {
            return Some(held);
        }
        let g = match self.cache.get(GENERATION_KEY).await {
            Ok(Some(g)) => g,
            Ok(None) => {
                let g = Bytes::from(uuid::Uuid::new_v4().simple().to_string());
                self.cache.set(GENERATION_KEY, g.clone(), GENERATION_TTL).await.ok()?;
                g
            }
            Err(e) => {
                tracing::debug!(error = %e, "products cache: generation unreadable, bypassing");
                return None;
            }
        };
        if let Some(held) = &self.held_generation {
            // an invalidation meanwhile has set a newer one: keep that
            held.write().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(|| g.clone());
        }
        Some(g)
    }

    /// The body with this ETag already held in process, or a new one.
    async fn remember(&self, at: MissedKey, etag: String, body: Bytes) -> Arc<CachedBody> {
        let hot = match self.by_etag.get(&etag).await {
            Some(known) if known.body == body => known,
            _ => {
                let fresh = Arc::new(CachedBody::with_etag(etag.clone(), body));
                self.by_etag.insert(etag, Arc::clone(&fresh)).await;
                fresh
            }
        };
        self.local.insert(at.name, (at.generation, Arc::clone(&hot))).await;
        hot
    }

    /// The body cached for `name` in the current generation, or where to store it.
    /// None: the cache is off or unreachable (do not store either).
    pub async fn lookup(&self, name: &str) -> Option<Slot> {
        if !self.enabled {
            return None;
        }
        let generation = self.generation().await?;
        if let Some((held_in, hot)) = self.local.get(name).await {
            if held_in == generation {
                return Some(Slot::Hit(hot));
            }
        }
        let key = format!("products:{}:{name}", String::from_utf8_lossy(&generation));
        let hit = match self.cache.get(&key).await {
            Ok(v) => v.as_ref().and_then(CachedBody::decode),
            Err(e) => {
                tracing::debug!(error = %e, "products cache: read failed, treating as a miss");
                None
            }
        };
        let at = MissedKey { name: name.to_owned(), generation, key };
        Some(match hit {
            Some((etag, body)) => Slot::Hit(self.remember(at, etag, body).await),
            None => Slot::Miss(at),
        })
    }

    /// Stores a body where [`Self::lookup`] missed it; returns the body to serve (the one
    /// held in process, which carries the compressed variants).
    pub async fn store(&self, at: MissedKey, body: CachedBody) -> Arc<CachedBody> {
        if let Err(e) = self.cache.set(&at.key, body.encode(), self.ttl).await {
            tracing::warn!(error = %e, "products cache: write failed");
            return Arc::new(body);
        }
        self.remember(at, body.etag, body.body).await
    }

    /// Invalidates every cached read (all instances sharing the cache).
    pub async fn invalidate(&self) {
        if !self.enabled {
            return;
        }
        let g = Bytes::from(uuid::Uuid::new_v4().simple().to_string());
        if let Some(held) = &self.held_generation {
            *held.write().unwrap_or_else(PoisonError::into_inner) = Some(g.clone());
        }
        if let Err(e) = self.cache.set(GENERATION_KEY, g, GENERATION_TTL).await {
            // Fall back to deleting it; failing that, the TTL bounds staleness.
            tracing::warn!(error = %e, "products cache: invalidation failed; entries expire within the TTL");
            let _ = self.cache.delete(&[GENERATION_KEY]).await;
        }
    }
}
