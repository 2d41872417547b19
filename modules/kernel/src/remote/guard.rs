//! The one gate of every internal endpoint: `Authorization: Bearer <service token>`,
//! compared in constant time. Wrong or missing token: 401 with the legacy envelope.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{HttpServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::ApiError;

/// Where internal endpoints live.
pub const INTERNAL_PREFIX: &str = "/internal/v1";

/// The shared secret internal endpoints require (`HME_SERVICE_TOKEN`). Never printed.
#[derive(Clone)]
pub struct ServiceToken(SecretString);

impl std::fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceToken(***)")
    }
}

impl ServiceToken {
    /// The token, or None when it is empty (an empty token would let anyone in).
    pub fn new(secret: SecretString) -> Option<Self> {
        (!secret.expose_secret().trim().is_empty()).then_some(Self(secret))
    }

    /// The secret, for the `Authorization` header of outgoing calls.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether an `Authorization` header value carries this token (constant time in the
    /// token's content).
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        let Some(given) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else { return false };
        bool::from(given.trim().as_bytes().ct_eq(self.0.expose_secret().as_bytes()))
    }
}

async fn require_token(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let admitted = req
        .app_data::<web::Data<ServiceToken>>()
        .is_some_and(|t| t.admits(req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())));
    if !admitted {
        let res = ApiError::unauthorized("Internal endpoint: a valid service token is required").error_response();
        return Ok(req.into_response(res));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The `/internal/v1` scope, every request checked against `token`, holding the routes
/// `configure` registers (each owning module's `configure_internal`).
pub fn internal_scope(token: ServiceToken, configure: impl FnOnce(&mut web::ServiceConfig)) -> impl HttpServiceFactory {
    web::scope(INTERNAL_PREFIX)
        .app_data(web::Data::new(token))
        .configure(configure)
        .wrap(from_fn(require_token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_only_the_exact_bearer_token() {
        let t = ServiceToken::new(SecretString::from("s3cret")).unwrap();
        assert!(t.admits(Some("Bearer s3cret")));
        for bad in [None, Some("s3cret"), Some("Bearer s3cre"), Some("Bearer s3cret2"), Some("Basic s3cret"), Some("Bearer ")] {
            assert!(!t.admits(bad), "{bad:?}");
        }
        assert!(ServiceToken::new(SecretString::from("  ")).is_none());
        assert_eq!(format!("{t:?}"), "ServiceToken(***)");
    }
}
