//! The read cache: served from it, invalidated by every write, shared through Redis.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use async_trait::async_trait;
use bytes::Bytes;
use hme_kernel::backends::Documents;
use hme_kernel::cache::{Cache, CacheError, RedisCache};
use hme_kernel::testing::{service_env, unique_name};
use hme_products::adapters::EmbeddedProductStore;
use hme_products::store::ProductStore;
use serde_json::{json, Value};

use crate::support::{add_product, get, json_req, sample_add, seller_token, TestApp};

fn count(body: &Value) -> usize {
    body["products"].as_array().map_or(0, Vec::len)
}

#[actix_web::test]
async fn reads_are_served_from_the_cache_until_a_write_invalidates_them() {
    let (db, _dir) = hme_kernel::testing::embedded_test_db();
    let app = TestApp::build("embedded", Documents::Embedded(Arc::clone(&db)), None, None, crate::support::memory_cache()).await;
    add_product(&app, &seller_token(), sample_add("First", json!(100), json!(0))).await;
    assert_eq!(count(&app.call(get("/api/product/list")).await.body), 1);
    // Written behind the module's back: the cached list does not see it yet.
    let side = EmbeddedProductStore::open(db).unwrap();
    let hidden = hme_products::domain::NewProduct::from_body(&serde_json::from_value(sample_add("Hidden", json!(1), json!(0))).unwrap(), 8).unwrap();
    side.insert(&hidden.into_product("u", hme_kernel::dates::now_millis())).await.unwrap();
    assert_eq!(count(&app.call(get("/api/product/list")).await.body), 1, "served from the cache");
    add_product(&app, &seller_token(), sample_add("Third", json!(100), json!(0))).await;
    assert_eq!(count(&app.call(get("/api/product/list")).await.body), 3, "the write invalidated the list");
}

#[actix_web::test]
async fn every_write_invalidates_the_cached_list_and_product() {
    for app in TestApp::all().await {
        let p = add_product(&app, &seller_token(), sample_add("Cached", json!(100), json!(0))).await;
        let item = format!("/api/product/{}", p["_id"].as_str().unwrap());
        let token = seller_token();
        let writes = [
            (Method::PUT, "/api/product/edit", json!({"productId": p["_id"], "name": "Renamed"}), "name", json!("Renamed")),
            (Method::PUT, "/api/product/inStock", json!({"productId": p["_id"], "inStock": false}), "inStock", json!(false)),
            (Method::PUT, "/api/product/promotion", json!({"productId": p["_id"], "promotion": true}), "promotion", json!(true)),
        ];
        for (method, path, body, field, expected) in writes {
            app.call(get("/api/product/list")).await;
            app.call(get(&item)).await;
            assert_eq!(app.call(json_req(method, path, Some(&token), body)).await.status, StatusCode::OK);
            assert_eq!(app.call(get("/api/product/list")).await.body["products"][0][field], expected, "{} {path}", app.backend);
            assert_eq!(app.call(get(&item)).await.body["product"][field], expected, "{} {path}", app.backend);
        }
        app.call(json_req(Method::DELETE, "/api/product/delete", Some(&token), json!({"productId": p["_id"]}))).await;
        assert_eq!(count(&app.call(get("/api/product/list")).await.body), 0);
        assert_eq!(app.call(get(&item)).await.status, StatusCode::NOT_FOUND);
    }
}

/// A cache that always fails.
struct BrokenCache;

#[async_trait]
impl Cache for BrokenCache {
    fn name(&self) -> &'static str {
        "broken"
    }
    fn shared(&self) -> bool {
        true
    }
    async fn get(&self, _: &str) -> Result<Option<Bytes>, CacheError> {
        Err(CacheError("down".into()))
    }
    async fn set(&self, _: &str, _: Bytes, _: Duration) -> Result<(), CacheError> {
        Err(CacheError("down".into()))
    }
    async fn delete(&self, _: &[&str]) -> Result<(), CacheError> {
        Err(CacheError("down".into()))
    }
    async fn hit(&self, _: &str, _: Duration) -> Result<(u64, Duration), CacheError> {
        Err(CacheError("down".into()))
    }
}

