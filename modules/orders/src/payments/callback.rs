//! `POST /api/checkout/callback`: JazzCash's answer, verified and applied once, stored
//! and redirected exactly as the legacy handler did, so that an order initiated by
//! either backend completes through the other's callback.
//!
//! - the order is found by `pp_BillReference` (its `_id`, as both backends send it)
//!   when its `paymentTxnRef` is `pp_TxnRefNo`, else by `pp_TxnRefNo` alone;
//! - `pp_SecureHash` is checked in constant time: a mismatch marks a pending order
//!   `paymentStatus` "failed", `paymentError` "Signature Mismatch", and redirects to
//!   `/payment-failed?reason=SecuritySignatureMismatch`;
//! - then (hme addition, the legacy checked nothing) `pp_Amount` against the stored
//!   amount (whole paisa, or the legacy's float string, within half a paisa) and
//!   `pp_MerchantID`: a mismatch fails the order with "Amount or merchant mismatch",
//!   `reason=AmountMismatch`;
//! - `pp_ResponseCode` "000" marks it `paymentStatus` "completed", `status` "Order
//!   Placed", `paymentTxnId` = `pp_TxnRefNo`, `courierName` "tcs", books TCS (status
//!   "Booked"; while TCS is down a provisional number and "Pending booking", booked by
//!   the retry consumer) and redirects to `/payment-success?orderId=<id>`;
//! - other codes mark it failed with `paymentError` = `pp_ResponseMessage` and redirect
//!   to `/payment-failed?reason=<pp_ResponseMessage, URL-encoded>`;
//! - anything else (order unknown, storage down, JazzCash not configured) redirects to
//!   `/payment-failed?reason=InternalServerError`;
//! - every change is a compare-and-set from `pending`: a replayed or doubled callback
//!   changes nothing and books no second courier; a failed payment gives the stock back.

use std::collections::BTreeMap;

use chrono::Utc;
use hme_kernel::dates::to_iso_millis;
use hme_kernel::events::{payloads, EventEnvelope};
use hme_kernel::mongoose::JsNumber;
use hme_kernel::{ApiError, ApiResult};
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use super::fields::amount_matches;
use super::hash::verify;
use super::PaymentsService;
use crate::courier::{BOOKING_REQUESTED, PENDING_BOOKING};
use crate::domain::order::StoredOrder;

/// `paymentError` of a callback whose hash does not match (the legacy text).
pub const SIGNATURE_MISMATCH: &str = "Signature Mismatch";

/// Where the browser is sent after the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Paid: `/payment-success?orderId=<id>`.
    Paid(String),
    /// Not paid: `/payment-failed?reason=<reason>`.
    Failed(String),
}

impl Outcome {
    fn failed(reason: &str) -> Self {
        Self::Failed(reason.to_owned())
    }
}

fn now_bson() -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::now())
}

