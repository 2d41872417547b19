//! The products module's settings (section `[products]` of the configuration).

use serde::Deserialize;

/// Settings of the products module; every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProductsSettings {
    /// Serve list and single-product reads from the cache.
    pub cache_enabled: bool,
    /// How long a cached read may be served (the bound on staleness if an invalidation
    /// is lost), seconds.
    pub cache_ttl_secs: u64,
    /// Most images per product.
    pub max_images: usize,
    /// Page size when a list asks for a page without `limit`.
    pub default_page_size: u64,
    /// Largest `limit` accepted (above: 400).
    pub max_page_size: u64,
    /// Run an outbox relay in this module. Any relay over the shared outbox publishes
    /// every module's events, so one per process is enough.
    pub relay_enabled: bool,
    /// `hme serve` on an empty embedded store starts with the demo catalog (never on
    /// MongoDB), so a first `cargo run` shows a shop.
    pub seed_demo_on_empty_embedded: bool,
    /// How often this instance gives back stock holds past their lease, ms (0: never;
    /// another instance's sweeper must then run).
    pub hold_sweep_ms: u64,
}

impl Default for ProductsSettings {
    fn default() -> Self {
        Self { cache_enabled: true, cache_ttl_secs: 30, max_images: 8, default_page_size: 20, max_page_size: 100, relay_enabled: true, seed_demo_on_empty_embedded: true, hold_sweep_ms: 2000 }
    }
}
