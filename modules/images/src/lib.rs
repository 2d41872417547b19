//! The images module (issue 8): uploads without handing the browser any secret.
//!
//! - `POST /api/image/signature` (seller): a signed direct upload to Cloudinary, into
//!   the seller's folder; the API secret never leaves the server ([`signature`]).
//! - `POST /api/image/upload` (seller, multipart): up to 4 files of at most 2 MiB, the
//!   type checked from the bytes, dimensions bounded, stored in the configured
//!   [`store::ImageStore`] (local folder served at `/media/...`, S3-compatible, or
//!   Cloudinary); answers the public URLs for `POST /api/product/add`.
//! - `DELETE /api/image` (seller): only the caller's own uploads ([`uploads`] records
//!   the owner of each, in MongoDB `image_uploads` or the embedded file).
//! - [`hme_images_contract::ImageCleanup`] for the worker (`product.deleted`), and a
//!   periodic sweep of uploads no product references ([`cleanup`]).
//!   `ImageCleanup` is also an internal endpoint for split deploys ([`hme_kernel::remote`]).

pub mod adapters;
pub mod cleanup;
pub mod error;
pub mod http;
pub mod service;
pub mod settings;
pub mod signature;
pub mod sniff;
pub mod store;
pub mod uploads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use hme_kernel::backends::{BackendError, Documents};
use hme_kernel::module::{HttpModule, Platform};
use hme_images_contract::ImageCleanup;
use hme_products_contract::ProductImages;
use utoipa::OpenApi;

use adapters::{CloudinaryImageStore, EmbeddedUploadStore, LocalImageStore, MongoUploadStore, S3ImageStore};
pub use service::{ImagesParts, ImagesService};
pub use settings::{BackendKind, CloudinaryCredentials, ImagesSettings, SignatureAlgorithm};
use store::ImageStore;
use uploads::UploadStore;

/// What the composition root hands the module besides its settings.
#[derive(Clone, Default)]
pub struct ImagesDeps {
    /// `storage.data_dir`: the local backend's folder is `<data_dir>/media` unless
    /// `images.local_dir` says otherwise.
    pub data_dir: PathBuf,
    /// Cloudinary credentials (legacy `CLOUDINARY_*`), when all three are set.
    pub cloudinary: Option<CloudinaryCredentials>,
    /// Which image URLs products use (the products module); None: no orphan sweep.
    pub product_images: Option<Arc<dyn ProductImages>>,
}

/// The images module, built by the composition root.
pub struct ImagesModule {
    service: Arc<ImagesService>,
    sweeper: Option<tokio::task::JoinHandle<()>>,
}

fn backend_error(e: impl std::fmt::Display) -> BackendError {
    BackendError(format!("images: {e}"))
}

/// The image store the settings pick, and the local store when it is the one.
fn image_store(settings: &ImagesSettings, deps: &ImagesDeps) -> Result<(Arc<dyn ImageStore>, Option<LocalImageStore>), BackendError> {
    let timeout = Duration::from_secs(settings.request_timeout_secs.max(1));
    match settings.effective_backend(deps.cloudinary.as_ref()) {
        BackendKind::Local => {
            let dir = settings.local_dir.clone().unwrap_or_else(|| deps.data_dir.join("media"));
            let local = LocalImageStore::open(dir, &settings.public_base_url).map_err(backend_error)?;
            Ok((Arc::new(local.clone()), Some(local)))
        }
        BackendKind::S3 => Ok((Arc::new(S3ImageStore::new(&settings.s3, timeout).map_err(backend_error)?), None)),
        BackendKind::Cloudinary => {
            let creds = deps.cloudinary.clone().ok_or_else(|| {
                backend_error("images.backend is cloudinary but CLOUDINARY_CLOUD_NAME, CLOUDINARY_API_KEY and CLOUDINARY_API_SECRET are not all set")
            })?;
            let api = &settings.cloudinary_api_base_url;
            let store = CloudinaryImageStore::new(creds, api, &settings.cloudinary_delivery_base_url, settings.signature_algorithm, timeout).map_err(backend_error)?;
            Ok((Arc::new(store), None))
        }
    }
}

impl ImagesModule {
    /// Builds the module: upload records on the platform's documents storage (indexes
    /// created idempotently), files in the backend the settings pick, and the orphan
    /// sweeper when `deps.product_images` is given and `cleanup_interval_secs > 0`.
    pub async fn build(platform: &Platform, settings: ImagesSettings, deps: ImagesDeps) -> Result<Arc<Self>, BackendError> {
        let records: Arc<dyn UploadStore> = match &platform.documents {
            Documents::Mongo(db) => Arc::new(MongoUploadStore::open(db).await.map_err(backend_error)?),
            Documents::Embedded(db) => Arc::new(EmbeddedUploadStore::open(Arc::clone(db)).map_err(backend_error)?),
        };
        let (store, local) = image_store(&settings, &deps)?;
        tracing::info!(backend = store.name(), records = records.name(), "images module ready");
        let parts = ImagesParts { store, local, records, cloudinary: deps.cloudinary, product_images: deps.product_images };
        Ok(Self::with_parts(parts, settings))
    }

    /// Builds the module from given parts (tests, other adapters).
    pub fn with_parts(parts: ImagesParts, settings: ImagesSettings) -> Arc<Self> {
        let interval = settings.cleanup_interval_secs;
        let service = Arc::new(ImagesService::new(parts, settings));
        let sweeper = (interval > 0 && service.product_images.is_some() && tokio::runtime::Handle::try_current().is_ok())
            .then(|| cleanup::spawn_orphan_sweeper(Arc::clone(&service), Duration::from_secs(interval)));
        Arc::new(Self { service, sweeper })
    }

    /// The OpenAPI document of the module's routes (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        http::ImagesApi::openapi()
    }

    /// The service behind the routes.
    pub fn service(&self) -> Arc<ImagesService> {
        Arc::clone(&self.service)
    }

    /// The port the worker calls on `product.deleted` (in process).
    pub fn image_cleanup(&self) -> Arc<dyn ImageCleanup> {
        Arc::clone(&self.service) as Arc<dyn ImageCleanup>
    }
}

impl Drop for ImagesModule {
    fn drop(&mut self) {
        if let Some(sweeper) = &self.sweeper {
            sweeper.abort();
        }
    }
}

impl HttpModule for ImagesModule {
    fn name(&self) -> &'static str {
        "images"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        http::configure(cfg, &self.service);
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }

    fn configure_internal(&self, cfg: &mut web::ServiceConfig) {
        hme_images_contract::remote::serve_cleanup(cfg, self.image_cleanup());
    }
}
