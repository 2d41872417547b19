//! `GET /api/product/seller-list`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, ListBody};
use crate::service::ProductsService;

/// The caller's products
///
/// Every product whose `userId` is the calling seller.
#[utoipa::path(
    get,
    path = "/api/product/seller-list",
    tag = "products",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The seller's products", body = ListBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn seller_list(principal: Principal, service: web::Data<ProductsService>) -> ApiResult<HttpResponse> {
    let products = service.seller_products(&principal).await?;
    Ok(HttpResponse::Ok().json(ListBody { success: true, products, page: None, limit: None, total: None }))
}
