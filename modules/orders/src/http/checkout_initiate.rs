//! `POST /api/checkout/initiate`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ratelimit::client_address;
use hme_kernel::ApiResult;

use super::responses::{CheckoutBodyJson, ErrorBody};
use crate::payments::{CheckoutBody, PaymentsService};

/// Start a JazzCash checkout
///
/// Creates a pending order for the caller (`paymentMethod` "jazzcash", `paymentStatus`
/// "pending", a `paymentTxnRef`), priced on the server from the lines (the body's
/// `amount` is ignored), with stock reserved and `order.created` published; answers the
/// JazzCash form: `pp_*` fields and `pp_SecureHash`, to post to `gatewayUrl`. Counts
/// against the same per-user and per-address limits as `POST /api/order/create`.
#[utoipa::path(
    post,
    path = "/api/checkout/initiate",
    tag = "payments",
    security(("bearer" = [])),
    request_body = CheckoutBody,
    responses(
        (status = 200, description = "The pending order and the gateway form", body = CheckoutBodyJson),
        (status = 400, description = "Invalid input, or a payment method other than jazzcash", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Address or product not found", body = ErrorBody),
        (status = 409, description = "Out of stock", body = ErrorBody),
        (status = 429, description = "Too many orders from this user or address; see Retry-After", body = ErrorBody),
        (status = 503, description = "JazzCash not configured, or storage unavailable", body = ErrorBody),
    )
)]
pub async fn checkout_initiate(principal: Principal, req: HttpRequest, service: web::Data<PaymentsService>, body: web::Json<CheckoutBody>) -> ApiResult<HttpResponse> {
    service.orders.check_create_limits(&principal, &client_address(&req)).await?;
    Ok(HttpResponse::Ok().json(service.initiate(&principal, &body).await?))
}
