//! `GET /api/user/data`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, UserBody};
use crate::service::UsersService;

/// The caller's user document
///
/// The `users` document of the signed-in caller, as mongoose serializes it.
#[utoipa::path(get, path = "/api/user/data", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "User not found (no webhook has created it yet)", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn user_data(principal: Principal, service: web::Data<UsersService>) -> ApiResult<HttpResponse> {
    let user = service.user(&principal.user_id).await?;
    Ok(HttpResponse::Ok().json(UserBody { success: true, user: user.to_json() }))
}
