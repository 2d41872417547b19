//! Adapters of the [`crate::store::ProductStore`] port.

pub mod embedded;
mod embedded_stock;
pub mod mongo;
mod mongo_query;
mod mongo_stock;

pub use embedded::EmbeddedProductStore;
pub use mongo::MongoProductStore;
