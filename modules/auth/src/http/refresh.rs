//! `POST /api/auth/refresh`.

use actix_web::{web, HttpResponse};
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, RefreshBody};
use crate::accounts::{AccountsService, TokenPair};

/// Refresh the tokens
///
/// Exchanges a refresh token for a new pair; the old refresh token is spent.
/// Presenting a spent token again revokes every token of its sign-in.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses(
        (status = 200, description = "New tokens", body = TokenPair),
        (status = 401, description = "Invalid, expired, spent or revoked refresh token", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn refresh(service: web::Data<AccountsService>, body: web::Json<RefreshBody>) -> ApiResult<HttpResponse> {
    let pair = service.refresh(&body.refresh_token).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(pair))
}
