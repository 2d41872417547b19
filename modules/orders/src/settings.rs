//! The orders module's settings (section `[orders]` of the configuration).

use hme_kernel::outbox::RelaySettings;
use serde::Deserialize;

/// Settings of the orders module; every field has a default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct OrdersSettings {
    /// Flat shipping fee added to every order, PKR (legacy: 250).
    pub shipping_fee: f64,
    /// How long an `Idempotency-Key` is remembered per user, seconds.
    pub idempotency_ttl_secs: u64,
    /// Most distinct lines in one order.
    pub max_lines: usize,
    /// Most units of one product in one order.
    pub max_quantity: u32,
    /// Start the outbox relay when the module is built (off only in tests that drive it).
    pub relay_enabled: bool,
    /// Relay poll interval, ms.
    pub relay_poll_ms: u64,
    /// First retry delay after a failed publish, ms; doubles per attempt.
    pub relay_base_delay_ms: u64,
    /// Longest retry delay, ms.
    pub relay_max_delay_ms: u64,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            shipping_fee: 250.0,
            idempotency_ttl_secs: 86_400,
            max_lines: 50,
            max_quantity: 1000,
            relay_enabled: true,
            relay_poll_ms: 1000,
            relay_base_delay_ms: 500,
            relay_max_delay_ms: 30_000,
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
