//! JSON body handling that answers malformed input with the legacy envelope.

use actix_web::error::JsonPayloadError;
use actix_web::web;

use crate::ApiError;

/// The JSON extractor configuration every module uses: `limit` bytes at most, and
/// every failure (bad JSON, wrong type, wrong content type, too large) rendered as a
/// 4xx legacy body that names the problem.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        let api = match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                ApiError::new(crate::error::ErrorKind::PayloadTooLarge, "Request body is too large")
            }
            JsonPayloadError::ContentType => ApiError::new(
                crate::error::ErrorKind::UnsupportedMediaType,
                "Content-Type must be application/json",
            ),
            JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::bad_request(format!("Invalid input: {e}")),
            JsonPayloadError::Deserialize(e) => ApiError::bad_request(format!("Invalid JSON: {e}")),
            _ => ApiError::bad_request("Invalid request body"),
        };
        api.into()
    })
}

/// Query-string failures rendered as a 400 legacy body.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::bad_request(format!("Invalid query parameters: {err}")).into())
}
