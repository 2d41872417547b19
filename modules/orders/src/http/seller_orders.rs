//! `GET /api/order/seller-orders`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;
use serde_json::json;

use super::responses::{ErrorBody, OrdersBody};
use crate::service::OrdersService;

/// Every order (sellers)
///
/// All orders in natural (insertion) order, populated like `/api/order/list`.
#[utoipa::path(
    get,
    path = "/api/order/seller-orders",
    tag = "orders",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All orders", body = OrdersBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn seller_orders(principal: Principal, service: web::Data<OrdersService>) -> ApiResult<HttpResponse> {
    let orders = service.all_orders(&principal).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true, "orders": orders})))
}
