//! The migration layer: legacy pass-through to a local "Next.js" upstream, shadow
//! parity counting, the route manifest and the generated Next.js rewrites.
#![cfg_attr(not(feature = "products"), allow(dead_code))]

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hme_kernel::testing::clerk_token;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backends, TestApp};

/// A local stand-in for the Next.js app, answering legacy-shaped JSON.
struct Upstream {
    url: String,
    /// The body of `GET /api/product/list`.
    list: Arc<Mutex<Value>>,
}

async fn echo(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let status = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("status="))
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(200);
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .insert_header(("x-upstream", "nextjs"))
        .append_header(("set-cookie", "legacy=1; Path=/"))
        .json(json!({
            "success": status < 400,
            "method": req.method().as_str(),
            "path": req.path(),
            "query": req.query_string(),
            "authorization": header("authorization"),
            "contentType": header("content-type"),
            "bodyLength": body.len(),
            "body": String::from_utf8_lossy(&body),
        }))
}

async fn start_upstream() -> Upstream {
    let list = Arc::new(Mutex::new(json!({"success": true, "products": []})));
    let shared = web::Data::new(list.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(8 * 1024 * 1024))
            .route(
                "/api/product/list",
                web::get().to(|list: web::Data<Arc<Mutex<Value>>>| async move {
                    let body = list.lock().unwrap().clone();
                    HttpResponse::Ok().insert_header(("x-upstream", "nextjs")).json(body)
                }),
            )
            .route(
                "/api/slow",
                web::get().to(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    HttpResponse::Ok().json(json!({"success": true}))
                }),
            )
            .default_service(web::to(echo))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    Upstream { url: format!("http://127.0.0.1:{port}"), list }
}

async fn app_with(env: &[(&str, &str)]) -> TestApp {
    let mut backends = Backends::default();
    for (k, v) in env {
        backends.overrides.insert((*k).to_owned(), (*v).to_owned());
    }
    spawn_app(backends).await.unwrap()
}

fn closed_port_url() -> String {
    let port = hme_kernel::testing::free_port();
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn legacy_and_unknown_api_routes_pass_through_unchanged() {
    let upstream = start_upstream().await;
    let app = app_with(&[("LEGACY_UPSTREAM_URL", &upstream.url), ("HME__MIGRATION__ROUTE_STATES", "POST /api/cart/update=legacy")]).await;

    // A legacy route: method, path, query, Authorization and body reach Next.js; its status, headers and body come back.
    let res = app
        .client
        .post(app.url("/api/cart/update?x=1&y=two"))
        .bearer_auth("legacy-token")
        .json(&json!({"cartData": {"p1": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-upstream"], "nextjs");
    assert_eq!(res.headers()["set-cookie"], "legacy=1; Path=/");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/api/cart/update");
    assert_eq!(body["query"], "x=1&y=two");
    assert_eq!(body["authorization"], "Bearer legacy-token");
    assert_eq!(body["contentType"], "application/json");
    assert_eq!(serde_json::from_str::<Value>(body["body"].as_str().unwrap()).unwrap(), json!({"cartData": {"p1": 2}}));

    // A route hme does not know: proxied, with the upstream's status code and a large streamed body.
    let big = "x".repeat(1024 * 1024);
    let res = app.client.put(app.url("/api/not-in-hme?status=404")).body(big.clone()).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!((body["success"].clone(), body["bodyLength"].clone(), body["method"].clone()), (json!(false), json!(big.len()), json!("PUT")));
    let res = app.client.delete(app.url("/api/other/thing?status=201")).send().await.unwrap();
    assert_eq!(res.status(), 201);

    // A route in state hme is served by hme even with an upstream, as are hme's own routes.
    if cfg!(feature = "products") {
        let res = app.client.get(app.url("/api/product/list")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("x-upstream").is_none());
        assert_eq!(res.json::<Value>().await.unwrap()["success"], true);
    }
    let res = app.client.get(app.url("/api/migration/status")).send().await.unwrap();
    assert_eq!(res.status(), 401, "served by hme, not proxied");
    assert!(res.headers().get("x-upstream").is_none());
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_slow_upstream_answers_504_and_a_down_one_502() {
    let upstream = start_upstream().await;
    let app = app_with(&[("LEGACY_UPSTREAM_URL", &upstream.url), ("HME__MIGRATION__TIMEOUT_SECS", "1")]).await;
    let started = std::time::Instant::now();
    let res = app.client.get(app.url("/api/slow")).send().await.unwrap();
    assert_eq!(res.status(), 504);
    assert!(started.elapsed() < Duration::from_millis(2900), "{:?}", started.elapsed());
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"success": false, "message": "Upstream timed out"}));

    let down = closed_port_url();
    let app = app_with(&[("LEGACY_UPSTREAM_URL", &down), ("HME__MIGRATION__DEFAULT_STATE", "legacy")]).await;
    let res = app.client.get(app.url("/api/product/list")).send().await.unwrap();
    assert_eq!(res.status(), 502);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"success": false, "message": "Upstream unavailable"}));
    let res = app.client.post(app.url("/api/whatever")).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 502);
}

