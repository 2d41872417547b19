//! The routes through actix's test service, on the local backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod delete;
mod media;
mod module;
mod signature;
mod upload;
