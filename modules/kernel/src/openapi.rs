//! OpenAPI pieces every module's document shares: the bearer scheme, the legacy failure
//! envelope (one schema) and the failure statuses the framework itself can answer.

use serde::Serialize;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Content, RefOr, Ref, ResponseBuilder};
use utoipa::{Modify, PartialSchema, ToSchema};

use crate::error::{ErrorKind, LegacyRoute, MessageKey};

/// Declares the `bearer` security scheme (a Clerk session token, or one of ours) that
/// signed-in routes refer to. Use as `#[openapi(modifiers(&BearerAuth))]`.
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The legacy failure envelope `{success: false, message}` every 4xx and 5xx carries
/// (5xx with a generic message). The one definition all modules refer to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Always false.
    pub success: bool,
    /// What went wrong (generic for 5xx).
    pub message: String,
}

/// `{success: false, error}`: the legacy failure body of the newsletter and tracking
/// routes, which name the problem under `error`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorKeyBody {
    /// Always false.
    pub success: bool,
    /// What went wrong.
    pub error: String,
}

/// The failure body of a route answering with the `error` key: its own failures use
/// `error`, while malformed JSON (rejected before the handler runs) uses `message`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AnyErrorBody {
    /// `{success: false, error}`
    Error(ErrorKeyBody),
    /// `{success: false, message}`
    Message(ErrorBody),
}

/// Adds to every operation the failure statuses the framework answers before or around
/// the handler, unless the route documents them already (its own description wins):
///
/// - a request body: 400 (malformed JSON or form, a wrong type), 413 (over
///   `server.body_limit_bytes`), 415 (another content type);
/// - query parameters: 400 (an unparsable value);
/// - bearer security: 401 (no token, or one that does not verify);
/// - every route that answers failures with the envelope: 500 (an unexpected failure;
///   generic body).
///
/// Every 4xx/5xx response without content gets the [`ErrorBody`] envelope; every 429
/// gets its `Retry-After` header. Use as `#[openapi(modifiers(&BearerAuth, &LegacyErrors))]`.
pub struct LegacyErrors;

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(Ref::from_schema_name("ErrorBody"))))
        .build()
        .into()
}

/// Documents `status` on `op` with the [`ErrorBody`] envelope and `description`, unless
/// the route documents that status already.
pub fn ensure(op: &mut Operation, status: &str, description: &str) {
    op.responses.responses.entry(status.to_owned()).or_insert_with(|| error_response(description));
}

/// Every operation of `openapi` (GET, PUT, POST, DELETE, PATCH).
pub fn operations_mut(openapi: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    openapi
        .paths
        .paths
        .values_mut()
        .flat_map(|item| [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch])
        .flatten()
}

/// A failure response with no content yet, or with one of the legacy envelopes.
fn is_envelope(response: &RefOr<utoipa::openapi::Response>) -> bool {
    let RefOr::T(response) = response else { return false };
    response.content.values().all(|c| {
        matches!(&c.schema, Some(RefOr::Ref(r)) if ["ErrorBody", "ErrorKeyBody", "AnyErrorBody"].iter().any(|n| r.ref_location.ends_with(&format!("/{n}"))))
    })
}

fn complete(op: &mut Operation) {
    let body_types: Vec<String> = op.request_body.iter().flat_map(|b| b.content.keys().cloned()).collect();
    if let Some(content_type) = body_types.first() {
        if content_type.contains("json") {
            ensure(op, "400", "Malformed JSON, or a field of the wrong type (the message names it)");
        } else {
            ensure(op, "400", "A body that does not parse");
        }
        ensure(op, "413", "Body over the size limit");
        ensure(op, "415", &format!("Content-Type is not {}", body_types.join(" or ")));
    }
    let has_query = op.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Query);
    if has_query {
        ensure(op, "400", "A query parameter is invalid (the message names it)");
    }
    let secured = op.security.iter().flatten().any(|s| serde_json::to_value(s).is_ok_and(|v| v.get("bearer").is_some()));
    if secured {
        ensure(op, "401", "No token, or one that does not verify");
    }
    let answers_envelope = op.responses.responses.iter().any(|(s, r)| (s.starts_with('4') || s.starts_with('5')) && is_envelope(r));
    if answers_envelope {
        ensure(op, "500", "Unexpected failure (generic message; the cause is logged)");
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if response.content.is_empty() {
            response.content.insert("application/json".to_owned(), Content::new(Some(Ref::from_schema_name("ErrorBody"))));
        }
        if status == "429" && !response.headers.contains_key("Retry-After") {
            let schema = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
            let header = HeaderBuilder::new().schema(schema).description(Some("Seconds until the window resets")).build();
            response.headers.insert("Retry-After".to_owned(), header);
        }
    }
}

