//! End-to-end tests of the `hme` binary: the app spawned on port 0 against real
//! backends (embedded, SecantusDB, Redis, RabbitMQ).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod cli;
mod config;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod deploy;
#[cfg(all(feature = "products", feature = "images"))]
mod demo;
#[cfg(feature = "worker")]
mod dlq;
mod frame;
mod helpers;
mod layout;
#[cfg(all(feature = "products", feature = "orders", feature = "auth"))]
mod legacy_statuses;
mod migration;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod prometheus;
mod readiness;
mod remote;
#[cfg(all(feature = "products", feature = "auth"))]
mod roles;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod traces;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod security;
