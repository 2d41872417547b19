//! `POST /api/auth/login`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::ApiResult;

use super::client::client_address;
use super::responses::{ErrorBody, LoginBody};
use crate::accounts::{AccountsService, TokenPair};

/// Sign in
///
/// Returns a short-lived access token and a refresh token. Rate limited per account
/// and per client address (429 with `Retry-After`). A wrong email and a wrong password
/// get the same answer.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Invalid email or password", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn login(req: HttpRequest, service: web::Data<AccountsService>, body: web::Json<LoginBody>) -> ApiResult<HttpResponse> {
    let client = client_address(&req, service.trust_forwarded_for());
    let pair = service.login(&body.email, &body.password, &client).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(pair))
}
