//! `DELETE /api/product/delete`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{DeleteResult, DeletedBody, ErrorBody};
use crate::domain::validation::product_id;
use crate::domain::DeleteBody;
use crate::service::ProductsService;

/// Delete a product
///
/// Deletes one of the caller's products (JSON body `{productId}`) and publishes
/// `product.deleted`; the worker removes the images from Cloudinary afterwards.
#[utoipa::path(
    delete,
    path = "/api/product/delete",
    tag = "products",
    security(("bearer" = [])),
    request_body = DeleteBody,
    responses(
        (status = 200, description = "Deleted", body = DeletedBody),
        (status = 400, description = "Missing product ID or malformed id", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 404, description = "Product not found", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage or event bus unavailable", body = ErrorBody),
    )
)]
pub async fn delete_product(principal: Principal, service: web::Data<ProductsService>, body: web::Json<DeleteBody>) -> ApiResult<HttpResponse> {
    principal.require_seller()?;
    let id = product_id(body.product_id.as_ref())?;
    service.delete(&principal, &id).await?;
    let result = DeleteResult { acknowledged: true, deleted_count: 1 };
    Ok(HttpResponse::Ok().json(DeletedBody { success: true, message: "Deleted successfully", result }))
}
