//! SMTP with lettre over rustls.
//!
//! `smtp://user:pass@host:port` is plain SMTP (the test sink) unless `?tls=starttls`
//! (STARTTLS required) or `?tls=opportunistic`; `smtps://` is TLS from the first byte
//! (port 465 by default). Without a URL but with the legacy `EMAIL_USER`/`EMAIL_PASS`,
//! Gmail's `smtp.gmail.com:465` is used, as the legacy nodemailer `service: "gmail"` did.

use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{build_message, Email, MailError, Mailer};

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// [`Mailer`] over SMTP.
pub struct SmtpMailer {
    transport: Transport,
    from: String,
}

fn bad(e: impl std::fmt::Display) -> MailError {
    MailError::Rejected(format!("SMTP_URL: {e}"))
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The transport a `smtp://` / `smtps://` URL names (errors never contain the password).
pub fn smtp_transport_from_url(raw: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let url = url::Url::parse(raw).map_err(bad)?;
    let host = url.host_str().ok_or_else(|| bad("no host"))?.to_owned();
    let tls_mode = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let params = || TlsParameters::new(host.clone()).map_err(bad);
    let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
        ("smtps", _) => (Tls::Wrapper(params()?), 465),
        ("smtp", None | Some("none")) => (Tls::None, 25),
        ("smtp", Some("starttls" | "required")) => (Tls::Required(params()?), 587),
        ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
        (scheme, mode) => return Err(bad(format!("unsupported scheme {scheme:?} or tls mode {mode:?}"))),
    };
    let mut builder = Transport::builder_dangerous(host.as_str())
        .port(url.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(15)));
    if !url.username().is_empty() {
        builder = builder.credentials(Credentials::new(decode(url.username()), decode(url.password().unwrap_or(""))));
    }
    Ok(builder.build())
}

impl SmtpMailer {
    /// From a `smtp://` or `smtps://` URL.
    pub fn from_url(url: &str, from: impl Into<String>) -> Result<Self, MailError> {
        Ok(Self { transport: smtp_transport_from_url(url)?, from: from.into() })
    }

    /// Gmail's SMTP with an account and an app password (the legacy setup).
    pub fn gmail(user: &str, pass: &str, from: impl Into<String>) -> Result<Self, MailError> {
        let transport = Transport::relay("smtp.gmail.com")
            .map_err(bad)?
            .credentials(Credentials::new(user.to_owned(), pass.to_owned()))
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Self { transport, from: from.into() })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = build_message(&self.from, email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Rejected(e.to_string())),
            Err(e) => Err(MailError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_pick_the_tls_mode_and_never_echo_the_password() {
        for ok in ["smtp://127.0.0.1:2525", "smtp://u:p%40ss@mail.example.com:587?tls=starttls", "smtp://h?tls=opportunistic", "smtps://u:p@smtp.example.com"] {
            assert!(smtp_transport_from_url(ok).is_ok(), "{ok}");
        }
        for bad in ["http://h", "smtp://u:secret@h?tls=bogus", "not a url"] {
            let err = smtp_transport_from_url(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!err.is_empty() && !err.contains("secret"), "{bad}: {err}");
        }
        assert!(SmtpMailer::gmail("me@gmail.com", "app-pass", "me@gmail.com").is_ok());
    }
}
