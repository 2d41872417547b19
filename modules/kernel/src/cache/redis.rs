//! The Redis cache adapter (deadpool-redis). Every key is prefixed, so tests and
//! environments can share one server.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use deadpool_redis::redis::{self, AsyncCommands};
use deadpool_redis::{Config, Pool, Runtime};

use crate::telemetry::observe;

use super::{Cache, CacheError};
use crate::redact::redact_url;

/// A Redis-backed [`Cache`].
pub struct RedisCache {
    pool: Pool,
    prefix: String,
    url: String,
}

fn err(e: impl std::fmt::Display) -> CacheError {
    CacheError(e.to_string())
}

impl RedisCache {
    /// Connects to `url` and checks it answers PING; keys are stored under `prefix`.
    pub async fn connect(url: &str, prefix: &str, pool_size: usize) -> Result<Self, CacheError> {
        let mut cfg = Config::from_url(url);
        cfg.pool = Some(deadpool_redis::PoolConfig {
            max_size: pool_size.max(1),
            timeouts: deadpool_redis::Timeouts {
                wait: Some(Duration::from_secs(2)),
                create: Some(Duration::from_secs(2)),
                recycle: Some(Duration::from_secs(2)),
            },
            ..Default::default()
        });
        let pool = cfg.create_pool(Some(Runtime::Tokio1)).map_err(|e| CacheError(format!("Redis at {}: {e}", redact_url(url))))?;
        let cache = Self { pool, prefix: prefix.to_owned(), url: url.to_owned() };
        cache.ping().await.map_err(|e| CacheError(format!("Redis at {} does not answer: {}", redact_url(url), e.0)))?;
        Ok(cache)
    }

    /// PING, for readiness.
    pub async fn ping(&self) -> Result<(), CacheError> {
        let mut conn = self.pool.get().await.map_err(err)?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(err)?;
        Ok(())
    }

    /// The server URL without its password.
    pub fn target(&self) -> String {
        redact_url(&self.url)
    }

    fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }
}

#[async_trait]
impl Cache for RedisCache {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn shared(&self) -> bool {
        true
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, CacheError> {
        let v: Option<Vec<u8>> = observe("redis", "get", async {
            let mut conn = self.pool.get().await.map_err(err)?;
            conn.get(self.key(key)).await.map_err(err)
        })
        .await?;
        crate::telemetry::metrics::cache_lookup("redis", key, v.is_some());
        Ok(v.map(Bytes::from))
    }

    async fn set(&self, key: &str, value: Bytes, ttl: Duration) -> Result<(), CacheError> {
        observe("redis", "set", async {
            let mut conn = self.pool.get().await.map_err(err)?;
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            redis::cmd("SET").arg(self.key(key)).arg(value.as_ref()).arg("PX").arg(ms).query_async::<()>(&mut conn).await.map_err(err)
        })
        .await
    }

    async fn delete(&self, keys: &[&str]) -> Result<(), CacheError> {
        if keys.is_empty() {
            return Ok(());
        }
        let full: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        observe("redis", "del", async {
            let mut conn = self.pool.get().await.map_err(err)?;
            conn.del::<_, i64>(full).await.map_err(err)
        })
        .await
        .map(|_| ())
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<(u64, Duration), CacheError> {
        let ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let k = self.key(key);
        let (count, ttl): (u64, i64) = observe("redis", "hit", async {
            let mut conn = self.pool.get().await.map_err(err)?;
            redis::pipe()
            .atomic()
            .cmd("SET").arg(&k).arg(0).arg("PX").arg(ms).arg("NX").ignore()
            .cmd("INCR").arg(&k)
            .cmd("PTTL").arg(&k)
            .query_async(&mut conn)
            .await
            .map_err(err)
        })
        .await?;
        Ok((count, Duration::from_millis(u64::try_from(ttl).unwrap_or(0))))
    }
}
