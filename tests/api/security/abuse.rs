//! Abuse controls of the whole binary: rate limits (one kernel limiter: login,
//! registration, subscribe/contact, order creation per user and per address) with 429,
//! `Retry-After` and the legacy envelope; the handler timeout; the per-client cap on
//! requests in flight; security headers on every answer; CORS for configured origins only.

use std::time::Duration;

use hme_kernel::testing::{service_env, unique_name};
use reqwest::Method;
use serde_json::json;

use super::fixture::{assert_envelope, base_overrides, send, Reply, Shop, Who};
use crate::helpers::{host_port, spawn_app, Backends, FaultProxy};

fn with(pairs: &[(&str, &str)]) -> Backends {
    let mut overrides = base_overrides();
    for (k, v) in pairs {
        overrides.insert((*k).to_owned(), (*v).to_owned());
    }
    Backends { overrides, ..Default::default() }
}

fn assert_limited(r: &Reply, context: &str) {
    assert_eq!(r.status, 429, "{context}: {}", r.raw);
    let retry: u64 = r.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    assert!(retry >= 1, "{context}: Retry-After missing or zero: {:?}", r.headers.get("retry-after"));
    assert_envelope(r, context);
}

#[tokio::test]
async fn registration_is_limited_per_client_address_and_a_refused_one_creates_nothing() {
    let app = spawn_app(with(&[("HME__ACCOUNTS__REGISTER_MAX_PER_IP", "2")])).await.unwrap();
    let register = |email: &str| {
        let r = app.client.post(app.url("/api/auth/register")).json(&json!({"email": email, "password": "long enough pass", "name": "R"}));
        async move { send(r).await }
    };
    assert_eq!(register("r1@limit.test").await.status, 201);
    assert_eq!(register("r2@limit.test").await.status, 201);
    let third = register("r3@limit.test").await;
    assert_limited(&third, "third registration");
    let login = send(app.client.post(app.url("/api/auth/login")).json(&json!({"email": "r3@limit.test", "password": "long enough pass"}))).await;
    assert_eq!(login.status, 401, "the refused registration must not have created the account");
}

#[tokio::test]
async fn orders_are_limited_per_user_and_per_client_address() {
    let shop = Shop::build(with(&[("HME__ORDERS__CREATE_MAX_PER_USER", "3"), ("HME__ORDERS__CREATE_MAX_PER_IP", "0")])).await.unwrap();
    // The fixture placed one order and one checkout for the customer: one left.
    let ok = shop.call(Who::Customer, Method::POST, "/api/order/create", Some(shop.order_body(&shop.address))).await;
    assert_eq!(ok.status, 200, "{}", ok.raw);
    let limited = shop.call(Who::Customer, Method::POST, "/api/order/create", Some(shop.order_body(&shop.address))).await;
    assert_limited(&limited, "fourth order of one user");
    let mut checkout = shop.order_body(&shop.address);
    checkout["paymentMethod"] = json!("jazzcash");
    assert_limited(&shop.call(Who::Customer, Method::POST, "/api/checkout/initiate", Some(checkout)).await, "checkout counts as an order");
    let list = shop.call(Who::Customer, Method::GET, "/api/order/list", None).await;
    assert_eq!(list.body["orders"].as_array().map(Vec::len), Some(3), "the refused ones were not placed: {}", list.raw);
    let other = shop.call(Who::OtherCustomer, Method::POST, "/api/order/create", Some(shop.order_body(&shop.other_address))).await;
    assert_eq!(other.status, 200, "another user has a count of their own: {}", other.raw);

    // Per address: the fixture's order and checkout, then the other customer's first.
    let shop = Shop::build(with(&[("HME__ORDERS__CREATE_MAX_PER_USER", "0"), ("HME__ORDERS__CREATE_MAX_PER_IP", "3")])).await.unwrap();
    let other = shop.call(Who::OtherCustomer, Method::POST, "/api/order/create", Some(shop.order_body(&shop.other_address))).await;
    assert_eq!(other.status, 200, "{}", other.raw);
    let other = shop.call(Who::OtherCustomer, Method::POST, "/api/order/create", Some(shop.order_body(&shop.other_address))).await;
    assert_limited(&other, "the fourth order from one address, whoever places it");
}

