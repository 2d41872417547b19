//! The one MongoDB transaction helper every adapter uses: start a session, run the
//! closure inside a transaction, commit; retry the whole transaction on
//! `TransientTransactionError` (write conflicts, elections, a cut connection) and the
//! commit on `UnknownTransactionCommitResult`, with jittered exponential backoff,
//! bounded by attempts and by time.
//!
//! Every transaction's session is first recorded in this process's instance document
//! ([`crate::liveness`]), so the transactions of a killed process are aborted by a live
//! instance within seconds instead of holding their documents for the server's
//! `transactionLifetimeLimitSeconds`.
//!
//! The closure decides the outcome: [`Txn::Commit`] commits and returns the value,
//! [`Txn::Abort`] aborts (nothing written) and returns the value. An error without the
//! transient label aborts and is returned as is.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use mongodb::error::{Error, ErrorKind, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::{Client, ClientSession};

/// What the closure asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txn<T> {
    /// Commit the writes, then answer the value.
    Commit(T),
    /// Abort (write nothing), then answer the value.
    Abort(T),
}

/// Bounds of the retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnRetry {
    /// Most attempts of the whole transaction.
    pub attempts: u32,
    /// No new attempt starts after this much time since the first.
    pub deadline: Duration,
    /// First backoff; doubles per attempt (with jitter), capped at `max_delay`.
    pub base_delay: Duration,
    /// Longest backoff.
    pub max_delay: Duration,
}

impl Default for TxnRetry {
    /// 40 attempts within 8 s, 5 ms doubling to 250 ms: enough to ride out heavy write
    /// contention on a few documents, a short election, and a dead process's transaction
    /// until a live instance reaps it (`mongodb.instance_dead_after_ms` plus a heartbeat,
    /// ~5 s; [`crate::liveness`]).
    fn default() -> Self {
        Self { attempts: 40, deadline: Duration::from_secs(8), base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(250) }
    }
}

impl TxnRetry {
    /// For transactions on a few hot documents (stock of popular products): more
    /// attempts over 20 s, so a burst of concurrent orders is served, not refused.
    pub fn contended() -> Self {
        Self { attempts: 400, deadline: Duration::from_secs(20), base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(150) }
    }
}

/// Whether an error is passing: labelled `TransientTransactionError`, a write conflict
/// (code 112), or a network / pool error. Consumers retry these with backoff.
pub fn is_transient(e: &Error) -> bool {
    if e.contains_label(TRANSIENT_TRANSACTION_ERROR) || e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) {
        return true;
    }
    match e.kind.as_ref() {
        ErrorKind::Command(c) => matches!(c.code, 112 | 91 | 189 | 11600 | 11602 | 10107 | 13435 | 13436 | 6 | 7 | 89 | 9001 | 262 | 50),
        ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) => w.code == 112,
        ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } | ErrorKind::ServerSelection { .. } => true,
        _ => false,
    }
}

/// Whether an error is a duplicate key (11000).
pub fn is_duplicate_key(e: &Error) -> bool {
    use mongodb::error::WriteFailure;
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

fn delay(retry: &TxnRetry, attempt: u32) -> Duration {
    let base = retry.base_delay.as_millis().saturating_mul(1u128 << attempt.min(16)).min(retry.max_delay.as_millis());
    let base = u64::try_from(base).unwrap_or(u64::MAX);
    // Full jitter between half and the whole delay, so colliding writers spread out.
    let jitter = u64::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(base / 2 + 1)).unwrap_or(0);
    Duration::from_millis(base / 2 + jitter)
}

/// Commits, retrying an unknown commit result; Err(true) = retry the whole transaction.
async fn commit(session: &mut ClientSession) -> Result<(), (bool, Error)> {
    let mut last = None;
    for _ in 0..4 {
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => last = Some(e),
            Err(e) => return Err((e.contains_label(TRANSIENT_TRANSACTION_ERROR), e)),
        }
    }
    // Still unknown: the writes may or may not be committed. Retrying the whole
    // transaction is safe only because every caller's transaction is conditional
    // (keys, states), so a committed first try makes the retry a no-op or an abort.
    Err((true, last.unwrap_or_else(|| Error::custom("commit result unknown"))))
}

