//! The route manifest: every legacy Next.js route (the contract's whole list), the
//! module that owns it in hme, and its state, which comes from settings, never code.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::settings::MigrationSettings;

/// Who answers a legacy route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    /// Next.js serves it (proxied there when an upstream is configured).
    Legacy,
    /// Next.js answers; hme is called in the background and compared (safe routes).
    Shadow,
    /// hme serves it.
    Hme,
}

impl RouteState {
    /// Parses `legacy`, `shadow` or `hme` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "legacy" => Some(Self::Legacy),
            "shadow" => Some(Self::Shadow),
            "hme" => Some(Self::Hme),
            _ => None,
        }
    }
}

impl fmt::Display for RouteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Legacy => "legacy",
            Self::Shadow => "shadow",
            Self::Hme => "hme",
        })
    }
}

/// One route of the legacy contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyRoute {
    /// `GET`, `POST`...
    pub method: &'static str,
    /// The path pattern, with `{param}` segments.
    pub path: &'static str,
    /// The hme module owning it.
    pub module: &'static str,
    /// Read-only: safe to call twice, so it can be compared in shadow.
    pub safe: bool,
}

const fn route(method: &'static str, path: &'static str, module: &'static str, safe: bool) -> LegacyRoute {
    LegacyRoute { method, path, module, safe }
}

/// Every route of `legacy-api.md`, in its order.
pub const LEGACY_ROUTES: &[LegacyRoute] = &[
    route("GET", "/api/product/list", "products", true),
    route("GET", "/api/product/seller-list", "products", true),
    route("POST", "/api/product/add", "products", false),
    route("PUT", "/api/product/edit", "products", false),
    route("DELETE", "/api/product/delete", "products", false),
    route("PUT", "/api/product/inStock", "products", false),
    route("PUT", "/api/product/promotion", "products", false),
    route("GET", "/api/user/data", "auth", true),
    route("GET", "/api/cart/get", "auth", true),
    route("POST", "/api/cart/update", "auth", false),
    route("POST", "/api/user/add-address", "auth", false),
    route("GET", "/api/user/get-address", "auth", true),
    route("POST", "/api/order/create", "orders", false),
    route("GET", "/api/order/list", "orders", true),
    route("GET", "/api/order/seller-orders", "orders", true),
    route("POST", "/api/checkout/initiate", "orders", false),
    route("POST", "/api/checkout/callback", "orders", false),
    // Calls the courier API on every request: read-only for us, but not compared.
    route("GET", "/api/track/{trackingNumber}", "orders", false),
    route("POST", "/api/subscribe", "worker", false),
    route("POST", "/api/contact", "worker", false),
];

/// A legacy route with its state in this build and configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    /// `GET`, `POST`...
    #[schema(value_type = String)]
    pub method: &'static str,
    /// The path pattern.
    #[schema(value_type = String)]
    pub path: &'static str,
    /// The owning hme module.
    #[schema(value_type = String)]
    pub module: &'static str,
    /// The effective state.
    pub state: RouteState,
    /// The state the settings ask for (differs when hme cannot serve the route).
    pub configured: RouteState,
    /// This build serves the route.
    pub served: bool,
    /// In shadow: `compare` (safe route) or `proxy-only` (a write, never run twice).
    #[schema(value_type = String)]
    pub shadow: &'static str,
}

