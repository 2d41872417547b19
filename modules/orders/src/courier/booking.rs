//! Booking the courier of a paid order. The order already holds a provisional number
//! (`PROV-<8 digits>`, `courierStatus` "Pending booking"); whoever books (the callback
//! at once, or the retry consumer later) first takes a lease on the order through the
//! cache, so one booking runs at a time, then replaces the provisional number by a
//! compare-and-set: a booking is made once per order.

use std::time::Duration;

use chrono::Utc;
use hme_kernel::dates::to_iso_millis;
use hme_kernel::mongoose::JsNumber;
use crate::courier::port::{CourierError, Shipment};
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use crate::domain::events::address_text;
use crate::domain::input::hex_id;
use crate::payments::address::text_address;
use crate::payments::PaymentsService;

/// `courierStatus` of an order waiting for its booking.
pub const PENDING_BOOKING: &str = "Pending booking";

/// What a booking attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookOutcome {
    /// Booked now, with this tracking number.
    Booked(String),
    /// Nothing to do: booked already, or not waiting for a booking (or gone).
    NothingToDo,
}

/// Why a booking attempt did not book.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// Try again later (courier or storage down, another attempt holds the lease).
    #[error("booking deferred: {0}")]
    Retry(String),
    /// The courier refuses this shipment as it is.
    #[error("booking refused: {0}")]
    Refused(String),
}

impl PaymentsService {
    /// Books the courier of order `id` if it is still waiting for one.
    pub async fn try_book(&self, id: &ObjectId) -> Result<BookOutcome, BookError> {
        let retry = |e: &dyn std::fmt::Display| BookError::Retry(e.to_string());
        let Some(order) = self.orders.store.get(id).await.map_err(|e| retry(&e))? else { return Ok(BookOutcome::NothingToDo) };
        if order.get_str("courierStatus").ok() != Some(PENDING_BOOKING) {
            return Ok(BookOutcome::NothingToDo);
        }
        let provisional = order.get_str("courierTrackingNumber").unwrap_or_default().to_owned();
        let lease_key = format!("orders:courier-lease:{}", id.to_hex());
        let s = self.settings();
        let lease = Duration::from_secs(s.courier_lease_secs.max(s.courier_timeout_secs.saturating_add(1)));
        match self.cache.hit(&lease_key, lease).await {
            Ok((1, _)) => {}
            Ok(_) => return Err(BookError::Retry("another booking attempt holds the lease".to_owned())),
            Err(e) => return Err(retry(&e)),
        }
        let shipment = self.shipment(&order).await;
        let booked = self.courier.book(&shipment).await;
        let booking = match booked {
            Ok(b) => b,
            Err(e) => {
                // Releases the lease where the cache can (Redis); the in-process cache
                // keeps counters until the window ends, so the next attempt waits for it.
                let _ = self.cache.delete(&[lease_key.as_str()]).await;
                return Err(match e {
                    CourierError::Rejected(m) => BookError::Refused(m),
                    other => retry(&other),
                });
            }
        };
        let courier = self.courier.name();
        let set = doc! {
            "courierTrackingNumber": &booking.tracking_number, "courierStatus": "Booked",
            "courierMeta": {"bookedAt": to_iso_millis(&Utc::now()), "courier": courier, "provisionalTrackingNumber": &provisional},
            "updatedAt": Bson::DateTime(mongodb::bson::DateTime::now()),
        };
        let expect = doc! {"courierStatus": PENDING_BOOKING, "courierTrackingNumber": &provisional};
        let changed = self.orders.store.update_where(id, &expect, &set, None).await.map_err(|e| retry(&e))?;
        if !changed {
            tracing::error!(order_id = %id, tracking = booking.tracking_number, "courier booked but the order moved meanwhile");
            return Ok(BookOutcome::NothingToDo);
        }
        tracing::info!(order_id = %id, tracking = booking.tracking_number, "courier booked");
        Ok(BookOutcome::Booked(booking.tracking_number))
    }

    /// The shipment of a stored order (prepaid: nothing to collect). The address is
    /// looked up when the order holds an address id; a free-text address (every
    /// checkout from the storefront) is split as the legacy did: the first part is the
    /// consignee, the last one (the state) the city TCS is asked to deliver to.
    async fn shipment(&self, order: &Document) -> Shipment {
        let user = order.get_str("userId").unwrap_or_default();
        let stored = order.get_str("address").unwrap_or_default();
        let address = match hex_id(Some(&serde_json::Value::from(stored))) {
            Some(id) => self.orders.deps.customers.address(user, &id).await.ok().flatten(),
            None if !stored.trim().is_empty() => {
                let mut a = text_address(user, stored.trim());
                a.city = stored.rsplit(", ").next().unwrap_or_default().trim().to_owned();
                Some(a)
            }
            None => None,
        };
        let pieces = order
            .get_array("items")
            .map(|a| a.iter().filter_map(Bson::as_document).filter_map(|i| i.get("quantity").and_then(JsNumber::from_bson)).map(|n| n.0).sum::<f64>())
            .unwrap_or(1.0);
        let reference = order.get_object_id("_id").map(|o| o.to_hex()).unwrap_or_default();
        Shipment {
            reference: reference.clone(),
            consignee_name: address.as_ref().map(|a| a.full_name.clone()).unwrap_or_default(),
            consignee_phone: address.as_ref().map(|a| a.phone_number.clone()).unwrap_or_default(),
            consignee_address: match hex_id(Some(&serde_json::Value::from(stored))) {
                Some(_) => address.as_ref().map(address_text).unwrap_or_default(),
                None => stored.trim().to_owned(),
            },
            city: address.as_ref().map(|a| a.city.clone()).unwrap_or_default(),
            pieces: u32::try_from(pieces.round() as i64).unwrap_or(1).max(1),
            cod_amount: 0.0,
            description: format!("HMElectronics order {reference}"),
        }
    }
}
