//! The orders domain: the request and its validation, the stored document, the status
//! machine, the JSON mongoose would print and the event payloads. No framework types.

pub mod events;
pub mod input;
pub mod json;
pub mod order;
pub mod status;

pub use input::{CreateOrderBody, Line, OrderRequest, StatusBody, CancelBody};
pub use status::OrderStatus;
