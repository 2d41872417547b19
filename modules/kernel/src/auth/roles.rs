//! The role of a Clerk user whose session token carries no role claim (Clerk's default
//! session token): `public_metadata.role` from Clerk's backend API, remembered.
//!
//! - Asked for with `GET {CLERK_API_URL}/v1/users/{id}` and `Authorization: Bearer
//!   {CLERK_SECRET_KEY}`; the answer (the role, or customer for a user without one or
//!   unknown to Clerk) is remembered in the platform [`Cache`] for the configured time:
//!   in Redis when configured, so every instance reads what one of them looked up.
//! - One lookup per user at a time in a process: concurrent misses wait for it.
//! - The Clerk user webhooks refresh it ([`RoleResolver::remember`], [`RoleResolver::forget`]).
//! - Clerk unreachable (or refusing the key), no secret configured, and nothing
//!   remembered: the caller is a customer, a warning says why (once per user per TTL),
//!   and the lookup is not retried for [`FAILURE_BACKOFF`] (Clerk down does not turn
//!   into a call per request).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::principal::Role;
use super::verifier::is_clerk_user_id;
use crate::cache::Cache;

/// Clerk's backend API origin when `CLERK_API_URL` is not set.
pub const DEFAULT_CLERK_API_URL: &str = "https://api.clerk.com";

/// Longest a failed lookup keeps a user from being looked up again (never beyond the TTL).
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(30);

/// How roles are resolved; built from configuration.
#[derive(Debug, Clone)]
pub struct RoleSettings {
    /// Clerk's backend API origin (`CLERK_API_URL`).
    pub clerk_api_url: String,
    /// Clerk's secret key (`CLERK_SECRET_KEY`); None: roles are only what the webhooks
    /// remembered.
    pub clerk_secret_key: Option<SecretString>,
    /// How long a role is remembered.
    pub cache_ttl: Duration,
    /// Timeout of one call to Clerk.
    pub timeout: Duration,
}

impl Default for RoleSettings {
    fn default() -> Self {
        Self { clerk_api_url: DEFAULT_CLERK_API_URL.to_owned(), clerk_secret_key: None, cache_ttl: Duration::from_secs(300), timeout: Duration::from_secs(5) }
    }
}

/// Resolves and remembers the roles of Clerk users. Built once by the composition root
/// on the platform cache and registered as app data (`web::Data<Arc<RoleResolver>>`),
/// read by the [`super::Principal`] extractor; the auth module's webhook refreshes it.
pub struct RoleResolver {
    api: url::Url,
    secret: Option<SecretString>,
    client: reqwest::Client,
    cache: Arc<dyn Cache>,
    ttl: Duration,
    /// What this process looked up or was told, for when the shared cache fails.
    local: moka::future::Cache<String, Role>,
    /// One lookup per user at a time.
    flights: moka::future::Cache<String, Arc<tokio::sync::Mutex<()>>>,
    /// Users whose lookup failed recently (not retried until this passes).
    failed: moka::future::Cache<String, ()>,
    /// Users a warning was logged for within the TTL.
    warned: moka::future::Cache<String, ()>,
}

impl std::fmt::Debug for RoleResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleResolver").field("api", &self.api.as_str()).field("secret", &self.secret.is_some()).field("ttl", &self.ttl).finish()
    }
}

/// Why a lookup gave no answer (logged).
#[derive(Debug, thiserror::Error)]
enum LookupError {
    #[error("auth.clerk_secret_key (CLERK_SECRET_KEY) is not set")]
    NoSecret,
    #[error("Clerk's API is unreachable: {0}")]
    Unreachable(String),
    #[error("Clerk's API answered HTTP {status}: {detail}")]
    Refused { status: u16, detail: String },
    #[error("Clerk's API answered an unreadable user: {0}")]
    Unreadable(String),
}

/// The part of Clerk's `User` object read here.
#[derive(Deserialize)]
struct ClerkUser {
    #[serde(default)]
    public_metadata: Option<serde_json::Value>,
}

