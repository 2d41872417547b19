//! The HTTP pieces of the binary itself: probes, docs, middleware, the admin listener.

pub mod admin;
pub mod health;
pub mod middleware;
pub mod observe;
pub mod request_span;
