//! Login and registration rate limits, per account and per client address, counted by
//! the kernel's [`RateLimiter`] (Redis when configured, so the limits hold across
//! instances).

use std::sync::Arc;

use hme_kernel::cache::Cache;
use hme_kernel::ratelimit::{Limit, RateLimiter};
use hme_kernel::ApiError;

/// The auth module's limits over the shared limiter.
pub struct LoginLimiter {
    limiter: RateLimiter,
    per_account: Limit,
    per_ip: Limit,
    register_per_ip: Limit,
}

/// Emails never reach the cache in clear.
fn hashed(s: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    d.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

const LOGIN_ACCOUNT: &str = "login:acct";

impl LoginLimiter {
    /// A limiter over `cache`: logins per account and per address, registrations per address.
    pub fn new(cache: Arc<dyn Cache>, per_account: Limit, per_ip: Limit, register_per_ip: Limit) -> Self {
        Self { limiter: RateLimiter::new(cache), per_account, per_ip, register_per_ip }
    }

    /// Counts one login attempt for `email` and `ip`; 429 with Retry-After past either limit.
    pub async fn check(&self, email: &str, ip: &str) -> Result<(), ApiError> {
        self.limiter.check(LOGIN_ACCOUNT, &hashed(email), self.per_account).await?;
        self.limiter.check("login:ip", ip, self.per_ip).await
    }

    /// Counts one registration from `ip`; 429 with Retry-After past the limit.
    pub async fn check_register(&self, ip: &str) -> Result<(), ApiError> {
        self.limiter.check("register:ip", ip, self.register_per_ip).await
    }

    /// Forgets an account's attempts (after a successful login).
    pub async fn reset_account(&self, email: &str) {
        self.limiter.reset(LOGIN_ACCOUNT, &hashed(email)).await;
    }
}
