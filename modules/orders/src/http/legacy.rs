//! The legacy failure answers of the orders, checkout and tracking routes (frontend.md
//! section 9), applied by the kernel ([`LegacyRoute`]) per `server.error_statuses`.
//! `order/status` and `order/cancel` are hme's own: they keep their real statuses; the
//! checkout callback answers redirects.

use actix_web::http::StatusCode as S;
use hme_kernel::error::{ErrorKind as K, LegacyAnswer as A, LegacyRoute, MessageKey};
use hme_kernel::openapi::LegacyRoutes;

/// 401 "Unauthorized"; any other failure 200-false (no address or items: "No items in
/// the order"; hme's own checks name the problem).
pub static CREATE: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/order/create",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized], S::UNAUTHORIZED, "Unauthorized")],
    otherwise: S::OK,
};

/// Every failure 200-false.
pub static LIST: LegacyRoute = LegacyRoute { method: "GET", path: "/api/order/list", key: MessageKey::Message, answers: &[], otherwise: S::OK };

/// Signed out or not a seller: 200-false "not authorized"; any other failure 200-false.
pub static SELLER_ORDERS: LegacyRoute = LegacyRoute {
    method: "GET",
    path: "/api/order/seller-orders",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized, K::Forbidden], S::OK, "not authorized")],
    otherwise: S::OK,
};

/// `{success:false, error}`: 401 "Unauthorized profile login missing", 400 (a payment
/// method other than jazzcash, invalid input), else 500.
pub static INITIATE: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/checkout/initiate",
    key: MessageKey::Error,
    answers: &[
        A::text(&[K::Unauthorized], S::UNAUTHORIZED, "Unauthorized profile login missing"),
        A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST),
    ],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// `{success:false, error}`: 401 "Unauthorized session", courier (or storage) down 502,
/// unknown number 404, else 500.
pub static TRACK: LegacyRoute = LegacyRoute {
    method: "GET",
    path: "/api/track/{trackingNumber}",
    key: MessageKey::Error,
    answers: &[
        A::text(&[K::Unauthorized], S::UNAUTHORIZED, "Unauthorized session"),
        A::status(&[K::Unavailable], S::BAD_GATEWAY),
        A::status(&[K::NotFound], S::NOT_FOUND),
        A::status(&[K::BadRequest], S::BAD_REQUEST),
    ],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// The legacy order routes (OpenAPI).
pub static ROUTES: &[&LegacyRoute] = &[&CREATE, &LIST, &SELLER_ORDERS, &INITIATE, &TRACK];

/// Documents [`ROUTES`] in the module's OpenAPI document (both modes).
pub static DOC: LegacyRoutes = LegacyRoutes(ROUTES);
