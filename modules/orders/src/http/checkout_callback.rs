//! `POST /api/checkout/callback`.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use crate::payments::PaymentsService;

/// JazzCash's return (form post)
///
/// Verifies `pp_SecureHash` (constant time) and `pp_Amount` against the stored order;
/// "000" marks the order paid (`paymentStatus` "completed", `paymentTxnId` =
/// `pp_TxnRefNo`, `courierName` "tcs") and books TCS (a provisional `PROV-<8 digits>`
/// number while TCS is down, booked later); anything else marks it failed with the
/// reason in `paymentError`. Idempotent: a repeated callback changes nothing. Redirects
/// 303, as the legacy did, to `<BASE_URL>/payment-success?orderId=<id>` or
/// `<BASE_URL>/payment-failed?reason=<SecuritySignatureMismatch | the gateway's
/// message | AmountMismatch | InternalServerError>`.
#[utoipa::path(
    post,
    path = "/api/checkout/callback",
    tag = "payments",
    request_body(content = HashMap<String, String>, content_type = "application/x-www-form-urlencoded", description = "JazzCash's pp_* fields"),
    responses(
        (status = 303, description = "To the shop's payment-success or payment-failed page (also when JazzCash is not configured or storage is down: reason=InternalServerError)"),
    )
)]
pub async fn checkout_callback(service: web::Data<PaymentsService>, form: web::Form<HashMap<String, String>>) -> HttpResponse {
    let fields: BTreeMap<String, String> = form.into_inner().into_iter().collect();
    let outcome = service.callback(&fields).await;
    HttpResponse::SeeOther().insert_header((header::LOCATION, service.redirect_url(&outcome))).finish()
}
