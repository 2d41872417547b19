//! Split deploys: the internal endpoints of a running hme and the remote adapters that
//! call them. The port conformance suites run against each port twice, in process and
//! over HTTP, on the same running app.
// Single-feature builds use only part of the helpers below.
#![cfg_attr(not(all(feature = "products", feature = "auth", feature = "images")), allow(dead_code, unused_imports))]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hme::configuration::Settings;
use hme::startup::{Application, Mode};
use hme_products_contract::{Catalog, CatalogError, RemoteCatalog};
use hme_kernel::remote::{ServiceClient, ServiceClientSettings, ServiceToken};
use hme_kernel::testing::clerk_token;
use serde_json::{json, Value};

use crate::helpers::{config_dir, spawn_app, test_env, Backends, TEST_SERVICE_TOKEN};

/// A running app with its built modules (for the in-process ports).
struct Running {
    base: String,
    http: reqwest::Client,
    #[allow(dead_code)]
    modules: Arc<hme::modules::Modules>,
    _data: tempfile::TempDir,
}

async fn running() -> Running {
    running_with(&[]).await
}

async fn running_with(overrides: &[(&str, &str)]) -> Running {
    let data = tempfile::tempdir().unwrap();
    let overrides = overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let env = test_env(&Backends { overrides, ..Default::default() }, data.path()).unwrap();
    let settings = Settings::load_from(&config_dir(), &env).unwrap();
    let app = Application::build(settings, Mode::Serve).await.unwrap();
    let (port, modules) = (app.port(), app.modules.clone());
    tokio::spawn(app.run_until_stopped());
    Running { base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new(), modules, _data: data }
}

fn client(service: &'static str, base_url: &str, token: &str, timeout_ms: u64, retries: u32) -> ServiceClient {
    ServiceClient::new(ServiceClientSettings {
        service,
        base_url: base_url.to_owned(),
        token: ServiceToken::new(token.to_owned().into()).unwrap(),
        timeout: Duration::from_millis(timeout_ms),
        retries,
    })
    .unwrap()
}

async fn post_internal(base: &str, path: &str, auth: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(format!("{base}/internal/v1{path}")).json(&body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn internal_endpoints_answer_401_without_the_service_token_and_stay_out_of_the_docs() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let body = json!({"ids": []});
    for auth in [None, Some("Bearer wrong-token".to_owned()), Some(TEST_SERVICE_TOKEN.to_owned()), Some(format!("Basic {TEST_SERVICE_TOKEN}"))] {
        let (status, answer) = post_internal(&app.address, "/catalog/products-by-ids", auth.as_deref(), body.clone()).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(answer["success"], false);
        assert!(answer["message"].as_str().unwrap().contains("service token"), "{answer}");
    }
    let (status, _) = post_internal(&app.address, "/no-such-endpoint", None, body.clone()).await;
    assert_eq!(status, 401, "the gate comes before routing: nothing is learned without the token");
    if cfg!(feature = "products") {
        let (status, answer) = post_internal(&app.address, "/catalog/products-by-ids", Some(&format!("Bearer {TEST_SERVICE_TOKEN}")), body).await;
        assert_eq!((status, answer), (200, json!({"products": []})));
    }
    let doc: Value = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().all(|p| !p.starts_with("/internal")), "{paths:?}");
}

#[tokio::test]
async fn without_a_service_token_internal_endpoints_are_not_mounted() {
    let overrides = [("HME_SERVICE_TOKEN".to_owned(), String::new())].into();
    // A build calling another module needs the token: only the all-in-one can run without.
    if cfg!(not(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))) {
        return;
    }
    let app = spawn_app(Backends { overrides, ..Default::default() }).await.unwrap();
    let (status, answer) = post_internal(&app.address, "/catalog/products-by-ids", Some(&format!("Bearer {TEST_SERVICE_TOKEN}")), json!({"ids": []})).await;
    assert_eq!((status, answer["success"].clone()), (404, json!(false)));
}

