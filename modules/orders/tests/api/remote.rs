//! Orders over the remote catalog: the products module's internal endpoints served by a
//! real HTTP server behind a fault proxy, called through `RemoteCatalog`. When products
//! is down, placing an order answers 503 with the legacy envelope and writes nothing.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpServer};
use hme_kernel::module::HttpModule;
use hme_kernel::remote::{internal_scope, ServiceClient, ServiceClientSettings, ServiceToken};
use hme_products_contract::RemoteCatalog;
use hme_kernel::testing::FaultProxy;
use hme_orders::{OrdersDeps, OrdersModule};
use serde_json::json;

use crate::support::{customer, order_body, req, settings, TestApp};

const TOKEN: &str = "orders-remote-test-token";

fn token() -> ServiceToken {
    ServiceToken::new(TOKEN.to_owned().into()).unwrap()
}

/// Serves the products module's internal endpoints on a free port; returns it.
fn serve_products(app: &TestApp) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let products = app.products.clone();
    let server = HttpServer::new(move || {
        let p = products.clone();
        App::new().app_data(hme_kernel::json::json_config(256 * 1024)).service(internal_scope(token(), move |cfg| p.configure_internal(cfg)))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    port
}

/// The test app with its orders module calling the catalog over HTTP through `proxy`.
async fn over_http(app: TestApp, proxy: &FaultProxy) -> TestApp {
    let client = ServiceClient::new(ServiceClientSettings {
        service: "products",
        base_url: format!("http://127.0.0.1:{}", proxy.port),
        token: token(),
        timeout: Duration::from_millis(1000),
        retries: 1,
    })
    .unwrap();
    let people = Arc::new(app.people.clone());
    let deps = OrdersDeps { catalog: Arc::new(RemoteCatalog::new(client)), customers: people.clone(), address_book: people };
    let orders = OrdersModule::build(&app.platform, deps, settings()).await.unwrap();
    TestApp { orders, ..app }
}

async fn order_count(app: &TestApp) -> usize {
    let r = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    r.body["orders"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_place_over_the_remote_catalog_and_answer_503_writing_nothing_when_it_is_down() {
    for base in TestApp::all().await {
        let proxy = FaultProxy::start(format!("127.0.0.1:{}", serve_products(&base))).await;
        let app = over_http(base, &proxy).await;
        let product = app.product("Remote buds", 5000.0, 4500.0, Some(5)).await;
        let address = app.customer_with_address("user_customer").await;

        let r = app.create(&customer(), order_body(&address, &[(&product, json!(2))]), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        assert_eq!(app.stock(&product).await, Some(3), "{}", app.backend);

        // More than is left: the same 409 as in process, naming the item.
        let r = app.create(&customer(), order_body(&address, &[(&product, json!(4))]), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.raw);
        assert!(r.body["message"].as_str().unwrap().contains("out of stock (3 available)"), "{}", r.raw);

        proxy.down();
        let r = app.create(&customer(), order_body(&address, &[(&product, json!(1))]), Some("k-down")).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}: {}", app.backend, r.raw);
        assert_eq!(r.body, json!({"success": false, "message": "Service temporarily unavailable, try again shortly"}));
        proxy.up();
        assert_eq!(order_count(&app).await, 1, "{}: no order written while products was down", app.backend);
        assert_eq!(app.stock(&product).await, Some(3), "{}: no stock taken while products was down", app.backend);

        // Back up: the same idempotency key places the order now.
        let r = app.create(&customer(), order_body(&address, &[(&product, json!(1))]), Some("k-down")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!((order_count(&app).await, app.stock(&product).await), (2, Some(2)), "{}", app.backend);
    }
}
