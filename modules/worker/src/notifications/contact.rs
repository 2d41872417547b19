//! `POST /api/contact`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::dates::{now_millis, to_iso_millis};
use hme_kernel::events::EventEnvelope;
use hme_kernel::{ApiError, ApiResult};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use hme_kernel::openapi::ErrorBody;

use super::subscribe::DoneBody;
use super::validate::{bounded_text, normalize_email};
use hme_kernel::ratelimit::client_address;
use super::{Notifications, CONTACT_SUBMITTED};

/// `{name, email, message}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContactBody {
    /// The sender's name (1 to `name_max_chars`).
    #[schema(value_type = String)]
    pub name: Option<Value>,
    /// The sender's address.
    #[schema(value_type = String)]
    pub email: Option<Value>,
    /// The message (1 to `message_max_chars`).
    #[schema(value_type = String)]
    pub message: Option<Value>,
}

/// Send a contact message
///
/// Validates the fields and publishes `contact.submitted`; the worker emails the shop
/// owner (the message HTML-escaped) and confirms to the sender. Rate limited per client
/// address.
#[utoipa::path(
    post,
    path = "/api/contact",
    tag = "notifications",
    request_body = ContactBody,
    responses(
        (status = 200, description = "Accepted; the emails follow", body = DoneBody),
        (status = 400, description = "Invalid email, missing or too long name or message, or malformed JSON", body = ErrorBody),
        (status = 429, description = "Too many requests (Retry-After)", body = ErrorBody),
        (status = 503, description = "Events unavailable", body = ErrorBody),
    )
)]
pub async fn contact(req: HttpRequest, n: web::Data<Notifications>, body: web::Json<ContactBody>) -> ApiResult<HttpResponse> {
    let s = &n.settings;
    n.limiter.check("contact", &client_address(&req), s.limit()).await?;
    let name = bounded_text(body.name.as_ref(), "Name", s.name_max_chars)?;
    let email = normalize_email(body.email.as_ref()).ok_or_else(|| ApiError::bad_request("Invalid email"))?;
    let message = bounded_text(body.message.as_ref(), "Message", s.message_max_chars)?;
    let data = json!({"name": name, "email": email, "message": message, "receivedAt": to_iso_millis(&now_millis())});
    n.events.publish(&EventEnvelope::new(CONTACT_SUBMITTED, data)).await.map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(json!({"success": true, "message": "Message sent successfully"})))
}
