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
    #[allow(unused_mut)] // nothing is pushed in a build whose modules cannot run here (orders alone)
    let mut http: Vec<Arc<dyn HttpModule>> = Vec::new();
    #[cfg(feature = "products")]
    let products = hme_products::ProductsModule::build(platform, settings.products.clone()).await?;
    #[cfg(feature = "products")]
    http.push(products.clone());
    #[cfg(feature = "images")]
    let images = {
        #[cfg(feature = "products")]
        let product_images: Option<Arc<dyn hme_kernel::ports::images::ProductImages>> = Some(Arc::new(CatalogImages(products.service())));
        #[cfg(not(feature = "products"))]
        let product_images: Option<Arc<dyn hme_kernel::ports::images::ProductImages>> = None;
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
    #[cfg(all(feature = "orders", feature = "products", feature = "auth"))]
    {
        let deps = hme_orders::OrdersDeps { catalog: products.catalog(), customers: auth.customers(), address_book: auth.address_book() };
        http.push(hme_orders::OrdersModule::build(platform, deps, settings.orders.clone()).await?);
    }
    #[cfg(all(feature = "orders", not(all(feature = "products", feature = "auth"))))]
    tracing::warn!(
        "orders routes are not mounted: this build has no products or auth module in process, and the HTTP adapters to reach them elsewhere are not built yet"
    );
    #[cfg(feature = "worker")]
    let worker = hme_worker::WorkerModule::build(
        platform,
        &worker_settings(settings),
        hme_worker::WorkerPorts {
            #[cfg(feature = "products")]
            sales: Some(products.sales(platform)),
            #[cfg(feature = "images")]
            images: Some(images.image_cleanup()),
            ..Default::default()
        },
    )?;
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

/// The products module answering the images module's `ProductImages` port in process
/// (the list is cached, and the cache is invalidated on every product write).
#[cfg(all(feature = "products", feature = "images"))]
struct CatalogImages(Arc<hme_products::ProductsService>);

#[cfg(all(feature = "products", feature = "images"))]
#[async_trait::async_trait]
impl hme_kernel::ports::images::ProductImages for CatalogImages {
    async fn referenced(&self, urls: &[String]) -> Result<std::collections::HashSet<String>, hme_kernel::ports::images::ImagePortError> {
        use hme_kernel::ports::images::ImagePortError;
        let body = self.0.list_body(&hme_products::domain::ListParams::default()).await.map_err(|e| ImagePortError::Unavailable(e.to_string()))?;
        let list: serde_json::Value = serde_json::from_slice(&body.body).map_err(|e| ImagePortError::Unavailable(e.to_string()))?;
        let wanted: std::collections::HashSet<&str> = urls.iter().map(String::as_str).collect();
        Ok(list["products"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["image"].as_array())
            .flatten()
            .filter_map(|u| u.as_str())
            .filter(|u| wanted.contains(u))
            .map(str::to_owned)
            .collect())
    }
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
