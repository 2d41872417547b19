//! `DELETE /api/image`.

use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::{ApiError, ApiResult};

use super::responses::{DeleteImageBody, DeletedBody, ErrorBody};
use crate::service::ImagesService;

/// Delete an image
///
/// Deletes one of the caller's uploads (JSON body `{url}`): a file uploaded through
/// `POST /api/image/upload`, or a direct Cloudinary upload in the caller's folder.
/// Another seller's image answers 404, as a missing one does.
#[utoipa::path(
    delete,
    path = "/api/image",
    tag = "images",
    security(("bearer" = [])),
    request_body = DeleteImageBody,
    responses(
        (status = 200, description = "Deleted", body = DeletedBody),
        (status = 400, description = "Missing image URL", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 404, description = "Image not found or not owned by you", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Image storage unavailable", body = ErrorBody),
    )
)]
pub async fn delete_image(principal: Principal, service: web::Data<ImagesService>, body: web::Json<DeleteImageBody>) -> ApiResult<HttpResponse> {
    principal.require_seller()?;
    let url = body.url.as_deref().map(str::trim).filter(|u| !u.is_empty()).ok_or_else(|| ApiError::bad_request("Missing image URL"))?;
    service.delete_owned(&principal.user_id, url).await?;
    Ok(HttpResponse::Ok().json(DeletedBody { success: true, message: "Image deleted".to_owned() }))
}
