//! `POST /api/webhooks/clerk`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::auth::RoleResolver;
use hme_kernel::cache::Cache;
use hme_kernel::{ApiError, ApiResult};

use super::responses::{ErrorBody, OkBody};
use crate::domain::webhook::{ClerkEvent, RoleChange};
use crate::service::UsersService;
use crate::svix::SvixVerifier;

/// What the webhook route needs.
pub struct Webhooks {
    /// None when no signing secret is configured.
    pub verifier: Option<SvixVerifier>,
    /// Remembers delivered `svix-id`s (replay protection).
    pub cache: Arc<dyn Cache>,
    /// Applies the changes.
    pub users: Arc<UsersService>,
    /// How long an id is remembered: twice the timestamp tolerance.
    pub replay_window: Duration,
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiError> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).ok_or_else(|| ApiError::bad_request("Missing svix headers"))
}

/// Clerk webhook (via Svix)
///
/// Verifies the Svix signature, refuses stale timestamps and replays, and applies
/// `user.created` / `user.updated` (upsert: `_id`, `email` = first address,
/// `name` = first + " " + last, `imageUrl`) and `user.deleted` to `users`. Other event
/// types are acknowledged and ignored. A redelivery of an applied event answers 200.
/// A user event also refreshes the remembered role (`public_metadata.role`; forgotten
/// on `user.deleted`), so a role change counts from the next request, on every
/// instance sharing the cache.
#[utoipa::path(post, path = "/api/webhooks/clerk", tag = "webhooks", request_body(content = Object, description = "A Clerk event"),
    responses(
        (status = 200, description = "Applied, ignored or already applied", body = OkBody),
        (status = 400, description = "Missing headers or an unreadable event", body = ErrorBody),
        (status = 401, description = "Bad signature or stale timestamp", body = ErrorBody),
        (status = 503, description = "No signing secret configured, or storage unavailable", body = ErrorBody),
    ))]
pub async fn clerk_webhook(req: HttpRequest, hooks: web::Data<Webhooks>, body: web::Bytes) -> ApiResult<HttpResponse> {
    let verifier = hooks.verifier.as_ref().ok_or_else(|| ApiError::unavailable(std::io::Error::other("CLERK_WEBHOOK_SIGNING_SECRET is not set")))?;
    let (id, ts, sig) = (header(&req, "svix-id")?, header(&req, "svix-timestamp")?, header(&req, "svix-signature")?);
    verifier.verify(id, ts, sig, &body, chrono::Utc::now().timestamp()).map_err(|e| {
        tracing::warn!(svix_id = id, reason = %e, "webhook refused");
        ApiError::unauthorized("Invalid webhook signature")
    })?;
    let event: ClerkEvent = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Invalid event: {e}")))?;
    let change = event.change().map_err(|e| ApiError::bad_request(format!("Invalid event: {e}")))?;
    let key = format!("auth:svix:{id}");
    match hooks.cache.hit(&key, hooks.replay_window).await {
        Ok((n, _)) if n > 1 => return Ok(HttpResponse::Ok().json(OkBody { success: true, message: Some("Already processed") })),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "webhook replay check skipped"),
    }
    if let Some(roles) = req.app_data::<web::Data<Arc<RoleResolver>>>() {
        match event.role_change() {
            Some(RoleChange::Set(user_id, role)) => roles.remember(&user_id, role).await,
            Some(RoleChange::Forget(user_id)) => roles.forget(&user_id).await,
            None => {}
        }
    }
    if let Err(e) = hooks.users.apply(&change).await {
        // Let Svix's retry through: forget the id.
        let _ = hooks.cache.delete(&[key.as_str()]).await;
        return Err(ApiError::from(e));
    }
    tracing::info!(svix_id = id, kind = %event.kind, "Clerk webhook applied");
    Ok(HttpResponse::Ok().json(OkBody { success: true, message: Some("Processed") }))
}
