//! The orders routes on both backends, next to the real products module.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod create;
mod legacy_answers;
mod lifecycle;
mod lists;
mod render;
mod remote;
mod round_trips;
mod stock;
