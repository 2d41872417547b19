//! `POST /api/product/add`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{AddedBody, ErrorBody};
use crate::domain::AddProductBody;
use crate::service::ProductsService;

/// Add a product
///
/// Stores a new product owned by the calling seller. `price`/`offerPrice` may be
/// strings of digits; `image` must hold 1 to 8 http(s) URLs.
#[utoipa::path(
    post,
    path = "/api/product/add",
    tag = "products",
    security(("bearer" = [])),
    request_body = AddProductBody,
    responses(
        (status = 200, description = "Stored", body = AddedBody),
        (status = 400, description = "Invalid input (the message names the field)", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn add_product(principal: Principal, service: web::Data<ProductsService>, body: web::Json<AddProductBody>) -> ApiResult<HttpResponse> {
    let new_product = service.add(&principal, &body).await?;
    Ok(HttpResponse::Ok().json(AddedBody { success: true, message: "Upload Successfully", new_product }))
}
