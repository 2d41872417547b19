//! Token verification beyond the PEM: Clerk's keys from a JWKS URL (a local HTTP
//! stub), cached, refreshed on an unknown kid at most once per interval; `iss`;
//! our own tokens verified through the JWKS the module publishes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hme_kernel::auth::{TokenSettings, TokenVerifier};
use hme_kernel::testing::{now_secs, OTHER_PRIVATE_PEM, TEST_PRIVATE_PEM};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::{get, post, TestApp};

/// The public JWK of a PKCS#8 RSA private key.
fn jwk(private_pem: &str, kid: &str) -> Value {
    let der = pem::parse(private_pem).unwrap().into_contents();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let c: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
    json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)})
}

fn token(private_pem: &str, kid: &str, iss: &str, sub: &str) -> String {
    let now = now_secs();
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.to_owned());
    let claims = json!({"sub": sub, "iss": iss, "iat": now, "nbf": now - 5, "exp": now + 600, "metadata": {"role": "seller"}});
    encode(&h, &claims, &EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap()).unwrap()
}

/// A JWKS stub on a free port: serves whatever `keys` holds, counts requests.
struct Stub {
    url: String,
    keys: Arc<Mutex<Value>>,
    hits: Arc<AtomicUsize>,
}

async fn stub(initial: Value) -> Stub {
    let keys = Arc::new(Mutex::new(initial));
    let hits = Arc::new(AtomicUsize::new(0));
    let (k, h) = (keys.clone(), hits.clone());
    let server = HttpServer::new(move || {
        let (k, h) = (k.clone(), h.clone());
        App::new().route("/.well-known/jwks.json", web::get().to(move || {
            let (k, h) = (k.clone(), h.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let body = k.lock().unwrap().clone();
                HttpResponse::Ok().json(body)
            }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    Stub { url: format!("http://127.0.0.1:{port}/.well-known/jwks.json"), keys, hits }
}

const ISS: &str = "https://clerk.shop.test";

fn settings(url: &str, min_refresh: u64) -> TokenSettings {
    TokenSettings { clerk_jwks_url: Some(url.to_owned()), issuer: Some(ISS.to_owned()), leeway_secs: 5, jwks_min_refresh_secs: min_refresh, ..Default::default() }
}

#[actix_web::test]
async fn clerk_tokens_verify_with_keys_from_the_jwks_url_fetched_once_and_cached() {
    let s = stub(json!({"keys": [jwk(TEST_PRIVATE_PEM, "ins_1")]})).await;
    let v = TokenVerifier::new(&settings(&s.url, 30)).unwrap();
    for _ in 0..3 {
        let p = v.verify_async(&token(TEST_PRIVATE_PEM, "ins_1", ISS, "user_j")).await.unwrap();
        assert_eq!((p.user_id.as_str(), format!("{:?}", p.role)), ("user_j", "Seller".to_owned()));
    }
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
    assert!(v.verify(&token(TEST_PRIVATE_PEM, "ins_1", ISS, "user_j")).is_ok(), "the sync path uses the cached keys");
}

#[actix_web::test]
async fn a_rotated_key_is_picked_up_on_an_unknown_kid_but_refetches_are_rate_limited() {
    let s = stub(json!({"keys": [jwk(TEST_PRIVATE_PEM, "ins_1")]})).await;
    let v = TokenVerifier::new(&settings(&s.url, 1)).unwrap();
    assert!(v.verify_async(&token(TEST_PRIVATE_PEM, "ins_1", ISS, "u")).await.is_ok());
    *s.keys.lock().unwrap() = json!({"keys": [jwk(TEST_PRIVATE_PEM, "ins_1"), jwk(OTHER_PRIVATE_PEM, "ins_2")]});
    // Within the interval: an unknown kid does not refetch.
    assert!(v.verify_async(&token(OTHER_PRIVATE_PEM, "ins_2", ISS, "u")).await.is_err());
    for _ in 0..5 {
        let _ = v.verify_async(&token(OTHER_PRIVATE_PEM, "ins_unknown", ISS, "u")).await;
    }
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(v.verify_async(&token(OTHER_PRIVATE_PEM, "ins_2", ISS, "u")).await.is_ok());
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_token_from_another_issuer_or_signed_by_an_unlisted_key_is_refused() {
    let s = stub(json!({"keys": [jwk(TEST_PRIVATE_PEM, "ins_1")]})).await;
    let v = TokenVerifier::new(&settings(&s.url, 30)).unwrap();
    assert!(v.verify_async(&token(TEST_PRIVATE_PEM, "ins_1", "https://evil.test", "u")).await.is_err());
    assert!(v.verify_async(&token(OTHER_PRIVATE_PEM, "ins_1", ISS, "u")).await.is_err());
}

#[actix_web::test]
async fn the_principal_extractor_fetches_the_jwks_for_every_module() {
    let s = stub(json!({"keys": [jwk(TEST_PRIVATE_PEM, "ins_1")]})).await;
    let mut app = TestApp::embedded().await;
    app.platform.tokens = Arc::new(TokenVerifier::new(&settings(&s.url, 30)).unwrap());
    app.clerk_user("user_k", "k@x.test").await;
    let r = app.call(get("/api/user/data", Some(&token(TEST_PRIVATE_PEM, "ins_1", ISS, "user_k")))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}

#[actix_web::test]
async fn our_tokens_verify_in_another_service_through_the_published_jwks() {
    let app = TestApp::embedded().await;
    app.call(post("/api/auth/register", None, json!({"email": "x@x.test", "password": "password 123", "name": "X"}))).await;
    let tokens = app.call(post("/api/auth/login", None, json!({"email": "x@x.test", "password": "password 123"}))).await.body;
    let published = app.call(get("/api/auth/jwks.json", None)).await.body;
    assert_eq!(published["keys"][0]["alg"], "EdDSA");
    let s = stub(published).await;
    let remote = TokenVerifier::new(&TokenSettings { own_issuer: Some("hme".into()), own_jwks_url: Some(s.url.clone()), ..Default::default() }).unwrap();
    let p = remote.verify_async(tokens["accessToken"].as_str().unwrap()).await.unwrap();
    assert!(p.user_id.starts_with("usr_"));
    let stranger = TokenVerifier::new(&TokenSettings::default()).unwrap();
    assert!(stranger.verify_async(tokens["accessToken"].as_str().unwrap()).await.is_err(), "without our keys our tokens are refused");
}

#[actix_web::test]
async fn a_configured_rsa_signing_key_signs_rs256_tokens() {
    let mut s = crate::support::settings();
    s.signing_key_pem = Some(TEST_PRIVATE_PEM.to_owned().into());
    let app = TestApp::embedded_with(s).await;
    assert_eq!(app.call(get("/api/auth/jwks.json", None)).await.body["keys"][0]["alg"], "RS256");
    app.call(post("/api/auth/register", None, json!({"email": "r@x.test", "password": "password 123", "name": "R"}))).await;
    let t = app.call(post("/api/auth/login", None, json!({"email": "r@x.test", "password": "password 123"}))).await.body;
    assert_eq!(app.call(get("/api/auth/me", t["accessToken"].as_str())).await.status, StatusCode::OK);
}
