//! JazzCash checkout: the pending order, the `pp_*` form and its hash, the callback.
//! Courier booking after a payment lives in [`crate::courier`].

pub mod address;
pub mod callback;
pub mod checkout;
pub mod fields;
pub mod hash;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use hme_kernel::cache::Cache;
use crate::courier::port::Courier;
use hme_kernel::ApiError;
use secrecy::ExposeSecret;

use crate::service::OrdersService;
use crate::settings::PaymentsSettings;

pub use checkout::CheckoutBody;

/// Checkout, callback, courier booking and tracking, over the orders service.
pub struct PaymentsService {
    pub(crate) orders: Arc<OrdersService>,
    pub(crate) courier: Arc<dyn Courier>,
    pub(crate) cache: Arc<dyn Cache>,
    /// The last second given to a checkout's `pp_TxnDateTime` (Unix seconds).
    last_txn_second: AtomicI64,
}

/// The JazzCash credentials, all three set.
pub(crate) struct Credentials {
    pub merchant_id: String,
    pub password: String,
    pub salt: String,
}

impl PaymentsService {
    /// The service over `orders`, booking through `courier`; `cache` holds the booking
    /// leases.
    pub fn new(orders: Arc<OrdersService>, courier: Arc<dyn Courier>, cache: Arc<dyn Cache>) -> Self {
        Self { orders, courier, cache, last_txn_second: AtomicI64::new(0) }
    }

    /// `now`, moved forward to a second no earlier checkout of this process used:
    /// `pp_TxnRefNo` is "TXN" + `pp_TxnDateTime` (the legacy format), and JazzCash
    /// refuses a reference it has seen, so two checkouts in one second get consecutive
    /// seconds instead of the same reference.
    pub(crate) fn txn_time(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let want = now.timestamp();
        let mut last = self.last_txn_second.load(Ordering::SeqCst);
        loop {
            let next = want.max(last + 1);
            match self.last_txn_second.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return DateTime::from_timestamp(next, 0).unwrap_or(now),
                Err(seen) => last = seen,
            }
        }
    }

    pub(crate) fn settings(&self) -> &PaymentsSettings {
        &self.orders.settings.payments
    }

    /// The credentials, or 503 when JazzCash is not configured.
    pub(crate) fn credentials(&self) -> Result<Credentials, ApiError> {
        let s = self.settings();
        let secret = |v: &Option<secrecy::SecretString>| v.as_ref().map(|s| s.expose_secret().to_owned()).filter(|s| !s.is_empty());
        match (s.jazzcash_merchant_id.clone().filter(|m| !m.is_empty()), secret(&s.jazzcash_password), secret(&s.jazzcash_integrity_salt)) {
            (Some(merchant_id), Some(password), Some(salt)) => Ok(Credentials { merchant_id, password, salt }),
            _ => Err(ApiError::unavailable(std::io::Error::other("JazzCash is not configured (JAZZCASH_MERCHANT_ID, JAZZCASH_PASSWORD, JAZZCASH_INTEGRITY_SALT)"))),
        }
    }
}
