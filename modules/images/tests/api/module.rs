//! The module as the composition root sees it.

use hme_images::{BackendKind, ImagesModule, ImagesSettings};
use hme_kernel::module::{routes_of, HttpModule};
use serde_json::Value;

use crate::support::*;

#[actix_web::test]
async fn openapi_documents_exactly_the_served_routes_with_their_statuses() {
    let app = LocalApp::new();
    assert_eq!(app.module.name(), "images");
    let api = ImagesModule::api_doc();
    let mut routes: Vec<(String, String)> = routes_of("images", &api).into_iter().map(|r| (r.method, r.path)).collect();
    routes.sort();
    let expected = [("DELETE", "/api/image"), ("GET", "/media/{path}"), ("POST", "/api/image/signature"), ("POST", "/api/image/upload")];
    assert_eq!(routes, expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect::<Vec<_>>());
    let doc: Value = serde_json::to_value(&api).unwrap();
    let statuses = |path: &str, method: &str| -> Vec<String> { doc["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect() };
    for s in ["200", "400", "401", "403", "413", "415", "422", "503"] {
        assert!(statuses("/api/image/upload", "post").contains(&s.to_owned()), "upload lacks {s}");
    }
    for s in ["200", "401", "403", "503"] {
        assert!(statuses("/api/image/signature", "post").contains(&s.to_owned()), "signature lacks {s}");
    }
    assert!(statuses("/api/image", "delete").contains(&"404".to_owned()));
    assert_eq!(doc["paths"]["/api/image/upload"]["post"]["requestBody"]["content"].as_object().unwrap().keys().next().unwrap(), "multipart/form-data");
}

#[test]
fn the_backend_is_cloudinary_when_its_credentials_are_set_unless_configured_otherwise() {
    let creds = cloudinary_credentials();
    let default = ImagesSettings::default();
    assert_eq!(default.effective_backend(None), BackendKind::Local);
    assert_eq!(default.effective_backend(Some(&creds)), BackendKind::Cloudinary);
    let s3 = ImagesSettings { backend: Some(BackendKind::S3), ..ImagesSettings::default() };
    assert_eq!(s3.effective_backend(Some(&creds)), BackendKind::S3);
    assert_eq!(default.max_file_bytes, 2 * 1024 * 1024);
    assert_eq!(default.max_files, 4);
}

#[test]
fn settings_deserialize_with_defaults_for_missing_keys() {
    let s: ImagesSettings = serde_json::from_value(serde_json::json!({"backend": "s3", "signature_algorithm": "sha256", "s3": {"bucket": "b"}})).unwrap();
    assert_eq!(s.backend, Some(BackendKind::S3));
    assert_eq!(s.signature_algorithm, hme_images::SignatureAlgorithm::Sha256);
    assert_eq!(s.s3.bucket, "b");
    assert_eq!(s.max_dimension, 6000);
}
