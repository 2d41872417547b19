//! The worker module's OpenAPI tag. Its metrics are no route of its own: they are in
//! the process's registry, served at `/metrics` on the admin listener.

use utoipa::OpenApi;

/// The worker module's OpenAPI document.
#[derive(OpenApi)]
#[openapi(tags((name = "worker", description = "the consumers of events: order emails, sales counters, image clean-up; the newsletter and contact forms")))]
pub struct WorkerApi;
