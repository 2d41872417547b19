//! Documents storage: MongoDB when `MONGODB_URI` is set, an embedded redb file otherwise.
//! Plus the readiness probes of each backend kind.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mongodb::bson::doc;
use mongodb::options::ClientOptions;

use crate::cache::RedisCache;
use crate::events::RabbitEventBus;
use crate::health::HealthCheck;
use crate::liveness::LivenessSettings;
use crate::redact::redact_url;

/// Where documents live. Modules pick their store adapter by matching on it.
#[derive(Clone)]
pub enum Documents {
    /// The shared MongoDB database (the one the mongoose app uses too).
    Mongo(mongodb::Database),
    /// The embedded redb database file.
    Embedded(Arc<redb::Database>),
}

/// A backend could not be reached or opened; the message names it and its URL
/// (without the password).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// The database name mongoose would use: the URI's path, or `test` when it has none.
pub fn mongo_database_name(options: &ClientOptions) -> String {
    options.default_database.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "test".to_owned())
}

/// Connects to MongoDB, pings it and registers this process's instance with the default
/// liveness settings (see [`connect_mongo_with`]). `database` overrides the URI's
/// database name.
pub async fn connect_mongo(uri: &str, pool_size: Option<u32>, database: Option<&str>) -> Result<mongodb::Database, BackendError> {
    connect_mongo_with(uri, pool_size, database, Some(LivenessSettings::default())).await
}

/// Connects to MongoDB and pings it. With `liveness`, registers this process's instance
/// on the database and runs its heartbeat and reaper ([`crate::liveness`]), once per
/// process and database: the transactions of a dead process are then aborted within
/// seconds. Without (a one-shot command such as `hme check`), nothing is registered.
pub async fn connect_mongo_with(uri: &str, pool_size: Option<u32>, database: Option<&str>, liveness: Option<LivenessSettings>) -> Result<mongodb::Database, BackendError> {
    let fail = |e: &dyn std::fmt::Display| BackendError(format!("MongoDB at {}: {e}", redact_url(uri)));
    let mut options = ClientOptions::parse(uri).await.map_err(|e| fail(&e))?;
    options.server_selection_timeout.get_or_insert(Duration::from_secs(5));
    options.connect_timeout.get_or_insert(Duration::from_secs(5));
    if let Some(n) = pool_size {
        options.max_pool_size = Some(n);
    }
    options.app_name.get_or_insert_with(|| "hme".to_owned());
    options.command_event_handler = Some(crate::telemetry::mongo::command_events());
    let name = database.map(str::to_owned).unwrap_or_else(|| mongo_database_name(&options));
    // The transaction helper finds this process's instance by the client's default
    // database (crate::liveness::of_client).
    options.default_database = Some(name.clone());
    let client = mongodb::Client::with_options(options).map_err(|e| fail(&e))?;
    let db = client.database(&name);
    db.run_command(doc! {"ping": 1}).await.map_err(|e| fail(&e))?;
    if let Some(settings) = liveness {
        crate::liveness::install(&db, settings).await.map_err(|e| fail(&format!("registering this instance in {}: {e}", crate::liveness::INSTANCES)))?;
    }
    Ok(db)
}

/// Opens (creating when missing) the embedded database file `<dir>/hme.redb`.
pub fn open_embedded(dir: &Path) -> Result<Arc<redb::Database>, BackendError> {
    std::fs::create_dir_all(dir).map_err(|e| BackendError(format!("embedded storage: cannot create {}: {e}", dir.display())))?;
    let file = dir.join("hme.redb");
    redb::Database::create(&file)
        .map(Arc::new)
        .map_err(|e| BackendError(format!("embedded storage: cannot open {}: {e}", file.display())))
}

/// Readiness of MongoDB: `ping`.
pub struct MongoHealth {
    /// The database to ping.
    pub db: mongodb::Database,
    /// The URI, redacted on display.
    pub uri: String,
}

#[async_trait]
impl HealthCheck for MongoHealth {
    fn name(&self) -> &'static str {
        "mongodb"
    }
    fn target(&self) -> String {
        format!("{} (database {})", redact_url(&self.uri), self.db.name())
    }
    async fn check(&self) -> Result<(), String> {
        self.db.run_command(doc! {"ping": 1}).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Readiness of the embedded file: a read transaction opens.
pub struct EmbeddedHealth {
    /// The open database.
    pub db: Arc<redb::Database>,
    /// Its folder.
    pub dir: String,
}

#[async_trait]
impl HealthCheck for EmbeddedHealth {
    fn name(&self) -> &'static str {
        "embedded"
    }
    fn target(&self) -> String {
        self.dir.clone()
    }
    async fn check(&self) -> Result<(), String> {
        self.db.begin_read().map(|_| ()).map_err(|e| e.to_string())
    }
}

#[async_trait]
impl HealthCheck for RedisCache {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn target(&self) -> String {
        RedisCache::target(self)
    }
    async fn check(&self) -> Result<(), String> {
        self.ping().await.map_err(|e| e.0)
    }
}

/// Readiness of RabbitMQ: the publisher channel is (re)opened.
pub struct RabbitHealth {
    /// The bus.
    pub bus: Arc<RabbitEventBus>,
    /// The URL, redacted on display.
    pub url: String,
}

#[async_trait]
impl HealthCheck for RabbitHealth {
    fn name(&self) -> &'static str {
        "rabbitmq"
    }
    fn target(&self) -> String {
        redact_url(&self.url)
    }
    async fn check(&self) -> Result<(), String> {
        self.bus.dead_letter_count_probe().await.map_err(|e| e.to_string())
    }
}
