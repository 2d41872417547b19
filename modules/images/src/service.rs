//! The images service: signed direct uploads, server-side uploads, deletes, and the
//! clean-ups (a deleted product's images, unreferenced uploads).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hme_products_contract::ProductImages;
use hme_kernel::{ApiError, ApiResult};
use secrecy::ExposeSecret;

use crate::adapters::LocalImageStore;
use crate::error::UploadError;
use crate::settings::{CloudinaryCredentials, ImagesSettings, SignatureAlgorithm};
use crate::signature::sign;
use crate::sniff::{validate, ValidImage};
use crate::store::{ImageStore, StoredImage};
use crate::uploads::{UploadRecord, UploadStore};

/// The formats a signed direct upload may have (Cloudinary `allowed_formats`).
pub const ALLOWED_FORMATS: &str = "jpg,png,webp,gif,avif";

/// A file as received, before validation.
#[derive(Debug, Clone)]
pub struct ReceivedFile {
    /// Its file name as sent (for messages only: the type comes from the bytes).
    pub name: String,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

/// One stored upload, as the upload route reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedImage {
    /// The public URL (what `POST /api/product/add` takes).
    pub url: String,
    /// The key (Cloudinary: the public id).
    pub key: String,
    /// The media type found in its bytes.
    pub content_type: &'static str,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Size, bytes.
    pub bytes: u64,
}

/// What the browser needs for a signed direct upload to Cloudinary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUpload {
    /// Cloud name.
    pub cloud_name: String,
    /// API key (public).
    pub api_key: String,
    /// Unix seconds (Cloudinary refuses signatures older than an hour).
    pub timestamp: i64,
    /// The signature of `params`.
    pub signature: String,
    /// `sha1` or `sha256`.
    pub algorithm: SignatureAlgorithm,
    /// The seller's folder.
    pub folder: String,
    /// Where to post the file.
    pub upload_url: String,
    /// Every signed parameter, to send as they are.
    pub params: Vec<(&'static str, String)>,
}

/// What the parts of the service are.
pub struct ImagesParts {
    /// Where files go.
    pub store: Arc<dyn ImageStore>,
    /// The local store when it is the backend (serves `/media`).
    pub local: Option<LocalImageStore>,
    /// Upload records.
    pub records: Arc<dyn UploadStore>,
    /// Cloudinary credentials, for signed direct uploads.
    pub cloudinary: Option<CloudinaryCredentials>,
    /// Which URLs products use; None disables the orphan sweep.
    pub product_images: Option<Arc<dyn ProductImages>>,
}

/// The service behind the routes and the clean-ups.
pub struct ImagesService {
    pub(crate) store: Arc<dyn ImageStore>,
    pub(crate) local: Option<LocalImageStore>,
    pub(crate) records: Arc<dyn UploadStore>,
    pub(crate) cloudinary: Option<CloudinaryCredentials>,
    pub(crate) product_images: Option<Arc<dyn ProductImages>>,
    pub(crate) settings: ImagesSettings,
}

