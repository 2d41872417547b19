//! What an uploaded file really is: the type from its first bytes (never its name or
//! declared type), the dimensions from its header only.

use crate::error::UploadError;

/// An accepted image type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// GIF.
    Gif,
    /// AVIF.
    Avif,
}

impl ImageKind {
    /// The file extension stored keys get.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
            ImageKind::Gif => "gif",
            ImageKind::Avif => "avif",
        }
    }

    /// The media type.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
            ImageKind::Gif => "image/gif",
            ImageKind::Avif => "image/avif",
        }
    }

    /// The kind a stored key's extension names (media serving).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "webp" => Some(ImageKind::Webp),
            "gif" => Some(ImageKind::Gif),
            "avif" => Some(ImageKind::Avif),
            _ => None,
        }
    }
}

/// The type from the magic bytes, or None for anything else.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageKind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageKind::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(ImageKind::Gif);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(ImageKind::Webp);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && (&bytes[8..12] == b"avif" || &bytes[8..12] == b"avis") {
        return Some(ImageKind::Avif);
    }
    None
}

/// A received file that is an accepted image within the bounds.
#[derive(Debug, Clone)]
pub struct ValidImage {
    /// Its type.
    pub kind: ImageKind,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// The bytes.
    pub bytes: bytes::Bytes,
}

/// Checks `bytes` (the file `name`, for messages): type 415, header and size 422.
pub fn validate(name: &str, bytes: bytes::Bytes, max_dimension: u32) -> Result<ValidImage, UploadError> {
    let kind = sniff(&bytes).ok_or_else(|| UploadError::UnsupportedType(name.to_owned()))?;
    let size = imagesize::blob_size(&bytes).map_err(|_| UploadError::UnreadableImage(name.to_owned()))?;
    let (width, height) = (u32::try_from(size.width).unwrap_or(u32::MAX), u32::try_from(size.height).unwrap_or(u32::MAX));
    if width == 0 || height == 0 {
        return Err(UploadError::UnreadableImage(name.to_owned()));
    }
    if width > max_dimension || height > max_dimension {
        return Err(UploadError::TooManyPixels { name: name.to_owned(), width, height, max: max_dimension });
    }
    Ok(ValidImage { kind, width, height, bytes })
}
