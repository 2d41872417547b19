//! The embedded default: each email is written as `<dir>/<time>-<uuid>.eml` (written to a
//! temporary name, then renamed, so a reader never sees half a file).

use std::path::PathBuf;

use async_trait::async_trait;

use super::{build_message, Email, MailError, Mailer};

/// [`Mailer`] writing `.eml` files to a folder.
pub struct OutboxMailer {
    dir: PathBuf,
    from: String,
}

impl OutboxMailer {
    /// Writes to `dir` (created when missing), messages from `from`.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Self { dir: dir.into(), from: from.into() }
    }

    /// The folder written to.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let bytes = build_message(&self.from, email)?.formatted();
        let fail = |e: std::io::Error| MailError::Unavailable(format!("outbox {}: {e}", self.dir.display()));
        tokio::fs::create_dir_all(&self.dir).await.map_err(fail)?;
        let name = format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ"), uuid::Uuid::new_v4().simple());
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, bytes).await.map_err(fail)?;
        tokio::fs::rename(&tmp, self.dir.join(format!("{name}.eml"))).await.map_err(fail)?;
        Ok(())
    }
}
