//! `GET /media/{path}`: the local backend's files.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use hme_kernel::{ApiError, ApiResult};

use super::responses::ErrorBody;
use crate::service::ImagesService;
use crate::sniff::ImageKind;

/// The `Cache-Control` of media: a key never changes content.
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Serve an uploaded image
///
/// Serves a file of the local backend (the URLs `POST /api/image/upload` answers when
/// no Cloudinary or S3 is configured), cacheable for a year. Paths leaving the media
/// folder are refused.
#[utoipa::path(
    get,
    path = "/media/{path}",
    tag = "images",
    params(("path" = String, Path, description = "The key: `<folder>/<seller>/<id>.<ext>`")),
    responses(
        (status = 200, description = "The image", content_type = "image/*", body = Vec<u8>),
        (status = 404, description = "No such image (or an unsafe path)", body = ErrorBody),
        (status = 500, description = "Unexpected failure", body = ErrorBody),
    )
)]
pub async fn get_media(service: web::Data<ImagesService>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let not_found = || ApiError::not_found("Image not found");
    let local = service.local().ok_or_else(not_found)?;
    let file = local.resolve(&path).await.ok_or_else(not_found)?;
    let bytes = match tokio::fs::read(&file).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let kind = file.extension().and_then(|e| e.to_str()).and_then(ImageKind::from_extension);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, MEDIA_CACHE_CONTROL))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type(kind.map_or("application/octet-stream", |k| k.mime()))
        .body(bytes))
}
