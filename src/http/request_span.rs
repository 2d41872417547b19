//! The span every request runs in: what a log line written while serving it carries.
//!
//! `tracing-actix-web`'s default span has some fifteen fields (client address, user
//! agent, route found by matching the path against every route again, ...) and records
//! the status and the outcome into it at the end. With the JSON log format each field
//! recorded re-parses and re-writes the span's fields as JSON: that was the largest
//! cost of a cached request (about a quarter of the server's CPU time on
//! `GET /api/product/{id}`, measured with perf). Nothing is logged after a response is
//! made, so recording the outcome bought nothing; this span keeps what a log line
//! needs to be traced back to its request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The root span of a request: `request_id` (echoed as `x-request-id`), method and path.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            request_id = id.map(tracing::field::display),
            method = %request.method(),
            path = request.path(),
        )
    }

    fn on_request_end<B: MessageBody>(_: Span, _: &Result<ServiceResponse<B>, Error>) {}
}
