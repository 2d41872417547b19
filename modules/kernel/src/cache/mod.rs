//! The cache port: bytes by key with a time to live, and counters for rate limits.
//!
//! Redis when `REDIS_URL` is set (shared by every instance, so an invalidation by one
//! is seen by all); in-process (moka) otherwise.

mod memory;
mod redis;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

pub use self::redis::RedisCache;
pub use memory::MemoryCache;

/// A cache failure. Callers treat it as a miss (reads) or log it (writes): the cache
/// is never the source of truth.
#[derive(Debug, thiserror::Error)]
#[error("cache unavailable: {0}")]
pub struct CacheError(pub String);

/// The cache port.
///
/// Promises: `get` after `set` returns the value until `ttl` passes or `delete` runs
/// (on any instance sharing the backend). `hit` counts atomically within a fixed window.
#[async_trait]
pub trait Cache: Send + Sync {
    /// The adapter's name (`memory`, `redis`).
    fn name(&self) -> &'static str;
    /// Whether other processes read and write the same entries (Redis: every instance
    /// on the server) or only this process does (the in-process cache). What only this
    /// process can change, the one component that writes it may hold in memory instead
    /// of reading it back on every use.
    fn shared(&self) -> bool;
    /// The value at `key`, if present and fresh.
    async fn get(&self, key: &str) -> Result<Option<Bytes>, CacheError>;
    /// Stores `value` at `key` for `ttl`.
    async fn set(&self, key: &str, value: Bytes, ttl: Duration) -> Result<(), CacheError>;
    /// Removes the keys.
    async fn delete(&self, keys: &[&str]) -> Result<(), CacheError>;
    /// Adds one to the counter at `key`, created with a lifetime of `window`; returns
    /// the new count and the time left in the window.
    async fn hit(&self, key: &str, window: Duration) -> Result<(u64, Duration), CacheError>;
}
