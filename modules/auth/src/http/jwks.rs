//! `GET /api/auth/jwks.json`.

use actix_web::{web, HttpResponse};

use crate::accounts::AccountsService;

/// Our public keys
///
/// The JWKS other modules and services verify our access tokens with.
#[utoipa::path(get, path = "/api/auth/jwks.json", tag = "auth",
    responses((status = 200, description = "A JWKS document", body = Object)))]
pub async fn jwks(service: web::Data<AccountsService>) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=300")).json(service.signer().jwks())
}
