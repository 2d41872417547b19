//! Cloudinary through its signed upload API: `POST <api>/v1_1/<cloud>/image/upload`
//! (multipart: `file`, `api_key`, `timestamp`, `public_id`, `signature`) and
//! `POST <api>/v1_1/<cloud>/image/destroy` (`public_id`, `api_key`, `timestamp`,
//! `signature`). The API secret only ever feeds the signature.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::ImageStoreError;
use crate::settings::{CloudinaryCredentials, SignatureAlgorithm};
use crate::signature::sign;
use crate::sniff::ValidImage;
use crate::store::{ImageStore, StoredImage};

/// [`ImageStore`] on Cloudinary.
#[derive(Debug, Clone)]
pub struct CloudinaryImageStore {
    http: reqwest::Client,
    credentials: CloudinaryCredentials,
    api_base: String,
    delivery_prefix: String,
    algorithm: SignatureAlgorithm,
}

#[derive(Debug, Deserialize)]
struct UploadAnswer {
    public_id: String,
    secure_url: String,
}

#[derive(Debug, Deserialize)]
struct DestroyAnswer {
    result: String,
}

fn fail(e: impl std::fmt::Display) -> ImageStoreError {
    ImageStoreError::unavailable("cloudinary", e)
}

/// The public id of a key: the key without its extension.
pub fn public_id_of(key: &str) -> &str {
    match key.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => key,
    }
}

/// A transformation segment (`w_400,h_300,c_pad`, `q_auto`): parameters are one or two
/// lower-case letters and `_`.
fn is_transformation(segment: &str) -> bool {
    segment.split(',').all(|p| matches!(p.find('_'), Some(1 | 2)) && p.bytes().take_while(|b| *b != b'_').all(|b| b.is_ascii_lowercase()))
}

/// The public id in a Cloudinary delivery URL's path after `/image/upload/`: skips
/// transformation segments and the version (`v123`), drops the extension. For the
/// legacy uploads (no folder) this is the last path segment without its extension.
pub fn public_id_from_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let version = segments.iter().position(|s| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit()));
    let rest = match version {
        Some(i) => &segments[i + 1..],
        None => &segments[segments.iter().take_while(|s| is_transformation(s)).count()..],
    };
    let joined = rest.join("/");
    let id = public_id_of(&joined);
    (!id.is_empty()).then(|| id.to_owned())
}

impl CloudinaryImageStore {
    /// A client for the account; `api_base` (`https://api.cloudinary.com`) and
    /// `delivery_base` (`https://res.cloudinary.com`) come from the settings.
    pub fn new(credentials: CloudinaryCredentials, api_base: &str, delivery_base: &str, algorithm: SignatureAlgorithm, timeout: Duration) -> Result<Self, ImageStoreError> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(fail)?;
        let delivery_prefix = format!("{}/{}/image/upload/", delivery_base.trim_end_matches('/'), credentials.cloud_name);
        Ok(Self { http, api_base: api_base.trim_end_matches('/').to_owned(), delivery_prefix, algorithm, credentials })
    }

    fn endpoint(&self, action: &str) -> String {
        format!("{}/v1_1/{}/image/{action}", self.api_base, self.credentials.cloud_name)
    }

    fn signed(&self, params: &[(&str, String)]) -> String {
        sign(params.iter().map(|(k, v)| (*k, v.as_str())), self.credentials.api_secret.expose_secret(), self.algorithm)
    }

    async fn answer<T: for<'de> Deserialize<'de>>(response: reqwest::Response) -> Result<T, ImageStoreError> {
        let status = response.status();
        let text = response.text().await.map_err(fail)?;
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["error"]["message"].as_str().map(str::to_owned));
            return Err(fail(format!("HTTP {status}: {}", message.unwrap_or(text))));
        }
        serde_json::from_str(&text).map_err(|e| fail(format!("unexpected answer: {e}")))
    }
}

#[async_trait]
impl ImageStore for CloudinaryImageStore {
    fn name(&self) -> &'static str {
        "cloudinary"
    }

    async fn put(&self, key: &str, image: &ValidImage) -> Result<StoredImage, ImageStoreError> {
        let public_id = public_id_of(key).to_owned();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = self.signed(&[("public_id", public_id.clone()), ("timestamp", timestamp.clone())]);
        let file = reqwest::multipart::Part::bytes(image.bytes.to_vec())
            .file_name(format!("upload.{}", image.kind.extension()))
            .mime_str(image.kind.mime())
            .map_err(fail)?;
        let form = reqwest::multipart::Form::new()
            .part("file", file)
            .text("api_key", self.credentials.api_key.clone())
            .text("timestamp", timestamp)
            .text("public_id", public_id)
            .text("signature", signature);
        let response = self.http.post(self.endpoint("upload")).multipart(form).send().await.map_err(fail)?;
        let answer: UploadAnswer = Self::answer(response).await?;
        Ok(StoredImage { key: answer.public_id, url: answer.secure_url })
    }

    async fn delete(&self, key: &str) -> Result<bool, ImageStoreError> {
        let public_id = public_id_of(key).to_owned();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = self.signed(&[("public_id", public_id.clone()), ("timestamp", timestamp.clone())]);
        let form = [
            ("public_id", public_id),
            ("timestamp", timestamp),
            ("api_key", self.credentials.api_key.clone()),
            ("signature", signature),
        ];
        let response = self.http.post(self.endpoint("destroy")).form(&form).send().await.map_err(fail)?;
        let answer: DestroyAnswer = Self::answer(response).await?;
        match answer.result.as_str() {
            "ok" => Ok(true),
            "not found" => Ok(false),
            other => Err(fail(format!("destroy answered {other:?}"))),
        }
    }

    fn key_of_url(&self, url: &str) -> Option<String> {
        let path = url.strip_prefix(&self.delivery_prefix)?;
        let path = path.split(['?', '#']).next().unwrap_or_default();
        public_id_from_path(path)
    }
}
