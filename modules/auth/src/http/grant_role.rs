//! `POST /api/auth/roles`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::{Principal, Role};
use hme_kernel::{ApiError, ApiResult};

use super::responses::{ErrorBody, GrantBody, OkBody};
use crate::accounts::AccountsService;

/// Grant a role (admin)
///
/// Sets the role of one of our accounts; it takes effect at its next refresh. Roles
/// of Clerk users live in Clerk (public metadata `role`).
#[utoipa::path(post, path = "/api/auth/roles", tag = "auth", security(("bearer" = [])), request_body = GrantBody,
    responses(
        (status = 200, description = "Granted", body = OkBody),
        (status = 400, description = "Unknown role", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such account of ours", body = ErrorBody),
    ))]
pub async fn grant_role(principal: Principal, service: web::Data<AccountsService>, body: web::Json<GrantBody>) -> ApiResult<HttpResponse> {
    let role = match body.role.trim().to_ascii_lowercase().as_str() {
        "customer" => Role::Customer,
        "seller" => Role::Seller,
        "admin" => Role::Admin,
        _ => return Err(ApiError::bad_request("Invalid input: role must be customer, seller or admin")),
    };
    service.grant(&principal, body.user_id.trim(), role).await?;
    Ok(HttpResponse::Ok().json(OkBody { success: true, message: Some("Role granted") }))
}
