//! The compiled-in feature modules: most of the binary's `cfg(feature)` attributes are
//! here. The others: `configuration.rs` (a module's settings section), `startup.rs` (the
//! worker's mode and consumers, the orders storefront origin, the auth module's
//! forwarded-for setting), `seed.rs` (the demo catalog, with products and images) and
//! `cli.rs` (`hme seed`, with products). Builds each module and checks that every module another one
//! needs is either compiled in or configured to be reached remotely; a module that is
//! not compiled in is reached through its port's HTTP adapter ([`hme_kernel::remote`]).

use std::sync::Arc;
use std::time::Duration;

use hme_kernel::module::{HttpModule, Platform};
use hme_kernel::remote::{ServiceClient, ServiceClientSettings, ServiceToken};

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

fn configured_url<'a>(settings: &'a Settings, module: &str) -> Option<&'a str> {
    remote_url(settings, module).map(str::trim).filter(|u| !u.is_empty())
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

fn service_token(settings: &Settings) -> Option<ServiceToken> {
    settings.services.service_token.clone().and_then(ServiceToken::new)
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

/// The HTTP client of `module`, running at its configured URL; None when no URL is set.
fn service_client(settings: &Settings, module: &'static str) -> anyhow::Result<Option<ServiceClient>> {
    let Some(url) = configured_url(settings, module) else { return Ok(None) };
    let token = service_token(settings).ok_or_else(|| anyhow::anyhow!("services.service_token (HME_SERVICE_TOKEN) is required to call the {module} module"))?;
    let s = &settings.services;
    let client = ServiceClient::new(ServiceClientSettings {
        service: module,
        base_url: url.to_owned(),
        token,
        timeout: Duration::from_millis(s.timeout_ms.max(1)),
        retries: s.retries,
    })
    .map_err(|e| anyhow::anyhow!("services: {e}"))?;
    tracing::info!(module, url = %hme_kernel::redact::redact_url(url), "calling the module over HTTP");
    Ok(Some(client))
}

/// The client of a module a compiled one cannot run without (checked at start).
#[allow(dead_code)] // every module is in process in the default build
fn required_client(settings: &Settings, module: &'static str) -> anyhow::Result<ServiceClient> {
    service_client(settings, module)?.ok_or_else(|| anyhow::anyhow!("the {module} module is neither compiled in nor configured (its URL setting)"))
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

/// Builds every compiled-in module.
pub async fn build(platform: &Platform, settings: &Settings) -> anyhow::Result<Modules> {
    check_dependencies(settings).map_err(anyhow::Error::msg)?;
    #[allow(unused_mut)] // a build without any module pushes nothing
    let mut http: Vec<Arc<dyn HttpModule>> = Vec::new();
    #[cfg(feature = "products")]
    let products = hme_products::ProductsModule::build(platform, settings.products.clone()).await?;
    #[cfg(feature = "products")]
    http.push(products.clone());
    #[cfg(feature = "images")]
    let images = {
        #[cfg(feature = "products")]
        let product_images: Option<Arc<dyn hme_kernel::ports::images::ProductImages>> = Some(hme_kernel::ports::observed::observed(products.product_images()));
        #[cfg(not(feature = "products"))]
        let product_images: Option<Arc<dyn hme_kernel::ports::images::ProductImages>> =
            service_client(settings, "products")?.map(|c| Arc::new(hme_kernel::remote::RemoteProductImages::new(c)) as _);
        let c = &settings.cloudinary;
        let deps = hme_images::ImagesDeps {
            data_dir: settings.storage.data_dir.clone(),
            cloudinary: hme_images::CloudinaryCredentials::from_parts(c.cloud_name.clone(), c.api_key.clone(), c.api_secret.clone()),
            product_images,
        };
        hme_images::ImagesModule::build(platform, settings.images.clone(), deps).await?
    };
    #[cfg(feature = "images")]
    http.push(images.clone());
    #[cfg(feature = "auth")]
    let auth = {
        let mut accounts = settings.accounts.clone();
        accounts.issuer = settings.auth.own_issuer.clone();
        hme_auth::AuthModule::build(platform, accounts).await?
    };
    #[cfg(feature = "auth")]
    http.push(auth.clone());
    #[cfg(feature = "orders")]
    {
        #[cfg(feature = "products")]
        let catalog: Arc<dyn hme_kernel::ports::Catalog> = hme_kernel::ports::observed::observed(products.catalog());
        #[cfg(not(feature = "products"))]
        let catalog: Arc<dyn hme_kernel::ports::Catalog> = Arc::new(hme_kernel::remote::RemoteCatalog::new(required_client(settings, "products")?));
        #[cfg(feature = "auth")]
        let (customers, address_book): (Arc<dyn hme_kernel::ports::Customers>, Arc<dyn hme_kernel::ports::AddressBook>) = (hme_kernel::ports::observed::observed(auth.customers()), hme_kernel::ports::observed::observed(auth.address_book()));
        #[cfg(not(feature = "auth"))]
        let (customers, address_book) = {
            let client = required_client(settings, "auth")?;
            let customers: Arc<dyn hme_kernel::ports::Customers> = Arc::new(hme_kernel::remote::RemoteCustomers::new(client.clone()));
            let book: Arc<dyn hme_kernel::ports::AddressBook> = Arc::new(hme_kernel::remote::RemoteAddressBook::new(client));
            (customers, book)
        };
        let deps = hme_orders::OrdersDeps { catalog, customers, address_book };
        http.push(hme_orders::OrdersModule::build(platform, deps, settings.orders.clone()).await?);
    }
    #[cfg(feature = "worker")]
    let worker = {
        #[cfg(feature = "products")]
        let sales = Some(hme_kernel::ports::observed::observed(products.sales(platform)) as Arc<dyn hme_kernel::ports::SalesLedger>);
        #[cfg(not(feature = "products"))]
        let sales = Some(Arc::new(hme_kernel::remote::RemoteSalesLedger::new(required_client(settings, "products")?)) as Arc<dyn hme_kernel::ports::SalesLedger>);
        #[cfg(feature = "images")]
        let cleanup = Some(hme_kernel::ports::observed::observed(images.image_cleanup()) as Arc<dyn hme_kernel::ports::images::ImageCleanup>);
        #[cfg(not(feature = "images"))]
        let cleanup = Some(Arc::new(hme_kernel::remote::RemoteImageCleanup::new(required_client(settings, "images")?)) as Arc<dyn hme_kernel::ports::images::ImageCleanup>);
        hme_worker::WorkerModule::build(platform, &worker_settings(settings), hme_worker::WorkerPorts { sales, images: cleanup, ..Default::default() })?
    };
    #[cfg(feature = "worker")]
    http.push(worker.clone());
    let _ = (platform, settings);
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