/// Clerk's error body: `{"errors":[{"message","long_message","code"}]}`.
#[derive(Deserialize)]
struct ClerkErrors {
    #[serde(default)]
    errors: Vec<ClerkErrorItem>,
}

#[derive(Deserialize)]
struct ClerkErrorItem {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    long_message: Option<String>,
}

/// The role in a Clerk user's `public_metadata` (the webhooks' payloads too): its
/// `role` string, else customer.
pub fn role_of_public_metadata(public_metadata: Option<&serde_json::Value>) -> Role {
    Role::from_claim(public_metadata.and_then(|m| m.get("role")).and_then(|r| r.as_str()))
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Seller => "seller",
        Role::Admin => "admin",
    }
}

impl RoleResolver {
    /// Builds the resolver; fails when `clerk_api_url` is not an http(s) URL.
    pub fn new(settings: RoleSettings, cache: Arc<dyn Cache>) -> Result<Self, String> {
        let raw = settings.clerk_api_url.trim();
        let raw = if raw.is_empty() { DEFAULT_CLERK_API_URL } else { raw };
        let api = url::Url::parse(raw).map_err(|e| format!("{raw:?}: {e}"))?;
        if !matches!(api.scheme(), "http" | "https") || api.cannot_be_a_base() {
            return Err(format!("{raw:?} is not an http(s) URL"));
        }
        let client = reqwest::Client::builder().timeout(settings.timeout).build().map_err(|e| format!("HTTP client: {e}"))?;
        let ttl = settings.cache_ttl.max(Duration::from_secs(1));
        let secret = settings.clerk_secret_key.filter(|s| !s.expose_secret().trim().is_empty());
        if secret.is_none() {
            tracing::info!("auth.clerk_secret_key (CLERK_SECRET_KEY) is not set: a Clerk user whose session token has no role claim is a customer unless a user webhook told the role");
        }
        Ok(Self {
            api,
            secret,
            client,
            cache,
            ttl,
            local: memo(ttl),
            flights: moka::future::Cache::builder().max_capacity(100_000).time_to_idle(Duration::from_secs(60)).build(),
            failed: memo(FAILURE_BACKOFF.min(ttl)),
            warned: memo(ttl),
        })
    }

