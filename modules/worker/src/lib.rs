//! The worker module: the consumers of events.
//!
//! - `email.order_created` (`order.created`): the customer's confirmation and the shop
//!   owner's new-order email (HTML + text);
//! - `inventory.sales` (`order.created`): products' sales counters, through the
//!   [`hme_products_contract::SalesLedger`] port;
//! - `email.status_changed` (`order.status_changed`): the customer's status email;
//! - `images.cleanup` (`product.deleted`): the product's images, through the
//!   [`hme_images_contract::ImageCleanup`] port.
//!
//! Each consumer is idempotent by event id ([`processed`]); mail goes over SMTP or to a
//! folder of `.eml` files ([`mail`]); counters are in the process's metrics (`/metrics` on the admin listener).

pub mod handlers;
pub mod http;
pub mod lag;
pub mod mail;
pub mod metrics;
pub mod notifications;
pub mod payload;
pub mod processed;
pub mod settings;
pub mod templates;

use std::sync::Arc;

use actix_web::web;
use hme_kernel::backends::BackendError;
use hme_kernel::events::EventHandler;
use hme_kernel::module::{HttpModule, Platform};
use hme_images_contract::ImageCleanup;
use hme_products_contract::SalesLedger;
use utoipa::OpenApi;

use handlers::{Idempotent, ImagesCleanup, OrderEmails, SalesCounter, StatusEmail};
pub use mail::{Email, MailError, Mailer};
pub use metrics::Metrics;
pub use settings::WorkerSettings;

/// The ports the worker calls, wired by the composition root. A missing port leaves its
/// consumer unsubscribed (its queue keeps the events until a worker that has it runs).
#[derive(Clone, Default)]
pub struct WorkerPorts {
    /// Sales counters (products module).
    pub sales: Option<Arc<dyn SalesLedger>>,
    /// Image clean-up (images module).
    pub images: Option<Arc<dyn ImageCleanup>>,
    /// A mailer to use instead of the one the settings name (tests).
    pub mailer: Option<Arc<dyn Mailer>>,
}

/// The worker module, built by the composition root.
pub struct WorkerModule {
    handlers: Vec<Arc<dyn EventHandler>>,
    notifications: Arc<notifications::Notifications>,
    metrics: Arc<Metrics>,
    lag: Arc<lag::ConsumerLag>,
}

impl WorkerModule {
    /// Builds the consumers on the platform's storage (processed-events record) and the
    /// given ports. Fails on a malformed `SMTP_URL` or unusable storage.
    pub fn build(platform: &Platform, settings: &WorkerSettings, ports: WorkerPorts) -> Result<Arc<Self>, BackendError> {
        let processed = processed::processed_store(&platform.documents).map_err(|e| BackendError(e.to_string()))?;
        let mailer = match ports.mailer {
            Some(m) => m,
            None => settings.mailer().map_err(|e| BackendError(e.to_string()))?,
        };
        tracing::info!(mailer = mailer.name(), "worker: mail transport");
        let metrics = Arc::new(Metrics::default());
        let (p, m) = (&processed, &metrics);
        let mut handlers: Vec<Arc<dyn EventHandler>> = vec![
            Idempotent::handler(
                OrderEmails {
                    mailer: Arc::clone(&mailer),
                    owner: settings.owner_email.clone(),
                    shop: settings.shop_name.clone(),
                    currency: settings.currency.clone(),
                },
                Arc::clone(p),
                Arc::clone(m),
            ),
            Idempotent::handler(StatusEmail { mailer: Arc::clone(&mailer), shop: settings.shop_name.clone() }, Arc::clone(p), Arc::clone(m)),
        ];
        match ports.sales {
            Some(ledger) => handlers.push(Idempotent::handler(SalesCounter { ledger }, Arc::clone(p), Arc::clone(m))),
            None => tracing::warn!("worker: no sales ledger; consumer inventory.sales not started"),
        }
        match ports.images {
            Some(images) => handlers.push(Idempotent::handler(ImagesCleanup { images }, Arc::clone(p), Arc::clone(m))),
            None => tracing::warn!("worker: no image clean-up port; consumer images.cleanup not started"),
        }
        let (owner, shop) = (settings.owner_email.clone(), settings.shop_name.clone());
        let job = notifications::NewsletterEmails { mailer: Arc::clone(&mailer), owner: owner.clone(), shop: shop.clone() };
        handlers.push(Idempotent::handler(job, Arc::clone(p), Arc::clone(m)));
        let job = notifications::ContactEmails { mailer: Arc::clone(&mailer), owner, shop };
        handlers.push(Idempotent::handler(job, Arc::clone(p), Arc::clone(m)));
        let notifications = Arc::new(notifications::Notifications {
            store: notifications::newsletter_store(&platform.documents).map_err(|e| BackendError(e.to_string()))?,
            events: Arc::clone(&platform.events),
            limiter: hme_kernel::ratelimit::RateLimiter::new(Arc::clone(&platform.cache)),
            settings: settings.notifications.clone(),
        });
        let names = handlers.iter().map(|h| h.consumer().to_owned()).collect();
        let lag = Arc::new(lag::ConsumerLag::new(Arc::clone(&platform.events), names));
        Ok(Arc::new(Self { handlers, notifications, metrics, lag }))
    }

    /// The consumers to subscribe (`platform.events.subscribe(h)` for each).
    pub fn handlers(&self) -> Vec<Arc<dyn EventHandler>> {
        self.handlers.clone()
    }

    /// Every consumer this module can run and the event types it binds, without building
    /// it: the kernel's static list ([`hme_kernel::events::consumers::KNOWN_CONSUMERS`]),
    /// which the publisher declares in every build so events wait for a worker not yet
    /// started.
    pub fn consumers() -> Vec<(String, Vec<String>)> {
        hme_kernel::events::consumers::known_consumers()
    }

    /// The per-consumer counters (also in the process's registry, `/metrics` on the
    /// admin listener).
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// The module's OpenAPI document (needs no backend).
    pub fn api_doc() -> utoipa::openapi::OpenApi {
        let mut doc = http::WorkerApi::openapi();
        doc.merge(notifications::NotificationsApi::openapi());
        doc
    }
}

impl HttpModule for WorkerModule {
    fn name(&self) -> &'static str {
        "worker"
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        notifications::configure(cfg, &self.notifications);
    }

    fn collectors(&self) -> Vec<Arc<dyn hme_kernel::telemetry::metrics::Collector>> {
        vec![Arc::clone(&self.lag) as Arc<dyn hme_kernel::telemetry::metrics::Collector>]
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        Self::api_doc()
    }
}
