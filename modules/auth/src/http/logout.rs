//! `POST /api/auth/logout`.

use actix_web::{web, HttpResponse};
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, OkBody, RefreshBody};
use crate::accounts::AccountsService;

/// Sign out
///
/// Revokes the refresh token and every token of its sign-in. Access tokens already
/// issued stay valid until they expire (minutes). Unknown tokens are accepted silently.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 200, description = "Signed out", body = OkBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn logout(service: web::Data<AccountsService>, body: web::Json<RefreshBody>) -> ApiResult<HttpResponse> {
    service.logout(&body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(OkBody { success: true, message: Some("Signed out") }))
}
