//! `PUT /api/product/inStock` and `PUT /api/product/promotion`: one handler setting one
//! boolean flag on one of the caller's products; the two routes differ only in the
//! flag and the answer's message.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;
use serde_json::Value;

use super::responses::{ErrorBody, UpdatedBody};
use crate::domain::validation::{flag, product_id};
use crate::domain::{InStockBody, ProductPatch, PromotionBody};
use crate::service::ProductsService;

/// The flags a seller sets by itself.
#[derive(Debug, Clone, Copy)]
enum Flag {
    /// `inStock`.
    InStock,
    /// `promotion`.
    Promotion,
}

/// The handler of both routes: validates the id then the flag (in that order, as the
/// legacy handler), sets it through the service, answers the product as updated.
async fn set(principal: Principal, service: web::Data<ProductsService>, id: Option<&Value>, value: Option<&Value>, which: Flag) -> ApiResult<HttpResponse> {
    let id = product_id(id)?;
    let value = Some(flag(value)?);
    let (patch, message) = match which {
        Flag::InStock => (ProductPatch { in_stock: value, ..ProductPatch::default() }, "Stock status updated"),
        Flag::Promotion => (ProductPatch { promotion: value, ..ProductPatch::default() }, "Promotion status updated"),
    };
    let product = service.set_flag(&principal, &id, patch).await?;
    Ok(HttpResponse::Ok().json(UpdatedBody { success: true, message, product }))
}

/// Set a product's stock status
///
/// Sets `inStock` on one of the caller's products.
#[utoipa::path(
    put,
    path = "/api/product/inStock",
    tag = "products",
    security(("bearer" = [])),
    request_body = InStockBody,
    responses(
        (status = 200, description = "Updated", body = UpdatedBody),
        (status = 400, description = "Missing product ID, malformed id, or `inStock` not a boolean (Invalid input)", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Product not found or not owned by you", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn set_in_stock(principal: Principal, service: web::Data<ProductsService>, body: web::Json<InStockBody>) -> ApiResult<HttpResponse> {
    set(principal, service, body.product_id.as_ref(), body.in_stock.as_ref(), Flag::InStock).await
}

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
    set(principal, service, body.product_id.as_ref(), body.promotion.as_ref(), Flag::Promotion).await
}
