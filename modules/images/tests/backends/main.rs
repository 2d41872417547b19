//! Uploads through the routes on the S3 (moto) and Cloudinary (local stub) backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod cloudinary;
mod cloudinary_stub;
mod s3;
