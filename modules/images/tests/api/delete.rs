//! `DELETE /api/image`: only the caller's own uploads.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::support::*;

async fn upload_one(app: &LocalApp, token: &str) -> String {
    let r = app.call(upload_request(Some(token), multipart_body(&[("f", Some("a.png"), &tiny_png())]))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["urls"][0].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_seller_deletes_their_own_upload_file_and_record() {
    let app = LocalApp::new();
    let url = upload_one(&app, &seller_token()).await;
    let r = app.call(delete_request(Some(&seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"success": true, "message": "Image deleted"}));
    assert!(app.files().is_empty());
    assert!(app.records.by_url(&url).await.unwrap().is_none());
    let r = app.call(delete_request(Some(&seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_seller_cannot_delete_another_sellers_upload() {
    let app = LocalApp::new();
    let url = upload_one(&app, &seller_token()).await;
    let r = app.call(delete_request(Some(&other_seller_token()), json!({"url": url}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body, json!({"success": false, "message": "Image not found or not owned by you"}));
    assert_eq!(app.files().len(), 1);
    assert!(app.records.by_url(&url).await.unwrap().is_some());
}

#[actix_web::test]
async fn delete_refuses_a_missing_url_non_sellers_and_foreign_urls() {
    let app = LocalApp::new();
    let r = app.call(delete_request(Some(&seller_token()), json!({}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["message"], "Missing image URL");
    let r = app.call(delete_request(None, json!({"url": "x"}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.call(delete_request(Some(&customer_token()), json!({"url": "x"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.call(delete_request(Some(&seller_token()), json!({"url": "https://elsewhere.example/a.png"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
