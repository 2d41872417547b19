#![allow(dead_code)]
//! Spawning the app for a test: own data folder, database name, key prefix, queues.

use std::collections::HashMap;
use std::path::PathBuf;

use hme::configuration::Settings;
use hme::startup::{Application, Mode};
use hme_kernel::testing::{service_env, unique_name, TEST_PUBLIC_PEM};

/// The repository's config folder.
pub fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// Which real backends a test app uses; each one isolated for this test.
#[derive(Default, Clone)]
pub struct Backends {
    /// Use MongoDB (SecantusDB) instead of embedded storage.
    pub mongo: bool,
    /// Use Redis instead of the in-process cache.
    pub redis: bool,
    /// Use RabbitMQ instead of in-process events.
    pub rabbitmq: bool,
    /// Replace a backend URL (e.g. through a fault proxy).
    pub overrides: HashMap<String, String>,
}

/// A running app.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The admin listener's port (`/metrics`).
    pub admin_port: u16,
    pub client: reqwest::Client,
    pub settings: Settings,
    _data: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// Where modules that are not compiled in "run", as a split deploy would configure it
/// (nothing listens there; no remote call is made at start), and the service token the
/// remote adapters need (it also mounts this app's own internal endpoints).
pub const SPLIT_URLS: &[(&str, &str)] = &[
    ("HME_PRODUCTS_URL", "http://127.0.0.1:9"),
    ("HME_AUTH_URL", "http://127.0.0.1:9"),
    ("HME_IMAGES_URL", "http://127.0.0.1:9"),
    ("HME_SERVICE_TOKEN", TEST_SERVICE_TOKEN),
];

/// The service token of test apps.
pub const TEST_SERVICE_TOKEN: &str = "test-service-token";

/// The environment of a test app: every setting a test needs, isolated. None when a
/// requested service is not available (the test is skipped outside scripts/test.sh).
pub fn test_env(backends: &Backends, data_dir: &std::path::Path) -> Option<HashMap<String, String>> {
    let mut env = HashMap::from([
        ("HME__SERVER__PORT".to_owned(), "0".to_owned()),
        ("HME__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("HME__SERVER__WORKERS".to_owned(), "1".to_owned()),
        ("HME__ADMIN__PORT".to_owned(), "0".to_owned()),
        ("HME__STORAGE__DATA_DIR".to_owned(), data_dir.display().to_string()),
        // Tests start from an empty catalog (a first `cargo run` seeds the demo one).
        ("HME__PRODUCTS__SEED_DEMO_ON_EMPTY_EMBEDDED".to_owned(), "false".to_owned()),
        ("CLERK_JWT_KEY".to_owned(), TEST_PUBLIC_PEM.to_owned()),
        // Real statuses: the tests of this suite assert them. Tests of the default
        // (legacy) answers override it with `legacy_statuses()`.
        ("HME__SERVER__ERROR_STATUSES".to_owned(), "http".to_owned()),
    ]);
    for (k, v) in SPLIT_URLS {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    if backends.mongo {
        env.insert("MONGODB_URI".into(), service_env("HME_TEST_MONGODB_URI")?);
        env.insert("HME__MONGODB__DATABASE".into(), unique_name("t"));
    }
    if backends.redis {
        env.insert("REDIS_URL".into(), service_env("HME_TEST_REDIS_URL")?);
        env.insert("HME__REDIS__KEY_PREFIX".into(), format!("{}:", unique_name("t")));
    }
    if backends.rabbitmq {
        env.insert("RABBITMQ_URL".into(), service_env("HME_TEST_RABBITMQ_URL")?);
        env.insert("HME__RABBITMQ__EXCHANGE".into(), unique_name("events"));
        env.insert("HME__RABBITMQ__QUEUE_PREFIX".into(), format!("{}.", unique_name("t")));
    }
    for (k, v) in &backends.overrides {
        env.insert(k.clone(), v.clone());
    }
    Some(env)
}

/// Backends whose app answers the legacy routes' failures as the legacy handlers did
/// (`server.error_statuses = "legacy"`, the production default).
pub fn legacy_statuses(mut backends: Backends) -> Backends {
    backends.overrides.insert("HME__SERVER__ERROR_STATUSES".to_owned(), "legacy".to_owned());
    backends
}

/// Spawns the app (serve mode) with the given backends; None when a service is missing.
pub async fn spawn_app(backends: Backends) -> Option<TestApp> {
    let data = tempfile::tempdir().unwrap();
    let env = test_env(&backends, data.path())?;
    let settings = Settings::load_from(&config_dir(), &env).unwrap();
    let app = Application::build(settings.clone(), Mode::Serve).await.unwrap();
    let (port, admin_port) = (app.port(), app.admin_port());
    tokio::spawn(app.run_until_stopped());
    Some(TestApp { address: format!("http://127.0.0.1:{port}"), port, admin_port, client: reqwest::Client::new(), settings, _data: data })
}

pub use hme_kernel::testing::{host_port, FaultProxy};
