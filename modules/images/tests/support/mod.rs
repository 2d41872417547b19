//! Shared test support: tiny images, multipart bodies, a module on the local backend.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use hme_images::adapters::{EmbeddedUploadStore, LocalImageStore};
use hme_images::store::ImageStore;
use hme_images::uploads::UploadStore;
use hme_images::{CloudinaryCredentials, ImagesModule, ImagesParts, ImagesSettings};
use hme_kernel::module::HttpModule;
use hme_products_contract::ProductImages;
use hme_kernel::testing::{clerk_token, embedded_test_db, verifier};
use serde_json::Value;

pub const SELLER: &str = "user_seller_a";
pub const OTHER_SELLER: &str = "user_seller_b";
pub const BASE: &str = "http://shop.test";

pub fn seller_token() -> String {
    clerk_token(SELLER, Some("seller"))
}
pub fn other_seller_token() -> String {
    clerk_token(OTHER_SELLER, Some("seller"))
}
pub fn customer_token() -> String {
    clerk_token("user_customer", None)
}

/// A complete, valid 1x1 RGBA PNG (IHDR, an IDAT of one stored zlib block, IEND).
pub fn tiny_png() -> Vec<u8> {
    let scanline = [0u8, 255, 0, 0, 255];
    let mut zlib = vec![0x78, 0x01, 0x01, 5, 0, !5u8, 0xFF];
    zlib.extend_from_slice(&scanline);
    zlib.extend_from_slice(&adler32(&scanline).to_be_bytes());
    let mut out = png_header(1, 1);
    out.truncate(out.len() - 12);
    out.extend_from_slice(&chunk(b"IDAT", &zlib));
    out.extend_from_slice(&chunk(b"IEND", &[]));
    out
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for x in bytes {
        a = (a + u32::from(*x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A PNG header (signature + IHDR with a correct CRC + IEND) of any size: what the
/// size checks read.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IEND");
    out.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    out
}

/// A baseline JPEG header (SOI, SOF0 with the size, EOI).
pub fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

pub const BOUNDARY: &str = "----hmeTestBoundary7MA4YWxk";

/// One part: (field name, file name or None for a text field, bytes).
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A complete multipart body.
pub fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes()),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn upload_request(token: Option<&str>, body: Vec<u8>) -> test::TestRequest {
    let req = test::TestRequest::post()
        .uri("/api/image/upload")
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}")))
        .set_payload(body);
    authed(req, token)
}

pub fn authed(req: test::TestRequest, token: Option<&str>) -> test::TestRequest {
    match token {
        Some(t) => req.insert_header(("Authorization", format!("Bearer {t}"))),
        None => req,
    }
}

pub fn delete_request(token: Option<&str>, body: Value) -> test::TestRequest {
    authed(test::TestRequest::delete().uri("/api/image").set_json(body), token)
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

pub async fn call(module: &Arc<ImagesModule>, req: test::TestRequest) -> Reply {
    let m = Arc::clone(module);
    let app = test::init_service(
        App::new()
            .app_data(hme_kernel::json::json_config(256 * 1024))
            .app_data(web::Data::new(Arc::new(verifier())))
            .configure(move |cfg| m.configure(cfg)),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = test::read_body(resp).await.to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, body, bytes }
}

/// The module on the local backend with embedded records, in a temporary folder.
pub struct LocalApp {
    pub module: Arc<ImagesModule>,
    pub store: Arc<dyn ImageStore>,
    pub records: Arc<dyn UploadStore>,
    pub media_dir: std::path::PathBuf,
    pub dir: tempfile::TempDir,
}

impl LocalApp {
    pub fn new() -> Self {
        Self::with(ImagesSettings { public_base_url: BASE.to_owned(), ..ImagesSettings::default() }, None)
    }

    pub fn with(settings: ImagesSettings, cloudinary: Option<CloudinaryCredentials>) -> Self {
        Self::build(settings, cloudinary, None)
    }

    pub fn build(settings: ImagesSettings, cloudinary: Option<CloudinaryCredentials>, product_images: Option<Arc<dyn ProductImages>>) -> Self {
        let (db, dir) = embedded_test_db();
        let media_dir = dir.path().join("media");
        let local = LocalImageStore::open(media_dir.clone(), &settings.public_base_url).unwrap();
        let store: Arc<dyn ImageStore> = Arc::new(local.clone());
        let records: Arc<dyn UploadStore> = Arc::new(EmbeddedUploadStore::open(db).unwrap());
        let parts = ImagesParts { store: Arc::clone(&store), local: Some(local), records: Arc::clone(&records), cloudinary, product_images };
        Self { module: ImagesModule::with_parts(parts, settings), store, records, media_dir, dir }
    }

    pub async fn call(&self, req: test::TestRequest) -> Reply {
        call(&self.module, req).await
    }

    /// Every file under the media folder (relative paths), sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.media_dir, &self.media_dir, &mut out);
        out.sort();
        out
    }
}

pub fn cloudinary_credentials() -> CloudinaryCredentials {
    CloudinaryCredentials { cloud_name: "demo-cloud".to_owned(), api_key: "123456789012345".to_owned(), api_secret: "s3cr3t-never-shown".to_owned().into() }
}
