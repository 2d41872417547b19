//! The orders module's settings (section `[orders]` of the configuration).

use hme_kernel::outbox::RelaySettings;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Settings of the orders module; every field has a default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrdersSettings {
    /// Flat shipping fee added to every order, PKR (legacy: 250).
    pub shipping_fee: f64,
    /// How long an `Idempotency-Key` is remembered per user, seconds.
    pub idempotency_ttl_secs: u64,
    /// How long one attempt holds its `Idempotency-Key` before a retry may take over
    /// (the wait a retry after a crash sees at most), seconds.
    pub idempotency_claim_secs: u64,
    /// How long stock taken for an order attempt stays held unless the order is stored;
    /// then the products module's sweeper gives it back, seconds.
    pub hold_lease_secs: u64,
    /// Most distinct lines in one order.
    pub max_lines: usize,
    /// Most units of one product in one order.
    pub max_quantity: u32,
    /// Orders (create and checkout) one user may place per window (0: unlimited).
    pub create_max_per_user: u64,
    /// Orders placed from one client address per window (0: unlimited).
    pub create_max_per_ip: u64,
    /// The order rate-limit window, seconds.
    pub create_window_secs: u64,
    /// Start the outbox relay when the module is built (off only in tests that drive it).
    pub relay_enabled: bool,
    /// Relay poll interval, ms.
    pub relay_poll_ms: u64,
    /// First retry delay after a failed publish, ms; doubles per attempt.
    pub relay_base_delay_ms: u64,
    /// Longest retry delay, ms.
    pub relay_max_delay_ms: u64,
    /// JazzCash checkout and the TCS courier (`[orders.payments]`).
    pub payments: PaymentsSettings,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            shipping_fee: 250.0,
            idempotency_ttl_secs: 86_400,
            idempotency_claim_secs: 5,
            hold_lease_secs: 30,
            max_lines: 50,
            max_quantity: 1000,
            create_max_per_user: 10,
            create_max_per_ip: 30,
            create_window_secs: 600,
            relay_enabled: true,
            relay_poll_ms: 1000,
            relay_base_delay_ms: 500,
            relay_max_delay_ms: 30_000,
            payments: PaymentsSettings::default(),
        }
    }
}

impl OrdersSettings {
    /// The relay's settings.
    pub fn relay(&self) -> RelaySettings {
        RelaySettings {
            poll_ms: self.relay_poll_ms,
            base_delay_ms: self.relay_base_delay_ms,
            max_delay_ms: self.relay_max_delay_ms,
            ..RelaySettings::default()
        }
    }
}

/// JazzCash and TCS settings (legacy `JAZZCASH_*`, `BASE_URL`, `TCS_API_*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PaymentsSettings {
    /// `JAZZCASH_MERCHANT_ID`; unset: checkout answers 503.
    pub jazzcash_merchant_id: Option<String>,
    /// `JAZZCASH_PASSWORD`.
    pub jazzcash_password: Option<SecretString>,
    /// `JAZZCASH_INTEGRITY_SALT`: the HMAC key of `pp_SecureHash`.
    pub jazzcash_integrity_salt: Option<SecretString>,
    /// Where the browser posts the `pp_*` form.
    pub jazzcash_gateway_url: String,
    /// `BASE_URL` / `NEXT_PUBLIC_BASE_URL`: the shop's public URL (payment pages).
    pub base_url: String,
    /// `pp_ReturnURL`; default `<base_url>/api/checkout/callback`.
    pub callback_url: Option<String>,
    /// Hours before a JazzCash transaction expires.
    pub txn_expiry_hours: i64,
    /// `TCS_API_URL`; unset: bookings wait with a provisional number.
    pub tcs_api_url: Option<String>,
    /// `TCS_API_KEY`.
    pub tcs_api_key: Option<SecretString>,
    /// Timeout of one courier call, seconds.
    pub courier_timeout_secs: u64,
    /// How long one booking attempt holds the order's booking lease, seconds (at least
    /// `courier_timeout_secs + 1`); a retry after a failed attempt may wait for it.
    pub courier_lease_secs: u64,
}

impl Default for PaymentsSettings {
    fn default() -> Self {
        Self {
            jazzcash_merchant_id: None,
            jazzcash_password: None,
            jazzcash_integrity_salt: None,
            jazzcash_gateway_url: "https://sandbox.jazzcash.com.pk/CustomerPortal/transactionmanagement/merchantform/".to_owned(),
            base_url: "http://localhost:3000".to_owned(),
            callback_url: None,
            txn_expiry_hours: 24,
            tcs_api_url: None,
            tcs_api_key: None,
            courier_timeout_secs: 10,
            courier_lease_secs: 30,
        }
    }
}

impl PartialEq for PaymentsSettings {
    fn eq(&self, o: &Self) -> bool {
        let s = |v: &Option<SecretString>| v.as_ref().map(|s| s.expose_secret().to_owned());
        self.jazzcash_merchant_id == o.jazzcash_merchant_id
            && s(&self.jazzcash_password) == s(&o.jazzcash_password)
            && s(&self.jazzcash_integrity_salt) == s(&o.jazzcash_integrity_salt)
            && self.jazzcash_gateway_url == o.jazzcash_gateway_url
            && self.base_url == o.base_url
            && self.callback_url == o.callback_url
            && self.txn_expiry_hours == o.txn_expiry_hours
            && self.tcs_api_url == o.tcs_api_url
            && s(&self.tcs_api_key) == s(&o.tcs_api_key)
            && self.courier_timeout_secs == o.courier_timeout_secs
            && self.courier_lease_secs == o.courier_lease_secs
    }
}

impl PaymentsSettings {
    /// The shop's base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }

    /// `pp_ReturnURL`.
    pub fn return_url(&self) -> String {
        self.callback_url.clone().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| format!("{}/api/checkout/callback", self.base()))
    }
}
