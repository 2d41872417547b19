//! Sellers with Clerk's default session token (no role claim): the role comes from
//! Clerk's backend API (a stub following its published format), remembered, shared
//! through Redis, refreshed by the user webhooks; and the `__session` cookie end to end.
//!
//! Seller refusals are asserted as `success: false` without a stored product (the
//! status of a refusal depends on `server.error_statuses`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::testing::clerk::{ClerkStub, STUB_SECRET_KEY};
use hme_kernel::testing::{clerk_token, now_secs};
use serde_json::{json, Value};

use crate::helpers::{legacy_statuses, spawn_app, Backends, TestApp};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn clerk_env(stub_url: &str) -> Backends {
    Backends {
        overrides: [
            ("CLERK_API_URL", stub_url),
            ("CLERK_SECRET_KEY", STUB_SECRET_KEY),
            ("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..Default::default()
    }
}

/// The seller form's body, prices as the raw strings the page sends.
fn product() -> Value {
    json!({"name": "Earbuds", "description": "Wireless", "category": "Earphone", "price": "4999", "offerPrice": "", "image": ["https://res.cloudinary.com/demo/image/upload/earbuds.jpg"]})
}

/// `POST /api/product/add` with the given extra headers: (status, body).
async fn add_product(app: &TestApp, headers: &[(&str, String)]) -> (u16, Value) {
    let mut req = app.client.post(app.url("/api/product/add")).json(&product());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

fn added(result: &(u16, Value)) -> bool {
    let (status, body) = result;
    *status == 200 && body["success"] == true && body["message"] == "Upload Successfully" && body["newProduct"]["_id"].is_string()
}

fn refused(result: &(u16, Value)) -> bool {
    let (_, body) = result;
    body["success"] == false && body.get("newProduct").is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seller_with_clerks_default_token_adds_a_product_on_the_first_request_and_clerk_is_asked_once() {
    let stub = ClerkStub::start();
    stub.add_user("user_2sellerDefault", json!({"role": "seller"}));
    let app = spawn_app(clerk_env(&stub.url)).await.unwrap();
    let token = clerk_token("user_2sellerDefault", None);
    let first = add_product(&app, &[bearer(&token)]).await;
    assert!(added(&first), "{first:?}");
    assert_eq!(stub.hits(), 1);
    let second = add_product(&app, &[bearer(&token)]).await;
    assert!(added(&second), "{second:?}");
    assert_eq!(stub.hits(), 1, "the remembered role: no second call to Clerk");
    // The seller's own list agrees.
    let list: Value = app.client.get(app.url("/api/product/seller-list")).header("Authorization", format!("Bearer {token}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["products"].as_array().map(Vec::len), Some(2), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_redis_agree_one_looks_the_role_up_the_other_reads_it() {
    let stub = ClerkStub::start();
    stub.add_user("user_2sellerShared", json!({"role": "seller"}));
    let mut backends = clerk_env(&stub.url);
    backends.redis = true;
    backends.overrides.insert("HME__REDIS__KEY_PREFIX".into(), format!("{}:", hme_kernel::testing::unique_name("roles")));
    let Some(a) = spawn_app(backends.clone()).await else { return };
    let Some(b) = spawn_app(backends).await else { return };
    let token = clerk_token("user_2sellerShared", None);
    assert!(added(&add_product(&a, &[bearer(&token)]).await));
    assert_eq!(stub.hits(), 1);
    let on_b = add_product(&b, &[bearer(&token)]).await;
    assert!(added(&on_b), "{on_b:?}");
    assert_eq!(stub.hits(), 1, "instance b read the role instance a looked up");
}

async fn deliver(app: &TestApp, kind: &str, id: &str, public_metadata: Value) {
    let body = json!({"object": "event", "type": kind, "data": {
        "id": id, "object": "user", "first_name": "Sam", "last_name": "Seller", "image_url": "https://img.clerk.com/x.png",
        "email_addresses": [{"id": "idn_1", "object": "email_address", "email_address": "sam@shop.test"}],
        "public_metadata": public_metadata, "private_metadata": {}, "unsafe_metadata": {}}})
    .to_string();
    let (msg_id, ts) = (format!("msg_{}", uuid::Uuid::new_v4().simple()), now_secs());
    let sig = hme_auth::svix::sign(WEBHOOK_SECRET, &msg_id, ts, body.as_bytes()).unwrap();
    let resp = app
        .client
        .post(app.url("/api/webhooks/clerk"))
        .header("content-type", "application/json")
        .header("svix-id", msg_id)
        .header("svix-timestamp", ts.to_string())
        .header("svix-signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{}", resp.text().await.unwrap_or_default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_updated_webhook_making_a_seller_counts_without_waiting_for_the_ttl() {
    let stub = ClerkStub::start();
    stub.add_user("user_2promoted", json!({}));
    let app = spawn_app(clerk_env(&stub.url)).await.unwrap();
    let token = clerk_token("user_2promoted", None);
    let before = add_product(&app, &[bearer(&token)]).await;
    assert!(refused(&before), "a customer: {before:?}");
    assert_eq!(stub.hits(), 1);
    // The shop owner makes them a seller in Clerk's dashboard: Clerk sends user.updated.
    deliver(&app, "user.updated", "user_2promoted", json!({"role": "seller"})).await;
    let after = add_product(&app, &[bearer(&token)]).await;
    assert!(added(&after), "{after:?}");
    assert_eq!(stub.hits(), 1, "the webhook's role, not a new lookup");
    // And back: user.deleted forgets it (the next request asks Clerk again).
    deliver(&app, "user.deleted", "user_2promoted", json!({})).await;
    assert!(refused(&add_product(&app, &[bearer(&token)]).await));
    assert_eq!(stub.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_claim_in_the_token_wins_over_clerk() {
    let stub = ClerkStub::start();
    stub.add_user("user_2claimed", json!({"role": "seller"}));
    stub.add_user("user_2claimedSeller", json!({}));
    let app = spawn_app(clerk_env(&stub.url)).await.unwrap();
    assert!(refused(&add_product(&app, &[bearer(&clerk_token("user_2claimed", Some("customer")))]).await));
    assert!(added(&add_product(&app, &[bearer(&clerk_token("user_2claimedSeller", Some("seller")))]).await));
    assert_eq!(stub.hits(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_signs_in_a_post_from_the_storefront_origin_and_not_from_another_site() {
    let stub = ClerkStub::start();
    stub.add_user("user_2cookieSeller", json!({"role": "seller"}));
    let app = spawn_app(clerk_env(&stub.url)).await.unwrap();
    let cookie = ("Cookie", format!("__client_uat=1; __session={}", clerk_token("user_2cookieSeller", None)));
    // The storefront's origin (BASE_URL, default http://localhost:3000), as through the rewrites.
    let shop = add_product(&app, &[cookie.clone(), ("Origin", "http://localhost:3000".into())]).await;
    assert!(added(&shop), "{shop:?}");
    let same_host = add_product(&app, &[cookie.clone(), ("Referer", format!("{}/seller", app.address))]).await;
    assert!(added(&same_host), "{same_host:?}");
    let evil = add_product(&app, &[cookie.clone(), ("Origin", "https://evil.example".into())]).await;
    assert!(refused(&evil), "{evil:?}");
    let none = add_product(&app, &[cookie]).await;
    assert!(refused(&none), "{none:?}");
}

/// The cross-site refusal is hme's own (no legacy handler made it): in the default
/// (legacy) error mode it keeps its 403 and its reason instead of the route's legacy
/// "not authorized" answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_cookie_post_is_refused_403_with_its_reason_in_the_default_mode_too() {
    let stub = ClerkStub::start();
    stub.add_user("user_2cookieSellerB", json!({"role": "seller"}));
    let app = spawn_app(legacy_statuses(clerk_env(&stub.url))).await.unwrap();
    let cookie = ("Cookie", format!("__session={}", clerk_token("user_2cookieSellerB", None)));
    let evil = add_product(&app, &[cookie.clone(), ("Origin", "https://evil.example".into())]).await;
    assert_eq!(evil, (403, json!({"success": false, "message": "Forbidden: cross-site request refused"})));
    let shop = add_product(&app, &[cookie, ("Origin", "http://localhost:3000".into())]).await;
    assert!(added(&shop), "{shop:?}");
}

/// `hme` runs as a process here, so that its log can be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_unreachable_and_nothing_remembered_is_a_customer_and_the_log_says_why() {
    let data = tempfile::tempdir().unwrap();
    let port = hme_kernel::testing::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hme"))
        .env("HME_CONFIG_DIR", crate::helpers::config_dir())
        .env("HME__STORAGE__DATA_DIR", data.path())
        .env("HME__SERVER__PORT", port.to_string())
        .env("HME__SERVER__HOST", "127.0.0.1")
        .env("HME__LOG__FORMAT", "json")
        .env("CLERK_JWT_KEY", hme_kernel::testing::TEST_PUBLIC_PEM)
        .env("CLERK_SECRET_KEY", STUB_SECRET_KEY)
        // Nothing listens on the discard port: Clerk is unreachable.
        .env("CLERK_API_URL", "http://127.0.0.1:9")
        .envs(crate::helpers::SPLIT_URLS.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    for pipe in [Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>, Box::new(child.stderr.take().unwrap())] {
        let lines = lines.clone();
        std::thread::spawn(move || BufReader::new(pipe).lines().map_while(Result::ok).for_each(|l| lines.lock().unwrap().push(l)));
    }
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(child.try_wait().unwrap().is_none(), "hme exited: {:?}", lines.lock().unwrap());
        assert!(Instant::now() < deadline, "hme never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let resp = client
        .post(format!("{base}/api/product/add"))
        .header("Authorization", format!("Bearer {}", clerk_token("user_2unreachable", None)))
        .json(&product())
        .send()
        .await
        .unwrap();
    let result = (resp.status().as_u16(), resp.json::<Value>().await.unwrap_or(Value::Null));
    let mut found = false;
    for _ in 0..50 {
        found = lines.lock().unwrap().iter().any(|l| l.contains("user_2unreachable") && l.contains("treated as a customer") && l.contains("unreachable"));
        if found {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    assert!(refused(&result), "a customer on a seller route: {result:?}");
    assert!(found, "no log line saying why: {:?}", lines.lock().unwrap());
}
