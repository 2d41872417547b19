//! Connects the configured backends and picks each port's adapter:
//! documents (MongoDB | embedded redb), cache (Redis | in-process), events
//! (RabbitMQ | in-process over the embedded outbox).

use std::sync::Arc;

use anyhow::Context;
use hme_kernel::auth::{RoleResolver, RoleSettings, TokenSettings, TokenVerifier};
use hme_kernel::backends::{connect_mongo_with, open_embedded, Documents, EmbeddedHealth, MongoHealth, RabbitHealth};
use hme_kernel::cache::{Cache, MemoryCache, RedisCache};
use hme_kernel::events::{EmbeddedEventBus, EventBus, RabbitEventBus, RabbitSettings};
use hme_kernel::health::HealthCheck;
use hme_kernel::module::Platform;
use secrecy::ExposeSecret;

use crate::configuration::Settings;

/// The connected backends: the [`Platform`] modules are built from, and the
/// readiness probe of each backend.
pub struct Infrastructure {
    /// What modules get.
    pub platform: Platform,
    /// Probes `/readyz` runs.
    pub checks: Vec<Arc<dyn HealthCheck>>,
    /// The embedded event bus, when events are in-process (for dead-letter listing).
    pub embedded_bus: Option<Arc<EmbeddedEventBus>>,
    /// The roles of Clerk users without a role claim (on the platform cache), served
    /// as app data to every module's `Principal` and to the Clerk webhook.
    pub roles: Arc<RoleResolver>,
}

/// Builds the role resolver on `cache`; a bad `CLERK_API_URL` is a start failure.
pub fn role_resolver(settings: &Settings, cache: Arc<dyn Cache>) -> anyhow::Result<RoleResolver> {
    let auth = &settings.auth;
    RoleResolver::new(
        RoleSettings {
            clerk_api_url: auth.clerk_api_url.clone(),
            clerk_secret_key: auth.clerk_secret_key.clone(),
            cache_ttl: std::time::Duration::from_secs(auth.role_cache_ttl_secs),
            ..RoleSettings::default()
        },
        cache,
    )
    .map_err(|e| anyhow::anyhow!("auth.clerk_api_url (CLERK_API_URL): {e}"))
}

/// Builds the token verifier from settings; a bad `CLERK_JWT_KEY` is a start failure.
pub fn token_verifier(settings: &Settings) -> anyhow::Result<TokenVerifier> {
    let auth = &settings.auth;
    // Split deploys: our own tokens' public keys come from the auth service's JWKS.
    let own_jwks_url = auth.own_jwks_url.clone().or_else(|| {
        if cfg!(feature = "auth") {
            return None;
        }
        settings.services.auth_url.as_deref().map(|u| format!("{}/api/auth/jwks.json", u.trim_end_matches('/')))
    });
    TokenVerifier::new(&TokenSettings {
        clerk_public_key_pem: auth.clerk_jwt_key.as_ref().map(|k| k.expose_secret().to_owned()),
        leeway_secs: auth.leeway_secs,
        authorized_parties: auth.authorized_parties.clone(),
        issuer: auth.issuer.clone(),
        clerk_jwks_url: auth.clerk_jwks_url.clone(),
        own_issuer: Some(auth.own_issuer.clone()),
        own_jwks_url,
        jwks_cache_ttl_secs: auth.jwks_cache_ttl_secs,
        jwks_min_refresh_secs: auth.jwks_min_refresh_secs,
    })
    .map_err(|e| anyhow::anyhow!("auth.clerk_jwt_key / auth.clerk_jwks_url: {e}"))
}

/// Connects every configured backend. Each failure names the backend and its URL
/// without the password.
pub async fn connect(settings: &Settings, consumers: Vec<(String, Vec<String>)>) -> anyhow::Result<Infrastructure> {
    let mut checks: Vec<Arc<dyn HealthCheck>> = Vec::new();
    let mut embedded: Option<Arc<redb::Database>> = None;
    let data_dir = settings.storage.data_dir.clone();
    let mut open_embedded_once = |checks: &mut Vec<Arc<dyn HealthCheck>>| -> anyhow::Result<Arc<redb::Database>> {
        if let Some(db) = &embedded {
            return Ok(db.clone());
        }
        let db = open_embedded(&data_dir).context("storage.data_dir")?;
        checks.push(Arc::new(EmbeddedHealth { db: db.clone(), dir: data_dir.display().to_string() }));
        embedded = Some(db.clone());
        Ok(db)
    };

    let documents = match &settings.mongodb.uri {
        Some(uri) => {
            let uri = uri.expose_secret();
            let db = connect_mongo_with(uri, settings.mongodb.pool_size, settings.mongodb.database.as_deref(), Some(settings.mongodb.liveness())).await?;
            checks.push(Arc::new(MongoHealth { db: db.clone(), uri: uri.to_owned() }));
            Documents::Mongo(db)
        }
        None => Documents::Embedded(open_embedded_once(&mut checks)?),
    };

    let cache: Arc<dyn Cache> = match &settings.redis.url {
        Some(url) => {
            let redis = Arc::new(RedisCache::connect(url.expose_secret(), &settings.redis.key_prefix, settings.redis.pool_size).await?);
            checks.push(redis.clone());
            redis
        }
        None => Arc::new(MemoryCache::new(settings.cache.memory_max_bytes)),
    };

    let mut embedded_bus = None;
    let events: Arc<dyn EventBus> = match &settings.rabbitmq.url {
        Some(url) => {
            let r = &settings.rabbitmq;
            let bus = RabbitEventBus::connect(RabbitSettings {
                url: url.expose_secret().to_owned(),
                exchange: r.exchange.clone(),
                queue_prefix: r.queue_prefix.clone(),
                prefetch: r.prefetch,
                max_attempts: r.max_attempts,
                base_delay_ms: r.retry_base_delay_ms,
                known_consumers: consumers,
            })
            .await?;
            checks.push(Arc::new(RabbitHealth { bus: bus.clone(), url: url.expose_secret().to_owned() }));
            Arc::new(bus)
        }
        None => {
            let db = open_embedded_once(&mut checks)?;
            // The worker's consumers run in this process when it is compiled in: their
            // deliveries are kept from the start, before they subscribe.
            let expected = if cfg!(feature = "worker") { consumers } else { Vec::new() };
            let bus = EmbeddedEventBus::expecting(db, Default::default(), expected)?;
            embedded_bus = Some(bus.clone());
            Arc::new(bus)
        }
    };

    let tokens = Arc::new(token_verifier(settings)?);
    let roles = Arc::new(role_resolver(settings, Arc::clone(&cache))?);
    Ok(Infrastructure { platform: Platform { documents, cache, events, tokens }, checks, embedded_bus, roles })
}
