//! The legacy failure answers of the user, cart and address routes (frontend.md
//! section 9), applied by the kernel ([`LegacyRoute`]) per `server.error_statuses`.
//! The accounts, roles, JWKS and webhook routes are hme's own: real statuses.

use actix_web::http::StatusCode as S;
use hme_kernel::error::{ErrorKind as K, LegacyAnswer as A, LegacyRoute, MessageKey};
use hme_kernel::openapi::LegacyRoutes;

/// Signed out or no user document: 200-false "User not found"; else 200-false.
pub static USER_DATA: LegacyRoute = LegacyRoute {
    method: "GET",
    path: "/api/user/data",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized, K::NotFound], S::OK, "User not found")],
    otherwise: S::OK,
};

/// Every failure 200-false (never called by the storefront).
pub static CART_GET: LegacyRoute = LegacyRoute { method: "GET", path: "/api/cart/get", key: MessageKey::Message, answers: &[], otherwise: S::OK };

/// 401 "Unauthorized", 404 "User not found", else 200-false.
pub static CART_UPDATE: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/cart/update",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized], S::UNAUTHORIZED, "Unauthorized"), A::text(&[K::NotFound], S::NOT_FOUND, "User not found")],
    otherwise: S::OK,
};

/// Every failure 200-false (an empty field, a non-numeric pinCode: hme's message names it).
pub static ADD_ADDRESS: LegacyRoute =
    LegacyRoute { method: "POST", path: "/api/user/add-address", key: MessageKey::Message, answers: &[], otherwise: S::OK };

/// Every failure 200-false.
pub static GET_ADDRESS: LegacyRoute =
    LegacyRoute { method: "GET", path: "/api/user/get-address", key: MessageKey::Message, answers: &[], otherwise: S::OK };

/// The legacy routes of the module (OpenAPI).
pub static ROUTES: &[&LegacyRoute] = &[&USER_DATA, &CART_GET, &CART_UPDATE, &ADD_ADDRESS, &GET_ADDRESS];

/// Documents [`ROUTES`] in the module's OpenAPI document (both modes).
pub static DOC: LegacyRoutes = LegacyRoutes(ROUTES);
