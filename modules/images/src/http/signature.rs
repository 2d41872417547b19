//! `POST /api/image/signature`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::responses::{ErrorBody, SignatureBody};
use crate::service::ImagesService;

/// Sign a direct upload
///
/// What the browser needs to upload straight to Cloudinary with a signed request into
/// the seller's folder: post `file`, `api_key`, `signature` and every entry of `params`
/// to `uploadUrl` within the hour. The API secret never leaves the server.
#[utoipa::path(
    post,
    path = "/api/image/signature",
    tag = "images",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed", body = SignatureBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Cloudinary is not configured on this server", body = ErrorBody),
    )
)]
pub async fn sign_upload(principal: Principal, service: web::Data<ImagesService>) -> ApiResult<HttpResponse> {
    principal.require_seller()?;
    let signed = service.signed_upload(&principal.user_id, chrono::Utc::now())?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(SignatureBody::from(signed)))
}