#[actix_web::test]
async fn a_failing_cache_is_a_miss_never_an_error() {
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    let app = TestApp::build("embedded", Documents::Embedded(db), None, Some(dir), Arc::new(BrokenCache)).await;
    let p = add_product(&app, &seller_token(), sample_add("Uncached", json!(100), json!(0))).await;
    let r = app.call(get("/api/product/list")).await;
    assert_eq!((r.status, count(&r.body)), (StatusCode::OK, 1));
    assert!(r.etag.is_some());
    let r = app.call(get(&format!("/api/product/{}", p["_id"].as_str().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_write_through_one_instance_is_never_served_stale_by_another_sharing_redis() {
    let Some(redis_url) = service_env("HME_TEST_REDIS_URL") else { return };
    let Some(db) = hme_kernel::testing::mongo_test_db().await else { return };
    let prefix = format!("{}:", unique_name("hme_products_test"));
    let mut apps = Vec::new();
    for _ in 0..2 {
        let cache: Arc<dyn Cache> = Arc::new(RedisCache::connect(&redis_url, &prefix, 4).await.unwrap());
        apps.push(TestApp::build("mongodb", Documents::Mongo(db.clone()), Some(db.clone()), None, cache).await);
    }
    let (a, b) = (&apps[0], &apps[1]);
    let token = seller_token();
    let p = add_product(a, &token, sample_add("Shared", json!(100), json!(0))).await;
    let item = format!("/api/product/{}", p["_id"].as_str().unwrap());
    for round in 0..5 {
        // Warm B's view, write through A, read through B.
        assert_eq!(b.call(get(&item)).await.status, StatusCode::OK);
        b.call(get("/api/product/list")).await;
        b.call(get("/api/product/list?sort=price")).await;
        let name = format!("Shared v{round}");
        let r = a.call(json_req(Method::PUT, "/api/product/edit", Some(&token), json!({"productId": p["_id"], "name": name}))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(b.call(get(&item)).await.body["product"]["name"], name.as_str(), "round {round}");
        assert_eq!(b.call(get("/api/product/list")).await.body["products"][0]["name"], name.as_str());
        assert_eq!(b.call(get("/api/product/list?sort=price")).await.body["products"][0]["name"], name.as_str());
    }
    add_product(a, &token, sample_add("Second", json!(50), json!(0))).await;
    assert_eq!(count(&b.call(get("/api/product/list")).await.body), 2);
    a.call(json_req(Method::DELETE, "/api/product/delete", Some(&token), json!({"productId": p["_id"]}))).await;
    assert_eq!(b.call(get(&item)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&b.call(get("/api/product/list")).await.body), 1);
}

/// The raw answer to `GET path` with `Accept-Encoding: accept`: status, headers, bytes.
async fn raw_get(app: &TestApp, path: &str, accept: Option<&str>) -> (StatusCode, actix_web::http::header::HeaderMap, Bytes) {
    use actix_web::{test, web, App};
    let m = Arc::clone(&app.module);
    let svc = test::init_service(App::new().app_data(web::Data::new(Arc::clone(&app.platform.tokens))).configure(move |cfg| {
        hme_kernel::module::HttpModule::configure(m.as_ref(), cfg)
    }))
    .await;
    let mut req = get(path);
    if let Some(a) = accept {
        req = req.insert_header(("accept-encoding", a));
    }
    let resp = test::call_service(&svc, req.to_request()).await;
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, test::read_body(resp).await)
}

#[actix_web::test]
async fn the_cached_list_is_served_precompressed_in_the_coding_the_client_accepts() {
    use std::io::Read;
    let (db, _dir) = hme_kernel::testing::embedded_test_db();
    let app = TestApp::build("embedded", Documents::Embedded(db), None, None, crate::support::memory_cache()).await;
    for i in 0..12 {
        add_product(&app, &seller_token(), sample_add(&format!("Product {i} with a long enough name"), json!(100 + i), json!(0))).await;
    }
    let (status, h, identity) = raw_get(&app, "/api/product/list", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h.get("content-encoding").is_none());
    assert!(identity.len() > hme_products::cache::COMPRESS_MIN_BYTES, "a body worth compressing: {}", identity.len());
    let etag = h.get("etag").cloned().unwrap();
    for round in 0..2 {
        let (_, h, gz) = raw_get(&app, "/api/product/list", Some("gzip")).await;
        assert_eq!(h.get("content-encoding").unwrap(), "gzip");
        assert_eq!(h.get("vary").unwrap(), "accept-encoding");
        assert_eq!(h.get("etag"), Some(&etag), "one ETag whatever the coding");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, identity, "round {round}");
        let (_, h, br) = raw_get(&app, "/api/product/list", Some("gzip, deflate, br")).await;
        assert_eq!(h.get("content-encoding").unwrap(), "br");
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut back).unwrap();
        assert_eq!(back, identity, "round {round}");
        assert!(br.len() < identity.len() && gz.len() < identity.len());
    }
    let (_, h, body) = raw_get(&app, "/api/product/list", Some("br;q=0, gzip;q=0")).await;
    assert!(h.get("content-encoding").is_none());
    assert_eq!(body, identity);
    // After a write, the new list is compressed anew.
    add_product(&app, &seller_token(), sample_add("Newest", json!(1), json!(0))).await;
    let (_, _, identity) = raw_get(&app, "/api/product/list", None).await;
    let (_, h, br) = raw_get(&app, "/api/product/list", Some("br")).await;
    assert_eq!(h.get("content-encoding").unwrap(), "br");
    let mut back = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut back).unwrap();
    assert_eq!(back, identity);
    assert_eq!(count(&serde_json::from_slice(&back).unwrap()), 13);
}
