//! The products module: the catalog.
//!
//! - the seven legacy routes under `/api/product/...`, same methods, paths and bodies,
//!   plus the additive extensions (list filters and pages, `GET /api/product/{id}`);
//! - products stored in the `products` collection exactly as mongoose stores them
//!   (see `migrations-docs/products.md`), behind the [`store::ProductStore`] port with a
//!   MongoDB and an embedded (redb) adapter;
//! - list and single-product reads served from the platform cache, invalidated on every
//!   write, with ETags;
//! - the cross-module [`hme_products_contract::Catalog`] (prices, stock reservations) for the
//!   orders module;
//! - `product.deleted` events, so the worker removes a deleted product's images;
//! - the internal endpoints of the ports it owns (`Catalog`, `SalesLedger`,
//!   `ProductImages`) for split deploys ([`hme_kernel::remote`]).

pub mod adapters;
pub mod cache;
mod catalog;
pub mod domain;
pub mod http;
pub mod images;
pub mod sales;
pub mod seed;
pub mod service;
pub mod settings;
pub mod store;

use std::sync::Arc;

use hme_kernel::outbox::{EmbeddedOutbox, MongoOutbox, OutboxStore, Relay, RelayHandle, RelaySettings};
use tokio::sync::Notify;

use actix_web::web;
use hme_kernel::backends::{BackendError, Documents};
use hme_kernel::module::{HttpModule, Platform};
use hme_products_contract::Catalog;
use utoipa::OpenApi;

pub use sales::ProductSales;
pub use service::ProductsService;
pub use settings::ProductsSettings;
pub use store::{ProductStore, StoreError};

/// The products module, built by the composition root.
pub struct ProductsModule {
    service: Arc<ProductsService>,
    sales: Arc<dyn hme_products_contract::SalesLedger>,
    /// Publishes the outbox's events (`product.deleted`); stops when the module drops.
    _relay: Option<RelayHandle>,
    /// Gives back expired stock holds; stops when the module drops.
    _sweeper: Option<catalog::HoldSweeper>,
}

impl ProductsModule {
    /// Builds the module on the platform's storage, creating indexes (MongoDB) or tables
    /// (embedded) idempotently. An index the server refuses is logged and skipped.
    pub async fn build(platform: &Platform, settings: ProductsSettings) -> Result<Arc<Self>, BackendError> {
        let fail = |e: &dyn std::fmt::Display| BackendError(format!("products outbox: {e}"));
        let (store, outbox): (Arc<dyn ProductStore>, Arc<dyn OutboxStore>) = match &platform.documents {
            Documents::Mongo(db) => (
                Arc::new(adapters::MongoProductStore::open(db).await?),
                Arc::new(MongoOutbox::open(db).await.map_err(|e| fail(&e))?),
            ),
            Documents::Embedded(db) => (
                Arc::new(adapters::EmbeddedProductStore::open(Arc::clone(db))?),
                Arc::new(EmbeddedOutbox::open(Arc::clone(db)).map_err(|e| fail(&e))?),
            ),
        };
        let wake = Arc::new(Notify::new());
        let relay = settings
            .relay_enabled
            .then(|| Relay::new(outbox, Arc::clone(&platform.events), Arc::clone(&wake), RelaySettings::default()).spawn());
        let service = Arc::new(ProductsService::new(store, Arc::clone(&platform.cache), Some(wake), settings));
        let sales = Arc::new(ProductSales::new(platform.documents.clone(), Arc::clone(&service)));
        let every = std::time::Duration::from_millis(service.settings().hold_sweep_ms);
        let sweeper = (service.settings().hold_sweep_ms > 0).then(|| catalog::HoldSweeper::spawn(Arc::clone(&service), every));
        Ok(Arc::new(Self { service, sales, _relay: relay, _sweeper: sweeper }))
    }

    /// A module on any store, without an outbox relay (events appended by the store are
    /// published by whichever relay runs over the same outbox).
    pub fn with_store(platform: &Platform, store: Arc<dyn ProductStore>, settings: ProductsSettings) -> Arc<Self> {
        let service = Arc::new(ProductsService::new(store, Arc::clone(&platform.cache), None, settings));
        let sales = Arc::new(ProductSales::new(platform.documents.clone(), Arc::clone(&service)));
        Arc::new(Self { service, sales, _relay: None, _sweeper: None })
    }

    /// The OpenAPI document of the module's routes, without building it (for the
    /// `openapi` and `routes` commands, which need no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        http::ProductsApi::openapi()
    }

    /// The catalog port other modules call (in process).
    pub fn catalog(&self) -> Arc<dyn Catalog> {
        Arc::clone(&self.service) as Arc<dyn Catalog>
    }

    /// The sales-counter port the worker calls (in process), on the platform's storage.
    pub fn sales(&self, platform: &Platform) -> Arc<dyn hme_products_contract::SalesLedger> {
        Arc::new(ProductSales::new(platform.documents.clone(), Arc::clone(&self.service)))
    }

    /// The image URLs products use, for the images module's orphan clean-up (in process).
    pub fn product_images(&self) -> Arc<dyn hme_products_contract::ProductImages> {
        Arc::new(images::CatalogImages(Arc::clone(&self.service)))
    }

    /// The service behind the routes.
    pub fn service(&self) -> Arc<ProductsService> {
        Arc::clone(&self.service)
    }

    /// Inserts the demo catalog (idempotent: fixed ids); returns how many products were
    /// inserted, 0 when they all exist already.
    ///
    /// `images` maps a category to the URL of its stored demo image (see
    /// [`seed::demo_image_png`]); a category without one gets an inline SVG.
    pub async fn seed_demo(&self, images: &std::collections::HashMap<String, String>) -> Result<usize, StoreError> {
        let mut inserted = 0;
        for product in seed::demo_products(images) {
            if self.service.insert_if_absent(&product).await? {
                inserted += 1;
            }
        }
        if inserted > 0 {
            self.service.cache.invalidate().await;
        }
        Ok(inserted)
    }

    /// How many demo products are not stored (0: seeding would insert nothing).
    pub async fn demo_missing(&self) -> Result<usize, StoreError> {
        let ids: Vec<_> = seed::demo_products(&std::collections::HashMap::new()).iter().map(|p| p.id).collect();
        let found = self.service.store.get_many(&ids).await?;
        Ok(ids.len().saturating_sub(found.len()))
    }

    /// How many products are stored.
    pub async fn product_count(&self) -> Result<u64, StoreError> {
        self.service.store.count().await
    }
}

impl HttpModule for ProductsModule {
    fn name(&self) -> &'static str {
        "products"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        http::configure(cfg, &self.service);
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }

    fn configure_internal(&self, cfg: &mut web::ServiceConfig) {
        hme_products_contract::remote::catalog::serve(cfg, self.catalog());
        hme_products_contract::remote::sales::serve(cfg, Arc::clone(&self.sales));
        hme_products_contract::remote::product_images::serve_product_images(cfg, self.product_images());
    }
}
