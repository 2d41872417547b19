//! End-to-end tests of the `hme` binary: the app spawned on port 0 against real
//! backends (embedded, SecantusDB, Redis, RabbitMQ).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod config;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod deploy;
#[cfg(feature = "worker")]
mod dlq;
mod frame;
mod helpers;
mod migration;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod prometheus;
mod readiness;
mod remote;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod traces;
#[cfg(all(feature = "products", feature = "orders", feature = "images", feature = "auth", feature = "worker"))]
mod security;
