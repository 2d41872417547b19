//! The images module's settings (section `[images]` of the configuration).
//!
//! Which backend stores uploads: `backend` when set (`local`, `s3` or `cloudinary`);
//! when unset, `cloudinary` if the three Cloudinary credentials are present
//! (`CLOUDINARY_CLOUD_NAME`, `CLOUDINARY_API_KEY`, `CLOUDINARY_API_SECRET`), else `local`.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// Where uploaded files are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// A folder under the data dir, served by hme under `/media/...`.
    Local,
    /// An S3-compatible bucket (AWS, MinIO, moto...).
    S3,
    /// Cloudinary, through its signed upload API.
    Cloudinary,
}

/// The digest of Cloudinary signatures (the account's setting; SHA-1 unless Cloudinary
/// switched the account to SHA-256).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureAlgorithm {
    /// SHA-1, hex (Cloudinary's default).
    #[default]
    Sha1,
    /// SHA-256, hex.
    Sha256,
}

/// S3-compatible storage settings (`[images.s3]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct S3Settings {
    /// The bucket.
    pub bucket: String,
    /// The region (`us-east-1` when empty).
    pub region: String,
    /// A custom endpoint (MinIO, moto, R2...); path-style requests are used with it.
    pub endpoint: Option<String>,
    /// Access key id; unset: the AWS environment/instance credentials.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<SecretString>,
    /// The public base of object URLs (a CDN, or the bucket's website); unset: the
    /// endpoint's path-style URL, or `https://<bucket>.s3.<region>.amazonaws.com`.
    pub public_base_url: Option<String>,
}

/// Settings of the images module; every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ImagesSettings {
    /// `local`, `s3` or `cloudinary`; unset: see the module documentation.
    pub backend: Option<BackendKind>,
    /// Largest accepted file, bytes.
    pub max_file_bytes: usize,
    /// Most files per upload request.
    pub max_files: usize,
    /// Largest accepted width or height, pixels.
    pub max_dimension: u32,
    /// Digest of Cloudinary signatures.
    pub signature_algorithm: SignatureAlgorithm,
    /// First folder of every stored key / Cloudinary public id; the seller's id follows.
    pub folder_prefix: String,
    /// Folder of the local backend; unset: `<storage.data_dir>/media`.
    pub local_dir: Option<PathBuf>,
    /// Public base URL of this server, for local media URLs (`<base>/media/<key>`).
    pub public_base_url: String,
    /// S3-compatible storage.
    pub s3: S3Settings,
    /// Cloudinary's API base URL (tests point it at a stub).
    pub cloudinary_api_base_url: String,
    /// Cloudinary's delivery base URL.
    pub cloudinary_delivery_base_url: String,
    /// Seconds after which an upload no product references is removed.
    pub orphan_after_secs: u64,
    /// Seconds between orphan sweeps; 0 disables them.
    pub cleanup_interval_secs: u64,
    /// Timeout of one call to Cloudinary or S3, seconds.
    pub request_timeout_secs: u64,
}

impl Default for ImagesSettings {
    fn default() -> Self {
        Self {
            backend: None,
            max_file_bytes: 2 * 1024 * 1024,
            max_files: 4,
            max_dimension: 6000,
            signature_algorithm: SignatureAlgorithm::Sha1,
            folder_prefix: "hme".to_owned(),
            local_dir: None,
            public_base_url: "http://localhost:8080".to_owned(),
            s3: S3Settings::default(),
            cloudinary_api_base_url: "https://api.cloudinary.com".to_owned(),
            cloudinary_delivery_base_url: "https://res.cloudinary.com".to_owned(),
            orphan_after_secs: 86_400,
            cleanup_interval_secs: 3_600,
            request_timeout_secs: 30,
        }
    }
}

/// Cloudinary's account credentials (legacy `CLOUDINARY_*` variables).
#[derive(Debug, Clone)]
pub struct CloudinaryCredentials {
    /// The cloud name.
    pub cloud_name: String,
    /// The API key (public: the browser sends it).
    pub api_key: String,
    /// The API secret (never leaves the server).
    pub api_secret: SecretString,
}

impl CloudinaryCredentials {
    /// The credentials when all three are set and non-empty.
    pub fn from_parts(cloud_name: Option<String>, api_key: Option<String>, api_secret: Option<SecretString>) -> Option<Self> {
        use secrecy::ExposeSecret;
        let cloud_name = cloud_name.filter(|s| !s.trim().is_empty())?;
        let api_key = api_key.filter(|s| !s.trim().is_empty())?;
        let api_secret = api_secret.filter(|s| !s.expose_secret().trim().is_empty())?;
        Some(Self { cloud_name, api_key, api_secret })
    }
}

impl ImagesSettings {
    /// The backend in force given the Cloudinary credentials (see the module docs).
    pub fn effective_backend(&self, cloudinary: Option<&CloudinaryCredentials>) -> BackendKind {
        match (self.backend, cloudinary) {
            (Some(kind), _) => kind,
            (None, Some(_)) => BackendKind::Cloudinary,
            (None, None) => BackendKind::Local,
        }
    }
}
