//! MongoDB operations, observed through the driver's command monitoring: every command
//! is counted and timed (`hme_db_operations_total`, `hme_db_operation_duration_seconds`
//! with `system="mongodb"`), and, with tracing on, runs in a client span that is a child
//! of the span that issued it.
//!
//! The commands one piece of work sends (an HTTP request: `src/http/observe.rs`; a test)
//! are tallied with [`tally`]: the driver reports each command from inside the task that
//! awaits it, so a task-local list sees exactly the commands of that work, not those of
//! the background loops (heartbeat, outbox relay, sweeper) sharing the client, nor the
//! driver's own spawned clean-ups (`killCursors` of a dropped cursor).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;
use tracing::Span;

use super::metrics::{db_operation, Outcome};

/// One command sent to MongoDB: its name (`find`, `getMore`, `insert`,
/// `commitTransaction`...) and the collection it targets (the value of its first field,
/// when a string: `find: "products"`; None for `commitTransaction`, `ping`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCommand {
    /// The command name.
    pub name: String,
    /// The collection it names, if any.
    pub collection: Option<String>,
}

impl std::fmt::Display for SentCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.collection {
            Some(c) => write!(f, "{} {c}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

tokio::task_local! {
    static TALLY: Arc<Mutex<Vec<SentCommand>>>;
}

/// Runs `work` and returns, with its output, every MongoDB command it sent, in order
/// (see the module docs for what is and is not its own).
pub async fn tally<F: Future>(work: F) -> (F::Output, Vec<SentCommand>) {
    let list: Arc<Mutex<Vec<SentCommand>>> = Arc::default();
    let out = TALLY.scope(Arc::clone(&list), work).await;
    let sent = list.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default();
    (out, sent)
}

fn note(e: &mongodb::event::command::CommandStartedEvent) {
    let _ = TALLY.try_with(|list| {
        let collection = e.command.iter().next().and_then(|(_, v)| v.as_str()).map(str::to_owned);
        if let Ok(mut l) = list.lock() {
            l.push(SentCommand { name: e.command_name.clone(), collection });
        }
    });
}

/// The command-event handler to put into the client options.
pub fn command_events() -> EventHandler<CommandEvent> {
    let open: Arc<Mutex<HashMap<i32, Span>>> = Arc::default();
    EventHandler::callback(move |event: CommandEvent| match event {
        CommandEvent::Started(e) => {
            note(&e);
            if !super::trace::enabled() {
                return;
            }
            let span = tracing::info_span!(
                "mongodb",
                otel.name = %format_args!("mongodb {}", e.command_name),
                otel.kind = "client",
                db.system = "mongodb",
                db.operation = %e.command_name,
                db.namespace = %e.db,
            );
            if let Ok(mut m) = open.lock() {
                m.insert(e.request_id, span);
            }
        }
        CommandEvent::Succeeded(e) => {
            finish(&open, e.request_id, false);
            db_operation("mongodb", &e.command_name, Outcome::Ok, e.duration);
        }
        CommandEvent::Failed(e) => {
            finish(&open, e.request_id, true);
            db_operation("mongodb", &e.command_name, Outcome::Error, e.duration);
        }
        _ => {}
    })
}

fn finish(open: &Mutex<HashMap<i32, Span>>, request_id: i32, failed: bool) {
    let span = open.lock().ok().and_then(|mut m| m.remove(&request_id));
    if let (Some(span), true) = (span, failed) {
        span.record("otel.status_code", "ERROR");
    }
}
