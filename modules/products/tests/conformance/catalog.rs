//! The Catalog port as the products module answers it, on both backends.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use hme_products_contract::{Catalog, CatalogError};
use serde_json::json;

use crate::support::{add_product, get, json_req, sample_add, seller_token, TestApp};

async fn add_with_stock(app: &TestApp, name: &str, stock: Option<i64>) -> String {
    let mut body = sample_add(name, json!(5000), json!(4500));
    if let Some(s) = stock {
        body["stock"] = json!(s);
    }
    add_product(app, &seller_token(), body).await["_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn products_by_ids_returns_known_products_once_in_request_order() {
    for app in TestApp::all().await {
        let a = add_with_stock(&app, "A", Some(3)).await;
        let b = add_with_stock(&app, "B", None).await;
        let catalog = app.module.catalog();
        let ids = vec![b.clone(), "not-an-id".into(), a.clone(), b.clone(), "665f1c2b9a1e4b0012345678".into()];
        let found = catalog.products_by_ids(&ids).await.unwrap();
        assert_eq!(found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [b.as_str(), a.as_str()], "{}", app.backend);
        assert_eq!((found[0].price, found[0].offer_price, found[0].unit_price), (5000.0, 4500.0, 4500.0));
        assert_eq!((found[0].stock, found[1].stock, found[1].in_stock), (None, Some(3), true));
        assert_eq!(found[0].image.as_deref(), Some("https://res.cloudinary.com/demo/image/upload/v1/abc123.jpg"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_reservers_of_one_unit_against_stock_seven_sell_exactly_seven() {
    for app in TestApp::all().await {
        let id = add_with_stock(&app, "Limited", Some(7)).await;
        let catalog: Arc<dyn Catalog> = app.module.catalog();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let (catalog, id) = (Arc::clone(&catalog), id.clone());
                tokio::spawn(async move { catalog.reserve(&format!("order-{i}"), &[(id, 1)]).await })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(CatalogError::OutOfStock { available, .. }) => assert!(available >= 0),
                Err(e) => panic!("{}: unexpected {e}", app.backend),
            }
        }
        assert_eq!(ok, 7, "{}", app.backend);
        let p = &catalog.products_by_ids(std::slice::from_ref(&id)).await.unwrap()[0];
        assert_eq!((p.stock, p.in_stock), (Some(0), false), "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reservation_invalidates_the_cached_product() {
    for app in TestApp::all().await {
        let id = add_with_stock(&app, "Cached", Some(2)).await;
        let path = format!("/api/product/{id}");
        assert_eq!(app.call(get(&path)).await.body["product"]["stock"], 2);
        app.module.catalog().reserve("r-cache", &[(id.clone(), 2)]).await.unwrap();
        let after = app.call(get(&path)).await;
        assert_eq!((after.body["product"]["stock"].clone(), after.body["product"]["inStock"].clone()), (json!(0), json!(false)), "{}", app.backend);
        app.module.catalog().release("r-cache", &[(id.clone(), 2)]).await.unwrap();
        assert_eq!(app.call(get(&path)).await.body["product"]["stock"], 2, "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reserving_an_unknown_or_malformed_product_is_not_found() {
    let app = TestApp::embedded().await;
    let catalog = app.module.catalog();
    let err = catalog.reserve("r", &[("665f1c2b9a1e4b0012345678".into(), 1)]).await.unwrap_err();
    assert_eq!(err, CatalogError::NotFound("665f1c2b9a1e4b0012345678".into()));
    let err = catalog.reserve("r2", &[("nope".into(), 1)]).await.unwrap_err();
    assert_eq!(err, CatalogError::NotFound("nope".into()));
    let r = app.call(json_req(Method::GET, "/api/product/list", None, json!({}))).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// The contract's suites of the products ports (also run over HTTP by the binary's tests).
struct Seller<'a>(&'a TestApp);

#[async_trait::async_trait(?Send)]
impl hme_products_contract::conformance::CatalogFixture for Seller<'_> {
    async fn add_product(&self, name: &str, stock: Option<i64>) -> String {
        add_with_stock(self.0, name, stock).await
    }
    async fn product(&self, id: &str) -> serde_json::Value {
        self.0.call(get(&format!("/api/product/{id}"))).await.body["product"].clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalog_suite_passes_in_process() {
    for app in TestApp::all().await {
        hme_products_contract::conformance::catalog_suite(app.module.catalog(), &Seller(&app)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sales_and_product_images_suites_pass_in_process() {
    for app in TestApp::all().await {
        hme_products_contract::conformance::sales_suite(app.module.sales(&app.platform).as_ref(), &Seller(&app)).await;
        hme_products_contract::conformance::product_images_suite(app.module.product_images().as_ref(), &Seller(&app)).await;
    }
}
