//! The demo catalog with the real storefront, offline: a first start on an empty
//! embedded store seeds it, its images are served by hme's own media store (generated,
//! never fetched from the internet), and a MongoDB store is never seeded.

use crate::helpers::{spawn_app, Backends};

fn seeding() -> Backends {
    let mut b = Backends::default();
    b.overrides.insert("HME__PRODUCTS__SEED_DEMO_ON_EMPTY_EMBEDDED".into(), "true".into());
    b
}

#[tokio::test]
async fn a_first_start_on_an_empty_embedded_store_shows_the_demo_catalog_with_images_hme_serves() {
    let app = spawn_app(seeding()).await.unwrap();
    let list: serde_json::Value = app.client.get(app.url("/api/product/list")).send().await.unwrap().json().await.unwrap();
    let products = list["products"].as_array().unwrap();
    assert_eq!(products.len(), 36, "{list}");
    let media = format!("{}/media/", app.settings.images.public_base_url.trim_end_matches('/'));
    for p in products {
        let url = p["image"][0].as_str().unwrap();
        assert!(url.starts_with(&media), "stored in the local media store, not an internet host: {url}");
    }
    // The URL's path is served by this hme (the public base URL is the default origin).
    let first = products[0]["image"][0].as_str().unwrap();
    let path = &first[first.find("/media/").unwrap()..];
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn mongodb_is_never_seeded_and_the_setting_turns_seeding_off() {
    let mut b = seeding();
    b.mongo = true;
    if let Some(app) = spawn_app(b).await {
        let list: serde_json::Value = app.client.get(app.url("/api/product/list")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["products"], serde_json::json!([]));
    }
    let app = spawn_app(Backends::default()).await.unwrap();
    let list: serde_json::Value = app.client.get(app.url("/api/product/list")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["products"], serde_json::json!([]), "seed_demo_on_empty_embedded = false");
}
