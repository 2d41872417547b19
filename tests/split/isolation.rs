//! One deployment's isolation on the shared test services (its own database, Redis
//! prefix, exchange and queues, owner address) and the environment of its processes:
//! shared by the split test and the crash test.

use std::path::{Path, PathBuf};

use hme_kernel::testing::{service_env, unique_name, uri_with_database, TEST_PUBLIC_PEM};

/// The Svix secret the auth process is configured with (`CLERK_WEBHOOK_SIGNING_SECRET`).
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The shared test services.
pub struct Backends {
    pub mongodb: String,
    pub redis: String,
    pub rabbitmq: String,
    pub smtp_url: String,
    pub smtp_dir: PathBuf,
}

impl Backends {
    pub fn from_env() -> Option<Self> {
        Some(Self {
            mongodb: service_env("HME_TEST_MONGODB_URI")?,
            redis: service_env("HME_TEST_REDIS_URL")?,
            rabbitmq: service_env("HME_TEST_RABBITMQ_URL")?,
            smtp_url: service_env("HME_TEST_SMTP_URL")?,
            smtp_dir: PathBuf::from(service_env("HME_TEST_SMTP_DIR")?),
        })
    }
}

/// One deployment's isolation: its own database, Redis prefix, exchange and queues,
/// owner address; its processes share them.
pub struct Isolation {
    pub tag: String,
    pub database: String,
    pub dir: PathBuf,
}

impl Isolation {
    pub fn new(run_dir: &Path, kind: &str) -> Self {
        let tag = unique_name(kind);
        let dir = run_dir.join(kind);
        std::fs::create_dir_all(&dir).unwrap();
        Self { database: format!("t_{tag}"), tag, dir }
    }

    /// The environment of one process of this deployment.
    pub fn env(&self, b: &Backends, process: &str, port: u16, extra: &[(String, String)]) -> Vec<(String, String)> {
        let data = self.dir.join(format!("{process}-data"));
        std::fs::create_dir_all(&data).unwrap();
        let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut env: Vec<(String, String)> = [
            ("HME_CONFIG_DIR", config.display().to_string()),
            ("HME__SERVER__HOST", "127.0.0.1".into()),
            ("PORT", port.to_string()),
            ("HME__ADMIN__PORT", crate::procs::free_port().to_string()),
            ("HME__SERVER__WORKERS", "1".into()),
            ("HME__SERVER__SHUTDOWN_TIMEOUT_SECS", "1".into()),
            // Real statuses: the flow asserts them (e.g. 503 with products down).
            ("HME__SERVER__ERROR_STATUSES", "http".into()),
            ("HME__STORAGE__DATA_DIR", data.display().to_string()),
            ("HME__PRODUCTS__SEED_DEMO_ON_EMPTY_EMBEDDED", "false".to_owned()),
            ("RUST_LOG", "info".into()),
            ("NO_COLOR", "1".into()),
            ("CLERK_JWT_KEY", TEST_PUBLIC_PEM.into()),
            ("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET.into()),
            ("MONGODB_URI", uri_with_database(&b.mongodb, &self.database)),
            ("REDIS_URL", b.redis.clone()),
            ("HME__REDIS__KEY_PREFIX", format!("{}:", self.tag)),
            ("RABBITMQ_URL", b.rabbitmq.clone()),
            ("HME__RABBITMQ__EXCHANGE", format!("events_{}", self.tag)),
            ("HME__RABBITMQ__QUEUE_PREFIX", format!("{}.", self.tag)),
            ("HME__RABBITMQ__RETRY_BASE_DELAY_MS", "200".into()),
            ("SMTP_URL", b.smtp_url.clone()),
            ("HME__WORKER__FROM", "shop@shop.test".into()),
            ("EMAIL_TO", format!("owner-{}@shop.test", self.tag)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend_from_slice(extra);
        env
    }

    pub async fn database(&self, b: &Backends) -> mongodb::Database {
        let client = mongodb::Client::with_uri_str(uri_with_database(&b.mongodb, &self.database)).await.unwrap();
        client.database(&self.database)
    }
}
