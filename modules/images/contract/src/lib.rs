//! The contract of the images module: the port it answers for the worker
//! ([`ImageCleanup`]: remove a deleted product's images), with its promises and DTOs,
//! its HTTP halves for split deploys ([`remote`]) and the in-process observed wrapper.
//!
//! A module that calls images depends on this crate, never on `hme-images`.

pub mod image_cleanup;
mod observed;
pub mod remote;

pub use image_cleanup::{ImageCleanup, ImageCleanupReport, ImagePortError};
pub use remote::RemoteImageCleanup;
