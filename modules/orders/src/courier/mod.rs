//! Courier booking and tracking: the [`port::Courier`] port (only the orders module uses
//! it, so it lives here, not in a contract crate), its TCS adapter, the booking with its
//! provisional-number fallback, the retry consumer of `courier.booking_requested`, and
//! tracking.

pub mod booking;
pub mod port;
pub mod consumer;
pub mod tcs;
pub mod track;

use std::sync::Arc;
use std::time::Duration;

use crate::courier::port::{Courier, CourierError};
use secrecy::ExposeSecret;

use crate::settings::PaymentsSettings;

pub use booking::{BookOutcome, PENDING_BOOKING};
pub use consumer::CourierRetry;
pub use tcs::{TcsCourier, UnconfiguredCourier};

/// The event asking for a courier booking (retried until booked).
pub const BOOKING_REQUESTED: &str = hme_kernel::events::payloads::COURIER_BOOKING_REQUESTED;

/// The courier the settings name: TCS when `TCS_API_URL` is set, else one that is
/// always unavailable.
pub fn from_settings(s: &PaymentsSettings) -> Result<Arc<dyn Courier>, CourierError> {
    match s.tcs_api_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let key = s.tcs_api_key.clone().filter(|k| !k.expose_secret().trim().is_empty());
            Ok(Arc::new(TcsCourier::new(url, key, Duration::from_secs(s.courier_timeout_secs.max(1)))?))
        }
        None => Ok(Arc::new(UnconfiguredCourier)),
    }
}
