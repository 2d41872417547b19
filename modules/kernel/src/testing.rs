//! Test support shared by every crate's tests (feature `testing`): fixed RSA test keys
//! and a token issuer producing Clerk-shaped session tokens.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::auth::{TokenSettings, TokenVerifier};

pub mod clerk;

/// The public half of the test key, as `CLERK_JWT_KEY` would hold it.
pub const TEST_PUBLIC_PEM: &str = include_str!("../testdata/test-rsa-public.pem");
/// The private half, which signs test tokens.
pub const TEST_PRIVATE_PEM: &str = include_str!("../testdata/test-rsa-private.pem");
/// Another key pair's private half: tokens signed with it must be refused.
pub const OTHER_PRIVATE_PEM: &str = include_str!("../testdata/other-rsa-private.pem");

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Signs `claims` with RS256 and the given private key.
pub fn sign(claims: &serde_json::Value, private_pem: &str) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap_or_else(|e| panic!("test key: {e}"));
    encode(&Header::new(Algorithm::RS256), claims, &key).unwrap_or_else(|e| panic!("sign: {e}"))
}

/// A valid Clerk-shaped session token for `sub`, with `metadata.role` when given.
pub fn clerk_token(sub: &str, role: Option<&str>) -> String {
    let now = now_secs();
    let mut claims = json!({"sub": sub, "iat": now, "nbf": now - 5, "exp": now + 600, "azp": "http://localhost:3000", "sid": "sess_test"});
    if let Some(role) = role {
        claims["metadata"] = json!({"role": role});
    }
    sign(&claims, TEST_PRIVATE_PEM)
}

/// Token settings that accept [`clerk_token`]s.
pub fn token_settings() -> TokenSettings {
    TokenSettings { clerk_public_key_pem: Some(TEST_PUBLIC_PEM.to_owned()), leeway_secs: 5, ..Default::default() }
}

/// A verifier that accepts [`clerk_token`]s.
pub fn verifier() -> TokenVerifier {
    TokenVerifier::new(&token_settings()).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of an environment variable naming a test service (set by
/// `scripts/test.sh`). None when absent, unless `HME_TEST_REQUIRE_SERVICES=1`, in
/// which case a missing service is a test failure rather than a skip.
pub fn service_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("HME_TEST_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{name} is not set but HME_TEST_REQUIRE_SERVICES=1: run the tests through scripts/test.sh")
        }
        _ => {
            eprintln!("skipping: {name} is not set (run scripts/test.sh for the full suite)");
            None
        }
    }
}

/// A TCP port on 127.0.0.1 for a child process to listen on: free when answered, never
/// answered twice in this process, and below Linux's ephemeral range (32768-60999), so
/// that no port-0 bind or outgoing connection of a parallel test takes it between this
/// answer and the child's bind (binding port 0 and releasing it raced exactly so).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919) % SPAN;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(LOW + (start + n) % SPAN).unwrap_or(0);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 20000-31999");
}

/// A unique name for per-test isolation (database names, key prefixes, queues).
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Connects to the test MongoDB (`HME_TEST_MONGODB_URI`) with a fresh database.
pub async fn mongo_test_db() -> Option<mongodb::Database> {
    let uri = service_env("HME_TEST_MONGODB_URI")?;
    let name = unique_name("t");
    Some(crate::backends::connect_mongo(&uri, Some(4), Some(&name)).await.unwrap_or_else(|e| panic!("{e}")))
}

