//! Cloudinary signatures: the published algorithm's vectors, and the signature route.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use hme_images::signature::{sign, string_to_sign};
use hme_images::{ImagesSettings, SignatureAlgorithm};
use sha1::Digest;

use crate::support::*;

/// Cloudinary's documented example ("Generating authentication signatures").
const DOC_PARAMS: [(&str, &str); 3] = [("timestamp", "1315060510"), ("public_id", "sample_image"), ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop")];
const DOC_STRING: &str = "eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp=1315060510";

#[test]
fn the_documented_example_signs_to_the_documented_sha1() {
    assert_eq!(string_to_sign(DOC_PARAMS), DOC_STRING);
    assert_eq!(sign(DOC_PARAMS, "abcd", SignatureAlgorithm::Sha1), "bfd09f95f331f558cbd1320e67aa8d488770583e");
}

#[test]
fn sha256_signs_the_same_string_with_sha256() {
    let expected = hex_lower(&sha2::Sha256::digest(format!("{DOC_STRING}abcd").as_bytes()));
    assert_eq!(sign(DOC_PARAMS, "abcd", SignatureAlgorithm::Sha256), expected);
    assert_eq!(expected.len(), 64);
}

#[test]
fn file_api_key_resource_type_cloud_name_and_empty_values_are_not_signed() {
    let params = [("timestamp", "1"), ("file", "data"), ("api_key", "k"), ("resource_type", "image"), ("cloud_name", "c"), ("signature", "s"), ("tags", ""), ("folder", "f")];
    assert_eq!(string_to_sign(params), "folder=f&timestamp=1");
    let expected = hex_lower(&sha1::Sha1::digest(b"folder=f&timestamp=1secret"));
    assert_eq!(sign(params, "secret", SignatureAlgorithm::Sha1), expected);
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn signing_app(algorithm: SignatureAlgorithm) -> LocalApp {
    let settings = ImagesSettings { public_base_url: BASE.to_owned(), signature_algorithm: algorithm, ..ImagesSettings::default() };
    LocalApp::with(settings, Some(cloudinary_credentials()))
}

#[actix_web::test]
async fn the_signature_route_signs_the_sellers_folder_without_revealing_the_secret() {
    for (algorithm, name) in [(SignatureAlgorithm::Sha1, "sha1"), (SignatureAlgorithm::Sha256, "sha256")] {
        let app = signing_app(algorithm);
        let r = app.call(authed(TestRequest::post().uri("/api/image/signature"), Some(&seller_token()))).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let b = &r.body;
        assert_eq!(b["success"], true);
        assert_eq!(b["cloudName"], "demo-cloud");
        assert_eq!(b["apiKey"], "123456789012345");
        assert_eq!(b["folder"], format!("hme/{SELLER}"));
        assert_eq!(b["signatureAlgorithm"], name);
        assert_eq!(b["uploadUrl"], "https://api.cloudinary.com/v1_1/demo-cloud/image/upload");
        let ts = b["timestamp"].as_i64().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        assert_eq!(b["params"]["timestamp"], ts.to_string());
        assert_eq!(b["params"]["folder"], b["folder"]);
        let signed = format!("allowed_formats=jpg,png,webp,gif,avif&folder=hme/{SELLER}&timestamp={ts}s3cr3t-never-shown");
        let expected = match algorithm {
            SignatureAlgorithm::Sha1 => hex_lower(&sha1::Sha1::digest(signed.as_bytes())),
            SignatureAlgorithm::Sha256 => hex_lower(&sha2::Sha256::digest(signed.as_bytes())),
        };
        assert_eq!(b["signature"], expected);
        assert!(!String::from_utf8_lossy(&r.bytes).contains("s3cr3t"));
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    }
}

#[actix_web::test]
async fn the_signature_route_needs_a_seller_and_configured_cloudinary() {
    let app = signing_app(SignatureAlgorithm::Sha1);
    let r = app.call(TestRequest::post().uri("/api/image/signature")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.call(authed(TestRequest::post().uri("/api/image/signature"), Some(&customer_token()))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let unconfigured = LocalApp::new();
    let r = unconfigured.call(authed(TestRequest::post().uri("/api/image/signature"), Some(&seller_token()))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body["message"].as_str().unwrap().contains("not configured"));
}
