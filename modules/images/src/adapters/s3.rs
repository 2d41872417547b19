//! S3-compatible storage through `object_store` (AWS S3, MinIO, R2, moto...). A custom
//! endpoint uses path-style requests and may be plain HTTP. S3 writes are atomic: an
//! object is visible whole or not at all.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload};
use secrecy::ExposeSecret;

use crate::error::ImageStoreError;
use crate::settings::S3Settings;
use crate::sniff::ValidImage;
use crate::store::{ImageStore, StoredImage};

/// The `Cache-Control` stored with every object (keys never change content).
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// [`ImageStore`] on an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3ImageStore {
    store: Arc<dyn ObjectStore>,
    base_url: String,
}

fn fail(e: impl std::fmt::Display) -> ImageStoreError {
    ImageStoreError::unavailable("s3", e)
}

fn location(key: &str) -> Result<Path, ImageStoreError> {
    Path::parse(key).map_err(fail)
}

impl S3ImageStore {
    /// Connects (lazily) to the bucket the settings name. Credentials: the settings,
    /// else the usual `AWS_*` environment.
    pub fn new(settings: &S3Settings, timeout: Duration) -> Result<Self, ImageStoreError> {
        if settings.bucket.trim().is_empty() {
            return Err(fail("images.s3.bucket is not set"));
        }
        let region = if settings.region.trim().is_empty() { "us-east-1" } else { settings.region.as_str() };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(region)
            .with_client_options(ClientOptions::new().with_timeout(timeout).with_allow_http(true));
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret.expose_secret());
        }
        let store = builder.build().map_err(fail)?;
        let base_url = match (&settings.public_base_url, &settings.endpoint) {
            (Some(base), _) => base.trim_end_matches('/').to_owned(),
            (None, Some(endpoint)) => format!("{}/{}", endpoint.trim_end_matches('/'), settings.bucket),
            (None, None) => format!("https://{}.s3.{region}.amazonaws.com", settings.bucket),
        };
        Ok(Self { store: Arc::new(store), base_url })
    }
}

#[async_trait]
impl ImageStore for S3ImageStore {
    fn name(&self) -> &'static str {
        "s3"
    }

    async fn put(&self, key: &str, image: &ValidImage) -> Result<StoredImage, ImageStoreError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, image.kind.mime().into());
        attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
        let options = PutOptions { attributes, ..PutOptions::default() };
        self.store.put_opts(&location(key)?, PutPayload::from(image.bytes.clone()), options).await.map_err(fail)?;
        Ok(StoredImage { key: key.to_owned(), url: format!("{}/{key}", self.base_url) })
    }

    async fn delete(&self, key: &str) -> Result<bool, ImageStoreError> {
        let path = location(key)?;
        match self.store.head(&path).await {
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(fail(e)),
            Ok(_) => {}
        }
        match self.store.delete(&path).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(fail(e)),
        }
    }

    fn key_of_url(&self, url: &str) -> Option<String> {
        let key = url.strip_prefix(&self.base_url)?.strip_prefix('/')?;
        crate::adapters::local::safe_relative(key).map(|_| key.to_owned())
    }
}