/// A fresh embedded database in a temporary folder (kept alive by the returned guard).
pub fn embedded_test_db() -> (std::sync::Arc<redb::Database>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = crate::backends::open_embedded(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (db, dir)
}

/// A TCP forwarder in front of a real server, which a test can switch off (refusing
/// and cutting connections) and on again: a backend outage without stopping the
/// shared server.
pub struct FaultProxy {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl FaultProxy {
    /// Forwards 127.0.0.1:<port> to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().unwrap_or_else(|e| panic!("{e}")).port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = std::sync::Arc::new(tx);
        let (up2, gen2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let mut cut = gen2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
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
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accepts connections again.
    pub fn up(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// `host:port` of a service URL.
pub fn host_port(url: &str) -> String {
    let u = url::Url::parse(url).unwrap_or_else(|e| panic!("{e}"));
    format!("{}:{}", u.host_str().unwrap_or_else(|| panic!("{url}: no host")), u.port_or_known_default().unwrap_or_else(|| panic!("{url}: no port")))
}

/// `base` (a MongoDB URI) with `database` as its path, as mongoose wants it.
pub fn uri_with_database(base: &str, database: &str) -> String {
    let Some((scheme, rest)) = base.split_once("://") else { panic!("not a URI: {base}") };
    let (hosts, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{hosts}/{database}{query}")
}

/// Runs the mongoose compatibility CLI (`tools/mongoose-compat/cli.js`, path in `cli`)
/// against `database` on the test MongoDB and returns the JSON it prints; a failing
/// command fails the test with its stderr.
pub async fn mongoose_cli(cli: &str, database: &str, args: &[&str]) -> serde_json::Value {
    let base = std::env::var("HME_TEST_MONGODB_URI").unwrap_or_else(|e| panic!("HME_TEST_MONGODB_URI: {e}"));
    let out = tokio::process::Command::new("node")
        .arg(cli)
        .args(args)
        .env("MONGODB_URI", uri_with_database(&base, database))
        .output()
        .await
        .unwrap_or_else(|e| panic!("node: {e}"));
    assert!(out.status.success(), "mongoose {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("mongoose {args:?} printed no JSON: {e}"))
}

/// Simulates a process killed with a MongoDB transaction open on `db`: a separate client
/// registers its own instance (whose heartbeat then never runs), records its session,
/// starts a transaction and applies each `(collection, filter, update)` of `writes` in it
/// (each must match a document), then leaks the session and client so that nothing ever aborts or ends
/// it (the driver aborts on drop). The server keeps the transaction and its write locks
/// until a reaper kills the instance's sessions or its lifetime limit. Answers the dead
/// instance's id.
pub async fn die_in_transaction(db: &mongodb::Database, writes: &[(&str, mongodb::bson::Document, mongodb::bson::Document)]) -> String {
    let uri = service_env("HME_TEST_MONGODB_URI").unwrap_or_else(|| panic!("HME_TEST_MONGODB_URI is not set"));
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap_or_else(|e| panic!("{e}"));
    let own = client.database(db.name());
    let instance = crate::liveness::Instance::register(&own, crate::liveness::LivenessSettings::default()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut session = client.start_session().await.unwrap_or_else(|e| panic!("{e}"));
    instance.record(&session).await.unwrap_or_else(|e| panic!("{e}"));
    session.start_transaction().await.unwrap_or_else(|e| panic!("{e}"));
    for (collection, filter, update) in writes {
        let done = own.collection::<mongodb::bson::Document>(collection).update_many(filter.clone(), update.clone()).session(&mut session).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(done.matched_count > 0, "the dead process's write in {collection} matched nothing: {filter}");
    }
    let id = instance.id().to_owned();
    std::mem::forget(session);
    std::mem::forget(instance);
    std::mem::forget(client);
    id
}

#[cfg(test)]
mod tests {
    use super::uri_with_database;

    #[test]
    fn the_database_name_goes_into_the_uri_path() {
        assert_eq!(uri_with_database("mongodb://h:1/?directConnection=true", "db"), "mongodb://h:1/db?directConnection=true");
        assert_eq!(uri_with_database("mongodb://h:1", "db"), "mongodb://h:1/db");
        assert_eq!(uri_with_database("mongodb://h:1/old?x=1", "db"), "mongodb://h:1/db?x=1");
    }
}
