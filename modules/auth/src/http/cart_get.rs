//! `GET /api/cart/get`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{CartBody, ErrorBody};
use crate::service::UsersService;

/// The caller's cart
///
/// `{<productId>: <quantity>}`, `{}` when empty.
#[utoipa::path(get, path = "/api/cart/get", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The cart", body = CartBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn cart_get(principal: Principal, service: web::Data<UsersService>) -> ApiResult<HttpResponse> {
    let user = service.user(&principal.user_id).await?;
    Ok(HttpResponse::Ok().json(CartBody { success: true, cart_items: user.cart_json() }))
}
