//! One typed `Settings`, layered: `config/default.toml`, then `config/<HME_ENV>.toml`,
//! then the legacy Next.js variable names (`PORT`, `MONGODB_URI`, ...), then
//! `HME__SECTION__KEY` variables (the most specific wins). Secrets are wrapped so they
//! never print.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use config::{Config, ConfigError, Environment, File, Map, Source, Value, ValueKind};
use secrecy::SecretString;
use serde::Deserialize;

pub use hme_migration::MigrationSettings;

/// Every setting of the binary.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Embedded storage.
    pub storage: StorageSettings,
    /// MongoDB (documents). Unset: embedded storage.
    pub mongodb: MongoSettings,
    /// Redis (cache, rate limits). Unset: in-process.
    pub redis: RedisSettings,
    /// RabbitMQ (events). Unset: in-process over the embedded outbox.
    pub rabbitmq: RabbitSettings,
    /// In-process cache.
    pub cache: CacheSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Cloudinary.
    pub cloudinary: CloudinarySettings,
    /// Email.
    pub email: EmailSettings,
    /// Where other modules run when they are not compiled in.
    pub services: ServiceSettings,
    /// Logging.
    pub log: LogSettings,
    /// The operator listener (`/metrics`), apart from the public port.
    #[serde(default)]
    pub admin: AdminSettings,
    /// Moving routes off Next.js: route states, legacy pass-through, shadow comparison.
    #[serde(default)]
    pub migration: MigrationSettings,
    /// The products module.
    #[cfg(feature = "products")]
    #[serde(default)]
    pub products: hme_products::ProductsSettings,
    /// The orders module.
    #[cfg(feature = "orders")]
    #[serde(default)]
    pub orders: hme_orders::OrdersSettings,
    /// The images module.
    #[cfg(feature = "images")]
    #[serde(default)]
    pub images: hme_images::ImagesSettings,
    /// The auth module (accounts, Clerk webhooks).
    #[cfg(feature = "auth")]
    #[serde(default)]
    pub accounts: hme_auth::AuthModuleSettings,
    /// The worker module (mail transport and owner address come from `[email]`).
    #[cfg(feature = "worker")]
    #[serde(default)]
    pub worker: hme_worker::WorkerSettings,
}

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one (tests).
    pub port: u16,
    /// Largest JSON body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS (exact, e.g. `https://shop.example`); empty: none.
    pub cors_origins: Vec<String>,
    /// Seconds in-flight requests get to finish on SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 = one per core.
    pub workers: usize,
    /// Longest a request may take before it is answered 503; 0: no limit.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// Most requests in flight per client address (429 above); 0: no cap.
    #[serde(default = "default_max_concurrent_per_client")]
    pub max_concurrent_per_client: usize,
    /// Take the client address (rate limits, the concurrency cap) from the last
    /// `X-Forwarded-For` entry, the one the proxy appended (earlier entries are the
    /// client's own and ignored): only behind a proxy that sets it.
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// Which status the legacy routes answer their failures with: `legacy` (default: the
    /// legacy handler's, mostly 200 `{success:false}`) or `http` (the real one, same body).
    #[serde(default)]
    pub error_statuses: hme_kernel::error::ErrorStatuses,
}

fn default_request_timeout_secs() -> u64 {
    60
}

fn default_max_concurrent_per_client() -> usize {
    64
}

/// Embedded storage settings.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    /// Folder of the embedded database file and local files.
    pub data_dir: PathBuf,
}

/// MongoDB settings.
#[derive(Debug, Clone, Deserialize)]
pub struct MongoSettings {
    /// Connection string; the database is the one in its path (`test` when none).
    pub uri: Option<SecretString>,
    /// Maximum pool size.
    pub pool_size: Option<u32>,
    /// Overrides the database named in the URI.
    pub database: Option<String>,
    /// How often this process refreshes its instance document (`hme_instances`) and reaps
    /// dead instances' transactions.
    #[serde(default = "default_instance_heartbeat_ms")]
    pub instance_heartbeat_ms: u64,
    /// An instance without a heartbeat for this long is dead: its open transactions are
    /// aborted (`killSessions`) by whichever live instance notices first.
    #[serde(default = "default_instance_dead_after_ms")]
    pub instance_dead_after_ms: u64,
}

