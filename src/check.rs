//! `hme check-config`: validates every setting and reaches every configured backend.
//! Prints one line per check, never a secret; exits non-zero naming the bad setting.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use hme_kernel::backends::connect_mongo_with;
use hme_kernel::cache::RedisCache;
use hme_kernel::events::{RabbitEventBus, RabbitSettings};
use hme_kernel::redact::redact_url;
use secrecy::ExposeSecret;

use crate::configuration::Settings;

/// One check's outcome.
struct Line {
    setting: &'static str,
    target: String,
    result: Result<(), String>,
    millis: u128,
}

/// Runs every check and prints the report.
pub async fn run(config_dir: &Path) -> ExitCode {
    let settings = match Settings::load(config_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hme: error: bad configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lines = checks(&settings).await;
    let mut failed = false;
    for l in &lines {
        let status = if l.result.is_ok() { "ok  " } else { "FAIL" };
        println!("{status} {:<28} {} ({} ms)", l.setting, l.target, l.millis);
        if let Err(e) = &l.result {
            failed = true;
            println!("     {e}");
        }
    }
    if failed {
        eprintln!("hme: error: configuration check failed (see FAIL lines above)");
        ExitCode::FAILURE
    } else {
        println!("configuration ok: modules {}", crate::modules::compiled().join(", "));
        ExitCode::SUCCESS
    }
}

async fn timed<F: std::future::Future<Output = Result<(), String>>>(setting: &'static str, target: String, f: F) -> Line {
    let started = Instant::now();
    let result = f.await;
    Line { setting, target, result, millis: started.elapsed().as_millis() }
}

async fn checks(settings: &Settings) -> Vec<Line> {
    let mut lines = Vec::new();
    let key = if settings.auth.clerk_jwt_key.is_some() { "set" } else { "unset: signed-in routes answer 401" };
    lines.push(timed("auth.clerk_jwt_key", key.into(), async { crate::infrastructure::token_verifier(settings).map(|_| ()).map_err(|e| e.to_string()) }).await);
    lines.push(timed("modules", crate::modules::compiled().join(","), async { crate::modules::check_dependencies(settings) }).await);
    let upstream = settings.migration.upstream_url.as_deref().map(redact_url).unwrap_or_else(|| "unset: pass-through off".into());
    lines.push(timed("migration (LEGACY_UPSTREAM_URL)", upstream, hme_migration::check(&settings.migration)).await);
    match &settings.mongodb.uri {
        Some(uri) => {
            let uri = uri.expose_secret();
            lines.push(timed("mongodb.uri (MONGODB_URI)", redact_url(uri), async {
                connect_mongo_with(uri, Some(1), settings.mongodb.database.as_deref(), None).await.map(|_| ()).map_err(|e| e.to_string())
            }).await);
        }
        None => lines.push(timed("storage.data_dir", settings.storage.data_dir.display().to_string(), async {
            std::fs::create_dir_all(&settings.storage.data_dir).map_err(|e| e.to_string())
        }).await),
    }
    if let Some(url) = &settings.redis.url {
        let url = url.expose_secret();
        lines.push(timed("redis.url (REDIS_URL)", redact_url(url), async {
            RedisCache::connect(url, &settings.redis.key_prefix, 1).await.map(|_| ()).map_err(|e| e.0)
        }).await);
    }
    if let Some(url) = &settings.rabbitmq.url {
        let url = url.expose_secret();
        let r = &settings.rabbitmq;
        lines.push(timed("rabbitmq.url (RABBITMQ_URL)", redact_url(url), async {
            RabbitEventBus::connect(RabbitSettings {
                url: url.to_owned(),
                exchange: r.exchange.clone(),
                queue_prefix: r.queue_prefix.clone(),
                prefetch: r.prefetch,
                max_attempts: r.max_attempts,
                base_delay_ms: r.retry_base_delay_ms,
                known_consumers: Vec::new(),
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
        }).await);
    }
    lines
}

/// `hme health`: GET /healthz on the local port; success when it answers 200.
pub fn health(port: u16) -> ExitCode {
    use std::io::{Read, Write};
    use std::time::Duration;
    let probe = || -> std::io::Result<bool> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        stream.set_read_timeout(Some(Duration::from_secs(3)))?;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200"))
    };
    match probe() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("hme: /healthz on port {port} did not answer 200");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("hme: /healthz on port {port}: {e}");
            ExitCode::FAILURE
        }
    }
}
