//! The compiled-in feature modules: most of the binary's `cfg(feature)` attributes are
//! here. Every other one, by file: `configuration.rs` (a module's settings section),
//! `startup.rs` (the worker's mode and consumers, the orders storefront origin, the auth
//! module's forwarded-for setting), `seed.rs` (the demo catalog, with products and
//! images), `cli.rs` (`hme seed`, with products), `infrastructure.rs` (`cfg!`: our own
//! tokens' JWKS from the auth service, the embedded bus expecting the worker's consumers) and `openapi.rs` (a test of the orders and auth
//! documents). Builds each module and checks that every module another one needs is
//! either compiled in or configured to be reached remotely; how each port is reached
//! is decided once, in [`crate::ports`] (in process, or the owning module's contract
//! client over HTTP).

use std::sync::Arc;

use hme_kernel::module::{HttpModule, Platform};

use crate::configuration::Settings;
#[allow(unused_imports)] // a build without any module calls no port
use crate::ports::Ports;
use crate::ports::{configured_url, service_token};
#[allow(unused_imports)]
use hme_kernel::telemetry::ports::observed;

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
/// (`Catalog`) and auth for addresses and carts (`Customers`, `AddressBook`); the worker
/// updates products' sales counters (`SalesLedger`) and removes images (`ImageCleanup`).
/// (The images module also asks products which images are used, `ProductImages`, when
/// `HME_PRODUCTS_URL` is set; without it, it runs without the orphan sweep.)
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

