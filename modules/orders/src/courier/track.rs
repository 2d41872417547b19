//! Tracking an order's shipment: only the order's owner or a seller; a provisional
//! number answers "Pending booking" without asking the courier.

use hme_kernel::auth::{Principal, Role};
use crate::courier::port::{CourierError, TrackingEvent};
use hme_kernel::{ApiError, ApiResult};
use serde_json::{json, Value};

use super::PENDING_BOOKING;
use crate::payments::PaymentsService;

/// `status` when the courier states none (the legacy default).
pub const DEFAULT_STATUS: &str = "In Transit";
/// `currentLocation` when the courier states none (the legacy default).
pub const DEFAULT_LOCATION: &str = "Sorting Hub";

/// One history step for the tracking page: every field the courier sent, with `date`,
/// `time`, `remarks` and `location` always present (`remarks` falls back to the
/// step's `status`, the others to "").
fn history_step(e: &TrackingEvent) -> Value {
    let mut m = e.fields.clone();
    let fallback = [("date", e.date.clone()), ("time", e.time.clone()), ("remarks", e.remarks.clone().or_else(|| Some(e.status.clone()).filter(|s| !s.is_empty()))), ("location", e.location.clone())];
    for (k, v) in fallback {
        if !m.get(k).is_some_and(Value::is_string) {
            m.insert(k.to_owned(), Value::from(v.unwrap_or_default()));
        }
    }
    Value::Object(m)
}

impl PaymentsService {
    /// `{success, status, currentLocation, history:[{date, time, remarks, location,
    /// ...}], trackingNumber}`, history latest first, the legacy defaults ("In
    /// Transit", "Sorting Hub", `[]`) when the courier states nothing; failures carry
    /// `error`.
    pub async fn track(&self, principal: &Principal, tracking_number: &str) -> ApiResult<Value> {
        let not_found = || ApiError::not_found("Tracking number not found").with_error_key();
        let order = self.orders.store.find_by("courierTrackingNumber", tracking_number).await.map_err(|e| ApiError::from(e).with_error_key())?;
        let order = order.ok_or_else(not_found)?;
        let owner = order.get_str("userId").ok() == Some(principal.user_id.as_str());
        if !owner && principal.role == Role::Customer {
            return Err(not_found());
        }
        if order.get_str("courierStatus").ok() == Some(PENDING_BOOKING) {
            return Ok(json!({"success": true, "status": PENDING_BOOKING, "currentLocation": DEFAULT_LOCATION, "history": [], "trackingNumber": tracking_number}));
        }
        let t = self.courier.track(tracking_number).await.map_err(|e| match e {
            CourierError::NotFound => not_found(),
            other => ApiError::unavailable(other).with_error_key(),
        })?;
        let history: Vec<Value> = t.history.iter().map(history_step).collect();
        let status = t.status.unwrap_or_else(|| DEFAULT_STATUS.to_owned());
        let location = t.current_location.unwrap_or_else(|| DEFAULT_LOCATION.to_owned());
        Ok(json!({"success": true, "status": status, "currentLocation": location, "history": history, "trackingNumber": tracking_number}))
    }
}
