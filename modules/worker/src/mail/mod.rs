//! The [`Mailer`] port and its adapters: SMTP ([`SmtpMailer`], lettre over rustls) and a
//! folder of `.eml` files ([`OutboxMailer`], the embedded default).

mod message;
mod outbox;
mod smtp;

use async_trait::async_trait;

pub use message::build_message;
pub use outbox::OutboxMailer;
pub use smtp::{smtp_transport_from_url, SmtpMailer};

/// One email: a `multipart/alternative` message with a plain-text and an HTML part.
/// Every user-provided value in `html` must already be HTML-escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Recipients (`a@b.c` or `Name <a@b.c>`).
    pub to: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Why an email was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail server or the outbox folder could not take it now: retry later.
    #[error("mail transport unavailable: {0}")]
    Unavailable(String),
    /// The message can never be sent as it is (bad address, refused by the server).
    #[error("email rejected: {0}")]
    Rejected(String),
}

/// Sends emails.
///
/// Promises: `send` returns Ok once the message was accepted by the SMTP server (or
/// written completely to the outbox folder); nothing is retried inside, so a caller that
/// retries after an error may send the message twice only if the server accepted it and
/// the acknowledgement was lost. Errors: [`MailError::Unavailable`] for passing failures
/// (connection refused, timeouts, 4xx), [`MailError::Rejected`] for permanent ones
/// (malformed address, 5xx).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// The adapter's name, for logs.
    fn name(&self) -> &'static str;
    /// Sends one email.
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// Escapes `& < > " '` so a user-provided value is safe inside HTML text or attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_neutralises_markup() {
        assert_eq!(escape_html(r#"<b a="x">'&'</b>"#), "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
    }
}
