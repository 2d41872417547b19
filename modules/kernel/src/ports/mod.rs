//! Cross-module ports: traits one module answers and others call. In one process the
//! owning module's service implements them; split by module, an HTTP client does.
//! They carry no framework types.

pub mod catalog;
pub use catalog::*;
pub mod images;
pub mod customers;
pub use customers::*;
pub mod address_book;
pub use address_book::{AddressBook, AddressBookError};
pub mod sales;
pub use sales::{SalesError, SalesLedger};
pub mod courier;
pub mod observed;
pub use courier::{Booking, Courier, CourierError, Shipment, Tracking, TrackingEvent};
