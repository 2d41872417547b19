//! `server.error_statuses` through the whole binary: the default answers the legacy
//! routes' failures as the legacy handlers did; hme's own routes and refusals keep their
//! statuses; the log line of a failure names its real status.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{legacy_statuses, spawn_app, Backends};

async fn send(app: &crate::helpers::TestApp, method: reqwest::Method, path: &str, body: Option<String>) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Method, path, body, default status, real status, body.
type Case<'a> = (reqwest::Method, &'a str, Option<String>, u16, u16, Value);

#[tokio::test]
async fn the_default_answers_legacy_statuses_and_http_mode_real_ones_with_the_same_body() {
    let legacy = spawn_app(legacy_statuses(Backends::default())).await.unwrap();
    let http = spawn_app(Backends::default()).await.unwrap();
    let order = Some(json!({"address": "0123456789abcdef01234567", "items": [{"product": "0123456789abcdef01234567", "quantity": 1}]}).to_string());
    let cases: [Case; 4] = [
        (reqwest::Method::GET, "/api/user/data", None, 200, 401, json!({"success": false, "message": "User not found"})),
        (reqwest::Method::POST, "/api/order/create", order, 401, 401, json!({"success": false, "message": "Unauthorized"})),
        (reqwest::Method::GET, "/api/order/seller-orders", None, 200, 401, json!({"success": false, "message": "not authorized"})),
        (reqwest::Method::GET, "/api/track/TCS-1", None, 401, 401, json!({"success": false, "error": "Unauthorized session"})),
    ];
    for (method, path, body, legacy_status, real, expected) in cases {
        assert_eq!(send(&legacy, method.clone(), path, body.clone()).await, (legacy_status, expected.clone()), "{path} (legacy)");
        assert_eq!(send(&http, method, path, body).await, (real, expected), "{path} (http)");
    }
    // hme's own route and refusals: real statuses in the default mode.
    assert_eq!(send(&legacy, reqwest::Method::GET, "/api/product/not-an-id", None).await.0, 400);
    let big = json!({"name": "x".repeat(300 * 1024)}).to_string();
    let seller = hme_kernel::testing::clerk_token("user_seller", Some("seller"));
    let resp = legacy.client.post(legacy.url("/api/product/add")).bearer_auth(seller).header("content-type", "application/json").body(big).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.json::<Value>().await.unwrap()["success"], json!(false));
    assert_eq!(send(&legacy, reqwest::Method::GET, "/api/auth/me", None).await.0, 401);
}

#[tokio::test]
async fn the_log_line_of_a_failure_answered_200_names_its_real_status() {
    let data = tempfile::tempdir().unwrap();
    let port = hme_kernel::testing::free_port();
    let log = std::fs::File::create(data.path().join("hme.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hme"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HME_CONFIG_DIR", crate::helpers::config_dir())
        .env("HME__STORAGE__DATA_DIR", data.path())
        .env("HME__SERVER__HOST", "127.0.0.1")
        .env("HME__SERVER__PORT", port.to_string())
        .env("HME_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("CLERK_JWT_KEY", hme_kernel::testing::TEST_PUBLIC_PEM)
        .envs(crate::helpers::SPLIT_URLS.iter().copied())
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/user/data");
    let deadline = Instant::now() + Duration::from_secs(30);
    let answer = loop {
        if let Ok(r) = client.get(&url).send().await {
            break r;
        }
        assert!(Instant::now() < deadline, "hme did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(answer.status().as_u16(), 200);
    let request_id = answer.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let text = std::fs::read_to_string(data.path().join("hme.log")).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains("request failed")) {
            break l.to_owned();
        }
        assert!(Instant::now() < deadline, "no failure logged: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    let fields = v.get("fields").unwrap_or(&v);
    assert_eq!((fields["status"].clone(), fields["wire_status"].clone()), (json!(401), json!(200)), "{line}");
    // The line carries its request's span: the id the client was answered, method, path.
    assert_eq!(v["span"], json!({"name": "request", "request_id": request_id, "method": "GET", "path": "/api/user/data"}), "{line}");
}
