//! The HTTP face: one handler per file, registered and documented together.

pub mod cancel;
pub mod checkout_callback;
pub mod checkout_initiate;
pub mod create;
pub mod legacy;
pub mod list;
pub mod responses;
pub mod seller_orders;
pub mod status;
pub mod track;

use std::sync::Arc;

use actix_web::web;
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::oid::ObjectId;
use legacy::DOC as LEGACY_ANSWERS;
use hme_kernel::openapi::{BearerAuth, LegacyErrors};
use utoipa::OpenApi;

use crate::domain::input::hex_id;
use crate::payments::PaymentsService;
use crate::service::OrdersService;

/// The OpenAPI document of exactly the orders routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        create::create_order, list::list_orders, seller_orders::seller_orders, status::set_status, cancel::cancel_order,
        checkout_initiate::checkout_initiate, checkout_callback::checkout_callback, track::track
    ),
    components(schemas(
        responses::CourierJson,
        responses::CreatedBody,
        responses::OrderJson,
        responses::OrdersBody,
        responses::StatusChangedBody,
        responses::ErrorBody,
        responses::CheckoutBodyJson,
        responses::TrackingBody,
        crate::payments::CheckoutBody,
        crate::domain::CreateOrderBody,
        crate::domain::StatusBody,
        crate::domain::CancelBody,
    )),
    modifiers(&BearerAuth, &LegacyErrors, &LEGACY_ANSWERS),
    tags(
        (name = "orders", description = "Legacy order placement and lists, and the order lifecycle"),
        (name = "payments", description = "JazzCash checkout, its callback, courier tracking")
    )
)]
pub struct OrdersApi;

/// A body's `orderId`: missing is 400 "Missing order ID", malformed 400.
pub(crate) fn order_id(value: Option<&serde_json::Value>) -> ApiResult<ObjectId> {
    if value.is_none_or(serde_json::Value::is_null) {
        return Err(ApiError::bad_request("Missing order ID"));
    }
    let hex = hex_id(value).ok_or_else(|| ApiError::bad_request("Invalid order ID: expected 24 hex characters"))?;
    ObjectId::parse_str(&hex).map_err(|_| ApiError::bad_request("Invalid order ID"))
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig, service: &Arc<OrdersService>) {
    let data = web::Data::from(Arc::clone(service));
    let resource = |path: &str| web::resource(path.to_owned()).app_data(data.clone());
    cfg.service(resource("/api/order/create").wrap(legacy::CREATE.wrap()).route(web::post().to(create::create_order)))
        .service(resource("/api/order/list").wrap(legacy::LIST.wrap()).route(web::get().to(list::list_orders)))
        .service(resource("/api/order/seller-orders").wrap(legacy::SELLER_ORDERS.wrap()).route(web::get().to(seller_orders::seller_orders)))
        .service(resource("/api/order/status").route(web::put().to(status::set_status)))
        .service(resource("/api/order/cancel").route(web::post().to(cancel::cancel_order)));
}

/// Registers the checkout and tracking routes.
pub fn configure_payments(cfg: &mut web::ServiceConfig, service: &Arc<PaymentsService>) {
    let data = web::Data::from(Arc::clone(service));
    let resource = |path: &str| web::resource(path.to_owned()).app_data(data.clone());
    cfg.service(resource("/api/checkout/initiate").wrap(legacy::INITIATE.wrap()).route(web::post().to(checkout_initiate::checkout_initiate)))
        .service(resource("/api/checkout/callback").route(web::post().to(checkout_callback::checkout_callback)))
        .service(resource("/api/track/{trackingNumber}").wrap(legacy::TRACK.wrap()).route(web::get().to(track::track)));
}
