//! `POST /api/subscribe` and `POST /api/contact`: validated, rate limited per client
//! address, stored (newsletters) and turned into events; the emails are sent by the
//! consumers `email.newsletter` (`newsletter.subscribed`) and `email.contact`
//! (`contact.submitted`), never inline.

pub mod contact;
pub mod emails;
pub mod legacy;
pub mod store;
pub mod subscribe;
pub mod validate;

use std::sync::Arc;

use actix_web::web;
use hme_kernel::ratelimit::{Limit, RateLimiter};
use hme_kernel::events::EventBus;
use serde::Deserialize;
use legacy::DOC as LEGACY_ANSWERS;
use hme_kernel::openapi::LegacyErrors;
use utoipa::OpenApi;

pub use emails::{ContactEmails, NewsletterEmails};
pub use store::{newsletter_store, NewsletterStore};

/// The event of a new subscriber: `{email, subscribedAt}`.
pub const NEWSLETTER_SUBSCRIBED: &str = "newsletter.subscribed";
/// The event of a contact message: `{name, email, message, receivedAt}`.
pub const CONTACT_SUBMITTED: &str = "contact.submitted";

/// Limits of the two routes (`[worker.notifications]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NotificationSettings {
    /// Requests per client address and window on each route.
    pub rate_limit_max: u64,
    /// The rate-limit window, seconds.
    pub rate_limit_window_secs: u64,
    /// Longest contact name, characters.
    pub name_max_chars: usize,
    /// Longest contact message, characters.
    pub message_max_chars: usize,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self { rate_limit_max: 5, rate_limit_window_secs: 600, name_max_chars: 100, message_max_chars: 5000 }
    }
}

impl NotificationSettings {
    /// The limit of each route (per client address).
    pub fn limit(&self) -> Limit {
        Limit::per_secs(self.rate_limit_max, self.rate_limit_window_secs)
    }
}

/// What the two routes need.
pub struct Notifications {
    /// The `newsletters` collection.
    pub store: Arc<dyn NewsletterStore>,
    /// Where the events go.
    pub events: Arc<dyn EventBus>,
    /// Rate limits (counted in the platform cache).
    pub limiter: RateLimiter,
    /// Limits.
    pub settings: NotificationSettings,
}

/// The OpenAPI document of the two routes.
#[derive(OpenApi)]
#[openapi(
    paths(subscribe::subscribe, contact::contact),
    components(schemas(subscribe::SubscribeBody, contact::ContactBody, subscribe::DoneBody, subscribe::SubscribedBody)),
    tags((name = "notifications", description = "Newsletter subscriptions and the contact form; emails sent by the worker")),
    modifiers(&LegacyErrors, &LEGACY_ANSWERS)
)]
pub struct NotificationsApi;

/// Registers the two routes.
pub fn configure(cfg: &mut web::ServiceConfig, n: &Arc<Notifications>) {
    let data = web::Data::from(Arc::clone(n));
    cfg.service(web::resource("/api/subscribe").wrap(legacy::SUBSCRIBE.wrap()).app_data(data.clone()).route(web::post().to(subscribe::subscribe)))
        .service(web::resource("/api/contact").wrap(legacy::CONTACT.wrap()).app_data(data).route(web::post().to(contact::contact)));
}
