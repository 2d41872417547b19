//! `POST /api/user/add-address`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{AddAddressBody, AddressAddedBody, ErrorBody};
use crate::service::UsersService;

/// Add an address
///
/// Text fields are trimmed and required (at most 200 characters); `pinCode` may be a
/// number or a string of digits and is stored as a number.
#[utoipa::path(post, path = "/api/user/add-address", tag = "users", security(("bearer" = [])), request_body = AddAddressBody,
    responses(
        (status = 200, description = "Stored", body = AddressAddedBody),
        (status = 400, description = "Invalid address (the message names the field)", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    ))]
pub async fn add_address(principal: Principal, service: web::Data<UsersService>, body: web::Json<AddAddressBody>) -> ApiResult<HttpResponse> {
    let address = service.add_address(&principal.user_id, &body.address).await?;
    Ok(HttpResponse::Ok().json(AddressAddedBody { success: true, message: "Address added successfully", new_address: address.to_json() }))
}