#[tokio::test]
async fn subscribe_contact_and_login_are_limited_per_client_address() {
    let app = spawn_app(with(&[("HME__WORKER__NOTIFICATIONS__RATE_LIMIT_MAX", "2"), ("HME__ACCOUNTS__LOGIN_MAX_PER_IP", "2")])).await.unwrap();
    for i in 0..2 {
        let r = send(app.client.post(app.url("/api/subscribe")).json(&json!({"email": format!("n{i}@limit.test")}))).await;
        assert_eq!(r.status, 200, "{}", r.raw);
    }
    let r = send(app.client.post(app.url("/api/subscribe")).json(&json!({"email": "n9@limit.test"}))).await;
    assert_limited(&r, "subscribe");
    assert!(r.body["error"].is_string(), "the newsletter route keeps its `error` key: {}", r.raw);
    for _ in 0..2 {
        let r = send(app.client.post(app.url("/api/contact")).json(&json!({"name": "N", "email": "n@limit.test", "message": "hi"}))).await;
        assert_eq!(r.status, 200, "{}", r.raw);
    }
    assert_limited(&send(app.client.post(app.url("/api/contact")).json(&json!({"name": "N", "email": "n@limit.test", "message": "hi"}))).await, "contact");
    for _ in 0..2 {
        let r = send(app.client.post(app.url("/api/auth/login")).json(&json!({"email": "nobody@limit.test", "password": "wrong password"}))).await;
        assert_eq!(r.status, 401);
    }
    assert_limited(&send(app.client.post(app.url("/api/auth/login")).json(&json!({"email": "else@limit.test", "password": "x"}))).await, "login per address");
}

#[tokio::test]
async fn a_limit_counted_in_redis_holds_across_instances() {
    let Some(_) = service_env("HME_TEST_REDIS_URL") else { return };
    let prefix = format!("{}:", unique_name("shared"));
    let mut b = with(&[("HME__ACCOUNTS__REGISTER_MAX_PER_IP", "2"), ("HME__REDIS__KEY_PREFIX", &prefix)]);
    b.redis = true;
    let first = spawn_app(b.clone()).await.unwrap();
    let second = spawn_app(b).await.unwrap();
    for (app, email) in [(&first, "s1@limit.test"), (&second, "s2@limit.test")] {
        let r = send(app.client.post(app.url("/api/auth/register")).json(&json!({"email": email, "password": "long enough pass", "name": "S"}))).await;
        assert_eq!(r.status, 201, "{}", r.raw);
    }
    let r = send(first.client.post(first.url("/api/auth/register")).json(&json!({"email": "s3@limit.test", "password": "long enough pass", "name": "S"}))).await;
    assert_limited(&r, "third registration, counted across both instances");
}