/// `PROV-<8 digits>`.
pub fn provisional_number() -> String {
    format!("PROV-{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000)
}

/// JavaScript's `encodeURIComponent`, which the legacy applied to the reason. A `%` in
/// the text is dropped first: the payment-failed page decodes the parameter a second
/// time, and a stray `%` would break it.
pub fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes().filter(|b| *b != b'%') {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PaymentsService {
    /// The redirect target of an outcome, under `payments.base_url`.
    pub fn redirect_url(&self, o: &Outcome) -> String {
        let base = self.settings().base();
        match o {
            Outcome::Paid(id) => format!("{base}/payment-success?orderId={id}"),
            Outcome::Failed(reason) => format!("{base}/payment-failed?reason={}", encode_uri_component(reason)),
        }
    }

    /// Applies a callback (see the module documentation); never fails: what went wrong
    /// is in the outcome's reason and in the log.
    pub async fn callback(&self, fields: &BTreeMap<String, String>) -> Outcome {
        match self.try_callback(fields).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, txn = ?fields.get("pp_TxnRefNo"), "checkout callback failed");
                Outcome::failed("InternalServerError")
            }
        }
    }

    /// The order a callback is about.
    async fn callback_order(&self, fields: &BTreeMap<String, String>) -> ApiResult<Option<Document>> {
        let store = &self.orders.store;
        let txn = fields.get("pp_TxnRefNo").map(|r| r.trim()).filter(|r| !r.is_empty());
        let by_id = fields.get("pp_BillReference").and_then(|b| ObjectId::parse_str(b.trim()).ok());
        if let Some(id) = by_id {
            let found = store.get(&id).await?;
            if let Some(d) = found.filter(|d| txn.is_some_and(|t| d.get_str("paymentTxnRef").ok() == Some(t))) {
                return Ok(Some(d));
            }
        }
        match txn {
            Some(t) => store.find_by("paymentTxnRef", t).await.map_err(ApiError::from),
            None => Ok(None),
        }
    }

    async fn try_callback(&self, fields: &BTreeMap<String, String>) -> ApiResult<Outcome> {
        let creds = self.credentials()?;
        let Some(order) = self.callback_order(fields).await? else {
            tracing::warn!(txn = ?fields.get("pp_TxnRefNo"), bill = ?fields.get("pp_BillReference"), "checkout callback for an unknown transaction");
            return Ok(Outcome::failed("InternalServerError"));
        };
        let Ok(id) = order.get_object_id("_id") else { return Ok(Outcome::failed("InternalServerError")) };
        let received = fields.get("pp_SecureHash").map(String::as_str).unwrap_or_default();
        if !verify(&creds.salt, fields, received) {
            self.mark_failed(&order, SIGNATURE_MISMATCH).await?;
            return Ok(Outcome::failed("SecuritySignatureMismatch"));
        }
        let stored_amount = order.get("amount").and_then(JsNumber::from_bson).map(|n| n.0).unwrap_or(-1.0);
        let amount_ok = fields.get("pp_Amount").is_some_and(|a| amount_matches(a, stored_amount));
        if !amount_ok || fields.get("pp_MerchantID") != Some(&creds.merchant_id) {
            self.mark_failed(&order, "Amount or merchant mismatch").await?;
            return Ok(Outcome::failed("AmountMismatch"));
        }
        let code = fields.get("pp_ResponseCode").map(String::as_str).unwrap_or_default();
        if code != "000" {
            let message = fields.get("pp_ResponseMessage").map(String::as_str).filter(|m| !m.is_empty()).unwrap_or("Payment failed");
            tracing::info!(order_id = %id, code, message, "payment declined");
            self.mark_failed(&order, message).await?;
            return Ok(Outcome::failed(message));
        }
        let txn_id = fields.get("pp_TxnRefNo").cloned().unwrap_or_default();
        if self.mark_paid(&id, &txn_id).await? {
            if let Err(e) = self.try_book(&id).await {
                tracing::info!(order_id = %id, error = %e, "courier booking deferred to the retry consumer");
            }
            return Ok(Outcome::Paid(id.to_hex()));
        }
        let now = self.orders.store.get(&id).await?;
        match now.as_ref().and_then(|d| d.get_str("paymentStatus").ok()) {
            Some("completed") => Ok(Outcome::Paid(id.to_hex())),
            _ => Ok(Outcome::failed(now.as_ref().and_then(|d| d.get_str("paymentError").ok()).unwrap_or("Payment failed"))),
        }
    }

    /// pending → completed, with a provisional booking and its event; false when the
    /// order was not pending any more.
    async fn mark_paid(&self, id: &ObjectId, txn_id: &str) -> ApiResult<bool> {
        let provisional = provisional_number();
        let courier = self.courier.name();
        let set = doc! {
            "paymentStatus": "completed", "paymentTxnId": txn_id, "paymentError": Bson::Null, "status": "Order Placed",
            "courierName": courier.to_ascii_lowercase(), "courierTrackingNumber": &provisional, "courierStatus": PENDING_BOOKING,
            "courierMeta": {"courier": courier, "provisional": true, "requestedAt": to_iso_millis(&Utc::now())},
            "updatedAt": now_bson(),
        };
        let request = payloads::BookingRequested { order_id: id.to_hex(), provisional_tracking_number: Some(provisional) };
        let event = EventEnvelope::new(BOOKING_REQUESTED, payloads::data(&request));
        self.orders.store.update_where(id, &doc! {"paymentStatus": "pending"}, &set, Some(&event)).await.map_err(ApiError::from)
    }

    /// pending → failed with `reason`; gives the reserved stock back once.
    async fn mark_failed(&self, order: &Document, reason: &str) -> ApiResult<()> {
        let Some(stored) = StoredOrder::from_document(order) else { return Ok(()) };
        let set = doc! {"paymentStatus": "failed", "paymentError": reason, "updatedAt": now_bson()};
        let changed = self.orders.store.update_where(&stored.id, &doc! {"paymentStatus": "pending"}, &set, None).await?;
        if changed {
            tracing::info!(order_id = %stored.id, reason, "payment failed");
            self.orders.release(&stored.id.to_hex(), &stored.lines).await;
        }
        Ok(())
    }
}
