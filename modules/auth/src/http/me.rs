//! `GET /api/auth/me`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, MeBody};
use crate::accounts::AccountsService;
use crate::service::UsersService;

/// The signed-in caller
///
/// Works with Clerk tokens and ours: the user id, role and where the identity lives.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn me(principal: Principal, accounts: web::Data<AccountsService>, users: web::Data<UsersService>) -> ApiResult<HttpResponse> {
    let account = accounts.account(&principal.user_id).await?;
    let user = users.user(&principal.user_id).await.ok();
    let role = serde_json::to_value(principal.role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    Ok(HttpResponse::Ok().json(MeBody {
        success: true,
        user_id: principal.user_id,
        role,
        provider: if account.is_some() { "hme" } else { "clerk" },
        email: account.map(|a| a.email).or_else(|| user.as_ref().map(|u| u.email().to_owned())),
        name: user.map(|u| u.name().to_owned()),
    }))
}