/// A user id as a folder name: letters, digits, `_` and `-` kept, anything else `_`.
pub fn folder_segment(owner: &str) -> String {
    owner.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

impl ImagesService {
    /// A service over `parts`.
    pub fn new(parts: ImagesParts, settings: ImagesSettings) -> Self {
        let ImagesParts { store, local, records, cloudinary, product_images } = parts;
        Self { store, local, records, cloudinary, product_images, settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &ImagesSettings {
        &self.settings
    }

    /// The storage backend's name.
    pub fn backend(&self) -> &'static str {
        self.store.name()
    }

    /// The local store, when it is the backend.
    pub fn local(&self) -> Option<&LocalImageStore> {
        self.local.as_ref()
    }

    /// The folder of `owner`'s uploads: `<prefix>/<owner>`.
    pub fn folder_of(&self, owner: &str) -> String {
        let prefix = self.settings.folder_prefix.trim_matches('/');
        match prefix.is_empty() {
            true => folder_segment(owner),
            false => format!("{prefix}/{}", folder_segment(owner)),
        }
    }

    /// Signs a direct upload into `owner`'s folder, valid for an hour from `now`.
    pub fn signed_upload(&self, owner: &str, now: DateTime<Utc>) -> ApiResult<SignedUpload> {
        let creds = self.cloudinary.as_ref().ok_or_else(|| {
            ApiError::new(hme_kernel::error::ErrorKind::Unavailable, "Signed direct uploads need Cloudinary, which is not configured: use POST /api/image/upload")
        })?;
        let folder = self.folder_of(owner);
        let timestamp = now.timestamp();
        let params = vec![("allowed_formats", ALLOWED_FORMATS.to_owned()), ("folder", folder.clone()), ("timestamp", timestamp.to_string())];
        let algorithm = self.settings.signature_algorithm;
        let signature = sign(params.iter().map(|(k, v)| (*k, v.as_str())), creds.api_secret.expose_secret(), algorithm);
        let base = self.settings.cloudinary_api_base_url.trim_end_matches('/');
        Ok(SignedUpload {
            cloud_name: creds.cloud_name.clone(),
            api_key: creds.api_key.clone(),
            timestamp,
            signature,
            algorithm,
            folder,
            upload_url: format!("{base}/v1_1/{}/image/upload", creds.cloud_name),
            params,
        })
    }

    /// Validates every file, then stores them all or none (a failure part-way removes
    /// what was stored).
    pub async fn upload(&self, owner: &str, files: Vec<ReceivedFile>) -> ApiResult<Vec<UploadedImage>> {
        if files.is_empty() {
            return Err(UploadError::NoFiles.into());
        }
        let images = files
            .into_iter()
            .map(|f| validate(&f.name, f.bytes, self.settings.max_dimension))
            .collect::<Result<Vec<_>, _>>()?;
        let mut done: Vec<UploadedImage> = Vec::with_capacity(images.len());
        for image in &images {
            match self.store_one(owner, image).await {
                Ok(uploaded) => done.push(uploaded),
                Err(e) => {
                    self.roll_back(&done).await;
                    return Err(e);
                }
            }
        }
        Ok(done)
    }

    async fn store_one(&self, owner: &str, image: &ValidImage) -> ApiResult<UploadedImage> {
        let key = format!("{}/{}.{}", self.folder_of(owner), uuid::Uuid::now_v7().simple(), image.kind.extension());
        let StoredImage { key, url } = self.store.put(&key, image).await.map_err(|e| UploadError::Storage(e.to_string()))?;
        let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default();
        let record = UploadRecord {
            key: key.clone(),
            url: url.clone(),
            owner: owner.to_owned(),
            backend: self.store.name().to_owned(),
            content_type: image.kind.mime().to_owned(),
            bytes: image.bytes.len() as u64,
            width: image.width,
            height: image.height,
            created_at: now,
            referenced: false,
        };
        if let Err(e) = self.records.insert(&record).await {
            if let Err(undo) = self.store.delete(&key).await {
                tracing::error!(key, error = %undo, "could not remove a file whose record failed");
            }
            return Err(e.into());
        }
        let (width, height, bytes) = (image.width, image.height, record.bytes);
        Ok(UploadedImage { url, key, content_type: image.kind.mime(), width, height, bytes })
    }

    async fn roll_back(&self, done: &[UploadedImage]) {
        for image in done {
            if let Err(e) = self.remove(&image.key).await {
                tracing::error!(key = image.key, error = %e, "could not roll back an upload");
            }
        }
    }

    /// Removes a stored file and its record; true when the file was there.
    pub(crate) async fn remove(&self, key: &str) -> ApiResult<bool> {
        let existed = self.store.delete(key).await?;
        self.records.delete(key).await?;
        Ok(existed)
    }

    /// Deletes `url` if `owner` uploaded it: a recorded upload of theirs, or (direct
    /// Cloudinary uploads, not recorded) a file in their folder. Else 404.
    pub async fn delete_owned(&self, owner: &str, url: &str) -> ApiResult<()> {
        let not_found = || ApiError::not_found("Image not found or not owned by you");
        if let Some(record) = self.records.by_url(url).await? {
            if record.owner != owner {
                return Err(not_found());
            }
            self.remove(&record.key).await?;
            return Ok(());
        }
        let key = self.store.key_of_url(url).ok_or_else(not_found)?;
        if !key.starts_with(&format!("{}/", self.folder_of(owner))) {
            return Err(not_found());
        }
        match self.store.delete(&key).await? {
            true => Ok(()),
            false => Err(not_found()),
        }
    }
}
