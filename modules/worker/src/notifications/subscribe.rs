//! `POST /api/subscribe`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::dates::{now_millis, to_iso_millis};
use hme_kernel::events::EventEnvelope;
use hme_kernel::{ApiError, ApiResult};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use hme_kernel::openapi::AnyErrorBody;

use super::validate::normalize_email;
use hme_kernel::ratelimit::client_address;
use super::{Notifications, NEWSLETTER_SUBSCRIBED};

/// The legacy answer to a known address; the subscribe page branches on exactly it.
pub const ALREADY_SUBSCRIBED: &str = "Already subscribed";

/// `{email}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SubscribeBody {
    /// The subscriber's address (stored trimmed and lower-cased).
    #[schema(value_type = String)]
    pub email: Option<Value>,
}

/// `{success:true, message}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DoneBody {
    /// Always true.
    success: bool,
    /// What happened.
    message: String,
}

/// `{success:true, message:"Subscribed successfully"}` for a new address, or exactly
/// `{message:"Already subscribed"}` (no `success` key) for a known one.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubscribedBody {
    /// True for a new address; absent when already subscribed (the legacy body).
    success: Option<bool>,
    /// "Subscribed successfully" or "Already subscribed".
    message: String,
}

/// Subscribe to the newsletter
///
/// Stores the address in `newsletters` (unique) and publishes `newsletter.subscribed`;
/// the worker then emails the shop owner and welcomes the subscriber. A known address
/// answers 200 `{message:"Already subscribed"}`, exactly the legacy body (no `success`
/// key; the page branches on that message). Rate limited per client address. Failures
/// carry `error`.
#[utoipa::path(
    post,
    path = "/api/subscribe",
    tag = "notifications",
    request_body = SubscribeBody,
    responses(
        (status = 200, description = "Subscribed (`{success:true, message:\"Subscribed successfully\"}`), or already subscribed (`{message:\"Already subscribed\"}`)", body = SubscribedBody),
        (status = 400, description = "Invalid email (`error`), or malformed JSON (`message`)", body = AnyErrorBody),
        (status = 429, description = "Too many requests (Retry-After); `message` when too many are in flight at once", body = AnyErrorBody),
        (status = 503, description = "Storage or events unavailable; `message` when the request timed out", body = AnyErrorBody),
    )
)]
pub async fn subscribe(req: HttpRequest, n: web::Data<Notifications>, body: web::Json<SubscribeBody>) -> ApiResult<HttpResponse> {
    let s = &n.settings;
    n.limiter.check("subscribe", &client_address(&req), s.limit()).await.map_err(ApiError::with_error_key)?;
    let email = normalize_email(body.email.as_ref()).ok_or_else(|| ApiError::bad_request("Invalid email").with_error_key())?;
    let now = now_millis();
    if !n.store.insert(&email, now).await.map_err(|e| ApiError::unavailable(e).with_error_key())? {
        return Ok(HttpResponse::Ok().json(json!({"message": ALREADY_SUBSCRIBED})));
    }
    let event = EventEnvelope::new(NEWSLETTER_SUBSCRIBED, json!({"email": email, "subscribedAt": to_iso_millis(&now)}));
    if let Err(e) = n.events.publish(&event).await {
        if let Err(undo) = n.store.remove(&email).await {
            tracing::error!(error = %undo, "subscription stored but its event was not published, and it could not be removed");
        }
        return Err(ApiError::unavailable(e).with_error_key());
    }
    Ok(HttpResponse::Ok().json(json!({"success": true, "message": "Subscribed successfully"})))
}
