//! The worker's settings, built by the composition root from `[email]` (legacy
//! `SMTP_URL`, `EMAIL_USER`, `EMAIL_PASS`, `EMAIL_TO`) and `[worker]`.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::mail::{MailError, Mailer, OutboxMailer, SmtpMailer};

/// The worker module's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// `smtp://user:pass@host:587[?tls=starttls]` or `smtps://...`; wins over user/pass.
    pub smtp_url: Option<SecretString>,
    /// Gmail account (legacy `EMAIL_USER`): Gmail's SMTP when no URL is set.
    pub email_user: Option<String>,
    /// Gmail app password (legacy `EMAIL_PASS`).
    pub email_pass: Option<SecretString>,
    /// The shop owner's address (legacy `EMAIL_TO`).
    pub owner_email: Option<String>,
    /// The `From:` of every email; default `EMAIL_USER`, else `HMElectronics <no-reply@localhost>`.
    pub from: Option<String>,
    /// Where emails are written as `.eml` when no SMTP is configured; default
    /// `./data/outbox` (the composition root sets `<storage.data_dir>/outbox`).
    pub outbox_dir: Option<PathBuf>,
    /// The shop's name in subjects and signatures.
    pub shop_name: String,
    /// The currency prefix of amounts.
    pub currency: String,
    /// Limits of `/api/subscribe` and `/api/contact` (`[worker.notifications]`).
    pub notifications: crate::notifications::NotificationSettings,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            email_user: None,
            email_pass: None,
            owner_email: None,
            from: None,
            outbox_dir: None,
            shop_name: "HMElectronics".to_owned(),
            currency: "Rs.".to_owned(),
            notifications: Default::default(),
        }
    }
}

fn set(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl WorkerSettings {
    /// The `From:` address.
    pub fn from_address(&self) -> String {
        set(&self.from).or(set(&self.email_user)).map(str::to_owned).unwrap_or_else(|| "HMElectronics <no-reply@localhost>".to_owned())
    }

    /// The mailer the settings name: SMTP URL, else Gmail, else the `.eml` outbox.
    pub fn mailer(&self) -> Result<Arc<dyn Mailer>, MailError> {
        let url = self.smtp_url.as_ref().map(|s| s.expose_secret().trim().to_owned()).filter(|s| !s.is_empty());
        let pass = self.email_pass.as_ref().map(|s| s.expose_secret().to_owned()).filter(|s| !s.is_empty());
        Ok(match (url, set(&self.email_user), pass) {
            (Some(url), _, _) => Arc::new(SmtpMailer::from_url(&url, self.from_address())?),
            (None, Some(user), Some(pass)) => Arc::new(SmtpMailer::gmail(user, &pass, self.from_address())?),
            _ => {
                let dir = self.outbox_dir.clone().unwrap_or_else(|| PathBuf::from("./data/outbox"));
                Arc::new(OutboxMailer::new(dir, self.from_address()))
            }
        })
    }
}
