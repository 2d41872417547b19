//! The S3 backend against moto (`HME_TEST_S3_ENDPOINT`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use hme_images::adapters::{EmbeddedUploadStore, S3ImageStore};
use hme_images::settings::S3Settings;
use hme_images::store::ImageStore;
use hme_images::{ImagesModule, ImagesParts, ImagesSettings};
use serde_json::json;

use crate::support::*;

async fn s3_module() -> Option<(Arc<ImagesModule>, String, tempfile::TempDir)> {
    let endpoint = hme_kernel::testing::service_env("HME_TEST_S3_ENDPOINT")?;
    let bucket = hme_kernel::testing::unique_name("img").replace('_', "-");
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.unwrap();
    assert!(created.status().is_success(), "create bucket: {}", created.status());
    // Objects are served to browsers as they would be from a public-read bucket.
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
    let set = reqwest::Client::new().put(format!("{endpoint}/{bucket}?policy")).body(policy.to_string()).send().await.unwrap();
    assert!(set.status().is_success(), "bucket policy: {}", set.status());
    let settings = S3Settings {
        bucket: bucket.clone(),
        region: "us-east-1".into(),
        endpoint: Some(endpoint.clone()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".to_owned().into()),
        public_base_url: None,
    };
    let store = S3ImageStore::new(&settings, Duration::from_secs(10)).unwrap();
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    let parts = ImagesParts { store: Arc::new(store) as Arc<dyn ImageStore>, local: None, records: Arc::new(EmbeddedUploadStore::open(db).unwrap()), cloudinary: None, product_images: None };
    Some((ImagesModule::with_parts(parts, ImagesSettings::default()), format!("{endpoint}/{bucket}/"), dir))
}

#[actix_web::test]
async fn upload_to_s3_stores_the_object_with_its_type_and_cache_headers_at_the_public_url() {
    let Some((module, base, _dir)) = s3_module().await else { return };
    let (png, jpeg) = (tiny_png(), jpeg_header(32, 16));
    let r = call(&module, upload_request(Some(&seller_token()), multipart_body(&[("a", Some("a.png"), &png), ("b", Some("b.jpg"), &jpeg)]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let urls: Vec<String> = r.body["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    assert!(urls[0].starts_with(&format!("{base}hme/{SELLER}/")), "{urls:?}");
    let got = reqwest::get(&urls[0]).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(got.bytes().await.unwrap().to_vec(), png);
    assert_eq!(reqwest::get(&urls[1]).await.unwrap().bytes().await.unwrap().to_vec(), jpeg);
}

#[actix_web::test]
async fn delete_on_s3_removes_the_object_and_a_second_delete_is_not_found() {
    let Some((module, _base, _dir)) = s3_module().await else { return };
    let r = call(&module, upload_request(Some(&seller_token()), multipart_body(&[("a", Some("a.png"), &tiny_png())]))).await;
    let url = r.body["urls"][0].as_str().unwrap().to_owned();
    let r = call(&module, delete_request(Some(&other_seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    let r = call(&module, delete_request(Some(&seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    let report = module.image_cleanup().delete_for_product(std::slice::from_ref(&url)).await.unwrap();
    assert_eq!(report.missing, vec![url]);
}