fn default_instance_heartbeat_ms() -> u64 {
    1000
}

fn default_instance_dead_after_ms() -> u64 {
    4000
}

impl MongoSettings {
    /// The liveness settings of this process's instance.
    pub fn liveness(&self) -> hme_kernel::liveness::LivenessSettings {
        hme_kernel::liveness::LivenessSettings {
            heartbeat: std::time::Duration::from_millis(self.instance_heartbeat_ms.max(1)),
            dead_after: std::time::Duration::from_millis(self.instance_dead_after_ms.max(1)),
        }
    }
}

/// Redis settings.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// Connection URL.
    pub url: Option<SecretString>,
    /// Prefix of every key.
    pub key_prefix: String,
    /// Connection pool size.
    pub pool_size: usize,
}

/// RabbitMQ settings.
#[derive(Debug, Clone, Deserialize)]
pub struct RabbitSettings {
    /// Connection URL.
    pub url: Option<SecretString>,
    /// The topic exchange.
    pub exchange: String,
    /// Prefix of every queue name.
    pub queue_prefix: String,
    /// Unacknowledged messages per consumer.
    pub prefetch: u16,
    /// Delivery attempts before dead-lettering.
    pub max_attempts: u32,
    /// First retry delay in ms (doubles per attempt).
    pub retry_base_delay_ms: u64,
}

/// In-process cache settings.
#[derive(Debug, Clone, Deserialize)]
pub struct CacheSettings {
    /// Bytes the in-process cache may hold.
    pub memory_max_bytes: u64,
}

/// Token verification settings.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// Clerk's PEM public key (`CLERK_JWT_KEY`).
    pub clerk_jwt_key: Option<SecretString>,
    /// Clerk's backend API key (`CLERK_SECRET_KEY`): asks Clerk for the role of a user
    /// whose session token has no role claim.
    pub clerk_secret_key: Option<SecretString>,
    /// Clerk's backend API origin (`CLERK_API_URL`, the name Clerk's SDKs use).
    #[serde(default = "default_clerk_api_url")]
    pub clerk_api_url: String,
    /// Seconds a role looked up from Clerk (or told by a user webhook) is remembered.
    #[serde(default = "default_role_cache_ttl_secs")]
    pub role_cache_ttl_secs: u64,
    /// Origins (besides the one hme is reached at, `server.cors_origins` and the
    /// storefront's `orders.payments.base_url`) whose pages may send state-changing
    /// requests signed in by the `__session` cookie alone.
    #[serde(default)]
    pub trusted_origins: Vec<String>,
    /// Clock skew allowed on `exp`/`nbf`, seconds.
    pub leeway_secs: u64,
    /// When non-empty, the accepted `azp` values.
    pub authorized_parties: Vec<String>,
    /// When set, the required `iss`.
    pub issuer: Option<String>,
    /// Clerk's JWKS URL (`CLERK_JWKS_URL`).
    #[serde(default)]
    pub clerk_jwks_url: Option<String>,
    /// The `iss` of our own tokens.
    #[serde(default = "default_own_issuer")]
    pub own_issuer: String,
    /// Where our public keys are fetched when the auth module runs elsewhere.
    #[serde(default)]
    pub own_jwks_url: Option<String>,
    /// Seconds a fetched JWKS is used (0 = 3600).
    #[serde(default)]
    pub jwks_cache_ttl_secs: u64,
    /// Fewest seconds between JWKS fetches (0 = 30).
    #[serde(default)]
    pub jwks_min_refresh_secs: u64,
}

fn default_clerk_api_url() -> String {
    hme_kernel::auth::DEFAULT_CLERK_API_URL.to_owned()
}

