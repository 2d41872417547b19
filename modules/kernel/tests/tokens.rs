//! Clerk session-token verification through the `Principal` extractor.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::{test, web, App, HttpResponse};
use base64::Engine;
use hme_kernel::auth::{Principal, TokenSettings, TokenVerifier};
use hme_kernel::testing::{clerk_token, now_secs, sign, token_settings, OTHER_PRIVATE_PEM, TEST_PRIVATE_PEM, TEST_PUBLIC_PEM};
use serde_json::{json, Value};

async fn whoami(p: Principal) -> HttpResponse {
    HttpResponse::Ok().json(json!({"success": true, "userId": p.user_id, "role": p.role}))
}

async fn call(settings: TokenSettings, auth: Option<&str>) -> (u16, Value) {
    let verifier = Arc::new(TokenVerifier::new(&settings).unwrap());
    let app = test::init_service(App::new().app_data(web::Data::new(verifier)).route("/me", web::get().to(whoami))).await;
    let mut req = test::TestRequest::get().uri("/me");
    if let Some(a) = auth {
        req = req.insert_header(("Authorization", a));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap_or(Value::Null);
    (status, body)
}

fn claims(sub: &str, exp_in: i64, nbf_in: i64) -> Value {
    let now = now_secs();
    json!({"sub": sub, "iat": now, "nbf": now + nbf_in, "exp": now + exp_in, "azp": "http://localhost:3000"})
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[actix_web::test]
async fn a_valid_clerk_token_names_the_user_and_the_role_from_metadata() {
    let (status, body) = call(token_settings(), Some(&format!("Bearer {}", clerk_token("user_2abc", Some("seller"))))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "user_2abc");
    assert_eq!(body["role"], "seller");
    let (_, body) = call(token_settings(), Some(&format!("Bearer {}", clerk_token("user_2abc", None)))).await;
    assert_eq!(body["role"], "customer");
}

#[actix_web::test]
async fn no_token_is_a_401_with_the_legacy_envelope() {
    let (status, body) = call(token_settings(), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false);
    assert!(body["message"].as_str().unwrap().contains("sign in"));
}

#[actix_web::test]
async fn an_expired_token_is_refused_beyond_the_leeway() {
    let token = sign(&claims("user_1", -60, -120), TEST_PRIVATE_PEM);
    assert_eq!(call(token_settings(), Some(&format!("Bearer {token}"))).await.0, 401);
    let within_leeway = sign(&claims("user_1", -2, -120), TEST_PRIVATE_PEM);
    assert_eq!(call(token_settings(), Some(&format!("Bearer {within_leeway}"))).await.0, 200);
}

#[actix_web::test]
async fn a_token_not_yet_valid_is_refused() {
    let token = sign(&claims("user_1", 600, 120), TEST_PRIVATE_PEM);
    assert_eq!(call(token_settings(), Some(&format!("Bearer {token}"))).await.0, 401);
}

#[actix_web::test]
async fn a_token_signed_by_another_key_is_refused() {
    let token = sign(&claims("user_1", 600, -5), OTHER_PRIVATE_PEM);
    assert_eq!(call(token_settings(), Some(&format!("Bearer {token}"))).await.0, 401);
}

#[actix_web::test]
async fn alg_none_is_refused() {
    let token = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims("user_1", 600, -5)));
    assert_eq!(call(token_settings(), Some(&format!("Bearer {token}"))).await.0, 401);
}

#[actix_web::test]
async fn hs256_signed_with_the_public_key_as_secret_is_refused() {
    use jsonwebtoken::{encode, EncodingKey, Header, Algorithm};
    let token = encode(&Header::new(Algorithm::HS256), &claims("user_1", 600, -5), &EncodingKey::from_secret(TEST_PUBLIC_PEM.as_bytes())).unwrap();
    assert_eq!(call(token_settings(), Some(&format!("Bearer {token}"))).await.0, 401);
}

#[actix_web::test]
async fn garbage_and_malformed_headers_are_refused() {
    for header in ["Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer ", "token-without-scheme"] {
        assert_eq!(call(token_settings(), Some(header)).await.0, 401, "{header}");
    }
}

#[actix_web::test]
async fn several_authorization_headers_are_refused() {
    let verifier = Arc::new(TokenVerifier::new(&token_settings()).unwrap());
    let app = test::init_service(App::new().app_data(web::Data::new(verifier)).route("/me", web::get().to(whoami))).await;
    let good = format!("Bearer {}", clerk_token("user_1", None));
    let req = test::TestRequest::get()
        .uri("/me")
        .append_header(("Authorization", good.as_str()))
        .append_header(("Authorization", good.as_str()))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), 401);
}

#[actix_web::test]
async fn authorized_parties_restrict_azp_when_configured() {
    let mut settings = token_settings();
    settings.authorized_parties = vec!["https://shop.example".into()];
    let token = clerk_token("user_1", None); // azp http://localhost:3000
    assert_eq!(call(settings.clone(), Some(&format!("Bearer {token}"))).await.0, 401);
    let mut c = claims("user_1", 600, -5);
    c["azp"] = json!("https://shop.example");
    assert_eq!(call(settings, Some(&format!("Bearer {}", sign(&c, TEST_PRIVATE_PEM)))).await.0, 200);
}

#[actix_web::test]
async fn with_no_key_configured_every_token_is_refused() {
    let (status, _) = call(TokenSettings::default(), Some(&format!("Bearer {}", clerk_token("user_1", None)))).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn a_pem_written_on_one_line_with_escaped_newlines_is_accepted() {
    let one_line = TEST_PUBLIC_PEM.trim().replace('\n', "\\n");
    let settings = TokenSettings { clerk_public_key_pem: Some(one_line), leeway_secs: 5, ..Default::default() };
    let v = TokenVerifier::new(&settings).unwrap();
    assert!(v.verify(&clerk_token("user_1", None)).is_ok());
}

#[actix_web::test]
async fn a_remembered_token_is_refused_once_it_expires_and_bad_tokens_are_never_remembered() {
    // verify_async remembers verified tokens; the memo must not outlive `exp` (+ leeway).
    let verifier = TokenVerifier::new(&TokenSettings { leeway_secs: 0, ..token_settings() }).unwrap();
    let short = sign(&claims("user_short", 1, -10), TEST_PRIVATE_PEM);
    assert_eq!(verifier.verify_async(&short).await.unwrap().user_id, "user_short");
    assert_eq!(verifier.verify_async(&short).await.unwrap().user_id, "user_short", "served from the memo");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(verifier.verify_async(&short).await.is_err(), "expired: refused although remembered");
    let forged = sign(&claims("user_forged", 600, -10), OTHER_PRIVATE_PEM);
    for _ in 0..2 {
        assert!(verifier.verify_async(&forged).await.is_err());
    }
}
