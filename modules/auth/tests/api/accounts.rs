//! Accounts of our own: register, login, refresh, logout, me, roles, and our tokens
//! on the legacy routes.

use actix_web::http::StatusCode;
use hme_kernel::testing::clerk_token;
use serde_json::{json, Value};

use crate::support::{get, post, TestApp};

async fn register(app: &TestApp, email: &str, password: &str) {
    let r = app.call(post("/api/auth/register", None, json!({"email": email, "password": password, "name": "Own User"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.backend, r.raw);
}

async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value) {
    let r = app.call(post("/api/auth/login", None, json!({"email": email, "password": password}))).await;
    (r.status, r.body)
}

#[actix_web::test]
async fn a_registered_account_signs_in_and_its_token_works_on_the_legacy_routes() {
    for app in TestApp::all().await {
        register(&app, "  Own@Example.COM ", "correct horse").await;
        let (status, tokens) = login(&app, "own@example.com", "correct horse").await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        assert_eq!((tokens["tokenType"].clone(), tokens["expiresIn"].clone()), (json!("Bearer"), json!(900)));
        let access = tokens["accessToken"].as_str().unwrap();
        let user = app.call(get("/api/user/data", Some(access))).await;
        assert_eq!(user.status, StatusCode::OK, "{}", user.raw);
        assert_eq!((user.body["user"]["email"].clone(), user.body["user"]["cartItems"].clone()), (json!("own@example.com"), json!({})));
        let me = app.call(get("/api/auth/me", Some(access))).await.body;
        assert_eq!((me["provider"].clone(), me["role"].clone(), me["email"].clone()), (json!("hme"), json!("customer"), json!("own@example.com")), "{}", app.backend);
    }
}

#[actix_web::test]
async fn registration_and_login_do_not_reveal_whether_an_account_exists() {
    let app = TestApp::embedded().await;
    register(&app, "taken@x.test", "first password").await;
    let again = app.call(post("/api/auth/register", None, json!({"email": "TAKEN@x.test", "password": "other password", "name": "Mallory"}))).await;
    let fresh = app.call(post("/api/auth/register", None, json!({"email": "fresh@x.test", "password": "other password", "name": "Fresh"}))).await;
    assert_eq!((again.status, again.body), (fresh.status, fresh.body));
    assert_eq!(login(&app, "taken@x.test", "other password").await.0, StatusCode::UNAUTHORIZED, "a second registration must not change the password");
    let wrong_password = login(&app, "taken@x.test", "nope nope nope").await;
    let no_account = login(&app, "nobody@x.test", "nope nope nope").await;
    assert_eq!(wrong_password, no_account);
    assert_eq!(no_account.1, json!({"success": false, "message": "Invalid email or password"}));
}

#[actix_web::test]
async fn invalid_registrations_are_refused_with_400() {
    let app = TestApp::embedded().await;
    for body in [json!({"email": "not-an-email", "password": "long enough", "name": "N"}), json!({"email": "a@b.test", "password": "short", "name": "N"}),
        json!({"email": "a@b.test", "password": "long enough", "name": "  "})] {
        assert_eq!(app.call(post("/api/auth/register", None, body.clone())).await.status, StatusCode::BAD_REQUEST, "{body}");
    }
}

#[actix_web::test]
async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_whole_family() {
    for app in TestApp::all().await {
        register(&app, "rot@x.test", "rotate me please").await;
        let (_, first) = login(&app, "rot@x.test", "rotate me please").await;
        let r1 = first["refreshToken"].as_str().unwrap();
        let second = app.call(post("/api/auth/refresh", None, json!({"refreshToken": r1}))).await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.raw);
        let r2 = second.body["refreshToken"].as_str().unwrap().to_owned();
        assert_ne!(r1, r2);
        let reuse = app.call(post("/api/auth/refresh", None, json!({"refreshToken": r1}))).await;
        assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
        let after = app.call(post("/api/auth/refresh", None, json!({"refreshToken": r2}))).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}: the family is revoked", app.backend);
        let garbage = app.call(post("/api/auth/refresh", None, json!({"refreshToken": "garbage"}))).await;
        assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::embedded().await;
    register(&app, "out@x.test", "sign me out now").await;
    let (_, t) = login(&app, "out@x.test", "sign me out now").await;
    let r = t["refreshToken"].as_str().unwrap();
    assert_eq!(app.call(post("/api/auth/logout", None, json!({"refreshToken": r}))).await.status, StatusCode::OK);
    assert_eq!(app.call(post("/api/auth/refresh", None, json!({"refreshToken": r}))).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call(post("/api/auth/logout", None, json!({"refreshToken": "unknown"}))).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn logins_are_rate_limited_per_account_with_retry_after() {
    let app = TestApp::embedded().await; // 3 attempts per account per window
    register(&app, "slow@x.test", "the right one").await;
    for _ in 0..3 {
        assert_eq!(login(&app, "slow@x.test", "wrong guess!").await.0, StatusCode::UNAUTHORIZED);
    }
    let r = app.call(post("/api/auth/login", None, json!({"email": "SLOW@x.test", "password": "the right one"}))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.retry_after.as_deref().and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s > 0), "{r:?}");
    assert_eq!(r.body["success"], false);
}

#[actix_web::test]
async fn an_admin_grants_the_seller_role_which_the_next_refresh_carries() {
    let app = TestApp::embedded().await;
    register(&app, "boss@shop.test", "admin password").await; // listed in admin_emails
    register(&app, "shopkeeper@x.test", "seller password").await;
    let (_, admin) = login(&app, "boss@shop.test", "admin password").await;
    let admin_token = admin["accessToken"].as_str().unwrap();
    let (_, seller) = login(&app, "shopkeeper@x.test", "seller password").await;
    let seller_id = app.call(get("/api/auth/me", seller["accessToken"].as_str())).await.body["userId"].clone();
    let denied = app.call(post("/api/auth/roles", seller["accessToken"].as_str(), json!({"userId": seller_id, "role": "seller"}))).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let clerk_seller = app.call(post("/api/auth/roles", Some(&clerk_token("user_s", Some("seller"))), json!({"userId": seller_id, "role": "admin"}))).await;
    assert_eq!(clerk_seller.status, StatusCode::FORBIDDEN);
    let ok = app.call(post("/api/auth/roles", Some(admin_token), json!({"userId": seller_id, "role": "seller"}))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.raw);
    let refreshed = app.call(post("/api/auth/refresh", None, json!({"refreshToken": seller["refreshToken"]}))).await.body;
    let me = app.call(get("/api/auth/me", refreshed["accessToken"].as_str())).await.body;
    assert_eq!(me["role"], "seller");
    let missing = app.call(post("/api/auth/roles", Some(admin_token), json!({"userId": "user_clerk", "role": "seller"}))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn me_with_a_clerk_token_names_the_clerk_provider_and_metadata_role() {
    let app = TestApp::embedded().await;
    app.clerk_user("user_me", "me@x.test").await;
    let me = app.call(get("/api/auth/me", Some(&clerk_token("user_me", Some("seller"))))).await.body;
    assert_eq!((me["provider"].clone(), me["role"].clone(), me["email"].clone()), (json!("clerk"), json!("seller"), json!("me@x.test")));
}
