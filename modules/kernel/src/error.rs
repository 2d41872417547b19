//! One error type for every route, rendered as the legacy envelope, and the one piece
//! that decides which status a legacy route answers a failure with.
//!
//! The legacy API answers failures with `{success:false, message}` (a few routes use
//! `error` instead of `message`). An [`ApiError`] renders that body with the status of
//! its [`ErrorKind`] (the *real* status). A legacy route (a Next.js API route hme took
//! over) declares its legacy answers in a [`LegacyRoute`] table and is wrapped with
//! [`LegacyRoute::wrap`]: with `server.error_statuses = "legacy"` (the default,
//! [`ErrorStatuses`]) its failures answer the status, body key and (where the legacy
//! fixed one) text of the legacy handler; with `"http"` the real status with the same
//! body. hme's own refusals (413, 415, 429) are never rewritten. Every failure response
//! carries its real status as [`RealStatus`] in the response extensions, and the log
//! line of a failure names the real status. 5xx bodies never carry internal detail: the
//! cause chain goes to the log.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use futures::future::{ready, LocalBoxFuture, Ready};
use serde::{Deserialize, Serialize};
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
    /// hme's own refusal (e.g. cross-site request forgery): no legacy handler answered
    /// it, so legacy routes keep its status and text in both modes.
    own_refusal: bool,
    cause: Option<Cause>,
}

impl ApiError {
    /// An error of `kind` whose `message` the client sees.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self { kind, message: message.into(), key: MessageKey::Message, retry_after_secs: None, own_refusal: false, cause: None }
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
    /// A refusal of hme's own that no legacy handler made (cross-site request forgery):
    /// legacy routes answer it with its real status and message in both modes.
    pub fn own_refusal(mut self) -> Self {
        self.own_refusal = true;
        self
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
    /// The same error with the message the client sees replaced, for a caller that
    /// knows more than the port that failed (orders names the cart item). A 5xx keeps
    /// its generic text: its message is never shown.
    pub fn reworded(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        if self.cause.is_none() {
            self.message = message.into();
        }
        self
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
            tracing::error!(status = self.kind.status().as_u16(), error = %self, "request failed");
        }
        let mut builder = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        let mut resp = builder.json(self.body());
        resp.extensions_mut().insert(RealStatus(self.status_code()));
        resp
    }
}

/// The real status of a failure (its [`ErrorKind`]'s), in the response extensions of
/// every [`ApiError`] answer, whatever status went on the wire: a legacy route answers
/// many failures 200 `{success:false}` in the default mode. Metrics and logs read the
/// outcome class from here (absent: the wire status is the real one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealStatus(pub StatusCode);

/// `server.error_statuses`: which status the legacy routes answer their failures with.
/// Registered as app data by the composition root; a legacy route served without it
/// answers as [`ErrorStatuses::Legacy`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorStatuses {
    /// The status the legacy Next.js handler answered (mostly 200 `{success:false}`),
    /// which the storefront depends on: axios rejects any non-2xx and the page then
    /// shows "Request failed with status code N" instead of the server's message.
    #[default]
    Legacy,
    /// The real status of each failure (400, 401, 403, 404, 409, 500, 503...), same body.
    Http,
}

/// Kinds hme answers itself before or around a handler, with their status in both
/// modes: no legacy handler answered them.
const OWN_REFUSALS: [ErrorKind; 3] = [ErrorKind::PayloadTooLarge, ErrorKind::UnsupportedMediaType, ErrorKind::TooManyRequests];

/// One legacy answer of a route: failures of `kinds` answer `status` in the default
/// mode, with `text` (when set) instead of hme's own message in both modes.
#[derive(Debug, Clone, Copy)]
pub struct LegacyAnswer {
    /// The failures this answer is for.
    pub kinds: &'static [ErrorKind],
    /// The legacy status.
    pub status: StatusCode,
    /// The legacy text, where the legacy handler fixed one; None: hme's message.
    pub text: Option<&'static str>,
}

impl LegacyAnswer {
    /// Failures of `kinds` answer `status` with hme's message.
    pub const fn status(kinds: &'static [ErrorKind], status: StatusCode) -> Self {
        Self { kinds, status, text: None }
    }
    /// Failures of `kinds` answer `status` with `text`.
    pub const fn text(kinds: &'static [ErrorKind], status: StatusCode, text: &'static str) -> Self {
        Self { kinds, status, text: Some(text) }
    }
}

