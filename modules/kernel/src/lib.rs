//! The kernel: the small pieces every hme module shares.
//!
//! - [`error`]: the one error type, rendered as the legacy `{success:false, message}` body.
//! - [`auth`]: session-token verification and the [`auth::Principal`] extractor.
//! - [`events`]: the event envelope, the [`events::EventBus`] port and its adapters.
//! - [`cache`]: the [`cache::Cache`] port and its adapters (in-process, Redis).
//! - [`backends`]: connections to documents storage (MongoDB or embedded redb).
//! - [`indexes`]: the one way modules create MongoDB indexes (tolerates mongoose's).
//! - [`health`]: the readiness probe each backend answers.
//! - [`module`]: what a feature module hands the composition root.
//! - [`mongoose`]: numbers and JSON the way mongoose writes and prints them.
//! - [`outbox`]: the transactional outbox (MongoDB, embedded) and its relay.
//! - [`remote`]: the platform of the ports over HTTP (service client, token guard, wire
//!   helpers); the ports live in the contract crates (`modules/<module>/contract`).
//! - [`text`]: characters no stored text field may contain.
//! - [`transaction`]: the one MongoDB transaction helper (bounded retries with backoff).
//! - [`liveness`]: instances of the processes on MongoDB; the reaper of a dead one's transactions.
//! - [`holds`]: stock holds (the record of stock taken per order attempt).
//! - [`ratelimit`]: the one rate limiter (429 + `Retry-After`) and the client address.
//! - [`telemetry`]: metrics (Prometheus) and trace context (OpenTelemetry, W3C).

pub mod auth;
pub mod backends;
pub mod cache;
pub mod dates;
pub mod error;
pub mod events;
pub mod health;
pub mod holds;
pub mod ids;
pub mod indexes;
pub mod json;
pub mod liveness;
pub mod module;
pub mod openapi;
pub mod mongoose;
pub mod outbox;
pub mod ratelimit;
pub mod redact;
pub mod telemetry;
pub mod text;
pub mod transaction;
pub mod remote;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{ApiError, ApiResult};
