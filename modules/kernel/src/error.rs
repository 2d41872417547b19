//! One error type for every route, rendered as the legacy envelope.
//!
//! The legacy API answers failures with `{success:false, message}` (a few routes use
//! `error` instead of `message`). hme keeps that body and adds a correct status code.
//! 5xx bodies never carry internal detail: the cause chain goes to the log.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// The result type of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

/// What went wrong, which fixes the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request is malformed or fails validation.
    BadRequest,
    /// 401: no token, or a token that does not verify.
    Unauthorized,
    /// 403: a valid caller without the needed role.
    Forbidden,
    /// 404: the thing does not exist (or is not the caller's).
    NotFound,
    /// 409: the request conflicts with the current state.
    Conflict,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 415: the body's media type is not accepted.
    UnsupportedMediaType,
    /// 422: well-formed but semantically impossible.
    Unprocessable,
    /// 429: rate limited.
    TooManyRequests,
    /// 503: a dependency is down; retrying later may work.
    Unavailable,
    /// 500: a bug or an unexpected failure.
    Internal,
}

impl ErrorKind {
    /// The HTTP status of this kind.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Which key of the legacy body carries the text: most routes use `message`,
/// tracking and the newsletter use `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKey {
    /// `{success:false, message}`
    Message,
    /// `{success:false, error}`
    Error,
}

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error a handler returns. Its message is shown to the client for 4xx; for 5xx
/// the client sees a generic text and the cause is logged.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    message: Cow<'static, str>,
    key: MessageKey,
    retry_after_secs: Option<u64>,
    cause: Option<Cause>,
}

impl ApiError {
    /// An error of `kind` whose `message` the client sees.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self { kind, message: message.into(), key: MessageKey::Message, retry_after_secs: None, cause: None }
    }
    /// 400 with a message naming the problem.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    /// 401 with a message.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    /// 403 with a message.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    /// 404 with a message.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// 409 with a message.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    /// 429 telling the client when to come back.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = Self::new(ErrorKind::TooManyRequests, "Too many requests, try again later");
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }
    /// 503: a backend is down. The cause is logged, not shown.
    pub fn unavailable(cause: impl Into<Cause>) -> Self {
        let mut e = Self::new(ErrorKind::Unavailable, "Service temporarily unavailable, try again shortly");
        e.cause = Some(cause.into());
        e
    }
    /// 500: the cause is logged, the client sees a generic message.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        let mut e = Self::new(ErrorKind::Internal, "Internal server error");
        e.cause = Some(cause.into());
        e
    }
    /// Use the legacy `error` key instead of `message` (tracking, newsletter routes).
    pub fn with_error_key(mut self) -> Self {
        self.key = MessageKey::Error;
        self
    }
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The text the client sees.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The legacy body of this error.
    pub fn body(&self) -> serde_json::Value {
        match self.key {
            MessageKey::Message => json!({ "success": false, "message": self.message }),
            MessageKey::Error => json!({ "success": false, "error": self.message }),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
            let mut next = cause.source();
            while let Some(c) = next {
                write!(f, ": {c}")?;
                next = c.source();
            }
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|c| c.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut builder = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        builder.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn rendered(e: ApiError) -> (StatusCode, serde_json::Value) {
        let resp = e.error_response();
        let status = resp.status();
        let bytes = to_bytes(resp.into_body()).await.unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[actix_web::test]
    async fn a_client_error_shows_its_message_in_the_legacy_envelope() {
        let (status, body) = rendered(ApiError::bad_request("Missing product ID")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, json!({"success": false, "message": "Missing product ID"}));
    }

    #[actix_web::test]
    async fn a_server_error_hides_its_cause() {
        let cause = std::io::Error::other("connection string mongodb://admin:hunter2@db");
        let (status, body) = rendered(ApiError::internal(cause)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["success"], false);
    }

    #[actix_web::test]
    async fn legacy_error_key_routes_use_error_not_message() {
        let (_, body) = rendered(ApiError::bad_request("Invalid email").with_error_key()).await;
        assert_eq!(body, json!({"success": false, "error": "Invalid email"}));
    }

    #[actix_web::test]
    async fn rate_limited_answers_carry_retry_after() {
        let resp = ApiError::too_many_requests(30).error_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("30"));
    }
}
