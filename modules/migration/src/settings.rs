//! `[migration]`: the settings of the migration layer, read by the binary's `Settings`.

use std::collections::HashMap;

use serde::Deserialize;

use crate::manifest::RouteState;

/// `[migration]`: which legacy routes hme serves, and the Next.js app behind it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MigrationSettings {
    /// The Next.js app (`LEGACY_UPSTREAM_URL`); unset: no pass-through, no shadow.
    pub upstream_url: Option<String>,
    /// A second Next.js instance, compared with the first to learn noisy fields.
    pub second_upstream_url: Option<String>,
    /// The state of a legacy route no other setting names.
    pub default_state: RouteState,
    /// Per-route states keyed `"METHOD /path"` (e.g. `"GET /api/product/list" = "shadow"`).
    pub routes: HashMap<String, RouteState>,
    /// Per-module states (e.g. `orders = "legacy"`).
    pub modules: HashMap<String, RouteState>,
    /// Per-route states as `METHOD /path=state,...` (for one environment variable); wins.
    pub route_states: String,
    /// Fields ignored when comparing bodies: a key name at any depth, or a dotted path.
    pub volatile_fields: Vec<String>,
    /// Seconds an upstream call may take.
    pub timeout_secs: u64,
    /// Seconds to open a connection to the upstream.
    pub connect_timeout_secs: u64,
}

impl Default for MigrationSettings {
    fn default() -> Self {
        Self {
            upstream_url: None,
            second_upstream_url: None,
            default_state: RouteState::Hme,
            routes: HashMap::new(),
            modules: HashMap::new(),
            route_states: String::new(),
            volatile_fields: ["date", "createdAt", "updatedAt"].map(str::to_owned).to_vec(),
            timeout_secs: 30,
            connect_timeout_secs: 5,
        }
    }
}
