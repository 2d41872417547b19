//! The store adapters: MongoDB (the shared database) and embedded (redb).

mod codec;
mod embedded_accounts;
mod embedded_users;
mod mongo_accounts;
mod mongo_users;

pub use embedded_accounts::EmbeddedAccountStore;
pub use embedded_users::EmbeddedUserStore;
pub use mongo_accounts::MongoAccountStore;
pub use mongo_users::MongoUserStore;
