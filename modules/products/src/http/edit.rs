//! `PUT /api/product/edit`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, UpdatedBody};
use crate::domain::EditProductBody;
use crate::service::ProductsService;

/// Edit a product
///
/// Changes the given fields of one of the caller's products; `offerPrice` becomes 0
/// when missing or falsy.
#[utoipa::path(
    put,
    path = "/api/product/edit",
    tag = "products",
    security(("bearer" = [])),
    request_body = EditProductBody,
    responses(
        (status = 200, description = "Updated", body = UpdatedBody),
        (status = 400, description = "Missing product ID, malformed id or invalid input", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 404, description = "Product not found or not owned by you", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn edit_product(principal: Principal, service: web::Data<ProductsService>, body: web::Json<EditProductBody>) -> ApiResult<HttpResponse> {
    let product = service.edit(&principal, &body).await?;
    Ok(HttpResponse::Ok().json(UpdatedBody { success: true, message: "Product updated", product }))
}