fn default_role_cache_ttl_secs() -> u64 {
    300
}

fn default_own_issuer() -> String {
    "hme".to_owned()
}

/// Cloudinary settings.
#[derive(Debug, Clone, Deserialize)]
pub struct CloudinarySettings {
    /// Cloud name.
    pub cloud_name: Option<String>,
    /// API key.
    pub api_key: Option<String>,
    /// API secret.
    pub api_secret: Option<SecretString>,
}

/// Email settings.
#[derive(Debug, Clone, Deserialize)]
pub struct EmailSettings {
    /// `smtp://user:pass@host:587`; wins over user/pass.
    pub smtp_url: Option<SecretString>,
    /// Gmail account (legacy `EMAIL_USER`).
    pub user: Option<String>,
    /// Gmail app password (legacy `EMAIL_PASS`).
    pub pass: Option<SecretString>,
    /// The shop owner's address (legacy `EMAIL_TO`).
    pub to: Option<String>,
}

/// Base URLs of modules that run elsewhere, and the secret internal calls carry.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceSettings {
    /// Where the products module runs.
    pub products_url: Option<String>,
    /// Where the auth module runs.
    pub auth_url: Option<String>,
    /// Where the orders module runs.
    pub orders_url: Option<String>,
    /// Where the images module runs.
    pub images_url: Option<String>,
    /// Shared secret of the internal endpoints (`/internal/v1/...`): they are mounted only
    /// when it is set, and every remote adapter sends it.
    pub service_token: Option<SecretString>,
    /// Milliseconds one call to another module may take (connect included).
    #[serde(default = "default_service_timeout_ms")]
    pub timeout_ms: u64,
    /// Extra attempts of an idempotent call after a connection failure, a timeout or a
    /// 5xx (every port call is idempotent), with a short doubling backoff.
    #[serde(default = "default_service_retries")]
    pub retries: u32,
}

fn default_service_timeout_ms() -> u64 {
    3000
}

fn default_service_retries() -> u32 {
    2
}

/// Logging settings.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// `pretty` (human) or `json`.
    pub format: String,
    /// Default filter when `RUST_LOG` is unset.
    pub level: String,
}

/// `[admin]`: the operator listener, serving `/metrics` (Prometheus) away from the
/// public port.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AdminSettings {
    /// Interface to bind (`127.0.0.1`: only the machine itself; `0.0.0.0` in a
    /// container scraped by Prometheus).
    pub host: String,
    /// Port to bind; 0 picks a free one (tests).
    pub port: u16,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self { host: "127.0.0.1".to_owned(), port: 9464 }
    }
}

