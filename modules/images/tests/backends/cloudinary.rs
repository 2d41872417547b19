//! The Cloudinary backend against the stub.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use hme_images::adapters::{CloudinaryImageStore, EmbeddedUploadStore};
use hme_images::store::ImageStore;
use hme_images::uploads::UploadStore;
use hme_images::{ImagesModule, ImagesParts, ImagesSettings, SignatureAlgorithm};
use serde_json::json;

use crate::cloudinary_stub::{start, Stub};
use crate::support::*;

struct CloudApp {
    module: Arc<ImagesModule>,
    records: Arc<dyn UploadStore>,
    stub: Arc<Stub>,
    _dir: tempfile::TempDir,
}

fn app(stub_secret: &str) -> CloudApp {
    let creds = cloudinary_credentials();
    let (stub, base) = start(&creds.cloud_name, &creds.api_key, stub_secret);
    let store = CloudinaryImageStore::new(creds.clone(), &base, "https://res.cloudinary.com", SignatureAlgorithm::Sha1, Duration::from_secs(10)).unwrap();
    let (db, dir) = hme_kernel::testing::embedded_test_db();
    let records: Arc<dyn UploadStore> = Arc::new(EmbeddedUploadStore::open(db).unwrap());
    let parts = ImagesParts { store: Arc::new(store) as Arc<dyn ImageStore>, local: None, records: Arc::clone(&records), cloudinary: Some(creds), product_images: None };
    let settings = ImagesSettings { cloudinary_api_base_url: base, ..ImagesSettings::default() };
    CloudApp { module: ImagesModule::with_parts(parts, settings), records, stub, _dir: dir }
}

#[actix_web::test]
async fn upload_to_cloudinary_sends_a_signed_request_and_answers_its_secure_url() {
    let app = app(cloudinary_credentials_secret());
    let png = tiny_png();
    let r = call(&app.module, upload_request(Some(&seller_token()), multipart_body(&[("f", Some("a.png"), &png)]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let url = r.body["urls"][0].as_str().unwrap();
    let public_id = r.body["images"][0]["publicId"].as_str().unwrap();
    assert!(public_id.starts_with(&format!("hme/{SELLER}/")) && !public_id.contains('.'), "{public_id}");
    assert_eq!(url, format!("https://res.cloudinary.com/demo-cloud/image/upload/v1712345678/{public_id}.png"));
    assert_eq!(app.stub.images.lock().unwrap().get(public_id), Some(&png));
    let sent = app.stub.requests.lock().unwrap()[0].clone();
    assert!(!sent.values().any(|v| v.contains("s3cr3t")), "the secret is never sent: {sent:?}");
    assert_eq!(app.records.by_url(url).await.unwrap().unwrap().owner, SELLER);
}

#[actix_web::test]
async fn delete_destroys_the_image_on_cloudinary() {
    let app = app(cloudinary_credentials_secret());
    let r = call(&app.module, upload_request(Some(&seller_token()), multipart_body(&[("f", Some("a.png"), &tiny_png())]))).await;
    let url = r.body["urls"][0].as_str().unwrap().to_owned();
    let r = call(&app.module, delete_request(Some(&other_seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.stub.images.lock().unwrap().len(), 1);
    let r = call(&app.module, delete_request(Some(&seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(app.stub.images.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn a_direct_upload_in_the_sellers_folder_can_be_deleted_by_that_seller_only() {
    let app = app(cloudinary_credentials_secret());
    let id = format!("hme/{SELLER}/direct1");
    app.stub.images.lock().unwrap().insert(id.clone(), vec![1]);
    let url = format!("https://res.cloudinary.com/demo-cloud/image/upload/v99/{id}.webp");
    let r = call(&app.module, delete_request(Some(&other_seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&app.module, delete_request(Some(&seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(app.stub.images.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn a_deleted_products_legacy_cloudinary_images_are_destroyed_by_public_id_and_missing_ones_are_no_failure() {
    let app = app(cloudinary_credentials_secret());
    app.stub.images.lock().unwrap().insert("abc123".into(), vec![1]);
    let urls = vec![
        "https://res.cloudinary.com/demo-cloud/image/upload/v1712/abc123.jpg".to_owned(),
        "https://res.cloudinary.com/demo-cloud/image/upload/v1712/gone456.png".to_owned(),
        "https://res.cloudinary.com/other-cloud/image/upload/v1/x.png".to_owned(),
    ];
    let report = app.module.image_cleanup().delete_for_product(&urls).await.unwrap();
    assert_eq!(report.deleted, vec![urls[0].clone()]);
    assert_eq!(report.missing, vec![urls[1].clone()]);
    assert_eq!(report.skipped, vec![urls[2].clone()]);
    assert!(app.stub.images.lock().unwrap().is_empty());
}

#[actix_web::test]
async fn a_signature_cloudinary_refuses_answers_503_and_records_nothing() {
    let app = app("another-secret");
    let r = call(&app.module, upload_request(Some(&seller_token()), multipart_body(&[("f", Some("a.png"), &tiny_png())]))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", r.body);
    assert!(!r.body.to_string().contains("Signature"), "5xx bodies say nothing internal");
    assert!(app.stub.images.lock().unwrap().is_empty());
    assert!(app.records.unreferenced_before(chrono::Utc::now() + chrono::Duration::days(1), 10).await.unwrap().is_empty());
}

fn cloudinary_credentials_secret() -> &'static str {
    "s3cr3t-never-shown"
}

#[test]
fn public_ids_are_read_from_delivery_urls_with_versions_transformations_and_folders() {
    use hme_images::adapters::cloudinary::public_id_from_path;
    assert_eq!(public_id_from_path("v1712/abc123.jpg").as_deref(), Some("abc123"));
    assert_eq!(public_id_from_path("w_400,h_300,c_pad/v1/hme/user_a/x.png").as_deref(), Some("hme/user_a/x"));
    assert_eq!(public_id_from_path("q_auto/sample.webp").as_deref(), Some("sample"));
    assert_eq!(public_id_from_path("abc123.jpg").as_deref(), Some("abc123"));
}
