//! `PUT /api/product/promotion`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, UpdatedBody};
use crate::domain::validation::{flag, product_id};
use crate::domain::{PromotionBody, ProductPatch};
use crate::service::ProductsService;

/// Set a product's promotion status
///
/// Sets `promotion` on one of the caller's products.
#[utoipa::path(
    put,
    path = "/api/product/promotion",
    tag = "products",
    security(("bearer" = [])),
    request_body = PromotionBody,
    responses(
        (status = 200, description = "Updated", body = UpdatedBody),
        (status = 400, description = "Missing product ID, malformed id, or `promotion` not a boolean (Invalid input)", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Product not found or not owned by you", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn set_promotion(principal: Principal, service: web::Data<ProductsService>, body: web::Json<PromotionBody>) -> ApiResult<HttpResponse> {
    let id = product_id(body.product_id.as_ref())?;
    let patch = ProductPatch { promotion: Some(flag(body.promotion.as_ref())?), ..ProductPatch::default() };
    let product = service.set_flag(&principal, &id, patch).await?;
    Ok(HttpResponse::Ok().json(UpdatedBody { success: true, message: "Promotion status updated", product }))
}
