//! The HTTP face: one handler per file, registered and documented together.

pub mod delete;
pub mod media;
pub mod multipart;
pub mod responses;
pub mod signature;
pub mod upload;

use std::sync::Arc;

use actix_web::web;
use hme_kernel::openapi::{BearerAuth, LegacyErrors};
use utoipa::OpenApi;

use crate::service::ImagesService;

/// The OpenAPI document of exactly the images routes.
#[derive(OpenApi)]
#[openapi(
    paths(signature::sign_upload, upload::upload_images, delete::delete_image, media::get_media),
    components(schemas(
        responses::SignatureBody,
        responses::SignedParams,
        responses::UploadedBody,
        responses::UploadedJson,
        responses::UploadForm,
        responses::DeleteImageBody,
        responses::DeletedBody,
        responses::ErrorBody,
    )),
    modifiers(&BearerAuth, &LegacyErrors),
    tags((name = "images", description = "Signed Cloudinary uploads, server-side uploads, deletes and local media"))
)]
pub struct ImagesApi;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig, service: &Arc<ImagesService>) {
    let data = web::Data::from(Arc::clone(service));
    let resource = |path: &str| web::resource(path.to_owned()).app_data(data.clone());
    cfg.service(resource("/api/image/signature").route(web::post().to(signature::sign_upload)))
        .service(resource("/api/image/upload").route(web::post().to(upload::upload_images)))
        .service(resource("/api/image").route(web::delete().to(delete::delete_image)))
        .service(resource("/media/{path:.*}").route(web::get().to(media::get_media)).route(web::head().to(media::get_media)));
}
