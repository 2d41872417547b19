//! End-to-end tests of the `hme` binary: the app spawned on port 0 against real
//! backends (embedded, SecantusDB, Redis, RabbitMQ).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod config;
#[cfg(feature = "worker")]
mod dlq;
mod frame;
mod helpers;
mod migration;
mod readiness;
