//! Tracking an order's shipment: only the order's owner or a seller; a provisional
//! number answers "Pending booking" without asking the courier.

use hme_kernel::auth::{Principal, Role};
use hme_kernel::ports::CourierError;
use hme_kernel::{ApiError, ApiResult};
use serde_json::{json, Value};

use super::PENDING_BOOKING;
use crate::payments::PaymentsService;
use crate::service::store_error;

impl PaymentsService {
    /// `{success, status, currentLocation, history:[{status, location, date}],
    /// trackingNumber}`; failures carry `error`.
    pub async fn track(&self, principal: &Principal, tracking_number: &str) -> ApiResult<Value> {
        let not_found = || ApiError::not_found("Tracking number not found").with_error_key();
        let order = self.orders.store.find_by("courierTrackingNumber", tracking_number).await.map_err(|e| store_error(e).with_error_key())?;
        let order = order.ok_or_else(not_found)?;
        let owner = order.get_str("userId").ok() == Some(principal.user_id.as_str());
        if !owner && principal.role == Role::Customer {
            return Err(not_found());
        }
        if order.get_str("courierStatus").ok() == Some(PENDING_BOOKING) {
            return Ok(json!({"success": true, "status": PENDING_BOOKING, "currentLocation": null, "history": [], "trackingNumber": tracking_number}));
        }
        let t = self.courier.track(tracking_number).await.map_err(|e| match e {
            CourierError::NotFound => not_found(),
            other => ApiError::unavailable(other).with_error_key(),
        })?;
        let history: Vec<Value> = t.history.iter().map(|h| json!({"status": h.status, "location": h.location, "date": h.date})).collect();
        Ok(json!({"success": true, "status": t.status, "currentLocation": t.current_location, "history": history, "trackingNumber": tracking_number}))
    }
}
