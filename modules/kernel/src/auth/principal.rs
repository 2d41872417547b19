//! The signed-in caller, as an actix extractor.

use std::sync::Arc;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::roles::RoleResolver;
use super::session::{check_cookie_request, session_token, SessionToken};
use super::verifier::TokenVerifier;
use crate::ApiError;

/// A caller's role. Clerk tokens carry it as `metadata.role` (without the claim, the
/// [`RoleResolver`] asks Clerk), our own tokens as `role`; anything else is a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The default: may shop, manage their own cart, addresses and orders.
    Customer,
    /// May manage their own products and see every order.
    Seller,
    /// May do what a seller may, and grant roles.
    Admin,
}

impl Role {
    /// Reads a role claim; unknown or missing values are [`Role::Customer`].
    pub fn from_claim(value: Option<&str>) -> Self {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("seller") => Role::Seller,
            Some("admin") => Role::Admin,
            _ => Role::Customer,
        }
    }
}

/// The verified caller of a request: the token of the `Authorization` header, else of
/// the `__session` cookie (see [`super::session`]). Extracting it answers 401 with the
/// legacy envelope when the token is missing or does not verify, and 403 for a
/// state-changing request signed in by the cookie alone from another site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: a Clerk user id such as `user_2abc...`, or the id of an
    /// account of our own (`usr_...`).
    pub user_id: String,
    /// The caller's role.
    pub role: Role,
}

impl Principal {
    /// Ok for sellers and admins; 403 for a signed-in customer.
    pub fn require_seller(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Seller | Role::Admin => Ok(()),
            Role::Customer => Err(ApiError::forbidden("not authorized: seller role required")),
        }
    }

    /// Ok for admins; 403 otherwise.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("not authorized: admin role required")),
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(verifier) = req.app_data::<web::Data<Arc<TokenVerifier>>>().map(|d| Arc::clone(d.get_ref())) else {
            return Box::pin(async { Err(ApiError::internal(std::io::Error::other("TokenVerifier is not registered"))) });
        };
        let roles = req.app_data::<web::Data<Arc<RoleResolver>>>().map(|d| Arc::clone(d.get_ref()));
        let token = session_token(req);
        // The cross-site check needs the request; its verdict only counts once the
        // cookie's token verifies (a bad cookie is signed out, whatever the origin).
        let cross_site = match &token {
            Ok(SessionToken::Cookie(_)) => check_cookie_request(req).err(),
            _ => None,
        };
        Box::pin(async move {
            let result = match token {
                Ok(t) => verifier.verify_session(t.token()).await,
                Err(e) => Err(e),
            };
            let verified = result.map_err(|e| {
                tracing::debug!(reason = %e, "token rejected");
                ApiError::unauthorized(e.client_message())
            })?;
            if let Some(reason) = cross_site {
                tracing::warn!(user_id = %verified.principal.user_id, %reason, "cookie-authenticated state-changing request refused as cross-site");
                return Err(ApiError::forbidden("Forbidden: cross-site request refused").own_refusal());
            }
            let mut principal = verified.principal;
            if verified.role_unclaimed {
                if let Some(roles) = roles {
                    principal.role = roles.role(&principal.user_id).await;
                }
            }
            Ok(principal)
        })
    }
}
