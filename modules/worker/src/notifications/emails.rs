//! The consumers `email.newsletter` (`newsletter.subscribed`: the owner's notice and the
//! subscriber's welcome) and `email.contact` (`contact.submitted`: the owner's copy and
//! the sender's confirmation). Each email is a recorded step; every user value is
//! HTML-escaped (the legacy code injected the message raw).

use std::sync::Arc;

use async_trait::async_trait;
use hme_kernel::events::{EventEnvelope, HandlerError};
use serde::Deserialize;

use super::{CONTACT_SUBMITTED, NEWSLETTER_SUBSCRIBED};
use crate::handlers::{mail_error, Job, Steps};
use crate::mail::{escape_html, Email, Mailer};
use crate::payload::parse;

/// Consumer name of the newsletter emails.
pub const NEWSLETTER_CONSUMER: &str = "email.newsletter";
/// Consumer name of the contact emails.
pub const CONTACT_CONSUMER: &str = "email.contact";

fn page(shop: &str, body: &str) -> String {
    format!("<!doctype html><html><body style=\"font-family:Arial,sans-serif\">{body}<p>— {}</p></body></html>", escape_html(shop))
}

/// A message as HTML: escaped, line breaks kept.
pub fn html_text(s: &str) -> String {
    escape_html(s).replace("\r\n", "\n").replace('\n', "<br>")
}

async fn send_step(steps: &Steps<'_>, step: &str, mailer: &dyn Mailer, email: Email) -> Result<(), HandlerError> {
    if steps.is_done(step).await? {
        return Ok(());
    }
    mailer.send(&email).await.map_err(mail_error)?;
    steps.done(step).await;
    Ok(())
}

fn owner_of(owner: &Option<String>) -> Option<&str> {
    owner.as_deref().map(str::trim).filter(|m| !m.is_empty())
}

#[derive(Deserialize)]
struct Subscribed {
    email: String,
}

/// Consumer `email.newsletter`.
pub struct NewsletterEmails {
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// The shop owner's address (`EMAIL_TO`); unset: the owner's notice is skipped.
    pub owner: Option<String>,
    /// Shop name.
    pub shop: String,
}

#[async_trait]
impl Job for NewsletterEmails {
    fn consumer(&self) -> &'static str {
        NEWSLETTER_CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec![NEWSLETTER_SUBSCRIBED.to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, steps: &Steps<'_>) -> Result<(), HandlerError> {
        let s: Subscribed = parse(event)?;
        let (shop, email) = (&self.shop, escape_html(&s.email));
        if let Some(owner) = owner_of(&self.owner) {
            let mail = Email {
                to: vec![owner.to_owned()],
                subject: format!("New newsletter subscriber: {}", s.email),
                text: format!("{} subscribed to the {shop} newsletter.", s.email),
                html: page(shop, &format!("<p><strong>{email}</strong> subscribed to the newsletter.</p>")),
            };
            send_step(steps, "owner", self.mailer.as_ref(), mail).await?;
        } else {
            tracing::warn!("EMAIL_TO is not set; owner's subscriber notice skipped");
        }
        let welcome = Email {
            to: vec![s.email.clone()],
            subject: format!("Welcome to the {shop} newsletter"),
            text: format!("Thank you for subscribing to the {shop} newsletter. You will hear about new products and offers first."),
            html: page(shop, "<p>Thank you for subscribing to our newsletter. You will hear about new products and offers first.</p>"),
        };
        send_step(steps, "subscriber", self.mailer.as_ref(), welcome).await
    }
}

#[derive(Deserialize)]
struct Contacted {
    name: String,
    email: String,
    message: String,
}

/// Consumer `email.contact`.
pub struct ContactEmails {
    /// The mail transport.
    pub mailer: Arc<dyn Mailer>,
    /// The shop owner's address (`EMAIL_TO`); unset: the owner's copy is skipped.
    pub owner: Option<String>,
    /// Shop name.
    pub shop: String,
}

#[async_trait]
impl Job for ContactEmails {
    fn consumer(&self) -> &'static str {
        CONTACT_CONSUMER
    }

    fn event_types(&self) -> Vec<String> {
        vec![CONTACT_SUBMITTED.to_owned()]
    }

    async fn run(&self, event: &EventEnvelope, steps: &Steps<'_>) -> Result<(), HandlerError> {
        let c: Contacted = parse(event)?;
        let shop = &self.shop;
        let (name, email, message) = (escape_html(&c.name), escape_html(&c.email), html_text(&c.message));
        if let Some(owner) = owner_of(&self.owner) {
            let subject_name: String = c.name.chars().filter(|ch| !ch.is_control()).collect();
            let mail = Email {
                to: vec![owner.to_owned()],
                subject: format!("Contact form: message from {subject_name}"),
                text: format!("From: {} <{}>\n\n{}", c.name, c.email, c.message),
                html: page(shop, &format!("<p><strong>From:</strong> {name} &lt;{email}&gt;</p><p>{message}</p>")),
            };
            send_step(steps, "owner", self.mailer.as_ref(), mail).await?;
        } else {
            tracing::warn!("EMAIL_TO is not set; owner's copy of a contact message skipped");
        }
        let confirm = Email {
            to: vec![c.email.clone()],
            subject: format!("We received your message — {shop}"),
            text: format!("Hello {},\n\nThank you for contacting {shop}. We will answer soon. Your message:\n\n{}", c.name, c.message),
            html: page(shop, &format!("<p>Hello {name},</p><p>Thank you for contacting us. We will answer soon. Your message:</p><blockquote>{message}</blockquote>")),
        };
        send_step(steps, "sender", self.mailer.as_ref(), confirm).await
    }
}
