//! `POST /api/auth/register`.

use actix_web::{web, HttpResponse};
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, OkBody, RegisterBody};
use crate::accounts::AccountsService;

/// Register an account
///
/// Creates an account (argon2id-hashed password) and its user document. The answer is
/// the same whether or not the email is already registered, so it does not reveal
/// which accounts exist; sign in with `POST /api/auth/login` next.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterBody,
    responses(
        (status = 201, description = "Accepted (the account exists now, new or not)", body = OkBody),
        (status = 400, description = "Invalid email, password (8 to 128 characters) or name", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn register(service: web::Data<AccountsService>, body: web::Json<RegisterBody>) -> ApiResult<HttpResponse> {
    service.register(&body.email, &body.password, &body.name).await?;
    Ok(HttpResponse::Created().json(OkBody { success: true, message: Some("Registration received: sign in to continue") }))
}
