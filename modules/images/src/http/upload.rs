//! `POST /api/image/upload`.

use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use hme_kernel::auth::Principal;
use hme_kernel::ApiResult;

use super::multipart::{read_files, Limits};
use super::responses::{ErrorBody, UploadForm, UploadedBody};
use crate::service::ImagesService;

/// Upload images
///
/// Stores 1 to 4 images (multipart/form-data; every part with a filename is a file) in
/// the configured backend and answers their public URLs, ready for
/// `POST /api/product/add`. The type comes from the bytes, not the name. All files are
/// received and checked before any is stored; either all are stored or none.
#[utoipa::path(
    post,
    path = "/api/image/upload",
    tag = "images",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Stored", body = UploadedBody),
        (status = 400, description = "No file, too many files, an empty file, or a malformed or truncated multipart body", body = ErrorBody),
        (status = 401, description = "No token, or a bad one", body = ErrorBody),
        (status = 403, description = "Signed in but not a seller", body = ErrorBody),
        (status = 413, description = "A file is over the size limit", body = ErrorBody),
        (status = 415, description = "Not multipart/form-data, or a file is not a JPEG, PNG, WebP, GIF or AVIF image", body = ErrorBody),
        (status = 422, description = "Unreadable image header, or dimensions over the limit", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
        (status = 503, description = "Image storage unavailable (nothing was stored)", body = ErrorBody),
    )
)]
pub async fn upload_images(principal: Principal, service: web::Data<ImagesService>, payload: Multipart) -> ApiResult<HttpResponse> {
    principal.require_seller()?;
    let settings = service.settings();
    let files = read_files(payload, Limits { max_file_bytes: settings.max_file_bytes, max_files: settings.max_files }).await?;
    let images = service.upload(&principal.user_id, files).await?;
    Ok(HttpResponse::Ok().json(UploadedBody::new(images)))
}
