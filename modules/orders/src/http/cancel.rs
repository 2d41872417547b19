//! `POST /api/order/cancel` (new).

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::order_id;
use super::responses::{ErrorBody, StatusChangedBody};
use crate::domain::CancelBody;
use crate::service::OrdersService;

/// Cancel an order
///
/// The customer cancels their own order while it is "Order Placed"; a seller cancels
/// any order before it ships. The stock is returned; `order.status_changed` published.
#[utoipa::path(
    post,
    path = "/api/order/cancel",
    tag = "orders",
    security(("bearer" = [])),
    request_body = CancelBody,
    responses(
        (status = 200, description = "Cancelled", body = StatusChangedBody),
        (status = 400, description = "Missing or malformed orderId", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Order not found (or another customer's)", body = ErrorBody),
        (status = 409, description = "Too late to cancel", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage unavailable", body = ErrorBody),
    )
)]
pub async fn cancel_order(principal: Principal, service: web::Data<OrdersService>, body: web::Json<CancelBody>) -> ApiResult<HttpResponse> {
    let id = order_id(body.order_id.as_ref())?;
    Ok(HttpResponse::Ok().json(service.cancel(&principal, &id).await?))
}
