//! The embedded default: files in a folder under the data dir, served by hme at
//! `GET /media/<key>`. A file is written to a temporary name in its final folder and
//! renamed, so a reader never sees half a file.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::error::ImageStoreError;
use crate::sniff::ValidImage;
use crate::store::{ImageStore, StoredImage};

/// [`ImageStore`] on a local folder.
#[derive(Debug, Clone)]
pub struct LocalImageStore {
    root: PathBuf,
    media_base: String,
}

fn fail(e: impl std::fmt::Display) -> ImageStoreError {
    ImageStoreError::unavailable("local", e)
}

/// `path` as a relative path made only of plain segments (no `..`, `.`, empty, hidden,
/// backslash, colon or NUL), else None. Guards every path that comes from a request.
pub fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in path.split('/') {
        let bad = segment.is_empty()
            || segment.starts_with('.')
            || segment.chars().any(|c| matches!(c, '\\' | ':' | '\0') || c.is_control());
        if bad {
            return None;
        }
        out.push(segment);
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

impl LocalImageStore {
    /// A store in `root` (created when missing), whose URLs are `<public_base_url>/media/<key>`.
    pub fn open(root: PathBuf, public_base_url: &str) -> Result<Self, ImageStoreError> {
        std::fs::create_dir_all(&root).map_err(|e| fail(format!("cannot create {}: {e}", root.display())))?;
        Ok(Self { root, media_base: format!("{}/media/", public_base_url.trim_end_matches('/')) })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a request path under `/media/`, when the path is safe and the file
    /// exists inside the folder (symbolic links leading out are refused).
    pub async fn resolve(&self, path: &str) -> Option<PathBuf> {
        let relative = safe_relative(path)?;
        let root = tokio::fs::canonicalize(&self.root).await.ok()?;
        let file = tokio::fs::canonicalize(self.root.join(relative)).await.ok()?;
        (file.starts_with(&root) && tokio::fs::metadata(&file).await.ok()?.is_file()).then_some(file)
    }
}

#[async_trait]
impl ImageStore for LocalImageStore {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn put(&self, key: &str, image: &ValidImage) -> Result<StoredImage, ImageStoreError> {
        let relative = safe_relative(key).ok_or_else(|| fail(format!("unsafe key {key:?}")))?;
        let path = self.root.join(relative);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(fail)?;
        }
        let tmp = path.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
        if let Err(e) = tokio::fs::write(&tmp, &image.bytes).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(fail(e));
        }
        if let Err(e) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(fail(e));
        }
        Ok(StoredImage { key: key.to_owned(), url: format!("{}{key}", self.media_base) })
    }

    async fn delete(&self, key: &str) -> Result<bool, ImageStoreError> {
        let Some(relative) = safe_relative(key) else { return Ok(false) };
        match tokio::fs::remove_file(self.root.join(relative)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(fail(e)),
        }
    }

    fn key_of_url(&self, url: &str) -> Option<String> {
        let key = url.strip_prefix(&self.media_base)?;
        safe_relative(key).map(|_| key.to_owned())
    }
}
