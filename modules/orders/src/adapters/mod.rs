//! The [`crate::store::OrderStore`] adapters: MongoDB (multi-document transactions) and
//! the embedded redb file (one write transaction per call).

mod embedded;
mod mongo;

pub use embedded::EmbeddedOrderStore;
pub use mongo::MongoOrderStore;
