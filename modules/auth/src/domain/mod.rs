//! The auth module's domain: legacy user and address documents, cart and address
//! validation, accounts of our own, and the Clerk webhook payload.

pub mod account;
pub mod address;
pub mod bson_json;
pub mod cart;
pub mod user;
pub mod webhook;

pub use account::{normalize_email, validate_password, Account, RefreshRecord, RefreshUse};
pub use address::{Address, AddressInput};
pub use cart::validate_cart;
pub use user::{User, UserProfile};
