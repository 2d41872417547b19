//! `POST /api/cart/update`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{CartUpdateBody, ErrorBody, OkBody};
use crate::service::UsersService;

/// Replace the caller's cart
///
/// Product ids must be 24 hex characters, quantities whole numbers from 1 to 10000; an
/// empty object empties the cart (stored as `{}`).
#[utoipa::path(post, path = "/api/cart/update", tag = "users", security(("bearer" = [])), request_body = CartUpdateBody,
    responses(
        (status = 200, description = "Stored", body = OkBody),
        (status = 400, description = "Invalid cart (the message names the problem)", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn cart_update(principal: Principal, service: web::Data<UsersService>, body: web::Json<CartUpdateBody>) -> ApiResult<HttpResponse> {
    service.update_cart(&principal.user_id, &body.cart_data).await?;
    Ok(HttpResponse::Ok().json(OkBody { success: true, message: None }))
}
