//! The courier port: booking a shipment and tracking it (TCS today, through the orders
//! module's TCS adapter, [`super::tcs`]).

use async_trait::async_trait;

/// What a courier needs to book one shipment.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    /// Our reference (the order `_id` hex).
    pub reference: String,
    /// The consignee's name.
    pub consignee_name: String,
    /// The consignee's phone number.
    pub consignee_phone: String,
    /// The delivery address on one line.
    pub consignee_address: String,
    /// The destination city.
    pub city: String,
    /// Number of pieces (units ordered).
    pub pieces: u32,
    /// Amount to collect on delivery, PKR (0 for a prepaid order).
    pub cod_amount: f64,
    /// What is shipped, for the waybill.
    pub description: String,
}

/// A booked shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The courier's consignment (tracking) number.
    pub tracking_number: String,
}

/// One step of a shipment's history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackingEvent {
    /// What happened.
    pub status: String,
    /// Where, when known.
    pub location: Option<String>,
    /// The day, as the courier states it.
    pub date: Option<String>,
    /// The time of day, as the courier states it.
    pub time: Option<String>,
    /// The courier's remarks, when given.
    pub remarks: Option<String>,
    /// Every field of the step exactly as the courier sent it (passed through to the
    /// tracking page).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Where a shipment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    /// The current status, when the courier states it.
    pub status: Option<String>,
    /// The current location, when known.
    pub current_location: Option<String>,
    /// The history, latest first.
    pub history: Vec<TrackingEvent>,
}

/// Why a courier call failed.
#[derive(Debug, thiserror::Error)]
pub enum CourierError {
    /// The courier could not be reached or failed (timeouts, 5xx): retry later.
    #[error("courier unavailable: {0}")]
    Unavailable(String),
    /// The courier refused the request as it is (4xx, a failure status).
    #[error("courier refused the request: {0}")]
    Rejected(String),
    /// The courier does not know this tracking number.
    #[error("tracking number not found")]
    NotFound,
}

/// A courier.
///
/// Promises: `book` returns Ok only once the courier accepted the booking and gave its
/// tracking number; an error means no booking is known to exist (a lost answer may
/// still have booked: callers pass a stable `reference`). `track` asks the courier now.
#[async_trait]
pub trait Courier: Send + Sync {
    /// The courier's name as stored in `courierName` (`TCS`).
    fn name(&self) -> &'static str;
    /// Books a shipment.
    async fn book(&self, shipment: &Shipment) -> Result<Booking, CourierError>;
    /// Tracks a shipment.
    async fn track(&self, tracking_number: &str) -> Result<Tracking, CourierError>;
}