impl LegacyErrors {
    /// Completes one operation as described above (idempotent), for statuses added after
    /// the modifier ran (e.g. by the binary's own middleware).
    pub fn complete(op: &mut Operation) {
        complete(op);
    }
}

impl Modify for LegacyErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in [
            ("ErrorBody", ErrorBody::schema()),
            ("ErrorKeyBody", ErrorKeyBody::schema()),
            ("AnyErrorBody", AnyErrorBody::schema()),
        ] {
            components.schemas.entry(name.to_owned()).or_insert(schema);
        }
        operations_mut(openapi).for_each(complete);
    }
}

/// Documents what each legacy route answers in both modes of `server.error_statuses`
/// (the routes' [`LegacyRoute`] tables): each failure status the route documents (the
/// `http` mode's) says what it answers by default, each legacy status is listed (200
/// gets the failure envelope as an alternative body), and routes answering with the
/// `error` key say so. The document is true in both modes. Use after [`LegacyErrors`]:
/// `#[openapi(modifiers(&BearerAuth, &LegacyErrors, &LegacyRoutes(ROUTES)))]`.
pub struct LegacyRoutes(pub &'static [&'static LegacyRoute]);

/// The kind answering `status` (the statuses an [`crate::ApiError`] can have that a
/// legacy route may rewrite).
fn kind_of(status: &str) -> Option<ErrorKind> {
    Some(match status {
        "400" => ErrorKind::BadRequest,
        "401" => ErrorKind::Unauthorized,
        "403" => ErrorKind::Forbidden,
        "404" => ErrorKind::NotFound,
        "409" => ErrorKind::Conflict,
        "422" => ErrorKind::Unprocessable,
        "500" => ErrorKind::Internal,
        "503" => ErrorKind::Unavailable,
        _ => return None,
    })
}

fn operation_mut<'a>(openapi: &'a mut utoipa::openapi::OpenApi, method: &str, path: &str) -> Option<&'a mut Operation> {
    let item = openapi.paths.paths.get_mut(path)?;
    match method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "DELETE" => item.delete.as_mut(),
        "PATCH" => item.patch.as_mut(),
        _ => None,
    }
}

fn document_legacy(op: &mut Operation, route: &LegacyRoute) {
    let (failure_body, ok_alternative) = match route.key {
        MessageKey::Message => ("ErrorBody", "ErrorBody"),
        // The route's own failures use `error`; the server's refusals and timeout `message`.
        MessageKey::Error => ("AnyErrorBody", "ErrorKeyBody"),
    };
    let key = match route.key {
        MessageKey::Message => "message",
        MessageKey::Error => "error",
    };
    // Legacy status -> the `http` statuses answered with it by default.
    let mut moved: std::collections::BTreeMap<u16, Vec<String>> = std::collections::BTreeMap::new();
    for (status, response) in op.responses.responses.iter_mut() {
        let Some(kind) = kind_of(status) else { continue };
        let RefOr::T(response) = response else { continue };
        let Some((legacy, text)) = route.legacy(kind) else { continue };
        if route.key == MessageKey::Error {
            response.content.insert("application/json".to_owned(), Content::new(Some(Ref::from_schema_name(failure_body))));
        }
        let text_note = text.map(|t| format!(", text \"{t}\"")).unwrap_or_default();
        if legacy.as_str() == status {
            if !text_note.is_empty() {
                response.description.push_str(&format!(" (`{key}` \"{}\")", text.unwrap_or_default()));
            }
            continue;
        }
        let timeout = if status == "503" { "; the request timeout keeps 503" } else { "" };
        response.description.push_str(&format!(
            " [this status with `server.error_statuses = \"http\"`; by default (`legacy`): {legacy} `{{success:false, {key}}}`{text_note}{timeout}]"
        ));
        moved.entry(legacy.as_u16()).or_default().push(format!("{status}{text_note}"));
    }
    for (legacy, from) in moved {
        let what = format!(
            "By default (`server.error_statuses = \"legacy\"`, the legacy handler's answer) also the failures documented here as {} with `server.error_statuses = \"http\"`: `{{success:false, {key}}}`.",
            from.join("; ")
        );
        let status = legacy.to_string();
        match op.responses.responses.get_mut(&status) {
            Some(RefOr::T(response)) if legacy == 200 => {
                response.description.push_str(&format!(" {what}"));
                for content in response.content.values_mut() {
                    let Some(schema) = content.schema.take() else { continue };
                    let any = AnyOfBuilder::new().item(schema).item(Ref::from_schema_name(ok_alternative)).build();
                    content.schema = Some(RefOr::T(Schema::AnyOf(any)));
                }
            }
            Some(RefOr::T(response)) => response.description.push_str(&format!(" {what}")),
            Some(RefOr::Ref(_)) => {}
            None => {
                let response = ResponseBuilder::new()
                    .description(what)
                    .content("application/json", Content::new(Some(Ref::from_schema_name(failure_body))))
                    .build();
                op.responses.responses.insert(status, response.into());
            }
        }
    }
}

