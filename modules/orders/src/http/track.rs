//! `GET /api/track/{trackingNumber}`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use hme_kernel::openapi::{AnyErrorBody, ErrorKeyBody};

use super::responses::{ErrorBody, TrackingBody};
use crate::payments::PaymentsService;

/// Track a shipment
///
/// The order's owner or a seller only (anyone else: 404, as for an unknown number).
/// A provisional number answers "Pending booking"; otherwise the courier is asked.
/// Failures carry `error` instead of `message`.
#[utoipa::path(
    get,
    path = "/api/track/{trackingNumber}",
    tag = "payments",
    security(("bearer" = [])),
    params(("trackingNumber" = String, Path, description = "the order's courierTrackingNumber")),
    responses(
        (status = 200, description = "Where the shipment is", body = TrackingBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 404, description = "Unknown number, or not the caller's order (legacy `error` key)", body = ErrorKeyBody),
        (status = 500, description = "Unexpected failure (legacy `error` key)", body = AnyErrorBody),
        (status = 503, description = "Courier or storage unavailable (legacy `error` key), or the request timed out (`message`)", body = AnyErrorBody),
    )
)]
pub async fn track(principal: Principal, service: web::Data<PaymentsService>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(service.track(&principal, &path).await?))
}
