//! Login rate limits, per account and per client address, counted in the platform
//! cache (Redis when configured, so the limits hold across instances).

use std::sync::Arc;
use std::time::Duration;

use hme_kernel::cache::Cache;
use hme_kernel::ApiError;

/// Fixed-window login limiter.
pub struct LoginLimiter {
    cache: Arc<dyn Cache>,
    per_account: u64,
    per_ip: u64,
    window: Duration,
}

fn hashed(s: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    d.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

impl LoginLimiter {
    /// A limiter over `cache`.
    pub fn new(cache: Arc<dyn Cache>, per_account: u64, per_ip: u64, window: Duration) -> Self {
        Self { cache, per_account, per_ip, window }
    }

    fn account_key(email: &str) -> String {
        format!("auth:login:acct:{}", hashed(email))
    }

    /// Counts one attempt for `email` and `ip`; 429 with Retry-After past either limit.
    /// A cache failure lets the attempt through (logged): the limiter is a guard, not
    /// a source of truth.
    pub async fn check(&self, email: &str, ip: &str) -> Result<(), ApiError> {
        let checks = [(Self::account_key(email), self.per_account), (format!("auth:login:ip:{}", hashed(ip)), self.per_ip)];
        for (key, max) in checks {
            match self.cache.hit(&key, self.window).await {
                Ok((count, left)) if count > max => return Err(ApiError::too_many_requests(left.as_secs().max(1))),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "login rate limit not counted"),
            }
        }
        Ok(())
    }

    /// Forgets an account's attempts (after a successful login).
    pub async fn reset_account(&self, email: &str) {
        if let Err(e) = self.cache.delete(&[Self::account_key(email).as_str()]).await {
            tracing::warn!(error = %e, "login rate limit not reset");
        }
    }
}