/// Runs `body` in a transaction on a fresh session of `client` (see the module docs).
/// `ctx` is handed to each attempt, so the closure can borrow the caller's state.
pub async fn with_transaction<C, T, F>(client: &Client, retry: TxnRetry, ctx: &C, mut body: F) -> Result<T, Error>
where
    C: Sync + ?Sized,
    F: for<'a> FnMut(&'a mut ClientSession, &'a C) -> BoxFuture<'a, Result<Txn<T>, Error>>,
{
    let started = Instant::now();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let last = match run_once(client, ctx, &mut body).await {
            Ok(v) => return Ok(v),
            Err((false, e)) => return Err(e),
            Err((true, e)) => e,
        };
        if attempt >= retry.attempts || started.elapsed() >= retry.deadline {
            tracing::warn!(attempts = attempt, elapsed_ms = started.elapsed().as_millis() as u64, error = %last, "transaction kept failing transiently; giving up");
            return Err(last);
        }
        tokio::time::sleep(delay(&retry, attempt)).await;
    }
}

async fn run_once<C, T, F>(client: &Client, ctx: &C, body: &mut F) -> Result<T, (bool, Error)>
where
    C: Sync + ?Sized,
    F: for<'a> FnMut(&'a mut ClientSession, &'a C) -> BoxFuture<'a, Result<Txn<T>, Error>>,
{
    let transient = |e: Error| (is_transient(&e), e);
    let mut session = client.start_session().await.map_err(transient)?;
    // Before the transaction's first write: its lsid is in this process's live instance
    // document, so a reaper can abort it if the process dies (crate::liveness).
    if let Some(instance) = crate::liveness::of_client(client) {
        instance.record(&session).await.map_err(transient)?;
    }
    session.start_transaction().await.map_err(transient)?;
    // A transaction cut off from the server (its connection cut mid-way, its commit's
    // result unknown) may stay open there, holding its documents, and the driver's abort
    // ignores its own failure: this process's instance kills the session once the server
    // is reachable again (crate::liveness::Instance::orphan).
    let orphan_if_cut = |session: &ClientSession, e: &Error| {
        if may_leave_open(e) {
            if let Some(instance) = crate::liveness::of_client(client) {
                instance.orphan(session);
            }
        }
    };
    match body(&mut session, ctx).await {
        Ok(Txn::Commit(v)) => match commit(&mut session).await {
            Ok(()) => Ok(v),
            Err((retry, e)) => {
                orphan_if_cut(&session, &e);
                Err((retry, e))
            }
        },
        Ok(Txn::Abort(v)) => {
            let _ = session.abort_transaction().await;
            Ok(v)
        }
        Err(e) => {
            let _ = session.abort_transaction().await;
            orphan_if_cut(&session, &e);
            Err(transient(e))
        }
    }
}

/// Whether a failed transaction may still be open on the server: the error is not the
/// server's answer (which ends the transaction there) but a cut or unreachable
/// connection, or a commit whose result is unknown.
fn may_leave_open(e: &Error) -> bool {
    e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
        || matches!(e.kind.as_ref(), ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } | ErrorKind::ServerSelection { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let r = TxnRetry::default();
        for attempt in 1..30 {
            let d = delay(&r, attempt);
            assert!(d <= r.max_delay, "{attempt}: {d:?}");
        }
        assert!(delay(&r, 1) <= Duration::from_millis(10));
    }

    #[test]
    fn network_errors_are_transient_and_others_are_not() {
        let io: Error = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut").into();
        assert!(is_transient(&io));
        assert!(!is_transient(&Error::custom("bad document")));
        assert!(!is_duplicate_key(&Error::custom("x")));
    }
}
