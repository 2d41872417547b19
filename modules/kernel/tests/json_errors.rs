//! Malformed bodies answer 4xx with the legacy envelope naming the problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{test, web, App, HttpResponse};
use hme_kernel::json::json_config;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Input {
    name: String,
    quantity: u32,
}

async fn accept(_: web::Json<Input>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"success": true}))
}

async fn post(body: &str, content_type: &str) -> (u16, Value) {
    let app = test::init_service(App::new().app_data(json_config(1024)).route("/x", web::post().to(accept))).await;
    let req = test::TestRequest::post().uri("/x").insert_header(("content-type", content_type)).set_payload(body.to_owned()).to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&test::read_body(resp).await).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn invalid_json_is_a_400_naming_the_problem() {
    let (status, body) = post("{not json", "application/json").await;
    assert_eq!(status, 400);
    assert_eq!(body["success"], false);
    assert!(body["message"].as_str().unwrap().starts_with("Invalid JSON"), "{body}");
}

#[actix_web::test]
async fn a_wrong_type_is_a_400_naming_the_field() {
    let (status, body) = post(r#"{"name":"x","quantity":-1}"#, "application/json").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("quantity") || body["message"].as_str().unwrap().contains("invalid value"), "{body}");
    let (status, _) = post(r#"{"name":{"$gt":""},"quantity":1}"#, "application/json").await;
    assert_eq!(status, 400, "an operator object where a string is expected");
}

#[actix_web::test]
async fn a_wrong_content_type_is_a_415() {
    let (status, body) = post(r#"{"name":"x","quantity":1}"#, "text/plain").await;
    assert_eq!(status, 415);
    assert_eq!(body["success"], false);
}

#[actix_web::test]
async fn a_body_over_the_limit_is_a_413() {
    let big = format!(r#"{{"name":"{}","quantity":1}}"#, "x".repeat(4096));
    let (status, body) = post(&big, "application/json").await;
    assert_eq!(status, 413);
    assert_eq!(body["success"], false);
}
