//! `POST /api/auth/register`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::ApiResult;

use super::client::client_address;
use super::responses::{ErrorBody, OkBody, RegisterBody};
use crate::accounts::AccountsService;

/// Register an account
///
/// Creates an account (argon2id-hashed password) and its user document. The answer is
/// the same whether or not the email is already registered, so it does not reveal
/// which accounts exist; sign in with `POST /api/auth/login` next. Rate limited per
/// client address (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterBody,
    responses(
        (status = 201, description = "Accepted (the account exists now, new or not)", body = OkBody),
        (status = 400, description = "Invalid email, password (8 to 128 characters) or name", body = ErrorBody),
        (status = 429, description = "Too many registrations from this address; see Retry-After", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn register(req: HttpRequest, service: web::Data<AccountsService>, body: web::Json<RegisterBody>) -> ApiResult<HttpResponse> {
    let client = client_address(&req, service.trust_forwarded_for());
    service.register(&body.email, &body.password, &body.name, &client).await?;
    Ok(HttpResponse::Created().json(OkBody { success: true, message: Some("Registration received: sign in to continue") }))
}