#[tokio::test]
async fn a_dead_or_silent_module_is_unavailable_within_the_bounds_never_a_hang() {
    // Nothing listens: refused at once, retried, then Unavailable.
    let port = hme_kernel::testing::free_port();
    let dead = RemoteCatalog::new(client("products", &format!("http://127.0.0.1:{port}"), "t", 300, 2));
    let err = tokio::time::timeout(Duration::from_secs(20), dead.products_by_ids(&["665f1c2b9a1e4b0012345678".into()])).await.expect("a dead module must not hang the call");
    assert!(matches!(&err, Err(CatalogError::Unavailable(m)) if m.contains("products")), "{err:?}");

    // Accepts and never answers: each attempt times out.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let silent = RemoteCatalog::new(client("products", &format!("http://127.0.0.1:{silent_port}"), "t", 300, 1));
    let err = tokio::time::timeout(Duration::from_secs(20), silent.reserve("r-silent", &[("665f1c2b9a1e4b0012345678".into(), 1)]))
        .await
        .expect("a silent module must not hang the call");
    assert!(matches!(&err, Err(CatalogError::Unavailable(m)) if m.contains("no answer within 300 ms")), "{err:?}");
}

#[cfg(feature = "products")]
mod products {
    use super::*;
    use hme_products_contract::conformance::{catalog_suite, product_images_suite, sales_suite, CatalogFixture};
    use hme_products_contract::{RemoteProductImages, RemoteSalesLedger};