impl Modify for LegacyRoutes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for route in self.0 {
            if let Some(op) = operation_mut(openapi, route.method, route.path) {
                document_legacy(op, route);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[utoipa::path(post, path = "/x", security(("bearer" = [])), request_body = ErrorBody,
        responses((status = 200, description = "ok"), (status = 429, description = "Slow down"), (status = 404, description = "Gone", body = ErrorKeyBody)))]
    #[allow(dead_code)]
    fn x() {}

    #[derive(OpenApi)]
    #[openapi(paths(x), modifiers(&BearerAuth, &LegacyErrors))]
    struct Doc;

    #[utoipa::path(get, path = "/legacy", security(("bearer" = [])),
        responses((status = 200, description = "ok", body = ErrorKeyBody), (status = 403, description = "Not a seller"), (status = 404, description = "Gone")))]
    #[allow(dead_code)]
    fn legacy() {}

    static ROUTE: crate::error::LegacyRoute = crate::error::LegacyRoute {
        method: "GET",
        path: "/legacy",
        key: MessageKey::Message,
        answers: &[
            crate::error::LegacyAnswer::text(&[ErrorKind::Unauthorized], actix_web::http::StatusCode::UNAUTHORIZED, "Unauthorized"),
            crate::error::LegacyAnswer::status(&[ErrorKind::NotFound], actix_web::http::StatusCode::BAD_GATEWAY),
        ],
        otherwise: actix_web::http::StatusCode::OK,
    };
    static ROUTES: LegacyRoutes = LegacyRoutes(&[&ROUTE]);

    #[derive(OpenApi)]
    #[openapi(paths(legacy), modifiers(&BearerAuth, &LegacyErrors, &ROUTES))]
    struct LegacyDoc;

    #[test]
    fn legacy_routes_document_both_modes() {
        let doc = serde_json::to_value(LegacyDoc::openapi()).unwrap();
        let responses = &doc["paths"]["/legacy"]["get"]["responses"];
        // 403 and 500 answer 200-false by default: the 200 body may be the envelope.
        let ok = &responses["200"];
        let any = ok["content"]["application/json"]["schema"]["anyOf"].as_array().unwrap();
        assert_eq!(any[1]["$ref"], "#/components/schemas/ErrorBody");
        assert!(ok["description"].as_str().unwrap().contains("403"), "{ok}");
        assert!(responses["403"]["description"].as_str().unwrap().contains("by default (`legacy`): 200"), "{responses}");
        assert!(responses["401"]["description"].as_str().unwrap().contains("\"Unauthorized\""), "{responses}");
        // 404 answers 502 by default: listed.
        assert!(responses["502"]["description"].as_str().unwrap().contains("404"), "{responses}");
        assert_eq!(responses["502"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
    }

    #[test]
    fn framework_statuses_are_added_with_the_shared_envelope_and_route_descriptions_win() {
        let doc = serde_json::to_value(Doc::openapi()).unwrap();
        let responses = &doc["paths"]["/x"]["post"]["responses"];
        for s in ["200", "400", "401", "404", "413", "415", "429", "500"] {
            assert!(responses.get(s).is_some(), "{s} missing: {responses}");
        }
        assert_eq!(responses["400"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        assert_eq!(responses["429"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody");
        assert_eq!(responses["429"]["description"], "Slow down");
        assert!(responses["429"]["headers"]["Retry-After"].is_object());
        assert_eq!(responses["404"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorKeyBody");
        assert!(doc["components"]["schemas"]["ErrorBody"]["required"].as_array().unwrap().len() == 2);
    }
}
