//! The contract of the products module: the ports it answers for other modules, with
//! their promises and DTOs ([`Catalog`] for orders, [`SalesLedger`] for the worker,
//! [`ProductImages`] for images), their HTTP halves for split deploys ([`remote`]: the
//! internal endpoints products mounts and the `Remote*` clients the callers get), the
//! in-process observed wrappers, and the conformance suite every implementation passes
//! (feature `conformance`).
//!
//! A module that calls products depends on this crate, never on `hme-products`.

pub mod catalog;
#[cfg(feature = "conformance")]
pub mod conformance;
mod observed;
pub mod product_images;
pub mod remote;
pub mod sales;

pub use catalog::*;
pub use product_images::{ProductImages, ProductImagesError};
pub use remote::{RemoteCatalog, RemoteProductImages, RemoteSalesLedger};
pub use sales::{SalesError, SalesLedger};
