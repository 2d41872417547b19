//! The static list of the worker's consumers and the event types each binds.
//!
//! It lives in the kernel so the publisher side (any build, with or without the worker
//! compiled in) declares the consumers' queues: events published before a worker first
//! starts wait for it instead of being dropped by the exchange.

/// A consumer the worker can run: its name (queue `<prefix><name>`) and its patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownConsumer {
    /// The consumer's stable name.
    pub name: &'static str,
    /// The routing-key patterns it binds.
    pub patterns: &'static [&'static str],
}

/// The order emails: the customer's confirmation and the owner's new-order email.
pub const EMAIL_ORDER_CREATED: &str = "email.order_created";
/// Products' sales counters.
pub const INVENTORY_SALES: &str = "inventory.sales";
/// The customer's status email.
pub const EMAIL_STATUS_CHANGED: &str = "email.status_changed";
/// A deleted product's images.
pub const IMAGES_CLEANUP: &str = "images.cleanup";
/// The newsletter welcome / owner emails.
pub const EMAIL_NEWSLETTER: &str = "email.newsletter";
/// The contact-form emails.
pub const EMAIL_CONTACT: &str = "email.contact";

/// Every consumer of the worker module.
pub const KNOWN_CONSUMERS: &[KnownConsumer] = &[
    KnownConsumer { name: EMAIL_ORDER_CREATED, patterns: &["order.created"] },
    KnownConsumer { name: INVENTORY_SALES, patterns: &["order.created"] },
    KnownConsumer { name: EMAIL_STATUS_CHANGED, patterns: &["order.status_changed"] },
    KnownConsumer { name: IMAGES_CLEANUP, patterns: &["product.deleted"] },
    KnownConsumer { name: EMAIL_NEWSLETTER, patterns: &["newsletter.subscribed"] },
    KnownConsumer { name: EMAIL_CONTACT, patterns: &["contact.submitted"] },
];

/// [`KNOWN_CONSUMERS`] as `(name, patterns)` pairs, the shape `RabbitSettings` takes.
pub fn known_consumers() -> Vec<(String, Vec<String>)> {
    KNOWN_CONSUMERS
        .iter()
        .map(|c| (c.name.to_owned(), c.patterns.iter().map(|p| (*p).to_owned()).collect()))
        .collect()
}