/// The modules this build calls over HTTP: needed by a compiled module, not compiled
/// in, and configured (images uses products' `ProductImages` when its URL is set).
pub fn remote_modules(settings: &Settings) -> Vec<&'static str> {
    let here = compiled();
    let mut out: Vec<&'static str> = DEPENDENCIES
        .iter()
        .filter(|d| here.contains(&d.module) && !here.contains(&d.needs) && configured_url(settings, d.needs).is_some())
        .map(|d| d.needs)
        .collect();
    if here.contains(&"images") && !here.contains(&"products") && configured_url(settings, "products").is_some() {
        out.push("products");
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Fails with one message per unmet dependency: a compiled module needs a module that
/// is neither compiled in nor configured, or a module is called remotely without the
/// service token its internal endpoints require.
pub fn check_dependencies(settings: &Settings) -> Result<(), String> {
    let here = compiled();
    let mut missing: Vec<String> = DEPENDENCIES
        .iter()
        .filter(|d| here.contains(&d.module) && !here.contains(&d.needs))
        .filter(|d| configured_url(settings, d.needs).is_none())
        .map(|d| format!("the {} module needs the {} module: build with --features {} or set {} to where it runs", d.module, d.needs, d.needs, d.setting))
        .collect();
    let remote = remote_modules(settings);
    if !remote.is_empty() && service_token(settings).is_none() {
        missing.push(format!(
            "this build calls the {} module(s) over HTTP: set HME_SERVICE_TOKEN (services.service_token) to the secret their services share",
            remote.join(", ")
        ));
    }
    if missing.is_empty() { Ok(()) } else { Err(missing.join("; ")) }
}

/// The built modules.
pub struct Modules {
    /// Every module's HTTP face, in a stable order.
    pub http: Vec<Arc<dyn HttpModule>>,
    /// The products module, for the `seed` command.
    #[cfg(feature = "products")]
    pub products: Arc<hme_products::ProductsModule>,
    /// The images module (its `image_cleanup()` is the worker's `ImageCleanup`).
    #[cfg(feature = "images")]
    pub images: Arc<hme_images::ImagesModule>,
    /// The auth module (its `customers()` / `address_book()` are ports for orders).
    #[cfg(feature = "auth")]
    pub auth: Arc<hme_auth::AuthModule>,
    /// The worker module, for `start_consumers` and `/metrics` in worker mode.
    #[cfg(feature = "worker")]
    pub worker: Arc<hme_worker::WorkerModule>,
}

/// The worker's settings: `[worker]`, with the legacy `[email]` values (SMTP_URL,
/// EMAIL_USER, EMAIL_PASS, EMAIL_TO) and the outbox under `storage.data_dir`.
#[cfg(feature = "worker")]
pub fn worker_settings(settings: &Settings) -> hme_worker::WorkerSettings {
    let email = &settings.email;
    let mut w = settings.worker.clone();
    w.smtp_url = w.smtp_url.or_else(|| email.smtp_url.clone());
    w.email_user = w.email_user.or_else(|| email.user.clone());
    w.email_pass = w.email_pass.or_else(|| email.pass.clone());
    w.owner_email = w.owner_email.or_else(|| email.to.clone());
    w.outbox_dir.get_or_insert_with(|| settings.storage.data_dir.join("outbox"));
    w
}

/// The consumer queues the publisher declares, so events wait for a worker not yet
/// started: the kernel's static list, in every build (with or without the worker).
pub fn consumers() -> Vec<(String, Vec<String>)> {
    hme_kernel::events::consumers::known_consumers()
}

/// Builds every compiled-in module: each in turn registers the ports it answers, then
/// the next one asks [`Ports`] for the ports it calls (in process or over HTTP, decided
/// there once per port). Order: the modules that answer ports before those that call them (also the
/// order of [`Modules::http`]).
pub async fn build(platform: &Platform, settings: &Settings) -> anyhow::Result<Modules> {
    check_dependencies(settings).map_err(anyhow::Error::msg)?;
    #[allow(unused_mut, unused_variables)] // a build without any module pushes nothing
    let (mut http, mut ports): (Vec<Arc<dyn HttpModule>>, _) = (Vec::new(), Ports::new(settings));
    #[cfg(feature = "products")]
    let products = {
        let products = hme_products::ProductsModule::build(platform, settings.products.clone()).await?;
        ports.local.catalog = Some(observed(products.catalog()));
        ports.local.sales = Some(observed(products.sales(platform)));
        ports.local.product_images = Some(observed(products.product_images()));
        http.push(products.clone());
        products
    };
    #[cfg(feature = "images")]
    let images = {
        let c = &settings.cloudinary;
        let deps = hme_images::ImagesDeps {
            data_dir: settings.storage.data_dir.clone(),
            cloudinary: hme_images::CloudinaryCredentials::from_parts(c.cloud_name.clone(), c.api_key.clone(), c.api_secret.clone()),
            product_images: ports.product_images()?,
        };
        let images = hme_images::ImagesModule::build(platform, settings.images.clone(), deps).await?;
        ports.local.image_cleanup = Some(observed(images.image_cleanup()));
        http.push(images.clone());
        images
    };
    #[cfg(feature = "auth")]
    let auth = {
        let mut accounts = settings.accounts.clone();
        accounts.issuer = settings.auth.own_issuer.clone();
        let auth = hme_auth::AuthModule::build(platform, accounts).await?;
        ports.local.customers = Some(observed(auth.customers()));
        ports.local.address_book = Some(observed(auth.address_book()));
        http.push(auth.clone());
        auth
    };
    #[cfg(feature = "orders")]
    {
        let deps = hme_orders::OrdersDeps { catalog: ports.catalog()?, customers: ports.customers()?, address_book: ports.address_book()? };
        http.push(hme_orders::OrdersModule::build(platform, deps, settings.orders.clone()).await?);
    }
    #[cfg(feature = "worker")]
    let worker = {
        let deps = hme_worker::WorkerPorts { sales: Some(ports.sales()?), images: Some(ports.image_cleanup()?), ..Default::default() };
        let worker = hme_worker::WorkerModule::build(platform, &worker_settings(settings), deps)?;
        http.push(worker.clone());
        worker
    };
    let _ = platform;
    Ok(Modules {
        http,
        #[cfg(feature = "products")]
        products,
        #[cfg(feature = "images")]
        images,
        #[cfg(feature = "auth")]
        auth,
        #[cfg(feature = "worker")]
        worker,
    })
}

/// The OpenAPI documents of the compiled modules, without building them (for the
/// `openapi` and `routes` commands, which need no backend).
// One push per compiled module: `vec![]` cannot leave out an element by `cfg`.
#[allow(clippy::vec_init_then_push)]
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
