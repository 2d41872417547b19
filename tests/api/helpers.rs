#![allow(dead_code)]
//! Spawning the app for a test: own data folder, database name, key prefix, queues.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use hme::configuration::Settings;
use hme::startup::{Application, Mode};
use hme_kernel::testing::{service_env, unique_name, TEST_PUBLIC_PEM};
use tokio::net::{TcpListener, TcpStream};

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
/// (nothing listens there; today no remote call is made at start).
pub const SPLIT_URLS: &[(&str, &str)] = &[
    ("HME_PRODUCTS_URL", "http://127.0.0.1:9"),
    ("HME_AUTH_URL", "http://127.0.0.1:9"),
    ("HME_IMAGES_URL", "http://127.0.0.1:9"),
];

/// The environment of a test app: every setting a test needs, isolated. None when a
/// requested service is not available (the test is skipped outside scripts/test.sh).
pub fn test_env(backends: &Backends, data_dir: &std::path::Path) -> Option<HashMap<String, String>> {
    let mut env = HashMap::from([
        ("HME__SERVER__PORT".to_owned(), "0".to_owned()),
        ("HME__SERVER__HOST".to_owned(), "127.0.0.1".to_owned()),
        ("HME__SERVER__WORKERS".to_owned(), "1".to_owned()),
        ("HME__STORAGE__DATA_DIR".to_owned(), data_dir.display().to_string()),
        ("CLERK_JWT_KEY".to_owned(), TEST_PUBLIC_PEM.to_owned()),
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

/// Spawns the app (serve mode) with the given backends; None when a service is missing.
pub async fn spawn_app(backends: Backends) -> Option<TestApp> {
    let data = tempfile::tempdir().unwrap();
    let env = test_env(&backends, data.path())?;
    let settings = Settings::load_from(&config_dir(), &env).unwrap();
    let app = Application::build(settings.clone(), Mode::Serve).await.unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp { address: format!("http://127.0.0.1:{port}"), port, client: reqwest::Client::new(), settings, _data: data })
}

/// A TCP forwarder in front of a real server, which a test can switch off (refusing
/// and cutting connections) and on again: a backend outage without stopping the
/// shared server.
pub struct FaultProxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl FaultProxy {
    /// Forwards 127.0.0.1:<port> to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(tx);
        let (up2, gen2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let mut cut = gen2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { port, up, generation }
    }

    /// Refuses new connections and cuts the open ones.
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accepts connections again.
    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `host:port` of a service URL.
pub fn host_port(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port_or_known_default().unwrap())
}
