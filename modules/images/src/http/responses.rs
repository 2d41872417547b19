//! Response and request bodies of the images routes (legacy style: `success` first).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::service::{SignedUpload, UploadedImage};
use crate::settings::SignatureAlgorithm;

/// The legacy failure envelope, shared by every module.
pub use hme_kernel::openapi::ErrorBody;

/// The signed parameters: send each of them, plus `api_key`, `signature` and `file`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedParams {
    /// Formats Cloudinary accepts for this upload.
    pub allowed_formats: String,
    /// The seller's folder.
    pub folder: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
}

/// `POST /api/image/signature`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignatureBody {
    /// True.
    pub success: bool,
    /// Cloudinary cloud name.
    pub cloud_name: String,
    /// API key (public; the browser sends it as `api_key`).
    pub api_key: String,
    /// Unix seconds; the signature expires an hour later.
    pub timestamp: i64,
    /// Hex digest of the signed parameters.
    pub signature: String,
    /// `sha1` or `sha256`.
    pub signature_algorithm: String,
    /// The seller's folder.
    pub folder: String,
    /// Where the browser posts the multipart form.
    pub upload_url: String,
    /// Every signed parameter, as the form fields to send.
    pub params: SignedParams,
}

impl From<SignedUpload> for SignatureBody {
    fn from(s: SignedUpload) -> Self {
        let param = |name: &str| s.params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let params = SignedParams { allowed_formats: param("allowed_formats"), folder: param("folder"), timestamp: param("timestamp") };
        let signature_algorithm = match s.algorithm {
            SignatureAlgorithm::Sha1 => "sha1",
            SignatureAlgorithm::Sha256 => "sha256",
        };
        Self {
            success: true,
            cloud_name: s.cloud_name,
            api_key: s.api_key,
            timestamp: s.timestamp,
            signature: s.signature,
            signature_algorithm: signature_algorithm.to_owned(),
            folder: s.folder,
            upload_url: s.upload_url,
            params,
        }
    }
}

/// The multipart form of `POST /api/image/upload`.
#[derive(Debug, ToSchema)]
pub struct UploadForm {
    /// 1 to 4 image files (JPEG, PNG, WebP, GIF, AVIF), at most 2 MiB each by default.
    /// Any part name works; every part with a filename is a file, other parts are ignored.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub file: Vec<Vec<u8>>,
}

/// One stored image.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadedJson {
    /// Public URL.
    pub url: String,
    /// Storage key (Cloudinary: public id).
    pub public_id: String,
    /// Media type found in the bytes.
    pub content_type: String,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Size, bytes.
    pub bytes: u64,
}

/// `POST /api/image/upload`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedBody {
    /// True.
    pub success: bool,
    /// "Uploaded successfully".
    pub message: String,
    /// The public URLs in upload order: the `image` array of `POST /api/product/add`.
    pub urls: Vec<String>,
    /// Details of each image.
    pub images: Vec<UploadedJson>,
}

impl UploadedBody {
    /// The body for these uploads.
    pub fn new(images: Vec<UploadedImage>) -> Self {
        let urls = images.iter().map(|i| i.url.clone()).collect();
        let images = images
            .into_iter()
            .map(|i| UploadedJson { url: i.url, public_id: i.key, content_type: i.content_type.to_owned(), width: i.width, height: i.height, bytes: i.bytes })
            .collect();
        Self { success: true, message: "Uploaded successfully".to_owned(), urls, images }
    }
}

/// `DELETE /api/image` request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteImageBody {
    /// The image's public URL, as the upload answered it.
    pub url: Option<String>,
}

/// `DELETE /api/image` (named apart from the products module's `DeletedBody`, which
/// carries `result`: the merged document holds one schema per name).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ImageDeletedBody)]
pub struct DeletedBody {
    /// True.
    pub success: bool,
    /// "Image deleted".
    pub message: String,
}
