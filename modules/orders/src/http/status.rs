//! `PUT /api/order/status` (new).

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::{ApiError, ApiResult};

use super::responses::{ErrorBody, StatusChangedBody};
use super::order_id;
use crate::domain::{OrderStatus, StatusBody};
use crate::service::OrdersService;

/// Move an order (sellers)
///
/// Moves an order one step: "Order Placed" → "Processing" → "Shipped" → "Delivered",
/// or to "Cancelled" before it ships (the stock is returned). Publishes
/// `order.status_changed`.
#[utoipa::path(
    put,
    path = "/api/order/status",
    tag = "orders",
    security(("bearer" = [])),
    request_body = StatusBody,
    responses(
        (status = 200, description = "Moved", body = StatusChangedBody),
        (status = 400, description = "Missing or malformed orderId or status", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 404, description = "Order not found", body = ErrorBody),
        (status = 409, description = "Not allowed from the current status", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn set_status(principal: Principal, service: web::Data<OrdersService>, body: web::Json<StatusBody>) -> ApiResult<HttpResponse> {
    principal.require_seller()?;
    let id = order_id(body.order_id.as_ref())?;
    let to = body
        .status
        .as_ref()
        .and_then(|s| s.as_str())
        .and_then(OrderStatus::parse)
        .filter(|s| *s != OrderStatus::Placed)
        .ok_or_else(|| ApiError::bad_request("Invalid status: expected \"Processing\", \"Shipped\", \"Delivered\" or \"Cancelled\""))?;
    Ok(HttpResponse::Ok().json(service.set_status(&principal, &id, to).await?))
}
