//! `GET /api/order/list`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;
use serde_json::json;

use super::responses::{ErrorBody, OrdersBody};
use crate::service::OrdersService;

/// The caller's orders
///
/// The caller's orders in natural (insertion) order, oldest first, as the legacy
/// answered them (the my-orders page reverses them), with `address` and each `items[].product`
/// populated (null when the document no longer exists), as mongoose serializes them.
#[utoipa::path(
    get,
    path = "/api/order/list",
    tag = "orders",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's orders", body = OrdersBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn list_orders(principal: Principal, service: web::Data<OrdersService>) -> ApiResult<HttpResponse> {
    let orders = service.my_orders(&principal).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true, "orders": orders})))
}
