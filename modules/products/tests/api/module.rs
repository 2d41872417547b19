//! The module as the composition root sees it: OpenAPI, seed, build.

use hme_kernel::module::{routes_of, HttpModule};
use serde_json::Value;

use crate::support::{get, TestApp};

#[actix_web::test]
async fn openapi_documents_exactly_the_served_routes_with_their_statuses() {
    let app = TestApp::embedded().await;
    let api = app.module.openapi();
    let mut routes: Vec<(String, String)> = routes_of("products", &api).into_iter().map(|r| (r.method, r.path)).collect();
    routes.sort();
    let expected = [
        ("DELETE", "/api/product/delete"),
        ("GET", "/api/product/list"),
        ("GET", "/api/product/seller-list"),
        ("GET", "/api/product/{id}"),
        ("POST", "/api/product/add"),
        ("PUT", "/api/product/edit"),
        ("PUT", "/api/product/inStock"),
        ("PUT", "/api/product/promotion"),
    ];
    assert_eq!(routes, expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect::<Vec<_>>());
    let doc: Value = serde_json::to_value(&api).unwrap();
    let statuses = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect()
    };
    for s in ["200", "401", "403", "400", "500", "503"] {
        assert!(statuses("/api/product/add", "post").contains(&s.to_owned()), "add lacks {s}");
    }
    for s in ["200", "304", "400", "404"] {
        assert!(statuses("/api/product/{id}", "get").contains(&s.to_owned()), "get lacks {s}");
    }
    assert!(statuses("/api/product/delete", "delete").contains(&"404".to_owned()));
    assert_eq!(app.module.name(), "products");
}

#[actix_web::test]
async fn seed_demo_inserts_a_realistic_catalog_once() {
    for app in TestApp::all().await {
        let first = app.module.seed_demo(&Default::default()).await.unwrap();
        assert!(first >= 30, "{first}");
        assert_eq!(app.module.seed_demo(&Default::default()).await.unwrap(), 0, "{}", app.backend);
        let list = app.call(get("/api/product/list")).await.body;
        assert_eq!(list["products"].as_array().unwrap().len(), first);
        let cats: std::collections::BTreeSet<String> = list["products"].as_array().unwrap().iter().map(|p| p["category"].as_str().unwrap().to_owned()).collect();
        assert_eq!(cats.len(), 7, "{cats:?}");
        let r = app.call(get("/api/product/list?category=Laptop&sort=price")).await.body;
        assert!(r["total"].as_u64().unwrap() >= 4);
    }
}
