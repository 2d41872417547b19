//! Reading the SMTP sink's folder (`HME_TEST_SMTP_DIR`): each message is `<stem>.eml`
//! with a `<stem>.json` envelope `{mail_from, rcpt_tos}` (scripts/smtp_sink.py).

use std::path::Path;
use std::time::{Duration, Instant};

/// Every raw message whose envelope names `rcpt`.
pub fn messages_to(dir: &Path, rcpt: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut stems: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    stems.sort();
    stems
        .into_iter()
        .filter(|eml| {
            let envelope = std::fs::read_to_string(eml.with_extension("json")).unwrap_or_default();
            let envelope: serde_json::Value = serde_json::from_str(&envelope).unwrap_or_default();
            envelope["rcpt_tos"].as_array().is_some_and(|to| to.iter().any(|t| t.as_str().is_some_and(|t| t.eq_ignore_ascii_case(rcpt))))
        })
        .map(|eml| std::fs::read_to_string(eml).unwrap_or_default())
        .collect()
}

/// Waits for exactly one message to `rcpt` and returns it; fails after `deadline` or
/// when more than one arrived.
pub async fn wait_for(dir: &Path, rcpt: &str, deadline: Duration) -> String {
    let started = Instant::now();
    loop {
        let mut found = messages_to(dir, rcpt);
        match found.len() {
            0 if started.elapsed() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            0 => panic!("no email to {rcpt} in {} after {deadline:?}", dir.display()),
            1 => return found.remove(0),
            n => panic!("{n} emails to {rcpt}, expected one"),
        }
    }
}