/// Whether `path` matches `pattern` (`{x}` matches one non-empty segment).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut p = pattern.trim_end_matches('/').split('/');
    let mut q = path.trim_end_matches('/').split('/');
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) => {
                let param = a.starts_with('{') && a.ends_with('}');
                if !(param && !b.is_empty() || a == b) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The state the settings ask for: `route_states`, then `routes`, then `modules`,
/// then `default_state`.
pub fn configured_state(settings: &MigrationSettings, route: &LegacyRoute) -> RouteState {
    let key = format!("{} {}", route.method, route.path).to_ascii_lowercase();
    let same = |k: &str| k.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase() == key;
    let from_list = settings.route_states.split(',').filter_map(|item| item.split_once('=')).find(|(k, _)| same(k)).and_then(|(_, v)| RouteState::parse(v));
    from_list
        .or_else(|| settings.routes.iter().find(|(k, _)| same(k)).map(|(_, v)| *v))
        .or_else(|| settings.modules.iter().find(|(k, _)| k.eq_ignore_ascii_case(route.module)).map(|(_, v)| *v))
        .unwrap_or(settings.default_state)
}

/// Refuses route states naming no legacy route, and unknown states, so a typo does not
/// silently leave a route where it was.
pub fn validate(settings: &MigrationSettings) -> Result<(), String> {
    let known = |k: &str| {
        let k = k.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
        LEGACY_ROUTES.iter().any(|r| format!("{} {}", r.method, r.path).to_ascii_lowercase() == k)
    };
    let mut errors = Vec::new();
    for item in settings.route_states.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once('=') {
            Some((k, v)) if known(k) && RouteState::parse(v).is_some() => {}
            Some((k, _)) if !known(k) => errors.push(format!("migration.route_states: `{}` is not a legacy route (`METHOD /path` as in `hme routes`)", k.trim())),
            _ => errors.push(format!("migration.route_states: `{item}`: expected `METHOD /path=legacy|shadow|hme`")),
        }
    }
    for k in settings.routes.keys().filter(|k| !known(k)) {
        errors.push(format!("migration.routes: `{k}` is not a legacy route (`METHOD /path` as in `hme routes`)"));
    }
    for k in settings.modules.keys().filter(|k| !LEGACY_ROUTES.iter().any(|r| r.module.eq_ignore_ascii_case(k))) {
        errors.push(format!("migration.modules: `{k}` owns no legacy route"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
}

/// The manifest: every legacy route with its effective state. `served` tells whether
/// this build serves a (method, path); a route it does not serve is `legacy`.
pub fn manifest(settings: &MigrationSettings, served: impl Fn(&str, &str) -> bool) -> Vec<ManifestEntry> {
    LEGACY_ROUTES
        .iter()
        .map(|r| {
            let configured = configured_state(settings, r);
            let is_served = served(r.method, r.path);
            let state = if is_served { configured } else { RouteState::Legacy };
            ManifestEntry {
                method: r.method,
                path: r.path,
                module: r.module,
                state,
                configured,
                served: is_served,
                shadow: if r.safe { "compare" } else { "proxy-only" },
            }
        })
        .collect()
}

/// A route the build serves, as its composition root lists them (its OpenAPI routes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRoute {
    /// `GET`, `POST`...
    pub method: String,
    /// The path pattern (`/api/product/{id}`).
    pub path: String,
}

/// The manifest of a build serving `served`.
pub fn manifest_of_build(settings: &MigrationSettings, served: &[ServedRoute]) -> Vec<ManifestEntry> {
    manifest(settings, |m, p| served.iter().any(|r| r.method == m && r.path == p))
}

/// The legacy route matching a request, if any.
pub fn find(method: &str, path: &str) -> Option<&'static LegacyRoute> {
    let method = if method == "HEAD" { "GET" } else { method };
    LEGACY_ROUTES.iter().find(|r| r.method == method && path_matches(r.path, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_params_and_nothing_else() {
        assert!(path_matches("/api/track/{trackingNumber}", "/api/track/TCS-1234"));
        assert!(!path_matches("/api/track/{trackingNumber}", "/api/track/"));
        assert!(!path_matches("/api/track/{trackingNumber}", "/api/track/a/b"));
        assert!(path_matches("/api/product/list", "/api/product/list/"));
        assert!(!path_matches("/api/product/list", "/api/product/listing"));
    }

    #[test]
    fn settings_pick_the_state_most_specific_first() {
        let mut s = MigrationSettings::default();
        s.modules.insert("products".into(), RouteState::Shadow);
        s.route_states = "PUT /api/product/edit=legacy".into();
        let m = manifest(&s, |_, _| true);
        let state = |p: &str| m.iter().find(|e| e.path == p).map(|e| e.state);
        assert_eq!(state("/api/product/list"), Some(RouteState::Shadow));
        assert_eq!(state("/api/product/edit"), Some(RouteState::Legacy));
        assert_eq!(state("/api/order/list"), Some(RouteState::Hme));
        assert_eq!(manifest(&s, |_, _| false)[0].state, RouteState::Legacy);
        assert_eq!(validate(&s), Ok(()));
        s.route_states = "GET /api/product/lsit=shadow".into();
        assert!(validate(&s).is_err_and(|e| e.contains("/api/product/lsit")));
        s.route_states = "GET /api/product/list=live".into();
        assert!(validate(&s).is_err());
    }
}
