//! `POST /api/image/upload` on the local backend: what is stored, and every refusal.

use actix_web::http::StatusCode;

use crate::support::*;

#[actix_web::test]
async fn upload_stores_png_and_jpeg_and_answers_public_urls_for_product_add() {
    let app = LocalApp::new();
    let (png, jpeg) = (tiny_png(), jpeg_header(640, 480));
    let body = multipart_body(&[("image1", Some("a.png"), &png), ("note", None, b"hello"), ("image2", Some("photo.jpg"), &jpeg)]);
    let r = app.call(upload_request(Some(&seller_token()), body)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["success"], true);
    let urls: Vec<String> = r.body["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    assert_eq!(urls.len(), 2);
    assert!(urls[0].starts_with(&format!("{BASE}/media/hme/{SELLER}/")) && urls[0].ends_with(".png"), "{urls:?}");
    assert!(urls[1].ends_with(".jpg"));
    assert_eq!(r.body["images"][1]["width"], 640);
    assert_eq!(r.body["images"][1]["height"], 480);
    assert_eq!(r.body["images"][0]["contentType"], "image/png");
    assert_eq!(app.files().len(), 2);
    let key = urls[0].strip_prefix(&format!("{BASE}/media/")).unwrap();
    assert_eq!(std::fs::read(app.media_dir.join(key)).unwrap(), png);
    let record = app.records.by_url(&urls[0]).await.unwrap().unwrap();
    assert_eq!(record.owner, SELLER);
    assert!(!record.referenced);
}

#[actix_web::test]
async fn upload_takes_the_type_from_the_bytes_not_the_name() {
    let app = LocalApp::new();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("evil.png"), b"<script>alert(1)</script>")]))).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", r.body);
    assert_eq!(r.body["success"], false);
    assert!(r.body["message"].as_str().unwrap().contains("evil.png"));
    let jpeg_named_txt = jpeg_header(10, 10);
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("notes.txt"), &jpeg_named_txt)]))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["urls"][0].as_str().unwrap().ends_with(".jpg"));
}

#[actix_web::test]
async fn a_file_over_the_size_limit_is_refused_with_413_and_nothing_is_stored() {
    let app = LocalApp::new();
    let mut big = png_header(100, 100);
    big.resize(2 * 1024 * 1024 + 1, 0);
    let png = tiny_png();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("a", Some("ok.png"), &png), ("b", Some("big.png"), &big)]))).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("too large"));
    assert!(app.files().is_empty(), "{:?}", app.files());
}

#[actix_web::test]
async fn more_files_than_allowed_are_refused_with_400_and_nothing_is_stored() {
    let app = LocalApp::new();
    let png = tiny_png();
    let parts: Vec<Part> = (0..5).map(|_| ("image", Some("a.png"), png.as_slice())).collect();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&parts))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["message"], "Too many files: at most 4 per upload");
    assert!(app.files().is_empty());
}

#[actix_web::test]
async fn a_body_without_file_parts_is_refused_with_400() {
    let app = LocalApp::new();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("name", None, b"just text")]))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["message"].as_str().unwrap().starts_with("No image files provided"));
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("empty.png"), b"")]))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["message"], "File empty.png is empty");
}

#[actix_web::test]
async fn a_truncated_multipart_body_is_refused_with_400_and_nothing_is_stored() {
    let app = LocalApp::new();
    let png = tiny_png();
    let mut body = multipart_body(&[("a", Some("a.png"), &png), ("b", Some("b.png"), &png)]);
    body.truncate(body.len() - 40);
    let r = app.call(upload_request(Some(&seller_token()), body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["success"], false);
    assert!(r.body["message"].as_str().unwrap().contains("ncomplete"), "{:?}", r.body);
    assert!(app.files().is_empty());
}

#[actix_web::test]
async fn a_body_that_is_not_multipart_is_refused_with_415() {
    let app = LocalApp::new();
    let req = authed(actix_web::test::TestRequest::post().uri("/api/image/upload").set_json(serde_json::json!({"image": "x"})), Some(&seller_token()));
    let r = app.call(req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.body["message"], "Expected a multipart/form-data body");
    let req = authed(actix_web::test::TestRequest::post().uri("/api/image/upload").insert_header(("Content-Type", "multipart/form-data")), Some(&seller_token()));
    let r = app.call(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "missing boundary: {:?}", r.body);
}

#[actix_web::test]
async fn images_over_the_dimension_limit_or_with_a_broken_header_answer_422() {
    let app = LocalApp::new();
    let huge = png_header(7000, 10);
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("huge.png"), &huge)]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["message"], "Image huge.png is 7000x10: at most 6000x6000 pixels");
    let broken = b"\x89PNG\r\n\x1a\n\0\0".to_vec();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("broken.png"), &broken)]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(app.files().is_empty());
}

#[actix_web::test]
async fn upload_needs_a_seller_401_without_token_403_for_a_customer() {
    let app = LocalApp::new();
    let body = multipart_body(&[("f", Some("a.png"), &tiny_png())]);
    let r = app.call(upload_request(None, body.clone())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["success"], false);
    let r = app.call(upload_request(Some("not-a-token"), body.clone())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.call(upload_request(Some(&customer_token()), body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.files().is_empty());
}
