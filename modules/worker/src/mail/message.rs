//! [`Email`] to an RFC 5322 message (lettre's builder).

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use super::{Email, MailError};

fn mailbox(s: &str) -> Result<Mailbox, MailError> {
    s.trim().parse::<Mailbox>().map_err(|e| MailError::Rejected(format!("bad address {s:?}: {e}")))
}

/// The `multipart/alternative` message of `email`, from `from`.
pub fn build_message(from: &str, email: &Email) -> Result<Message, MailError> {
    if email.to.is_empty() {
        return Err(MailError::Rejected("no recipient".to_owned()));
    }
    let mut builder = Message::builder().from(mailbox(from)?).subject(email.subject.clone());
    for to in &email.to {
        builder = builder.to(mailbox(to)?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
        .map_err(|e| MailError::Rejected(e.to_string()))
}
