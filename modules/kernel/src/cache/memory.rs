//! The in-process cache adapter (moka), the embedded default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use moka::future::Cache as Moka;
use moka::Expiry;

use super::{Cache, CacheError};

#[derive(Clone)]
struct Entry {
    value: Bytes,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }
    fn expire_after_update(&self, _: &String, entry: &Entry, _: Instant, _: Option<Duration>) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// Values in memory, bounded by total bytes; counters in a map swept as they expire.
pub struct MemoryCache {
    values: Moka<String, Entry>,
    counters: Mutex<HashMap<String, (u64, Instant)>>,
}

impl MemoryCache {
    /// A cache holding at most `max_bytes` of values.
    pub fn new(max_bytes: u64) -> Self {
        let values = Moka::builder()
            .max_capacity(max_bytes)
            .weigher(|k: &String, v: &Entry| u32::try_from(k.len() + v.value.len()).unwrap_or(u32::MAX))
            .expire_after(PerEntryTtl)
            .build();
        Self { values, counters: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn shared(&self) -> bool {
        false
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, CacheError> {
        let v = self.values.get(key).await.map(|e| e.value);
        crate::telemetry::metrics::cache_lookup("memory", key, v.is_some());
        Ok(v)
    }

    async fn set(&self, key: &str, value: Bytes, ttl: Duration) -> Result<(), CacheError> {
        self.values.insert(key.to_owned(), Entry { value, ttl }).await;
        Ok(())
    }

    async fn delete(&self, keys: &[&str]) -> Result<(), CacheError> {
        for k in keys {
            self.values.invalidate(*k).await;
        }
        // A key is one thing, as in Redis: deleting a counter resets it (a rate limit
        // reset after a successful login).
        let mut counters = self.counters.lock().map_err(|e| CacheError(e.to_string()))?;
        for k in keys {
            counters.remove(*k);
        }
        Ok(())
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<(u64, Duration), CacheError> {
        let now = Instant::now();
        let mut counters = self.counters.lock().map_err(|e| CacheError(e.to_string()))?;
        if counters.len() > 100_000 {
            counters.retain(|_, (_, until)| *until > now);
        }
        let entry = counters.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        Ok((entry.0, entry.1.saturating_duration_since(now)))
    }
}
