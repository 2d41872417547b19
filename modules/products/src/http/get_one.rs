//! `GET /api/product/{id}`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::ApiResult;

use super::responses::{conditional_json, ErrorBody, ProductBody};
use crate::service::ProductsService;

/// Get one product
///
/// `{success, product}`. Served from the cache; carries an ETag.
#[utoipa::path(
    get,
    path = "/api/product/{id}",
    tag = "products",
    params(("id" = String, Path, description = "The product's 24-hex id")),
    responses(
        (status = 200, description = "The product", body = ProductBody),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn get_product(req: HttpRequest, service: web::Data<ProductsService>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let body = service.product_body(&id).await?;
    Ok(conditional_json(&req, body).await)
}
