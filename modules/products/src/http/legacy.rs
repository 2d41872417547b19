//! The legacy failure answers of the products routes (frontend.md section 9), applied
//! by the kernel ([`LegacyRoute`]) per `server.error_statuses`. `/api/product/{id}` is
//! hme's own: it keeps its real statuses.

use actix_web::http::StatusCode as S;
use hme_kernel::error::{ErrorKind as K, LegacyAnswer as A, LegacyRoute, MessageKey};
use hme_kernel::openapi::LegacyRoutes;

/// Every failure 200-false (the handler's `catch`).
pub static LIST: LegacyRoute = LegacyRoute { method: "GET", path: "/api/product/list", key: MessageKey::Message, answers: &[], otherwise: S::OK };

/// Signed out or not a seller: 401 "not authorized"; else 200-false.
pub static SELLER_LIST: LegacyRoute = LegacyRoute {
    method: "GET",
    path: "/api/product/seller-list",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized, K::Forbidden], S::UNAUTHORIZED, "not authorized")],
    otherwise: S::OK,
};

/// 401 "not authorized" (signed out or not a seller); invalid input 200-false
/// ("No image URLs provided", ...) and any other failure 200-false.
pub static ADD: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/product/add",
    key: MessageKey::Message,
    answers: &[A::text(&[K::Unauthorized, K::Forbidden], S::UNAUTHORIZED, "not authorized")],
    otherwise: S::OK,
};

/// 401 "Not authorized", 400 (e.g. "Missing product ID"), 404 "Product not found or not
/// owned by you", else 500.
pub static EDIT: LegacyRoute = LegacyRoute {
    method: "PUT",
    path: "/api/product/edit",
    key: MessageKey::Message,
    answers: &[
        A::text(&[K::Unauthorized, K::Forbidden], S::UNAUTHORIZED, "Not authorized"),
        A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST),
        A::text(&[K::NotFound], S::NOT_FOUND, "Product not found or not owned by you"),
    ],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// The codes of edit; 404 "Product not found".
pub static DELETE: LegacyRoute = LegacyRoute {
    method: "DELETE",
    path: "/api/product/delete",
    key: MessageKey::Message,
    answers: &[
        A::text(&[K::Unauthorized, K::Forbidden], S::UNAUTHORIZED, "Not authorized"),
        A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST),
        A::text(&[K::NotFound], S::NOT_FOUND, "Product not found"),
    ],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// The answers of inStock and promotion: 401 "Unauthorized", 400 (e.g. "Invalid
/// input"), 404, else 500.
const FLAG_ANSWERS: &[A] = &[
    A::text(&[K::Unauthorized, K::Forbidden], S::UNAUTHORIZED, "Unauthorized"),
    A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST),
    A::status(&[K::NotFound], S::NOT_FOUND),
];

/// See [`FLAG_ANSWERS`].
pub static IN_STOCK: LegacyRoute =
    LegacyRoute { method: "PUT", path: "/api/product/inStock", key: MessageKey::Message, answers: FLAG_ANSWERS, otherwise: S::INTERNAL_SERVER_ERROR };

/// See [`FLAG_ANSWERS`].
pub static PROMOTION: LegacyRoute =
    LegacyRoute { method: "PUT", path: "/api/product/promotion", key: MessageKey::Message, answers: FLAG_ANSWERS, otherwise: S::INTERNAL_SERVER_ERROR };

/// Every legacy route of the module (OpenAPI).
pub static ROUTES: &[&LegacyRoute] = &[&LIST, &SELLER_LIST, &ADD, &EDIT, &DELETE, &IN_STOCK, &PROMOTION];

/// Documents [`ROUTES`] in the module's OpenAPI document (both modes).
pub static DOC: LegacyRoutes = LegacyRoutes(ROUTES);
