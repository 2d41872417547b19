//! The deploy files checked against the binary itself, with no Docker engine or
//! cluster: the `Dockerfile`, `docker-compose.yml` (services, dependencies, ports,
//! volumes, variables, the split profile's URLs), the gateway's
//! `deploy/gateway/nginx.conf` (every public route of the binary's own route table
//! reaches a container built with its module; nothing under `/internal` is routed) and
//! `deploy/k8s` (the same for Deployments, Services, probes, HPAs and the Ingress).
//! Every container's environment loads through the real settings loader, and a
//! variable that names no setting fails the check. `typos` proves each check fails on
//! a typo.

mod compose;
mod dockerfile;
mod gateway;
mod k8s;
mod observability;
mod settings;
mod typos;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_norway::Value;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the repository, as text.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every document of a YAML text, with `<<` merge keys applied.
pub fn yaml_docs(text: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let mut doc = Value::deserialize(de).map_err(|e| e.to_string())?;
        doc.apply_merge().map_err(|e| e.to_string())?;
        if !doc.is_null() {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// A YAML scalar as the string a container sees (`8080` and `"8080"` alike).
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The features the `hme` package declares (its `[features]` table, without `default`).
pub fn cargo_features() -> BTreeSet<String> {
    let manifest = read("Cargo.toml");
    let mut in_features = false;
    let mut features = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if let Some((name, _)) = line.split_once('=').filter(|_| in_features) {
            features.insert(name.trim().to_owned());
        }
    }
    features.remove("default");
    features
}

/// The hme module a settings section belongs to (`accounts` is the auth module's).
pub fn module_of_section(section: &str) -> Option<&'static str> {
    match section {
        "products" => Some("products"),
        "orders" => Some("orders"),
        "images" => Some("images"),
        "accounts" => Some("auth"),
        "worker" => Some("worker"),
        _ => None,
    }
}

/// One route of the binary's route table, with a concrete sample path.
#[derive(Debug, Clone)]
pub struct Route {
    /// `GET /api/track/{trackingNumber}`.
    pub name: String,
    /// `/api/track/sample1`.
    pub sample: String,
    /// The module serving it; `core` is served by every hme process.
    pub module: String,
}

/// Every route the binary serves (`hme routes`), from its own OpenAPI documents.
pub fn routes() -> Vec<Route> {
    hme::openapi::routes()
        .into_iter()
        .map(|r| {
            let sample = r.path.split('/').map(|seg| if seg.starts_with('{') { "sample1" } else { seg }).collect::<Vec<_>>().join("/");
            Route { name: format!("{} {}", r.method, r.path), sample, module: r.module }
        })
        .collect()
}

/// Paths under `/internal` a gateway must not route anywhere: the prefix of the
/// internal endpoints (`hme_kernel::remote::INTERNAL_PREFIX`) and some of them.
pub fn internal_probes() -> Vec<String> {
    let prefix = hme_kernel::remote::INTERNAL_PREFIX;
    let mut probes = vec!["/internal".to_owned(), "/internal/".to_owned(), prefix.to_owned()];
    probes.extend(["/catalog/reserve", "/customers/address", "/sales/record", "/images/delete-for-product"].map(|p| format!("{prefix}{p}")));
    probes
}

/// The module of a `services.*_url` setting (`HME_PRODUCTS_URL`...).
pub fn service_urls(s: &hme::configuration::Settings) -> Vec<(&'static str, String)> {
    let v = &s.services;
    [("products", &v.products_url), ("orders", &v.orders_url), ("images", &v.images_url), ("auth", &v.auth_url)]
        .into_iter()
        .filter_map(|(m, u)| u.as_ref().filter(|u| !u.trim().is_empty()).map(|u| (m, u.clone())))
        .collect()
}

/// Panics listing every problem, one per line.
pub fn assert_clean(what: &str, errors: &[String]) {
    assert!(errors.is_empty(), "{what}: {} problem(s):\n  {}", errors.len(), errors.join("\n  "));
}

#[test]
fn the_route_table_the_checks_use_is_the_whole_binary() {
    let modules: BTreeSet<String> = routes().into_iter().map(|r| r.module).collect();
    let expected: BTreeSet<String> = cargo_features().into_iter().chain(["core".to_owned()]).collect();
    assert_eq!(modules, expected);
    assert!(routes().len() >= 30, "{} routes", routes().len());
}
