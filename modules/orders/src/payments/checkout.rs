//! `POST /api/checkout/initiate`: a pending JazzCash order and its `pp_*` form.

use hme_kernel::auth::Principal;
use hme_kernel::dates::now_millis;
use hme_kernel::mongoose::js_json_number;
use hme_kernel::{ApiError, ApiResult};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::fields::{form, txn_ref, FormInput};
use super::PaymentsService;
use crate::service::place::Cart;

/// `{items, amount, address, paymentMethod:"jazzcash"}`. `amount` is ignored: the
/// amount is computed on the server from the lines (the legacy code trusted it).
/// `address` is the storefront's free text "fullName, area, city, state" (stored
/// verbatim, as the legacy did), or one of the caller's address ids.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutBody {
    /// "fullName, area, city, state" (the storefront), or an address `_id` (24 hex).
    #[schema(value_type = String)]
    pub address: Option<Value>,
    /// `[{product, quantity}]`, as for `POST /api/order/create`.
    #[schema(value_type = Vec<Object>)]
    pub items: Option<Value>,
    /// Ignored (the server computes the amount); kept for the legacy frontend.
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Value>,
    /// "jazzcash" (the default when missing).
    #[schema(value_type = Option<String>)]
    pub payment_method: Option<Value>,
}

impl PaymentsService {
    /// Creates the pending order (stock reserved, `order.created` in the outbox; the cart
    /// is kept, as the legacy kept it: the payment-success page empties it) and answers `{success, gatewayUrl, fields, orderId, amount}`.
    pub async fn initiate(&self, principal: &Principal, body: &CheckoutBody) -> ApiResult<Value> {
        let creds = self.credentials()?;
        match body.payment_method.as_ref() {
            None | Some(Value::Null) => {}
            Some(Value::String(m)) if m.eq_ignore_ascii_case("jazzcash") => {}
            Some(_) => return Err(ApiError::bad_request("Unsupported payment method: only \"jazzcash\"")),
        }
        let o = &self.orders;
        let (request, address) = self.checkout_request(principal, body).await?;
        let mut order = o.price(principal, &request, address).await?;
        let now = self.txn_time(now_millis());
        let reference = txn_ref(now);
        order.payment_method = "jazzcash";
        order.payment_txn_ref = Some(reference.clone());
        if let Some(claimed) = body.amount.as_ref().and_then(Value::as_f64).filter(|a| (a - order.amount).abs() > 0.005) {
            tracing::info!(claimed, computed = order.amount, "checkout: client amount ignored");
        }
        let (id, amount) = (order.id.to_hex(), order.amount);
        let placed = o.commit(order, None, Cart::Keep).await?;
        if placed.replayed {
            return Err(ApiError::conflict("Order already placed"));
        }
        let s = self.settings();
        let fields = form(&FormInput {
            merchant_id: &creds.merchant_id,
            password: &creds.password,
            salt: &creds.salt,
            txn_ref: &reference,
            amount,
            bill_reference: &id,
            return_url: &s.return_url(),
            now,
            expiry_hours: s.txn_expiry_hours,
        });
        Ok(json!({"success": true, "gatewayUrl": s.jazzcash_gateway_url, "fields": fields, "orderId": id, "amount": js_json_number(amount)}))
    }
}
