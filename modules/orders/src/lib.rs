//! The orders module: legacy order placement and lists, the order lifecycle and its
//! events.
//!
//! - the three legacy routes under `/api/order/...` (same methods, paths and bodies;
//!   `create` also answers the new order's `orderId`), plus `PUT /api/order/status` and
//!   `POST /api/order/cancel`;
//! - orders stored in the `orders` collection exactly as mongoose stores them, listed
//!   exactly as mongoose's `populate('address items.product')` prints them (see
//!   `migrations-docs/orders.md`), behind the [`store::OrderStore`] port with a MongoDB
//!   and an embedded (redb) adapter;
//! - stock reserved through the [`hme_products_contract::Catalog`] port, all lines or none;
//! - `order.created` and `order.status_changed` committed with the order in the
//!   kernel's transactional outbox, and published by a relay this module starts;
//! - JazzCash checkout (`/api/checkout/initiate`, `/api/checkout/callback`), courier
//!   booking through the [`crate::courier::port::Courier`] port (TCS over HTTP) with a
//!   provisional number and the `orders.courier_booking` retry consumer, and
//!   `GET /api/track/{trackingNumber}` ([`payments`], [`courier`]).

pub mod adapters;
pub mod courier;
pub mod domain;
pub mod http;
pub mod payments;
pub mod service;
pub mod settings;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use hme_kernel::backends::{BackendError, Documents};
use hme_kernel::module::{HttpModule, Platform};
use crate::courier::port::Courier;
use hme_kernel::outbox::{EmbeddedOutbox, MongoOutbox, OutboxStore, Relay, RelayHandle};
use tokio::sync::Notify;
use utoipa::OpenApi;

pub use service::{OrdersDeps, OrdersService};
pub use payments::PaymentsService;
pub use settings::{OrdersSettings, PaymentsSettings};
pub use store::{OrderStore, StoreError};

/// The orders module, built by the composition root.
pub struct OrdersModule {
    service: Arc<OrdersService>,
    payments: Arc<PaymentsService>,
    relay: Option<RelayHandle>,
}

/// The order store and the outbox it appends to, on the platform's storage.
pub async fn open_storage(documents: &Documents, wake: Arc<Notify>) -> Result<(Arc<dyn OrderStore>, Arc<dyn OutboxStore>), BackendError> {
    let fail = |e: &dyn std::fmt::Display| BackendError(format!("orders storage: {e}"));
    Ok(match documents {
        Documents::Mongo(db) => {
            let store = adapters::MongoOrderStore::open(db, wake).await.map_err(|e| fail(&e))?;
            (Arc::new(store), Arc::new(MongoOutbox::open(db).await.map_err(|e| fail(&e))?))
        }
        Documents::Embedded(db) => {
            let store = adapters::EmbeddedOrderStore::open(Arc::clone(db), wake).map_err(|e| fail(&e))?;
            (Arc::new(store), Arc::new(EmbeddedOutbox::open(Arc::clone(db)).map_err(|e| fail(&e))?))
        }
    })
}

impl OrdersModule {
    /// Builds the module on the platform's storage (collections, tables and indexes
    /// created idempotently) and, unless `settings.relay_enabled` is off, starts the
    /// outbox relay to `platform.events` on the current tokio runtime. The relay stops
    /// when the module is dropped.
    /// The courier is the one `settings.payments` names (TCS, or none configured).
    pub async fn build(platform: &Platform, deps: OrdersDeps, settings: OrdersSettings) -> Result<Arc<Self>, BackendError> {
        let courier = courier::from_settings(&settings.payments).map_err(|e| BackendError(format!("orders courier: {e}")))?;
        Self::build_with_courier(platform, deps, settings, courier).await
    }

    /// [`OrdersModule::build`] with a given courier; also subscribes the courier booking
    /// retry consumer (`orders.courier_booking`) to `platform.events`.
    pub async fn build_with_courier(platform: &Platform, deps: OrdersDeps, settings: OrdersSettings, courier: Arc<dyn Courier>) -> Result<Arc<Self>, BackendError> {
        let wake = Arc::new(Notify::new());
        let (store, outbox) = open_storage(&platform.documents, Arc::clone(&wake)).await?;
        let relay_settings = settings.relay_enabled.then(|| settings.relay());
        let service = Arc::new(OrdersService::new(store, deps, settings).with_limiter(hme_kernel::ratelimit::RateLimiter::new(Arc::clone(&platform.cache))));
        let payments = Arc::new(PaymentsService::new(Arc::clone(&service), courier, Arc::clone(&platform.cache)));
        let retry = Arc::new(courier::CourierRetry { payments: Arc::clone(&payments) });
        platform.events.subscribe(retry).await.map_err(|e| BackendError(format!("orders courier consumer: {e}")))?;
        let relay = relay_settings.map(|r| Relay::new(outbox, Arc::clone(&platform.events), wake, r).spawn());
        Ok(Arc::new(Self { service, payments, relay }))
    }

    /// The OpenAPI document of the module's routes (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        http::OrdersApi::openapi()
    }

    /// The service behind the routes.
    pub fn service(&self) -> Arc<OrdersService> {
        Arc::clone(&self.service)
    }

    /// Checkout, callback, courier booking and tracking.
    pub fn payments(&self) -> Arc<PaymentsService> {
        Arc::clone(&self.payments)
    }

    /// Stops the outbox relay (tests simulating a crash between commit and publish).
    pub fn stop_relay(&self) {
        if let Some(r) = &self.relay {
            r.stop();
        }
    }
}

impl HttpModule for OrdersModule {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        http::configure(cfg, &self.service);
        http::configure_payments(cfg, &self.payments);
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }
}
