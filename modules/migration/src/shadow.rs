//! Shadow comparison (Diffy/Scientist style) for safe routes: the client gets Next.js'
//! answer; in the background the same request goes to hme itself (a loopback call with
//! a per-process marker that bypasses the migration layer) and the JSON bodies are
//! compared, volatile fields and learned noise ignored. Counters are in memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::Value;

use super::diff::{diff, Ignore};
use super::proxy::{builder_of, failure, Forward};
use super::Migration;

/// The header marking hme's own shadow calls; its value is a per-process secret.
pub const SHADOW_HEADER: &str = "x-hme-shadow";

/// Learned noisy paths kept per route, at most.
const MAX_NOISE: usize = 200;

/// The comparison figures of one route.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Parity {
    /// Same status and same body (ignored fields aside).
    pub matches: u64,
    /// A different status or body.
    pub mismatches: u64,
    /// hme could not be called or answered unreadably.
    pub errors: u64,
    /// Not compared (e.g. Next.js answered 304).
    pub skipped: u64,
    /// matches / (matches + mismatches), in percent; null before any comparison.
    pub parity_percent: Option<f64>,
    /// Paths where Next.js differed from itself (ignored from then on).
    pub learned_noise: BTreeSet<String>,
    /// The differences of the last mismatch (at most 10).
    pub last_diff: Option<Value>,
}

/// The figures of every shadowed route, keyed `"METHOD /pattern"`.
#[derive(Debug, Default)]
pub struct ShadowStats(Mutex<HashMap<String, Parity>>);

impl ShadowStats {
    fn update(&self, key: &str, f: impl FnOnce(&mut Parity)) {
        if let Ok(mut all) = self.0.lock() {
            let p = all.entry(key.to_owned()).or_default();
            f(p);
            let compared = p.matches + p.mismatches;
            p.parity_percent = (compared > 0).then(|| (p.matches as f64 * 10000.0 / compared as f64).round() / 100.0);
        }
    }

    /// The figures of one route.
    pub fn get(&self, key: &str) -> Option<Parity> {
        self.0.lock().ok().and_then(|all| all.get(key).cloned())
    }
}

/// Serves a shadowed safe route: Next.js' answer to the client, hme compared in the background.
pub async fn serve(m: web::Data<Migration>, req: &actix_web::HttpRequest, key: String) -> HttpResponse {
    let Some(upstream) = m.upstream.as_ref() else { return HttpResponse::BadGateway().finish() };
    // Bodies are compared as sent, so ask for them uncompressed (hme compresses for the client).
    let fwd = Forward::of(req).without(&["accept-encoding"]);
    let resp = match upstream.send(&fwd, None).await {
        Ok(resp) => resp,
        Err(e) => return failure(&e, upstream, &key),
    };
    let mut builder = builder_of(&resp);
    let status = resp.status().as_u16();
    let body = match resp.bytes().await {
        Ok(body) => body,
        Err(e) => return failure(&e, upstream, &key),
    };
    let task = (m.clone(), key, fwd, body.clone());
    actix_web::rt::spawn(async move {
        let (m, key, fwd, body) = task;
        compare(&m, &key, fwd, status, body).await;
    });
    builder.body(body)
}

async fn compare(m: &Migration, key: &str, fwd: Forward, legacy_status: u16, legacy_body: Bytes) {
    if legacy_status == 304 {
        m.stats.update(key, |p| p.skipped += 1);
        return;
    }
    let mut own = fwd.clone().without(&["if-none-match", "if-modified-since"]);
    own.headers.push((SHADOW_HEADER.into(), m.secret.as_bytes().to_vec()));
    let hme = match m.loopback.send(&own, None).await {
        Ok(r) => {
            let status = r.status().as_u16();
            r.bytes().await.map(|b| (status, b))
        }
        Err(e) => Err(e),
    };
    let (hme_status, hme_body) = match hme {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(route = key, error = %e, "shadow: hme call failed");
            m.stats.update(key, |p| p.errors += 1);
            return;
        }
    };
    let legacy_json = serde_json::from_slice::<Value>(&legacy_body).ok();
    let hme_json = serde_json::from_slice::<Value>(&hme_body).ok();
    let noise = learn_noise(m, key, &fwd, legacy_json.as_ref()).await;
    let mut diffs: Vec<Value> = Vec::new();
    if legacy_status != hme_status {
        diffs.push(serde_json::json!({"path": "$status", "legacy": legacy_status, "hme": hme_status}));
    }
    match (&legacy_json, &hme_json) {
        (Some(a), Some(b)) => {
            let ignore = Ignore { volatile: &m.settings.volatile_fields, noise };
            diffs.extend(diff(a, b, &ignore, 10).into_iter().filter_map(|d| serde_json::to_value(d).ok()));
        }
        _ if legacy_body != hme_body => diffs.push(serde_json::json!({"path": "$body", "legacy": "<not JSON or different>", "hme": null})),
        _ => {}
    }
    if diffs.is_empty() {
        tracing::info!(route = key, "shadow: match");
        m.stats.update(key, |p| p.matches += 1);
    } else {
        diffs.truncate(10);
        let compact = Value::Array(diffs);
        tracing::warn!(route = key, diff = %compact, "shadow: mismatch");
        m.stats.update(key, |p| {
            p.mismatches += 1;
            p.last_diff = Some(compact);
        });
    }
}

/// With a second upstream: compares Next.js with itself and remembers where it
/// differs. Returns every noisy path learned so far for the route.
async fn learn_noise(m: &Migration, key: &str, fwd: &Forward, legacy: Option<&Value>) -> Vec<String> {
    if let (Some(second), Some(legacy)) = (m.second.as_ref(), legacy) {
        let again = match second.send(fwd, None).await {
            Ok(r) => r.bytes().await.ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok()),
            Err(e) => {
                tracing::debug!(route = key, error = %e, "shadow: second upstream failed");
                None
            }
        };
        if let Some(again) = again {
            let ignore = Ignore { volatile: &m.settings.volatile_fields, noise: Vec::new() };
            let found = diff(legacy, &again, &ignore, MAX_NOISE);
            m.stats.update(key, |p| {
                for d in found {
                    if p.learned_noise.len() < MAX_NOISE {
                        p.learned_noise.insert(d.path);
                    }
                }
            });
        }
    }
    m.stats.get(key).map(|p| p.learned_noise.into_iter().collect()).unwrap_or_default()
}