/// An app on MongoDB reached through a proxy (cut to make requests hang), with settings.
async fn app_on_cuttable_mongo(pairs: &[(&str, &str)]) -> Option<(crate::helpers::TestApp, FaultProxy)> {
    let mongo = service_env("HME_TEST_MONGODB_URI")?;
    let proxy = FaultProxy::start(host_port(&mongo)).await;
    let mut b = with(pairs);
    b.mongo = true;
    b.overrides.insert("MONGODB_URI".into(), format!("mongodb://127.0.0.1:{}/?directConnection=true&serverSelectionTimeoutMS=20000", proxy.port));
    Some((spawn_app(b).await.unwrap(), proxy))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_answers_503_with_the_envelope() {
    let Some((app, proxy)) = app_on_cuttable_mongo(&[("HME__SERVER__REQUEST_TIMEOUT_SECS", "1")]).await else { return };
    assert_eq!(send(app.client.get(app.url("/api/product/list"))).await.status, 200);
    proxy.down();
    let r = send(app.client.get(app.url("/api/product/list"))).await;
    assert_eq!(r.status, 503, "{}", r.raw);
    assert_envelope(&r, "timed out");
    assert!(r.raw.contains("timed out"), "{}", r.raw);
    assert_security_headers(&r, "timeout answer");
    proxy.up();
    let mut recovered = false;
    for _ in 0..100 {
        if send(app.client.get(app.url("/api/product/list"))).await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "the list must answer again once MongoDB is back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_with_too_many_requests_in_flight_gets_429_and_its_slots_come_back() {
    let Some((app, proxy)) = app_on_cuttable_mongo(&[("HME__SERVER__MAX_CONCURRENT_PER_CLIENT", "2"), ("HME__SERVER__REQUEST_TIMEOUT_SECS", "0")]).await else { return };
    proxy.down();
    let slow: Vec<_> = (0..2)
        .map(|_| {
            let r = app.client.get(app.url("/api/product/list"));
            tokio::spawn(async move { send(r).await })
        })
        .collect();
    let mut limited = None;
    for _ in 0..200 {
        let r = send(app.client.get(app.url("/healthz"))).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let limited = limited.unwrap_or_else(|| panic!("a third request in flight must be refused"));
    assert_limited(&limited, "third concurrent request");
    proxy.up();
    for s in slow {
        let r = s.await.unwrap();
        assert!(r.status == 200 || r.status == 503, "{} {}", r.status, r.raw);
    }
    assert_eq!(send(app.client.get(app.url("/healthz"))).await.status, 200, "the slots are free again");
}

fn assert_security_headers(r: &Reply, context: &str) {
    for (name, value) in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"), ("cross-origin-resource-policy", "same-site")] {
        assert_eq!(r.headers.get(name).and_then(|v| v.to_str().ok()), Some(value), "{context}: {name} ({})", r.status);
    }
    assert!(r.headers.get("x-request-id").is_some(), "{context}: x-request-id");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_errors_the_envelope() {
    let app = spawn_app(with(&[("HME__WORKER__NOTIFICATIONS__RATE_LIMIT_MAX", "1")])).await.unwrap();
    let c = &app.client;
    let big = vec![b' '; app.settings.server.body_limit_bytes + 1];
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("200", c.get(app.url("/api/product/list")), 200),
        ("swagger", c.get(app.url("/swagger/")), 200),
        ("404 unknown route", c.get(app.url("/api/nope")), 404),
        ("404 unknown product", c.get(app.url("/api/product/0123456789abcdef01234567")), 404),
        ("405", c.delete(app.url("/api/product/list")), 405),
        ("405 GET on a POST route", c.get(app.url("/api/subscribe")), 405),
        ("413 JSON", c.post(app.url("/api/subscribe")).header("content-type", "application/json").body(big.clone()), 413),
        ("413 raw body", c.post(app.url("/api/webhooks/clerk")).header("content-type", "application/json").body(big), 413),
        ("415", c.post(app.url("/api/subscribe")).header("content-type", "text/plain").body("{}"), 415),
        ("400", c.post(app.url("/api/subscribe")).header("content-type", "application/json").body("{"), 400),
        ("401", c.get(app.url("/api/user/data")), 401),
        ("subscribe ok", c.post(app.url("/api/subscribe")).json(&json!({"email": "h@headers.test"})), 200),
        ("429", c.post(app.url("/api/subscribe")).json(&json!({"email": "h2@headers.test"})), 429),
    ];
    for (name, req, want) in cases {
        let r = send(req).await;
        assert_eq!(r.status.as_u16(), want, "{name}: {}", r.raw);
        assert_security_headers(&r, name);
        if want >= 400 {
            assert_envelope(&r, name);
        }
    }
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let app = spawn_app(with(&[("HME__SERVER__CORS_ORIGINS", "https://shop.example")])).await.unwrap();
    let preflight = |origin: &str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/order/create"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
    };
    let ok = send(preflight("https://shop.example")).await;
    assert!(ok.status.is_success(), "{} {}", ok.status, ok.raw);
    assert_eq!(ok.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("https://shop.example"));
    assert_security_headers(&ok, "preflight");
    let evil = send(preflight("https://evil.example")).await;
    assert!(evil.headers.get("access-control-allow-origin").is_none(), "an unknown origin gets no CORS grant: {:?}", evil.headers);
    let get = send(app.client.get(app.url("/api/product/list")).header("origin", "https://evil.example")).await;
    assert!(get.headers.get("access-control-allow-origin").is_none());
    let get = send(app.client.get(app.url("/api/product/list")).header("origin", "https://shop.example")).await;
    assert_eq!(get.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("https://shop.example"));
    let err = send(app.client.get(app.url("/api/user/data")).header("origin", "https://shop.example")).await;
    assert_eq!(err.status, 401);
    assert_eq!(err.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("https://shop.example"), "errors carry CORS too, or browsers hide them");

    let closed = spawn_app(Backends { overrides: base_overrides(), ..Default::default() }).await.unwrap();
    let r = send(closed.client.get(closed.url("/api/product/list")).header("origin", "https://shop.example")).await;
    assert!(r.headers.get("access-control-allow-origin").is_none(), "no origins configured: no CORS headers");
}

#[tokio::test]
async fn x_forwarded_for_counts_only_when_trusted() {
    let register = |app: &crate::helpers::TestApp, email: &str, forwarded: &str| {
        let r = app.client.post(app.url("/api/auth/register")).header("x-forwarded-for", forwarded).json(&json!({"email": email, "password": "long enough pass", "name": "F"}));
        async move { send(r).await }
    };
    let trusting = spawn_app(with(&[("HME__ACCOUNTS__REGISTER_MAX_PER_IP", "1"), ("HME__SERVER__TRUST_FORWARDED_FOR", "true")])).await.unwrap();
    assert_eq!(register(&trusting, "f1@fwd.test", "203.0.113.1").await.status, 201);
    assert_eq!(register(&trusting, "f2@fwd.test", "203.0.113.1, 203.0.113.2").await.status, 201, "another client behind the proxy (the proxy appended its address last)");
    assert_limited(&register(&trusting, "f3@fwd.test", "203.0.113.1").await, "the first client again");
    assert_limited(
        &register(&trusting, "f4@fwd.test", "198.51.100.7, 203.0.113.1").await,
        "the first client with a forged entry in front of the one the proxy appended",
    );

    let direct = spawn_app(with(&[("HME__ACCOUNTS__REGISTER_MAX_PER_IP", "1")])).await.unwrap();
    assert_eq!(register(&direct, "d1@fwd.test", "203.0.113.1").await.status, 201);
    assert_limited(&register(&direct, "d2@fwd.test", "203.0.113.2").await, "a forged X-Forwarded-For changes nothing when not trusted");
}
