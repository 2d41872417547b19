//! The compiled-in feature modules: the only place (with the settings) where
//! `cfg(feature)` appears. Builds each module and checks that every module another one
//! needs is either compiled in or configured to be reached remotely.

use std::sync::Arc;

use hme_kernel::module::{HttpModule, Platform};

use crate::configuration::Settings;

/// A module another module calls through a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    /// The module that needs it.
    pub module: &'static str,
    /// The module it needs.
    pub needs: &'static str,
    /// The setting pointing at where `needs` runs when it is not compiled in.
    pub setting: &'static str,
}

/// Every cross-module dependency: orders asks products for prices and stock
/// (`Catalog`) and auth for addresses and carts (`Customers`); the worker updates
/// products' sales counters and removes images.
pub const DEPENDENCIES: &[Dependency] = &[
    Dependency { module: "orders", needs: "products", setting: "HME_PRODUCTS_URL (services.products_url)" },
    Dependency { module: "orders", needs: "auth", setting: "HME_AUTH_URL (services.auth_url)" },
    Dependency { module: "worker", needs: "products", setting: "HME_PRODUCTS_URL (services.products_url)" },
    Dependency { module: "worker", needs: "images", setting: "HME_IMAGES_URL (services.images_url)" },
];

/// The names of the modules compiled into this binary.
pub fn compiled() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "products") {
        names.push("products");
    }
    if cfg!(feature = "orders") {
        names.push("orders");
    }
    if cfg!(feature = "images") {
        names.push("images");
    }
    if cfg!(feature = "auth") {
        names.push("auth");
    }
    if cfg!(feature = "worker") {
        names.push("worker");
    }
    names
}

fn remote_url<'a>(settings: &'a Settings, module: &str) -> Option<&'a str> {
    let s = &settings.services;
    match module {
        "products" => s.products_url.as_deref(),
        "auth" => s.auth_url.as_deref(),
        "orders" => s.orders_url.as_deref(),
        "images" => s.images_url.as_deref(),
        _ => None,
    }
}

/// Fails with one message per unmet dependency: a compiled module needs a module that
/// is neither compiled in nor configured.
pub fn check_dependencies(settings: &Settings) -> Result<(), String> {
    let here = compiled();
    let missing: Vec<String> = DEPENDENCIES
        .iter()
        .filter(|d| here.contains(&d.module) && !here.contains(&d.needs))
        .filter(|d| remote_url(settings, d.needs).is_none_or(|u| u.trim().is_empty()))
        .map(|d| format!("the {} module needs the {} module: build with --features {} or set {} to where it runs", d.module, d.needs, d.needs, d.setting))
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(missing.join("; ")) }
}

/// The built modules.
pub struct Modules {
    /// Every module's HTTP face, in a stable order.
    pub http: Vec<Arc<dyn HttpModule>>,
    /// The products module, for the `seed` command.
    #[cfg(feature = "products")]
    pub products: Arc<hme_products::ProductsModule>,
}

/// Builds every compiled-in module.
pub async fn build(platform: &Platform, settings: &Settings) -> anyhow::Result<Modules> {
    check_dependencies(settings).map_err(anyhow::Error::msg)?;
    let mut http: Vec<Arc<dyn HttpModule>> = Vec::new();
    #[cfg(feature = "products")]
    let products = hme_products::ProductsModule::build(platform, settings.products.clone()).await?;
    #[cfg(feature = "products")]
    http.push(products.clone());
    #[cfg(feature = "orders")]
    http.push(hme_orders::OrdersModule::build(platform));
    #[cfg(feature = "images")]
    http.push(hme_images::ImagesModule::build(platform));
    #[cfg(feature = "auth")]
    http.push(hme_auth::AuthModule::build(platform));
    #[cfg(feature = "worker")]
    http.push(hme_worker::WorkerModule::build(platform));
    let _ = (platform, settings);
    Ok(Modules {
        http,
        #[cfg(feature = "products")]
        products,
    })
}

/// The OpenAPI documents of the compiled modules, without building them (for the
/// `openapi` and `routes` commands, which need no backend).
pub fn documents() -> Vec<(&'static str, utoipa::openapi::OpenApi)> {
    #[allow(unused_mut)]
    let mut docs = Vec::new();
    #[cfg(feature = "products")]
    docs.push(("products", hme_products::ProductsModule::api_doc()));
    #[cfg(feature = "orders")]
    docs.push(("orders", hme_orders::OrdersModule::api_doc()));
    #[cfg(feature = "images")]
    docs.push(("images", hme_images::ImagesModule::api_doc()));
    #[cfg(feature = "auth")]
    docs.push(("auth", hme_auth::AuthModule::api_doc()));
    #[cfg(feature = "worker")]
    docs.push(("worker", hme_worker::WorkerModule::api_doc()));
    docs
}
