//! The contract of the auth module: the ports it answers for the orders module
//! ([`Customers`]: an address, a profile, clearing a cart; [`AddressBook`]: address
//! documents for `populate`), with their promises and DTOs, their HTTP halves for split
//! deploys ([`remote`]), the in-process observed wrappers, and the conformance suite
//! every implementation passes (feature `conformance`).
//!
//! A module that calls auth depends on this crate, never on `hme-auth`.

pub mod address_book;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod customers;
mod observed;
pub mod remote;

pub use address_book::{AddressBook, AddressBookError};
pub use customers::*;
pub use remote::{RemoteAddressBook, RemoteCustomers};
