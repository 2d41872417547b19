//! The one way every module creates its MongoDB indexes.
//!
//! The legacy app (mongoose) creates the same indexes as hme, often first, and with
//! other options: mongoose builds `email_1` with `background: true`, and an index of
//! the same keys may exist under another name or without `unique`. MongoDB then refuses
//! hme's `createIndexes` with IndexOptionsConflict (85) or IndexKeySpecsConflict (86),
//! or another refusal (SecantusDB has no text indexes: 67). None of these may fail a
//! module's start or a write: [`ensure_indexes`] creates what it can, keeps an
//! existing index with the same keys as equivalent, and logs every index it could not
//! create exactly once per process (one warn line per collection and index).
//!
//! It never returns an error: without an index hme still answers correctly (the
//! writers that rely on a unique index say what they do without it).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use futures::TryStreamExt;
use mongodb::bson::Document;
use mongodb::error::{Error, ErrorKind};
use mongodb::{Collection, IndexModel};

/// IndexOptionsConflict: an index with these keys exists with other options.
pub const INDEX_OPTIONS_CONFLICT: i32 = 85;
/// IndexKeySpecsConflict: an index with this name exists with other keys.
pub const INDEX_KEY_SPECS_CONFLICT: i32 = 86;

/// What became of one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexOutcome {
    /// Created, or already there exactly as asked.
    Created,
    /// The server refused it, and an index with the same keys exists (`name`, with its
    /// own options): kept as equivalent. `unique_missing` when hme asked for a unique
    /// index and the existing one is not unique.
    Equivalent {
        /// The existing index's name.
        name: String,
        /// hme asked for `unique` and the existing index is not unique.
        unique_missing: bool,
    },
    /// Refused, and nothing with the same keys exists; the collection works without it.
    Skipped(String),
}

fn error_code(e: &Error) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// Whether an error of `createIndexes` is a conflict with an existing index.
pub fn is_index_conflict(e: &Error) -> bool {
    matches!(error_code(e), Some(INDEX_OPTIONS_CONFLICT | INDEX_KEY_SPECS_CONFLICT))
}

/// Logs `what` once per process for `key` (the same index opened by several modules or
/// several times says so once).
fn warn_once(key: String, log: impl FnOnce()) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| Mutex::new(HashSet::new()));
    let first = match seen.lock() {
        Ok(mut s) => s.insert(key),
        Err(_) => true,
    };
    if first {
        log();
    }
}

async fn same_keys(coll: &Collection<Document>, keys: &Document) -> Option<IndexModel> {
    let existing: Vec<IndexModel> = coll.list_indexes().await.ok()?.try_collect().await.ok()?;
    existing.into_iter().find(|i| &i.keys == keys)
}

/// Creates one index (see the module documentation); never fails.
pub async fn ensure_index(coll: &Collection<Document>, index: IndexModel) -> IndexOutcome {
    let keys = index.keys.clone();
    let wants_unique = index.options.as_ref().and_then(|o| o.unique).unwrap_or(false);
    let err = match coll.create_index(index).await {
        Ok(_) => return IndexOutcome::Created,
        Err(e) => e,
    };
    let log_key = format!("{}.{}.{keys}", coll.namespace().db, coll.name());
    if let Some(found) = same_keys(coll, &keys).await {
        let name = found.options.as_ref().and_then(|o| o.name.clone()).unwrap_or_default();
        let unique_missing = wants_unique && !found.options.as_ref().and_then(|o| o.unique).unwrap_or(false);
        warn_once(log_key, || {
            tracing::warn!(collection = coll.name(), index = %keys, existing = %name, unique_missing, code = ?error_code(&err), error = %err,
                "an index with these keys already exists with other options (made by mongoose?); keeping it as equivalent");
        });
        return IndexOutcome::Equivalent { name, unique_missing };
    }
    warn_once(log_key, || {
        tracing::warn!(collection = coll.name(), index = %keys, code = ?error_code(&err), error = %err, "index not created; carrying on without it");
    });
    IndexOutcome::Skipped(err.to_string())
}

/// Creates every index of `indexes` on `coll`, one by one (one refusal does not stop
/// the others); never fails. The outcomes are in the order given.
pub async fn ensure_indexes(coll: &Collection<Document>, indexes: impl IntoIterator<Item = IndexModel>) -> Vec<IndexOutcome> {
    let mut out = Vec::new();
    for index in indexes {
        out.push(ensure_index(coll, index).await);
    }
    out
}
