//! MongoDB operations, observed through the driver's command monitoring: every command
//! is counted and timed (`hme_db_operations_total`, `hme_db_operation_duration_seconds`
//! with `system="mongodb"`), and, with tracing on, runs in a client span that is a child
//! of the span that issued it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;
use tracing::Span;

use super::metrics::{db_operation, Outcome};

/// The command-event handler to put into the client options.
pub fn command_events() -> EventHandler<CommandEvent> {
    let open: Arc<Mutex<HashMap<i32, Span>>> = Arc::default();
    EventHandler::callback(move |event: CommandEvent| match event {
        CommandEvent::Started(e) if super::trace::enabled() => {
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
