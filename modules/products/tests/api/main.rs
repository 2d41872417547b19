//! The routes through actix's test service, on both backends where storage matters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod cache;
mod legacy_answers;
mod module;
mod read;
mod round_trips;
mod write;
