//! Consumer `orders.courier_booking` of `courier.booking_requested`: retries the booking
//! (with the bus's backoff) until the order is booked.

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, EventHandler, HandlerError};
use mongodb::bson::oid::ObjectId;

use super::booking::BookError;
use super::BOOKING_REQUESTED;
use crate::payments::PaymentsService;

/// The consumer name.
pub const CONSUMER: &str = "orders.courier_booking";

/// Retries courier bookings.
pub struct CourierRetry {
    /// The booking service.
    pub payments: Arc<PaymentsService>,
}

#[async_trait]
impl EventHandler for CourierRetry {
    fn consumer(&self) -> &str {
        CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec![BOOKING_REQUESTED.to_owned()]
    }

    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        let request: hme_kernel::events::payloads::BookingRequested = hme_kernel::events::payloads::read(event).map_err(HandlerError::Permanent)?;
        let id = ObjectId::parse_str(&request.order_id).ok();
        let id = id.ok_or_else(|| HandlerError::Permanent("courier.booking_requested without a valid orderId".to_owned()))?;
        match self.payments.try_book(&id).await {
            Ok(_) => Ok(()),
            Err(BookError::Retry(m)) => Err(HandlerError::Retry(m)),
            Err(BookError::Refused(m)) => Err(HandlerError::Permanent(m)),
        }
    }
}
