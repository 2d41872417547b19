//! The HTTP pieces of the binary itself: probes, docs and middleware.

pub mod health;
pub mod middleware;
pub mod request_span;
