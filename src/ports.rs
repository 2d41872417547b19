//! Port resolution, written once per port: in process when the module that answers it
//! is compiled in, over HTTP (its contract's `Remote*` client) when that module's URL
//! is configured, refused at start otherwise ([`crate::modules::check_dependencies`]
//! names the missing setting before anything is built).
//!
//! [`crate::modules::build`] registers each compiled module's implementations right
//! after building it ([`InProcess`], observed so every port call has its span and
//! metrics); a module that calls a port asks [`Ports`] for it. Adding a port is one
//! field and one method here, with no `cfg`.

use std::sync::Arc;
use std::time::Duration;

use hme_auth_contract::{AddressBook, Customers, RemoteAddressBook, RemoteCustomers};
use hme_images_contract::{ImageCleanup, RemoteImageCleanup};
use hme_kernel::remote::{ServiceClient, ServiceClientSettings, ServiceToken};
use hme_products_contract::{Catalog, ProductImages, RemoteCatalog, RemoteProductImages, RemoteSalesLedger, SalesLedger};

use crate::configuration::Settings;

/// The ports implemented in this process, filled in as the owning modules are built.
#[derive(Default)]
pub struct InProcess {
    /// products: prices and stock, for orders.
    pub catalog: Option<Arc<dyn Catalog>>,
    /// products: sales counters, for the worker.
    pub sales: Option<Arc<dyn SalesLedger>>,
    /// products: which image URLs are used, for images.
    pub product_images: Option<Arc<dyn ProductImages>>,
    /// auth: addresses, profiles, carts, for orders.
    pub customers: Option<Arc<dyn Customers>>,
    /// auth: address documents, for orders.
    pub address_book: Option<Arc<dyn AddressBook>>,
    /// images: a deleted product's images, for the worker.
    pub image_cleanup: Option<Arc<dyn ImageCleanup>>,
}

/// Resolves the ports a module asks for (see the module documentation).
pub struct Ports<'a> {
    /// What this process answers itself.
    pub local: InProcess,
    settings: &'a Settings,
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

/// The URL `module` is reached at, when configured (not blank).
pub(crate) fn configured_url<'a>(settings: &'a Settings, module: &str) -> Option<&'a str> {
    remote_url(settings, module).map(str::trim).filter(|u| !u.is_empty())
}

/// The service token internal endpoints require, when configured.
pub(crate) fn service_token(settings: &Settings) -> Option<ServiceToken> {
    settings.services.service_token.clone().and_then(ServiceToken::new)
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

/// `local` if set, else the HTTP client of `owner` when its URL is configured.
fn resolve<P: ?Sized>(local: &Option<Arc<P>>, settings: &Settings, owner: &'static str, remote: fn(ServiceClient) -> Arc<P>) -> anyhow::Result<Option<Arc<P>>> {
    match local {
        Some(port) => Ok(Some(Arc::clone(port))),
        None => Ok(service_client(settings, owner)?.map(remote)),
    }
}

/// Like [`resolve`], for a port the calling module cannot run without.
fn require<P: ?Sized>(local: &Option<Arc<P>>, settings: &Settings, owner: &'static str, remote: fn(ServiceClient) -> Arc<P>) -> anyhow::Result<Arc<P>> {
    resolve(local, settings, owner, remote)?.ok_or_else(|| anyhow::anyhow!("the {owner} module is neither compiled in nor configured (its URL setting)"))
}

// Not every build asks for every port (a products-only build asks for none).
#[allow(dead_code)]
impl<'a> Ports<'a> {
    /// No port registered yet.
    pub fn new(settings: &'a Settings) -> Self {
        Self { local: InProcess::default(), settings }
    }

    /// products' [`Catalog`] (orders cannot run without it).
    pub fn catalog(&self) -> anyhow::Result<Arc<dyn Catalog>> {
        require(&self.local.catalog, self.settings, "products", |c| Arc::new(RemoteCatalog::new(c)))
    }

    /// products' [`SalesLedger`] (the worker cannot run without it).
    pub fn sales(&self) -> anyhow::Result<Arc<dyn SalesLedger>> {
        require(&self.local.sales, self.settings, "products", |c| Arc::new(RemoteSalesLedger::new(c)))
    }

    /// products' [`ProductImages`] (optional: without it images runs no orphan sweep).
    pub fn product_images(&self) -> anyhow::Result<Option<Arc<dyn ProductImages>>> {
        resolve(&self.local.product_images, self.settings, "products", |c| Arc::new(RemoteProductImages::new(c)))
    }

    /// auth's [`Customers`] (orders cannot run without it).
    pub fn customers(&self) -> anyhow::Result<Arc<dyn Customers>> {
        require(&self.local.customers, self.settings, "auth", |c| Arc::new(RemoteCustomers::new(c)))
    }

    /// auth's [`AddressBook`] (orders cannot run without it).
    pub fn address_book(&self) -> anyhow::Result<Arc<dyn AddressBook>> {
        require(&self.local.address_book, self.settings, "auth", |c| Arc::new(RemoteAddressBook::new(c)))
    }

    /// images' [`ImageCleanup`] (the worker cannot run without it).
    pub fn image_cleanup(&self) -> anyhow::Result<Arc<dyn ImageCleanup>> {
        require(&self.local.image_cleanup, self.settings, "images", |c| Arc::new(RemoteImageCleanup::new(c)))
    }
}