/// The legacy failure answers of one legacy route (frontend.md section 9): the body key,
/// the answers of given kinds, and the status of every other failure (the legacy
/// handler's `catch`). Declared as a `static` next to the handler and registered with
/// [`LegacyRoute::wrap`] on its resource; the OpenAPI modifier
/// [`crate::openapi::LegacyRoutes`] documents it.
#[derive(Debug)]
pub struct LegacyRoute {
    /// `GET`, `POST`... (OpenAPI documentation).
    pub method: &'static str,
    /// The route's path as documented (`/api/track/{trackingNumber}`).
    pub path: &'static str,
    /// The body key of its failures (both modes).
    pub key: MessageKey,
    /// Answers by kind; the first that names a failure's kind wins.
    pub answers: &'static [LegacyAnswer],
    /// The legacy status of any other failure.
    pub otherwise: StatusCode,
}

/// What a failure answers on a legacy route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status on the wire.
    pub status: StatusCode,
    /// The real status (of the error's kind).
    pub real: StatusCode,
    /// The body.
    pub body: serde_json::Value,
}

impl LegacyRoute {
    /// The legacy status and text of failures of `kind`; None for hme's own refusals.
    pub fn legacy(&self, kind: ErrorKind) -> Option<(StatusCode, Option<&'static str>)> {
        if OWN_REFUSALS.contains(&kind) {
            return None;
        }
        Some(match self.answers.iter().find(|a| a.kinds.contains(&kind)) {
            Some(a) => (a.status, a.text),
            None => (self.otherwise, None),
        })
    }

    /// How `error` is answered on this route in `mode`; None: as the error renders
    /// itself (hme's own refusals).
    pub fn answer(&self, error: &ApiError, mode: ErrorStatuses) -> Option<Answer> {
        if error.own_refusal {
            return None;
        }
        let (legacy, text) = self.legacy(error.kind)?;
        let real = error.kind.status();
        let text = text.unwrap_or(error.message());
        let body = match self.key {
            MessageKey::Message => json!({ "success": false, "message": text }),
            MessageKey::Error => json!({ "success": false, "error": text }),
        };
        let status = match mode {
            ErrorStatuses::Legacy => legacy,
            ErrorStatuses::Http => real,
        };
        Some(Answer { status, real, body })
    }

    /// The middleware answering this route's failures as declared; register it with
    /// `web::resource(path).wrap(ROUTE.wrap())`.
    pub fn wrap(&'static self) -> LegacyAnswers {
        LegacyAnswers(self)
    }

    fn rewrite<B: MessageBody + 'static>(&self, res: ServiceResponse<B>) -> ServiceResponse<BoxBody> {
        let mode = res.request().app_data::<ErrorStatuses>().copied().unwrap_or_default();
        let Some(answer) = res.response().error().and_then(|e| e.as_error::<ApiError>()).and_then(|e| {
            let answer = self.answer(e, mode)?;
            if !answer.real.is_server_error() {
                tracing::info!(status = answer.real.as_u16(), wire_status = answer.status.as_u16(), route = self.path, message = e.message(), "request failed");
            }
            Some(answer)
        }) else {
            return res.map_into_boxed_body();
        };
        let (req, resp) = res.into_parts();
        let bytes = serde_json::to_vec(&answer.body).unwrap_or_default();
        let mut resp = resp.set_body(BoxBody::new(bytes));
        resp.head_mut().status = answer.status;
        resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        resp.extensions_mut().insert(RealStatus(answer.real));
        ServiceResponse::new(req, resp)
    }
}

/// The middleware of [`LegacyRoute::wrap`].
pub struct LegacyAnswers(&'static LegacyRoute);

impl<S, B> Transform<S, ServiceRequest> for LegacyAnswers
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = LegacyAnswersService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(LegacyAnswersService { service: Rc::new(service), route: self.0 }))
    }
}

/// The service of [`LegacyAnswers`].
pub struct LegacyAnswersService<S> {
    service: Rc<S>,
    route: &'static LegacyRoute,
}