#[tokio::test]
async fn without_an_upstream_the_layer_is_a_no_op() {
    let app = app_with(&[("HME__MIGRATION__DEFAULT_STATE", "legacy")]).await;
    if cfg!(feature = "products") {
        let res = app.client.get(app.url("/api/product/list")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = app.client.get(app.url("/api/not-in-hme")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"success": false, "message": "Not found"}));
}

async fn status(app: &TestApp) -> Value {
    let admin = clerk_token("user_admin", Some("admin"));
    let res = app.client.get(app.url("/api/migration/status")).bearer_auth(admin).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn route<'a>(status: &'a Value, method: &str, path: &str) -> &'a Value {
    status["routes"].as_array().unwrap().iter().find(|r| r["method"] == method && r["path"] == path).unwrap()
}

/// Polls the status until the route's parity satisfies `done` (comparisons run in the background).
async fn parity_when(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let s = status(app).await;
        let p = route(&s, "GET", path)["parity"].clone();
        if done(&p) {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("parity never reached the expected figures: {}", route(&status(app).await, "GET", path));
}

#[cfg(feature = "products")]
#[tokio::test]
async fn shadow_counts_matches_and_mismatches_per_route() {
    // hme's own answer, from an app without an upstream.
    let plain = app_with(&[]).await;
    let mut hme_body: Value = plain.client.get(plain.url("/api/product/list")).send().await.unwrap().json().await.unwrap();
    hme_body["date"] = json!("2020-01-01T00:00:00.000Z");

    let upstream = start_upstream().await;
    *upstream.list.lock().unwrap() = hme_body.clone();
    let app = app_with(&[
        ("LEGACY_UPSTREAM_URL", &upstream.url),
        ("HME__MIGRATION__ROUTE_STATES", "GET /api/product/list=shadow,POST /api/cart/update=shadow"),
    ])
    .await;

    let customer = clerk_token("user_customer", None);
    let res = app.client.get(app.url("/api/migration/status")).bearer_auth(customer).send().await.unwrap();
    assert_eq!(res.status(), 403);

    // Identical bodies (a volatile field aside): matches.
    for _ in 0..2 {
        let res = app.client.get(app.url("/api/product/list")).send().await.unwrap();
        assert_eq!(res.headers()["x-upstream"], "nextjs", "the client gets Next.js' answer");
        assert_eq!(res.json::<Value>().await.unwrap(), hme_body);
    }
    let p = parity_when(&app, "/api/product/list", |p| p["matches"] == 2).await;
    assert_eq!((p["mismatches"].clone(), p["errors"].clone(), p["parityPercent"].clone()), (json!(0), json!(0), json!(100.0)));

    // A different body: a mismatch with a compact diff.
    let ghost = json!({"success": true, "products": [{"name": "ghost"}]});
    *upstream.list.lock().unwrap() = ghost.clone();
    let res = app.client.get(app.url("/api/product/list")).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), ghost);
    let p = parity_when(&app, "/api/product/list", |p| p["mismatches"] == 1).await;
    assert_eq!(p["matches"], 2);
    assert_eq!(p["parityPercent"], 66.67);
    assert_eq!(p["lastDiff"][0]["path"], "products[0]", "{p}");

    // A write in shadow is only proxied, never run twice nor compared.
    let res = app.client.post(app.url("/api/cart/update")).json(&json!({"cartData": {}})).send().await.unwrap();
    assert_eq!(res.headers()["x-upstream"], "nextjs");
    let s = status(&app).await;
    let write = route(&s, "POST", "/api/cart/update");
    // Shadow applies to routes this build serves; without the auth module the route stays legacy.
    let expected_state = if cfg!(feature = "auth") { "shadow" } else { "legacy" };
    assert_eq!((write["state"].clone(), write["shadow"].clone(), write["parity"].clone()), (json!(expected_state), json!("proxy-only"), Value::Null));
    assert_eq!(s["upstream"], upstream.url);
    assert_eq!(route(&s, "GET", "/api/product/list")["shadow"], "compare");
    assert_eq!(s["routes"].as_array().unwrap().len(), 20, "every legacy route is in the manifest");
}