/// Legacy variable names honoured as they are, and the setting each one fills.
pub const LEGACY_ENV: &[(&str, &str)] = &[
    ("PORT", "server.port"),
    ("MONGODB_URI", "mongodb.uri"),
    ("MONGODB_POOLSIZE", "mongodb.pool_size"),
    ("REDIS_URL", "redis.url"),
    ("RABBITMQ_URL", "rabbitmq.url"),
    ("CLERK_JWT_KEY", "auth.clerk_jwt_key"),
    ("CLERK_SECRET_KEY", "auth.clerk_secret_key"),
    ("CLERK_JWKS_URL", "auth.clerk_jwks_url"),
    ("CLERK_API_URL", "auth.clerk_api_url"),
    ("CLERK_WEBHOOK_SIGNING_SECRET", "accounts.clerk_webhook_signing_secret"),
    ("CLOUDINARY_CLOUD_NAME", "cloudinary.cloud_name"),
    ("CLOUDINARY_API_KEY", "cloudinary.api_key"),
    ("CLOUDINARY_API_SECRET", "cloudinary.api_secret"),
    ("EMAIL_USER", "email.user"),
    ("EMAIL_PASS", "email.pass"),
    ("EMAIL_TO", "email.to"),
    ("SMTP_URL", "email.smtp_url"),
    ("HME_PRODUCTS_URL", "services.products_url"),
    ("HME_AUTH_URL", "services.auth_url"),
    ("HME_ORDERS_URL", "services.orders_url"),
    ("HME_IMAGES_URL", "services.images_url"),
    ("HME_SERVICE_TOKEN", "services.service_token"),
    ("HME_LOG_FORMAT", "log.format"),
    ("JAZZCASH_MERCHANT_ID", "orders.payments.jazzcash_merchant_id"),
    ("JAZZCASH_PASSWORD", "orders.payments.jazzcash_password"),
    ("JAZZCASH_INTEGRITY_SALT", "orders.payments.jazzcash_integrity_salt"),
    // NEXT_PUBLIC_BASE_URL first: a later entry wins, so BASE_URL does when both are set.
    ("NEXT_PUBLIC_BASE_URL", "orders.payments.base_url"),
    ("BASE_URL", "orders.payments.base_url"),
    ("TCS_API_URL", "orders.payments.tcs_api_url"),
    ("TCS_API_KEY", "orders.payments.tcs_api_key"),
    ("LEGACY_UPSTREAM_URL", "migration.upstream_url"),
    ("LEGACY_SECOND_UPSTREAM_URL", "migration.second_upstream_url"),
];

/// The legacy names as a config source.
#[derive(Debug, Clone)]
struct LegacyEnv(Map<String, Value>);

impl LegacyEnv {
    fn from(env: &HashMap<String, String>) -> Self {
        let origin = "legacy environment".to_owned();
        let map = LEGACY_ENV
            .iter()
            .filter_map(|(var, key)| {
                let v = env.get(*var).filter(|v| !v.trim().is_empty())?;
                Some(((*key).to_owned(), Value::new(Some(&origin), ValueKind::String(v.clone()))))
            })
            .collect();
        Self(map)
    }
}

impl Source for LegacyEnv {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }
    fn collect(&self) -> Result<Map<String, Value>, ConfigError> {
        Ok(self.0.clone())
    }
}

impl Settings {
    /// Loads settings from `config_dir` and the process environment.
    pub fn load(config_dir: &Path) -> Result<Self, ConfigError> {
        Self::load_from(config_dir, &std::env::vars().collect())
    }

    /// Loads settings from `config_dir` and the given environment (tests pass their own).
    pub fn load_from(config_dir: &Path, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let profile = env.get("HME_ENV").cloned().unwrap_or_else(|| "local".to_owned());
        Config::builder()
            .add_source(File::from(config_dir.join("default.toml")))
            .add_source(File::from(config_dir.join(format!("{profile}.toml"))).required(false))
            .add_source(LegacyEnv::from(env))
            .add_source(hme_environment(env))
            .build()?
            .try_deserialize()
    }
}

/// The `HME__SECTION__KEY` layer of [`Settings::load_from`]: the `HME__` variables of
/// `env`, with the list-valued settings split on commas.
pub fn hme_environment(env: &HashMap<String, String>) -> Environment {
    let hme_env: Map<String, String> = env.iter().filter(|(k, _)| k.starts_with("HME__")).map(|(k, v)| (k.clone(), v.clone())).collect();
    LIST_KEYS
        .iter()
        .fold(Environment::with_prefix("HME").prefix_separator("__").separator("__").list_separator(","), |env, key| env.with_list_parse_key(key))
        .try_parsing(true)
        .source(Some(hme_env))
}

/// The list-valued settings: an `HME__` variable gives them comma-separated.
pub const LIST_KEYS: &[&str] = &["server.cors_origins", "auth.authorized_parties", "auth.trusted_origins", "accounts.admin_emails", "migration.volatile_fields"];

/// The config folder: `HME_CONFIG_DIR`, else `./config`, else the one beside the
/// sources (so `cargo run` works from any folder of the checkout).
pub fn default_config_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("HME_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("config");
    if local.join("default.toml").exists() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}