    pub struct Seller<'a>(pub &'a Running);

    #[async_trait(?Send)]
    impl CatalogFixture for Seller<'_> {
        async fn add_product(&self, name: &str, stock: Option<i64>) -> String {
            let mut body = json!({"name": name, "description": "d", "category": "Earphone", "price": 5000, "offerPrice": 4500,
                "image": [format!("https://res.cloudinary.com/demo/image/upload/v1/{}.jpg", hme_kernel::testing::unique_name("img"))]});
            if let Some(s) = stock {
                body["stock"] = json!(s);
            }
            let res = self.0.http.post(format!("{}/api/product/add", self.0.base)).bearer_auth(clerk_token("user_seller", Some("seller"))).json(&body).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()["newProduct"]["_id"].as_str().unwrap().to_owned()
        }
        async fn product(&self, id: &str) -> Value {
            let res = self.0.http.get(format!("{}/api/product/{id}", self.0.base)).send().await.unwrap();
            res.json::<Value>().await.unwrap()["product"].clone()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_catalog_conformance_suite_passes_in_process_and_over_http() {
        let app = running().await;
        catalog_suite(app.modules.products.catalog(), &Seller(&app)).await;
        let remote: Arc<dyn Catalog> = Arc::new(RemoteCatalog::new(client("products", &app.base, TEST_SERVICE_TOKEN, 3000, 2)));
        catalog_suite(remote, &Seller(&app)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn calls_between_services_are_not_held_to_the_per_client_cap() {
        let app = running_with(&[("HME__SERVER__MAX_CONCURRENT_PER_CLIENT", "1"), ("HME__SERVER__WORKERS", "4")]).await;
        let remote: Arc<dyn Catalog> = Arc::new(RemoteCatalog::new(client("products", &app.base, TEST_SERVICE_TOKEN, 3000, 0)));
        hme_products_contract::conformance::concurrent_reservations_never_oversell(remote, &Seller(&app)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wrong_token_is_unavailable_naming_the_setting() {
        let app = running().await;
        let remote = RemoteCatalog::new(client("products", &app.base, "not-the-token", 3000, 2));
        let err = remote.products_by_ids(&[]).await.unwrap_err();
        assert!(matches!(&err, CatalogError::Unavailable(m) if m.contains("HME_SERVICE_TOKEN")), "{err:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_sales_and_product_images_suites_pass_over_http() {
        let app = running().await;
        sales_suite(&RemoteSalesLedger::new(client("products", &app.base, TEST_SERVICE_TOKEN, 3000, 2)), &Seller(&app)).await;
        product_images_suite(&RemoteProductImages::new(client("products", &app.base, TEST_SERVICE_TOKEN, 3000, 2)), &Seller(&app)).await;
    }
}

#[cfg(feature = "auth")]
mod auth {
    use super::*;
    use hme_auth_contract::{AddressBook, Customers, RemoteAddressBook, RemoteCustomers};
    use hme_auth_contract::conformance::{customers_suite, CustomersFixture};
    use tokio::sync::Mutex;

    /// Customers registered with our own accounts, through the public routes.
    pub struct Shop<'a> {
        app: &'a Running,
        tokens: Mutex<std::collections::HashMap<String, String>>,
    }

    impl Shop<'_> {
        async fn token(&self, user: &str) -> String {
            self.tokens.lock().await[user].clone()
        }
    }

    #[async_trait(?Send)]
    impl CustomersFixture for Shop<'_> {
        async fn add_user(&self, name: &str, email: &str) -> String {
            let (base, http) = (&self.app.base, &self.app.http);
            let r = http.post(format!("{base}/api/auth/register")).json(&json!({"email": email, "password": "correct horse battery", "name": name})).send().await.unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
            let tokens: Value = http.post(format!("{base}/api/auth/login")).json(&json!({"email": email, "password": "correct horse battery"})).send().await.unwrap().json().await.unwrap();
            let access = tokens["accessToken"].as_str().unwrap_or_else(|| panic!("{tokens}")).to_owned();
            let me: Value = http.get(format!("{base}/api/auth/me")).bearer_auth(&access).send().await.unwrap().json().await.unwrap();
            let id = me["userId"].as_str().unwrap_or_else(|| panic!("{me}")).to_owned();
            self.tokens.lock().await.insert(id.clone(), access);
            id
        }
        async fn add_address(&self, user_id: &str) -> String {
            let address = json!({"address": {"fullName": "Ada Lovelace", "phoneNumber": "03001234567", "pinCode": 54000, "area": "Gulberg", "city": "Lahore", "state": "Punjab"}});
            let r: Value = self.app.http.post(format!("{}/api/user/add-address", self.app.base)).bearer_auth(self.token(user_id).await).json(&address).send().await.unwrap().json().await.unwrap();
            r["newAddress"]["_id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
        }
        async fn set_cart(&self, user_id: &str, cart: Value) {
            let r = self.app.http.post(format!("{}/api/cart/update", self.app.base)).bearer_auth(self.token(user_id).await).json(&json!({"cartData": cart})).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
        async fn cart(&self, user_id: &str) -> Value {
            let r: Value = self.app.http.get(format!("{}/api/cart/get", self.app.base)).bearer_auth(self.token(user_id).await).send().await.unwrap().json().await.unwrap();
            r["cartItems"].clone()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_customers_conformance_suite_passes_in_process_and_over_http() {
        let app = running().await;
        let shop = Shop { app: &app, tokens: Mutex::default() };
        let (customers, book) = (app.modules.auth.customers(), app.modules.auth.address_book());
        customers_suite(customers.as_ref(), book.as_ref(), &shop).await;
        let c = client("auth", &app.base, TEST_SERVICE_TOKEN, 3000, 2);
        let (customers, book): (Arc<dyn Customers>, Arc<dyn AddressBook>) = (Arc::new(RemoteCustomers::new(c.clone())), Arc::new(RemoteAddressBook::new(c)));
        customers_suite(customers.as_ref(), book.as_ref(), &shop).await;
    }
}

/// (Needs products in process: images alone asks a products service whether an image is
/// still used, and deletes nothing while it cannot tell.)
#[cfg(all(feature = "images", feature = "products"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_cleanup_answers_over_http() {
    use hme_images_contract::ImageCleanup;
    let app = running().await;
    let cleanup = hme_images_contract::RemoteImageCleanup::new(client("images", &app.base, TEST_SERVICE_TOKEN, 3000, 2));
    let report = cleanup.delete_for_product(&["https://elsewhere.test/not-ours.jpg".into()]).await.unwrap();
    assert_eq!((report.deleted.len(), report.missing.len(), report.skipped), (0, 0, vec!["https://elsewhere.test/not-ours.jpg".to_owned()]));
}

/// An orders-only build: order routes are mounted over the remote adapters; with the
/// other modules down, placing an order answers 503 with the legacy envelope and
/// nothing internal, and no order is written.
#[cfg(all(feature = "orders", not(feature = "products")))]
#[tokio::test]
async fn orders_alone_answers_503_when_its_dependencies_are_down() {
    let app = spawn_app(Backends::default()).await.unwrap();
    let token = clerk_token("user_split", None);
    let body = json!({"address": "665f1c2b9a1e4b0012345678", "items": [{"product": "665f1c2b9a1e4b0012345679", "quantity": 1}]});
    let res = app.client.post(app.url("/api/order/create")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer, json!({"success": false, "message": "Service temporarily unavailable, try again shortly"}));
    let orders: Value = app.client.get(app.url("/api/order/list")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(orders["orders"], json!([]), "{orders}");
}
