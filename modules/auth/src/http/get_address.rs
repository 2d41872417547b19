//! `GET /api/user/get-address`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{AddressesBody, ErrorBody};
use crate::service::UsersService;

/// The caller's addresses
///
/// Oldest first.
#[utoipa::path(get, path = "/api/user/get-address", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The addresses", body = AddressesBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn get_address(principal: Principal, service: web::Data<UsersService>) -> ApiResult<HttpResponse> {
    let addresses = service.addresses(&principal.user_id).await?.iter().map(|a| a.to_json()).collect();
    Ok(HttpResponse::Ok().json(AddressesBody { success: true, addresses }))
}