    /// How long a role is remembered.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn key(user_id: &str) -> String {
        format!("auth:role:{user_id}")
    }

    /// The remembered role of `user_id`, if any (the shared cache, else what this
    /// process remembered when the shared cache fails).
    pub async fn remembered(&self, user_id: &str) -> Option<Role> {
        match self.cache.get(&Self::key(user_id)).await {
            Ok(Some(bytes)) => Some(Role::from_claim(std::str::from_utf8(&bytes).ok())),
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(error = %e, "role cache read failed; using this process's memory");
                self.local.get(user_id).await
            }
        }
    }

    /// The role of a Clerk user whose token has no role claim: remembered, else
    /// looked up (one call per user at a time), else customer (logged).
    pub async fn role(&self, user_id: &str) -> Role {
        if !is_clerk_user_id(user_id) {
            return Role::Customer;
        }
        if let Some(role) = self.remembered(user_id).await {
            return role;
        }
        let flight = self.flights.get_with(user_id.to_owned(), async { Arc::new(tokio::sync::Mutex::new(())) }).await;
        let _one_at_a_time = flight.lock().await;
        // Whoever held the lock may have just remembered it.
        if let Some(role) = self.remembered(user_id).await {
            return role;
        }
        if self.failed.contains_key(user_id) {
            return Role::Customer;
        }
        match self.lookup(user_id).await {
            Ok(role) => {
                self.remember(user_id, role).await;
                role
            }
            Err(e) => {
                self.failed.insert(user_id.to_owned(), ()).await;
                if !self.warned.contains_key(user_id) {
                    self.warned.insert(user_id.to_owned(), ()).await;
                    tracing::warn!(user_id, reason = %e, "the role of this Clerk user is unknown (no role claim in the session token, nothing remembered): treated as a customer");
                }
                Role::Customer
            }
        }
    }

    /// Remembers `role` for `user_id` for the TTL (a lookup, or a `user.created` /
    /// `user.updated` webhook): the next request reads it on every instance sharing
    /// the cache.
    pub async fn remember(&self, user_id: &str, role: Role) {
        self.local.insert(user_id.to_owned(), role).await;
        self.failed.invalidate(user_id).await;
        if let Err(e) = self.cache.set(&Self::key(user_id), Bytes::from_static(role_name(role).as_bytes()), self.ttl).await {
            tracing::warn!(user_id, error = %e, "role not remembered in the shared cache");
        }
    }

    /// Forgets the role of `user_id` (`user.deleted`).
    pub async fn forget(&self, user_id: &str) {
        self.local.invalidate(user_id).await;
        self.failed.invalidate(user_id).await;
        if let Err(e) = self.cache.delete(&[Self::key(user_id).as_str()]).await {
            tracing::warn!(user_id, error = %e, "role not forgotten in the shared cache");
        }
    }

    /// `GET /v1/users/{id}`: the user's `public_metadata.role`; customer for a user
    /// Clerk does not know (404).
    async fn lookup(&self, user_id: &str) -> Result<Role, LookupError> {
        let secret = self.secret.as_ref().ok_or(LookupError::NoSecret)?;
        let mut url = self.api.clone();
        url.path_segments_mut().map_err(|()| LookupError::Unreachable("bad API URL".into()))?.pop_if_empty().extend(["v1", "users", user_id]);
        let resp = self
            .client
            .get(url)
            .bearer_auth(secret.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| LookupError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| LookupError::Unreachable(e.to_string()))?;
        if status == reqwest::StatusCode::NOT_FOUND {
            tracing::info!(user_id, detail = %error_detail(&body), "Clerk does not know this user: a customer");
            return Ok(Role::Customer);
        }
        if !status.is_success() {
            return Err(LookupError::Refused { status: status.as_u16(), detail: error_detail(&body) });
        }
        let user: ClerkUser = serde_json::from_slice(&body).map_err(|e| LookupError::Unreadable(e.to_string()))?;
        Ok(role_of_public_metadata(user.public_metadata.as_ref()))
    }
}

fn memo<V: Clone + Send + Sync + 'static>(ttl: Duration) -> moka::future::Cache<String, V> {
    moka::future::Cache::builder().max_capacity(100_000).time_to_live(ttl).build()
}

/// The first error of a Clerk error body, for the log.
fn error_detail(body: &[u8]) -> String {
    match serde_json::from_slice::<ClerkErrors>(body) {
        Ok(e) if !e.errors.is_empty() => {
            let first = &e.errors[0];
            let text = first.long_message.as_deref().or(first.message.as_deref()).unwrap_or("");
            format!("{} {}", first.code.as_deref().unwrap_or("error"), text)
        }
        _ => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_is_the_public_metadata_role() {
        assert_eq!(role_of_public_metadata(Some(&serde_json::json!({"role": "seller"}))), Role::Seller);
        assert_eq!(role_of_public_metadata(Some(&serde_json::json!({}))), Role::Customer);
        assert_eq!(role_of_public_metadata(Some(&serde_json::json!({"role": 3}))), Role::Customer);
        assert_eq!(role_of_public_metadata(None), Role::Customer);
    }

    #[test]
    fn clerk_error_bodies_are_summarized() {
        let body = br#"{"errors":[{"message":"not found","long_message":"User not found","code":"resource_not_found"}]}"#;
        assert_eq!(error_detail(body), "resource_not_found User not found");
        assert_eq!(error_detail(b"oops"), "oops");
    }

    #[test]
    fn the_api_url_must_be_http() {
        let cache: Arc<dyn Cache> = Arc::new(crate::cache::MemoryCache::new(1 << 16));
        assert!(RoleResolver::new(RoleSettings { clerk_api_url: "ftp://x".into(), ..Default::default() }, cache.clone()).is_err());
        assert!(RoleResolver::new(RoleSettings { clerk_api_url: String::new(), ..Default::default() }, cache).is_ok());
    }
}
