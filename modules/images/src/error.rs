//! The module's errors and their HTTP status (legacy `{success:false, message}` body).

use hme_kernel::error::ErrorKind;
use hme_kernel::ApiError;

/// Why an upload request was refused. Every variant is the client's problem except
/// [`UploadError::Storage`].
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The body is not `multipart/form-data` (415).
    #[error("Expected a multipart/form-data body")]
    NotMultipart,
    /// The multipart body cannot be parsed (400).
    #[error("Malformed multipart body: {0}")]
    Malformed(String),
    /// The body ended before the closing boundary (400).
    #[error("Incomplete multipart body: the upload was cut off")]
    Truncated,
    /// One file is over the limit (413).
    #[error("File {name} is too large: at most {max} bytes per file")]
    FileTooLarge {
        /// The file's name.
        name: String,
        /// The limit, bytes.
        max: usize,
    },
    /// More files than allowed (400).
    #[error("Too many files: at most {0} per upload")]
    TooManyFiles(usize),
    /// No file part at all (400).
    #[error("No image files provided: send them as multipart file parts")]
    NoFiles,
    /// A file part with no bytes (400).
    #[error("File {0} is empty")]
    EmptyFile(String),
    /// Not a JPEG, PNG, WebP, GIF or AVIF by its bytes (415).
    #[error("File {0} is not a JPEG, PNG, WebP, GIF or AVIF image")]
    UnsupportedType(String),
    /// The header of the image cannot be read (422).
    #[error("File {0} is not a readable image")]
    UnreadableImage(String),
    /// Width or height over the limit (422).
    #[error("Image {name} is {width}x{height}: at most {max}x{max} pixels")]
    TooManyPixels {
        /// The file's name.
        name: String,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The limit.
        max: u32,
    },
    /// Storage failed (503; nothing stays stored).
    #[error("image storage unavailable: {0}")]
    Storage(String),
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        let kind = match &e {
            UploadError::NotMultipart | UploadError::UnsupportedType(_) => ErrorKind::UnsupportedMediaType,
            UploadError::FileTooLarge { .. } => ErrorKind::PayloadTooLarge,
            UploadError::UnreadableImage(_) | UploadError::TooManyPixels { .. } => ErrorKind::Unprocessable,
            UploadError::Storage(_) => return ApiError::unavailable(e),
            _ => ErrorKind::BadRequest,
        };
        ApiError::new(kind, e.to_string())
    }
}

/// An image storage backend failed.
#[derive(Debug, thiserror::Error)]
pub enum ImageStoreError {
    /// The backend could not be reached or refused the call.
    #[error("{backend}: {message}")]
    Unavailable {
        /// `local`, `s3`, `cloudinary`.
        backend: &'static str,
        /// What happened.
        message: String,
    },
}

impl ImageStoreError {
    /// A failure of `backend`.
    pub fn unavailable(backend: &'static str, message: impl std::fmt::Display) -> Self {
        Self::Unavailable { backend, message: message.to_string() }
    }
}

/// The upload records could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("image upload records unavailable: {0}")]
pub struct RecordError(pub String);

impl From<ImageStoreError> for ApiError {
    fn from(e: ImageStoreError) -> Self {
        ApiError::unavailable(e)
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        ApiError::unavailable(e)
    }
}
