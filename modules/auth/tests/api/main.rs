//! The auth module's routes on each backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod jwks;
mod legacy;
mod legacy_answers;
mod webhooks;