#[cfg(feature = "products")]
#[tokio::test]
async fn a_second_upstream_teaches_which_fields_are_noise() {
    let plain = app_with(&[]).await;
    let hme_body: Value = plain.client.get(plain.url("/api/product/list")).send().await.unwrap().json().await.unwrap();
    let (first, second) = (start_upstream().await, start_upstream().await);
    let mut a = hme_body.clone();
    a["requestId"] = json!("r-1");
    let mut b = hme_body.clone();
    b["requestId"] = json!("r-2");
    *first.list.lock().unwrap() = a;
    *second.list.lock().unwrap() = b;
    let app = app_with(&[
        ("LEGACY_UPSTREAM_URL", &first.url),
        ("LEGACY_SECOND_UPSTREAM_URL", &second.url),
        ("HME__MIGRATION__ROUTE_STATES", "GET /api/product/list=shadow"),
    ])
    .await;
    app.client.get(app.url("/api/product/list")).send().await.unwrap();
    let p = parity_when(&app, "/api/product/list", |p| p["matches"].as_u64().unwrap_or(0) + p["mismatches"].as_u64().unwrap_or(0) == 1).await;
    assert_eq!(p["matches"], 1, "{p}");
    assert_eq!(p["learnedNoise"], json!(["requestId"]));
}

fn hme_cli(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hme"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HME_CONFIG_DIR", crate::helpers::config_dir())
        .env("HME__STORAGE__DATA_DIR", data.path())
        .envs(crate::helpers::SPLIT_URLS.iter().copied())
        .envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn routes_and_nextjs_rewrites_follow_the_configured_states() {
    let env = [("HME__MIGRATION__MODULES__ORDERS", "legacy"), ("HME__MIGRATION__ROUTE_STATES", "GET /api/product/list=shadow")];
    let out = hme_cli(&["routes", "--json"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().all(|r| r["method"].is_string() && r["path"].is_string() && r["module"].is_string() && r["state"].is_string()));
    let legacy_rows: Vec<&Value> = rows.iter().filter(|r| r["owner"].is_string()).collect();
    assert_eq!(legacy_rows.len(), 20, "every legacy route is listed");
    for r in &legacy_rows {
        assert!(r["module"] == r["owner"] || r["module"] == "nextjs", "the manifest names the module that serves it: {r}");
    }
    let track = legacy_rows.iter().find(|r| r["path"] == "/api/track/{trackingNumber}").unwrap();
    assert_eq!(track["state"], "legacy");
    if cfg!(feature = "products") {
        assert!(rows.iter().any(|r| r["path"] == "/api/product/list" && r["state"] == "shadow" && r["module"] == "products"));
    }
    let mut expected: Vec<String> = legacy_rows.iter().filter(|r| r["state"] == "hme").map(|r| r["path"].as_str().unwrap().to_owned()).collect();
    expected.sort();

    let out = hme_cli(&["nextjs-rewrites", "--hme-url", "https://hme.example/"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let js = String::from_utf8(out.stdout).unwrap();
    assert!(js.contains("async rewrites() {") && js.contains("beforeFiles: ["), "{js}");
    assert!(js.contains("{ protocol: 'https', hostname: 'hme.example', pathname: '/media/**' }"), "the images entry for hme's media: {js}");
    assert_eq!(js.matches('{').count(), js.matches('}').count(), "{js}");
    let mut sources = Vec::new();
    for line in js.lines().filter(|l| l.trim_start().starts_with("{ source:")) {
        let quoted: Vec<&str> = line.split('\'').collect();
        assert_eq!(quoted.len(), 5, "{line}");
        let (source, destination) = (quoted[1], quoted[3]);
        assert_eq!(destination, format!("https://hme.example{source}"));
        sources.push(source.to_owned());
    }
    sources.sort();
    assert_eq!(sources, expected, "{js}");
    assert!(!sources.iter().any(|s| s.starts_with("/api/order") || s == "/api/product/list"));
    assert!(!sources.is_empty() || !cfg!(feature = "auth"), "{js}");
}
