//! The legacy failure answers of the newsletter and contact routes, applied by the
//! kernel ([`LegacyRoute`]) per `server.error_statuses`. Both pages read the status
//! (non-2xx: the error notice), so failures stay non-2xx in both modes.

use actix_web::http::StatusCode as S;
use hme_kernel::error::{ErrorKind as K, LegacyAnswer as A, LegacyRoute, MessageKey};
use hme_kernel::openapi::LegacyRoutes;

/// `{success:false, error}`: invalid email 400, any other failure 500 (the rate limit
/// keeps its 429). A known address is a 200 for the legacy handler.
pub static SUBSCRIBE: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/subscribe",
    key: MessageKey::Error,
    answers: &[A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST), A::status(&[K::Conflict], S::OK)],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// Invalid input 400, any other failure 500 (the rate limit keeps its 429).
pub static CONTACT: LegacyRoute = LegacyRoute {
    method: "POST",
    path: "/api/contact",
    key: MessageKey::Message,
    answers: &[A::status(&[K::BadRequest, K::Unprocessable], S::BAD_REQUEST)],
    otherwise: S::INTERNAL_SERVER_ERROR,
};

/// Both routes (OpenAPI).
pub static ROUTES: &[&LegacyRoute] = &[&SUBSCRIBE, &CONTACT];

/// Documents [`ROUTES`] in the module's OpenAPI document (both modes).
pub static DOC: LegacyRoutes = LegacyRoutes(ROUTES);
