//! Cross-module ports: traits one module answers and others call. In one process the
//! owning module's service implements them; split by module, an HTTP client does.
//! They carry no framework types.

pub mod catalog;
pub use catalog::*;
