//! `GET /api/product/list`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::ApiResult;

use super::responses::{conditional_json, ErrorBody, ListBody};
use crate::domain::ListParams;
use crate::service::ProductsService;

/// List products
///
/// Without parameters: every product (the legacy list, `{success, products}`). With any
/// of the optional parameters: the matching products, sorted and paged, and the body
/// adds `page`, `limit` and `total`. Served from the cache; carries an ETag.
#[utoipa::path(
    get,
    path = "/api/product/list",
    tag = "products",
    params(ListParams),
    responses(
        (status = 200, description = "The products", body = ListBody),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current"),
        (status = 400, description = "A parameter is invalid (e.g. `limit` above 100)", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn list_products(req: HttpRequest, service: web::Data<ProductsService>, params: web::Query<ListParams>) -> ApiResult<HttpResponse> {
    let body = service.list_body(&params).await?;
    Ok(conditional_json(&req, body).await)
}
