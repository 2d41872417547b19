//! The `__session` cookie as the token of the `Principal` extractor, and the
//! cross-site refusal of state-changing requests signed in by the cookie alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::{test, web, App, HttpResponse};
use hme_kernel::auth::{Principal, TrustedOrigins};
use hme_kernel::ratelimit::TrustForwardedFor;
use hme_kernel::testing::{clerk_token, sign, now_secs, verifier, OTHER_PRIVATE_PEM};
use serde_json::{json, Value};

async fn whoami(p: Principal) -> HttpResponse {
    HttpResponse::Ok().json(json!({"success": true, "userId": p.user_id}))
}

struct Policy {
    trusted: Vec<&'static str>,
    trust_forwarded: bool,
}

const DEFAULT: Policy = Policy { trusted: Vec::new(), trust_forwarded: false };

/// Calls `/me` (GET or POST) on an app reached as `hme.internal:8080`.
async fn call(policy: Policy, method: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Arc::new(verifier())))
            .app_data(web::Data::new(TrustedOrigins::new(policy.trusted)))
            .app_data(web::Data::new(TrustForwardedFor(policy.trust_forwarded)))
            .route("/me", web::get().to(whoami))
            .route("/me", web::post().to(whoami))
            .route("/me", web::delete().to(whoami)),
    )
    .await;
    let mut req = match method {
        "GET" => test::TestRequest::get(),
        "DELETE" => test::TestRequest::delete(),
        _ => test::TestRequest::post(),
    }
    .uri("/me")
    .insert_header(("Host", "hme.internal:8080"));
    for h in headers {
        req = req.insert_header(*h);
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&test::read_body(resp).await).unwrap_or(Value::Null))
}

fn cookie(sub: &str) -> String {
    format!("__client_uat=1700000000; __session={}; theme=dark", clerk_token(sub, None))
}

#[actix_web::test]
async fn the_session_cookie_signs_in_a_get_without_any_origin_check() {
    let c = cookie("user_cookie1");
    let (status, body) = call(DEFAULT, "GET", &[("Cookie", &c), ("Origin", "https://evil.example")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "user_cookie1");
}

#[actix_web::test]
async fn a_same_origin_post_signed_in_by_the_cookie_is_accepted() {
    let c = cookie("user_cookie2");
    let (status, body) = call(DEFAULT, "POST", &[("Cookie", &c), ("Origin", "http://hme.internal:8080")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "user_cookie2");
}

#[actix_web::test]
async fn a_cross_site_post_or_delete_signed_in_by_the_cookie_is_refused_403() {
    let c = cookie("user_cookie3");
    for method in ["POST", "DELETE"] {
        let (status, body) = call(DEFAULT, method, &[("Cookie", &c), ("Origin", "https://evil.example")]).await;
        assert_eq!(status, 403, "{method} {body}");
        assert_eq!(body["success"], false);
        assert!(body["message"].as_str().unwrap().contains("cross-site"), "{body}");
    }
    // `Origin: null` (sandboxed frames, privacy redirects) is not the shop either.
    assert_eq!(call(DEFAULT, "POST", &[("Cookie", &c), ("Origin", "null")]).await.0, 403);
    // Same host, other port: another origin.
    assert_eq!(call(DEFAULT, "POST", &[("Cookie", &c), ("Origin", "http://hme.internal:9090")]).await.0, 403);
}

#[actix_web::test]
async fn without_origin_the_referer_decides_and_without_both_the_post_is_refused() {
    let c = cookie("user_cookie4");
    let (status, body) = call(DEFAULT, "POST", &[("Cookie", &c), ("Referer", "http://hme.internal:8080/cart?step=2")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(DEFAULT, "POST", &[("Cookie", &c), ("Referer", "https://evil.example/page")]).await.0, 403);
    assert_eq!(call(DEFAULT, "POST", &[("Cookie", &c)]).await.0, 403);
}

#[actix_web::test]
async fn the_storefront_origin_is_accepted_when_configured_or_forwarded_by_a_trusted_proxy() {
    let c = cookie("user_cookie5");
    let shop = [("Cookie", c.as_str()), ("Origin", "https://shop.example")];
    let configured = Policy { trusted: vec!["https://shop.example/"], trust_forwarded: false };
    assert_eq!(call(configured, "POST", &shop).await.0, 200);
    let forwarded = [("Cookie", c.as_str()), ("Origin", "https://shop.example"), ("X-Forwarded-Host", "shop.example")];
    assert_eq!(call(Policy { trusted: vec![], trust_forwarded: true }, "POST", &forwarded).await.0, 200);
    // The forwarded host is ignored unless the proxy is trusted.
    assert_eq!(call(DEFAULT, "POST", &forwarded).await.0, 403);
}

#[actix_web::test]
async fn the_authorization_header_wins_over_the_cookie() {
    let c = cookie("user_from_cookie");
    let header = format!("Bearer {}", clerk_token("user_from_header", None));
    // A header-authenticated request is not checked for its origin (a page on another
    // site cannot set it without a CORS preflight).
    let (status, body) = call(DEFAULT, "POST", &[("Cookie", &c), ("Authorization", &header), ("Origin", "https://evil.example")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "user_from_header");
    // A bad header is not rescued by a good cookie.
    assert_eq!(call(DEFAULT, "GET", &[("Cookie", &c), ("Authorization", "Bearer not-a-jwt")]).await.0, 401);
}

#[actix_web::test]
async fn bearer_null_is_signed_out_even_with_a_cookie() {
    let c = cookie("user_cookie6");
    let (status, body) = call(DEFAULT, "GET", &[("Cookie", &c), ("Authorization", "Bearer null")]).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["message"].as_str().unwrap().contains("sign in"), "{body}");
    assert_eq!(call(DEFAULT, "GET", &[("Authorization", "Bearer undefined")]).await.0, 401);
}

#[actix_web::test]
async fn a_bad_cookie_token_is_signed_out() {
    let now = now_secs();
    let forged = sign(&json!({"sub": "user_x", "iat": now, "nbf": now - 5, "exp": now + 600}), OTHER_PRIVATE_PEM);
    for value in [forged.as_str(), "garbage", "a.b.c"] {
        let c = format!("__session={value}");
        let (status, body) = call(DEFAULT, "GET", &[("Cookie", &c)]).await;
        assert_eq!(status, 401, "{value}: {body}");
        // Signed out, not a cross-site refusal, on a state-changing request too.
        assert_eq!(call(DEFAULT, "POST", &[("Cookie", &c), ("Origin", "https://evil.example")]).await.0, 401);
    }
    assert_eq!(call(DEFAULT, "GET", &[("Cookie", "theme=dark")]).await.0, 401);
}
