//! The role resolver against a stub of Clerk's backend API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use hme_kernel::auth::{Role, RoleResolver, RoleSettings};
use hme_kernel::cache::{Cache, MemoryCache};
use hme_kernel::testing::clerk::{ClerkStub, STUB_SECRET_KEY};
use serde_json::json;

fn resolver(url: &str, secret: Option<&str>, cache: Arc<dyn Cache>) -> RoleResolver {
    RoleResolver::new(
        RoleSettings { clerk_api_url: url.to_owned(), clerk_secret_key: secret.map(|s| s.to_owned().into()), cache_ttl: Duration::from_secs(300), timeout: Duration::from_secs(2) },
        cache,
    )
    .unwrap()
}

fn memory() -> Arc<dyn Cache> {
    Arc::new(MemoryCache::new(1 << 20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_for_one_user_make_one_call_and_later_requests_none() {
    let stub = ClerkStub::start();
    stub.add_user("user_conc1", json!({"role": "seller"}));
    stub.set_delay(Duration::from_millis(300));
    let roles = Arc::new(resolver(&stub.url, Some(STUB_SECRET_KEY), memory()));
    let calls: Vec<_> = (0..8).map(|_| {
        let roles = Arc::clone(&roles);
        tokio::spawn(async move { roles.role("user_conc1").await })
    }).collect();
    for c in calls {
        assert_eq!(c.await.unwrap(), Role::Seller);
    }
    assert_eq!(stub.hits(), 1);
    assert_eq!(roles.role("user_conc1").await, Role::Seller);
    assert_eq!(stub.hits(), 1, "remembered: no second call");
}

#[tokio::test]
async fn a_user_without_a_role_or_unknown_to_clerk_is_a_remembered_customer() {
    let stub = ClerkStub::start();
    stub.add_user("user_plain1", json!({"plan": "gold"}));
    let roles = resolver(&stub.url, Some(STUB_SECRET_KEY), memory());
    assert_eq!(roles.role("user_plain1").await, Role::Customer);
    assert_eq!(roles.role("user_ghost1").await, Role::Customer);
    assert_eq!(roles.role("user_plain1").await, Role::Customer);
    assert_eq!(roles.role("user_ghost1").await, Role::Customer);
    assert_eq!(stub.hits(), 2);
}

#[tokio::test]
async fn two_resolvers_on_one_cache_agree_and_the_webhook_calls_take_effect_at_once() {
    let stub = ClerkStub::start();
    stub.add_user("user_shared1", json!({"role": "seller"}));
    let cache = memory();
    let a = resolver(&stub.url, Some(STUB_SECRET_KEY), Arc::clone(&cache));
    let b = resolver(&stub.url, Some(STUB_SECRET_KEY), Arc::clone(&cache));
    assert_eq!(a.role("user_shared1").await, Role::Seller);
    assert_eq!(b.role("user_shared1").await, Role::Seller);
    assert_eq!(stub.hits(), 1);
    a.remember("user_shared1", Role::Customer).await;
    assert_eq!(b.role("user_shared1").await, Role::Customer);
    b.forget("user_shared1").await;
    assert_eq!(a.role("user_shared1").await, Role::Seller, "forgotten: asked again");
    assert_eq!(stub.hits(), 2);
}

#[tokio::test]
async fn clerk_failing_or_refusing_the_key_is_a_customer_not_remembered_and_not_retried_at_once() {
    let stub = ClerkStub::start();
    stub.add_user("user_down1", json!({"role": "seller"}));
    stub.set_failing(true);
    let roles = resolver(&stub.url, Some(STUB_SECRET_KEY), memory());
    assert_eq!(roles.role("user_down1").await, Role::Customer);
    assert_eq!(roles.role("user_down1").await, Role::Customer);
    assert_eq!(stub.hits(), 1, "backoff: Clerk down is not a call per request");
    assert_eq!(roles.remembered("user_down1").await, None, "a failure is not remembered as a role");

    let wrong_key = resolver(&stub.url, Some("sk_test_wrong"), memory());
    stub.set_failing(false);
    assert_eq!(wrong_key.role("user_down1").await, Role::Customer);
    assert_eq!(stub.hits(), 2);

    let unreachable = resolver("http://127.0.0.1:9", Some(STUB_SECRET_KEY), memory());
    assert_eq!(unreachable.role("user_down1").await, Role::Customer);
}

#[tokio::test]
async fn without_a_secret_clerk_is_never_called_but_webhook_roles_count() {
    let stub = ClerkStub::start();
    stub.add_user("user_nosecret1", json!({"role": "seller"}));
    let roles = resolver(&stub.url, None, memory());
    assert_eq!(roles.role("user_nosecret1").await, Role::Customer);
    roles.remember("user_nosecret1", Role::Seller).await;
    assert_eq!(roles.role("user_nosecret1").await, Role::Seller);
    assert_eq!(stub.hits(), 0);
    // Only Clerk user ids are looked up.
    let with_secret = resolver(&stub.url, Some(STUB_SECRET_KEY), memory());
    assert_eq!(with_secret.role("usr_own_account").await, Role::Customer);
    assert_eq!(stub.hits(), 0);
}

async fn role_of(app_roles: Arc<RoleResolver>, token: String) -> String {
    use actix_web::{test, web, App, HttpResponse};
    async fn whoami(p: hme_kernel::auth::Principal) -> HttpResponse {
        HttpResponse::Ok().json(json!({"role": p.role}))
    }
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Arc::new(hme_kernel::testing::verifier())))
            .app_data(web::Data::new(app_roles))
            .route("/me", web::get().to(whoami)),
    )
    .await;
    let req = test::TestRequest::get().uri("/me").insert_header(("Authorization", format!("Bearer {token}"))).to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, req).await;
    body["role"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_principal_asks_for_the_role_only_when_the_token_has_no_role_claim() {
    use hme_kernel::testing::clerk_token;
    let stub = ClerkStub::start();
    stub.add_user("user_ext1", json!({"role": "seller"}));
    let roles = Arc::new(resolver(&stub.url, Some(STUB_SECRET_KEY), memory()));
    assert_eq!(role_of(Arc::clone(&roles), clerk_token("user_ext1", None)).await, "seller");
    assert_eq!(stub.hits(), 1);
    // A claim wins over the API, and costs no call.
    assert_eq!(role_of(Arc::clone(&roles), clerk_token("user_ext1", Some("customer"))).await, "customer");
    stub.add_user("user_ext2", json!({}));
    assert_eq!(role_of(Arc::clone(&roles), clerk_token("user_ext2", Some("seller"))).await, "seller");
    assert_eq!(stub.hits(), 1);
}
