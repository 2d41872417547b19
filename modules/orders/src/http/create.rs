//! `POST /api/order/create`.

use actix_web::{web, HttpRequest, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ratelimit::client_address;
use hme_kernel::{ApiError, ApiResult};

use super::responses::{CreatedBody, ErrorBody};
use crate::domain::CreateOrderBody;
use crate::service::OrdersService;

/// Place an order
///
/// Places an order for the caller: the address must be one of theirs; every product
/// must exist and have the stock (lines of one product are summed); stock is reserved
/// for all lines or none. The order is stored before the answer, with its
/// `order.created` event; the cart is emptied. With an `Idempotency-Key` header a retry
/// answers the first result instead of placing another order. Rate limited per user
/// and per client address (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/order/create",
    tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 200 visible ASCII characters; kept per user for `orders.idempotency_ttl_secs`")),
    request_body = CreateOrderBody,
    responses(
        (status = 200, description = "Placed (or the replay of an earlier create with the same key)", body = CreatedBody),
        (status = 400, description = "Invalid input: the message names the field or item", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Address not found (or not the caller's), or a product not found (named)", body = ErrorBody),
        (status = 409, description = "A product is out of stock (named, with what is available)", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 429, description = "Too many orders from this user or address; see Retry-After", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Storage, catalog or customers unavailable", body = ErrorBody),
    )
)]
pub async fn create_order(principal: Principal, req: HttpRequest, service: web::Data<OrdersService>, body: web::Json<CreateOrderBody>) -> ApiResult<HttpResponse> {
    let key = match req.headers().get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| ApiError::bad_request("Invalid Idempotency-Key: 1 to 200 visible ASCII characters"))?),
        None => None,
    };
    service.check_create_limits(&principal, &client_address(&req)).await?;
    let placed = service.place(&principal, &body, key).await?;
    let mut resp = HttpResponse::Ok();
    if placed.replayed {
        resp.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(resp.json(placed.body))
}
