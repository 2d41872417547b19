//! The signed-in caller, as an actix extractor.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::verifier::{AuthError, TokenVerifier};
use crate::ApiError;

/// A caller's role. Clerk tokens carry it as `metadata.role`, our own tokens as `role`;
/// anything else is a customer.
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

/// The verified caller of a request. Extracting it answers 401 with the legacy
/// envelope when the token is missing or does not verify.
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

/// The bearer token of a request. Several `Authorization` headers are refused rather
/// than guessing which one counts.
fn bearer_token(req: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next().ok_or(AuthError::Missing)?;
    if values.next().is_some() {
        return Err(AuthError::Malformed("several Authorization headers"));
    }
    let value = value.to_str().map_err(|_| AuthError::Malformed("Authorization header is not text"))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::Malformed("expected `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Malformed("expected `Bearer <token>`"));
    }
    Ok(token.trim())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(verifier) = req.app_data::<web::Data<Arc<TokenVerifier>>>().map(|d| Arc::clone(d.get_ref())) else {
            return Box::pin(async { Err(ApiError::internal(std::io::Error::other("TokenVerifier is not registered"))) });
        };
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let result = match token {
                Ok(token) => verifier.verify_async(&token).await,
                Err(e) => Err(e),
            };
            result.map_err(|e| {
                tracing::debug!(reason = %e, "token rejected");
                ApiError::unauthorized(e.client_message())
            })
        })
    }
}
