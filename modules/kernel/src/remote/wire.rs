//! Bodies and answers shared by the contracts' internal endpoints (the contract crates
//! build their endpoints and clients on these).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ApiError;

/// A list of ids.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ids {
    pub ids: Vec<String>,
}

/// A list of URLs.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Urls {
    pub urls: Vec<String>,
}

/// Mongoose JSON documents.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Documents {
    pub documents: Vec<serde_json::Value>,
}

/// A call that answers nothing but success.
#[derive(Debug, Serialize, Deserialize)]
pub struct Done {
    pub success: bool,
}

/// 200 with `body`.
pub fn ok(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// 200 `{success:true}`.
pub fn done() -> HttpResponse {
    ok(&Done { success: true })
}

/// A port's answer about the request (not found, out of stock...): the legacy envelope
/// plus `error`, the port error with its serde tag, for the client to rebuild.
pub fn refused<E: Serialize + std::fmt::Display>(status: StatusCode, error: &E) -> HttpResponse {
    HttpResponse::build(status).json(json!({"success": false, "message": error.to_string(), "error": error}))
}

/// The port's storage failed: 503, the cause logged and not sent.
pub fn unavailable(cause: impl std::fmt::Display) -> HttpResponse {
    ApiError::unavailable(cause.to_string()).error_response()
}
