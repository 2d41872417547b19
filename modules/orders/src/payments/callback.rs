//! `POST /api/checkout/callback`: JazzCash's answer, verified and applied once.
//!
//! - the order is found by `pp_TxnRefNo` (its `paymentTxnRef`);
//! - `pp_SecureHash` is checked in constant time, then `pp_Amount` against the amount
//!   stored on the server; a mismatch marks a pending order `failed` with the reason;
//! - `pp_ResponseCode` "000" marks it `completed` (mongoose's enum has no "paid"),
//!   gives it a provisional tracking number and commits `courier.booking_requested` in
//!   the same transaction, then tries to book at once; other codes mark it `failed`;
//! - every change is a compare-and-set from `pending`: a replayed or doubled callback
//!   changes nothing and books no second courier; a failed payment gives the stock back.

use std::collections::BTreeMap;

use chrono::Utc;
use hme_kernel::dates::to_iso_millis;
use hme_kernel::events::EventEnvelope;
use hme_kernel::mongoose::JsNumber;
use hme_kernel::ApiResult;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde_json::json;

use super::fields::paisa;
use super::hash::verify;
use super::PaymentsService;
use crate::courier::{BOOKING_REQUESTED, PENDING_BOOKING};
use crate::domain::order::StoredOrder;
use crate::service::store_error;

/// Where the browser is sent after the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the order is paid.
    pub paid: bool,
    /// The order, when known.
    pub order_id: Option<String>,
}

fn now_bson() -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::now())
}

/// `PROV-<8 digits>`.
pub fn provisional_number() -> String {
    format!("PROV-{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

impl PaymentsService {
    /// The redirect target of an outcome: `<base>/payment-success?orderId=...` or
    /// `<base>/payment-failed[?orderId=...]`.
    pub fn redirect_url(&self, o: &Outcome) -> String {
        let page = if o.paid { "payment-success" } else { "payment-failed" };
        match &o.order_id {
            Some(id) => format!("{}/{page}?orderId={id}", self.settings().base()),
            None => format!("{}/{page}", self.settings().base()),
        }
    }

    /// Applies a callback (see the module documentation).
    pub async fn callback(&self, fields: &BTreeMap<String, String>) -> ApiResult<Outcome> {
        let creds = self.credentials()?;
        let store = &self.orders.store;
        let order = match fields.get("pp_TxnRefNo").filter(|r| !r.is_empty()) {
            Some(r) => store.find_by("paymentTxnRef", r).await.map_err(store_error)?,
            None => None,
        };
        let Some(order) = order else {
            tracing::warn!(txn = ?fields.get("pp_TxnRefNo"), "checkout callback for an unknown transaction");
            return Ok(Outcome { paid: false, order_id: None });
        };
        let Ok(id) = order.get_object_id("_id") else { return Ok(Outcome { paid: false, order_id: None }) };
        let order_id = Some(id.to_hex());
        let received = fields.get("pp_SecureHash").map(String::as_str).unwrap_or_default();
        if !verify(&creds.salt, fields, received) {
            self.mark_failed(&order, "Invalid secure hash").await?;
            return Ok(Outcome { paid: false, order_id });
        }
        let stored_amount = order.get("amount").and_then(JsNumber::from_bson).map(|n| n.0).unwrap_or(-1.0);
        if fields.get("pp_Amount") != Some(&paisa(stored_amount)) || fields.get("pp_MerchantID") != Some(&creds.merchant_id) {
            self.mark_failed(&order, "Amount or merchant mismatch").await?;
            return Ok(Outcome { paid: false, order_id });
        }
        let code = fields.get("pp_ResponseCode").map(String::as_str).unwrap_or_default();
        if code != "000" {
            let message = fields.get("pp_ResponseMessage").map(String::as_str).unwrap_or("payment failed");
            self.mark_failed(&order, &format!("{code}: {message}")).await?;
            return Ok(Outcome { paid: false, order_id });
        }
        let txn_id = fields.get("pp_RetreivalReferenceNo").or_else(|| fields.get("pp_TxnRefNo")).cloned().unwrap_or_default();
        if self.mark_paid(&id, &txn_id).await? {
            if let Err(e) = self.try_book(&id).await {
                tracing::info!(order_id = %id, error = %e, "courier booking deferred to the retry consumer");
            }
            return Ok(Outcome { paid: true, order_id });
        }
        let now = store.get(&id).await.map_err(store_error)?;
        let paid = now.as_ref().and_then(|d| d.get_str("paymentStatus").ok()) == Some("completed");
        Ok(Outcome { paid, order_id })
    }

    /// pending → completed, with a provisional booking and its event; false when the
    /// order was not pending any more.
    async fn mark_paid(&self, id: &ObjectId, txn_id: &str) -> ApiResult<bool> {
        let provisional = provisional_number();
        let courier = self.courier.name();
        let set = doc! {
            "paymentStatus": "completed", "paymentTxnId": txn_id, "paymentError": Bson::Null,
            "courierName": courier, "courierTrackingNumber": &provisional, "courierStatus": PENDING_BOOKING,
            "courierMeta": {"courier": courier, "provisional": true, "requestedAt": to_iso_millis(&Utc::now())},
            "updatedAt": now_bson(),
        };
        let event = EventEnvelope::new(BOOKING_REQUESTED, json!({"orderId": id.to_hex(), "provisionalTrackingNumber": provisional}));
        self.orders.store.update_where(id, &doc! {"paymentStatus": "pending"}, &set, Some(&event)).await.map_err(store_error)
    }

    /// pending → failed with `reason`; gives the reserved stock back once.
    async fn mark_failed(&self, order: &Document, reason: &str) -> ApiResult<()> {
        let Some(stored) = StoredOrder::from_document(order) else { return Ok(()) };
        let set = doc! {"paymentStatus": "failed", "paymentError": reason, "updatedAt": now_bson()};
        let changed = self.orders.store.update_where(&stored.id, &doc! {"paymentStatus": "pending"}, &set, None).await.map_err(store_error)?;
        if changed {
            tracing::info!(order_id = %stored.id, reason, "payment failed");
            self.orders.release(&stored.id.to_hex(), &stored.lines).await;
        }
        Ok(())
    }
}
