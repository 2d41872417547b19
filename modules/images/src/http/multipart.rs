//! Reads a multipart body under limits, streaming: a file is buffered (at most the
//! per-file limit) and reading stops as soon as a limit is passed.

use actix_multipart::{Multipart, MultipartError};
use actix_web::error::PayloadError;
use bytes::BytesMut;
use futures::StreamExt;

use crate::error::UploadError;
use crate::service::ReceivedFile;

/// Bytes a non-file form field may hold.
const MAX_TEXT_FIELD: usize = 8 * 1024;
/// Non-file form fields accepted (ignored) at most.
const MAX_TEXT_FIELDS: usize = 16;

/// The limits of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file, bytes.
    pub max_file_bytes: usize,
    /// Most files.
    pub max_files: usize,
}

/// A multipart failure as the client's error.
pub fn multipart_error(e: MultipartError) -> UploadError {
    match e {
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeParse | MultipartError::ContentTypeIncompatible => UploadError::NotMultipart,
        MultipartError::Incomplete | MultipartError::Payload(PayloadError::Incomplete(_)) => UploadError::Truncated,
        other => UploadError::Malformed(other.to_string()),
    }
}

/// Reads the next chunk of a part into `buf`, failing once it would pass `max`.
async fn read_part(field: &mut actix_multipart::Field, max: usize, name: &str) -> Result<BytesMut, UploadError> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if buf.len() + chunk.len() > max {
            return Err(UploadError::FileTooLarge { name: name.to_owned(), max });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Every file part of the body (parts with a filename), in order.
pub async fn read_files(mut payload: Multipart, limits: Limits) -> Result<Vec<ReceivedFile>, UploadError> {
    let mut files = Vec::new();
    let mut text_fields = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(multipart_error)?;
        let file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
        let Some(name) = file_name else {
            text_fields += 1;
            if text_fields > MAX_TEXT_FIELDS {
                return Err(UploadError::Malformed(format!("more than {MAX_TEXT_FIELDS} form fields")));
            }
            let field_name = field.name().unwrap_or("field").to_owned();
            read_part(&mut field, MAX_TEXT_FIELD, &field_name).await?;
            continue;
        };
        if files.len() >= limits.max_files {
            return Err(UploadError::TooManyFiles(limits.max_files));
        }
        let bytes = read_part(&mut field, limits.max_file_bytes, &name).await?;
        if bytes.is_empty() {
            return Err(UploadError::EmptyFile(name));
        }
        files.push(ReceivedFile { name, bytes: bytes.freeze() });
    }
    if files.is_empty() {
        return Err(UploadError::NoFiles);
    }
    Ok(files)
}