impl<S, B> Service<ServiceRequest> for LegacyAnswersService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let route = self.route;
        let fut = self.service.call(req);
        Box::pin(async move { Ok(route.rewrite(fut.await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use actix_web::{test as atest, web, App};

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

    static ROUTE: LegacyRoute = LegacyRoute {
        method: "POST",
        path: "/r",
        key: MessageKey::Message,
        answers: &[
            LegacyAnswer::text(&[ErrorKind::Unauthorized], StatusCode::UNAUTHORIZED, "Unauthorized"),
            LegacyAnswer::status(&[ErrorKind::NotFound], StatusCode::NOT_FOUND),
        ],
        otherwise: StatusCode::OK,
    };
    static ERROR_KEY: LegacyRoute = LegacyRoute { method: "GET", path: "/e", key: MessageKey::Error, answers: &[], otherwise: StatusCode::BAD_GATEWAY };

    async fn fail(e: web::Path<String>) -> Result<HttpResponse, ApiError> {
        Err(match e.as_str() {
            "401" => ApiError::unauthorized("Unauthorized: sign in required"),
            "404" => ApiError::not_found("Product not found"),
            "409" => ApiError::conflict("Item 1: out of stock (0 available)"),
            "413" => ApiError::new(ErrorKind::PayloadTooLarge, "Request body is too large"),
            "429" => ApiError::too_many_requests(7),
            _ => ApiError::unavailable(std::io::Error::other("db down")),
        })
    }

    /// (wire status, real status, body, Retry-After) of `GET /{route}/{kind}` in `mode`.
    async fn served(mode: Option<ErrorStatuses>, route: &str, kind: &str) -> (StatusCode, Option<StatusCode>, serde_json::Value, Option<String>) {
        let mut app = App::new()
            .service(web::resource("/r/{e}").wrap(ROUTE.wrap()).route(web::get().to(fail)))
            .service(web::resource("/e/{e}").wrap(ERROR_KEY.wrap()).route(web::get().to(fail)));
        if let Some(mode) = mode {
            app = app.app_data(mode);
        }
        let app = atest::init_service(app).await;
        let resp = atest::call_service(&app, atest::TestRequest::get().uri(&format!("/{route}/{kind}")).to_request()).await;
        let real = resp.response().extensions().get::<RealStatus>().map(|r| r.0);
        let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let status = resp.status();
        let body = serde_json::from_slice(&atest::read_body(resp).await).unwrap_or_default();
        (status, real, body, retry)
    }

    #[actix_web::test]
    async fn a_legacy_route_answers_its_legacy_status_and_text_by_default_with_the_real_status_recorded() {
        let (status, real, body, _) = served(None, "r", "401").await;
        assert_eq!((status, real), (StatusCode::UNAUTHORIZED, Some(StatusCode::UNAUTHORIZED)));
        assert_eq!(body, json!({"success": false, "message": "Unauthorized"}));
        let (status, real, body, _) = served(Some(ErrorStatuses::Legacy), "r", "409").await;
        assert_eq!((status, real), (StatusCode::OK, Some(StatusCode::CONFLICT)));
        assert_eq!(body, json!({"success": false, "message": "Item 1: out of stock (0 available)"}));
        let (status, real, body, _) = served(None, "r", "503").await;
        assert_eq!((status, real), (StatusCode::OK, Some(StatusCode::SERVICE_UNAVAILABLE)));
        assert_eq!(body["success"], false);
        assert!(!body.to_string().contains("db down"), "{body}");
        let (status, _, _, _) = served(None, "r", "404").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[actix_web::test]
    async fn http_mode_answers_the_real_status_with_the_same_body() {
        for kind in ["401", "404", "409", "503"] {
            let (legacy_status, _, legacy_body, _) = served(Some(ErrorStatuses::Legacy), "r", kind).await;
            let (status, real, body, _) = served(Some(ErrorStatuses::Http), "r", kind).await;
            assert_eq!(status.as_str(), kind);
            assert_eq!(real, Some(status));
            assert_eq!(body, legacy_body, "{kind}: {legacy_status}");
        }
    }

    #[actix_web::test]
    async fn own_refusals_keep_their_status_and_headers_in_both_modes() {
        for mode in [None, Some(ErrorStatuses::Http)] {
            let (status, real, body, retry) = served(mode, "r", "429").await;
            assert_eq!((status, real, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some(StatusCode::TOO_MANY_REQUESTS), Some("7")));
            assert_eq!(body["success"], false);
            let (status, _, body, _) = served(mode, "e", "413").await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(body, json!({"success": false, "message": "Request body is too large"}));
        }
    }

    #[actix_web::test]
    async fn an_error_key_route_names_every_rewritten_failure_under_error() {
        let (status, real, body, _) = served(None, "e", "503").await;
        assert_eq!((status, real), (StatusCode::BAD_GATEWAY, Some(StatusCode::SERVICE_UNAVAILABLE)));
        assert!(body["error"].is_string() && body.get("message").is_none(), "{body}");
        let (status, _, body, _) = served(Some(ErrorStatuses::Http), "e", "404").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({"success": false, "error": "Product not found"}));
    }

    #[test]
    fn the_setting_reads_legacy_and_http() {
        assert_eq!(serde_json::from_value::<ErrorStatuses>(json!("legacy")).ok(), Some(ErrorStatuses::Legacy));
        assert_eq!(serde_json::from_value::<ErrorStatuses>(json!("http")).ok(), Some(ErrorStatuses::Http));
        assert!(serde_json::from_value::<ErrorStatuses>(json!("proper")).is_err());
        assert_eq!(ErrorStatuses::default(), ErrorStatuses::Legacy);
    }

    #[actix_web::test]
    async fn rate_limited_answers_carry_retry_after() {
        let resp = ApiError::too_many_requests(30).error_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("30"));
    }
}
