//! The OpenAPI document. Each handler describes itself (`#[utoipa::path]`) and the route
//! table registers it, so routes and document are one list. What holds for every route
//! alike is added here once: who may call it, what the extractors refuse, server errors.
//! The document is built once at start-up and served as bytes.

use actix_web::web::{self, Bytes};
use actix_web::{get, HttpResponse};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use super::error::ErrorBody;

/// Operations name the roles that may call them in this extension; [`finish`] turns it
/// into the security requirement, the description and the 401/403 responses.
pub const ROLES: &str = "x-fission-roles";
const ALL_ROLES: usize = 4;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fission",
        description = "fission is a self-hosted referral (裂变) campaign server: marketers publish a campaign with a \
            three-section phone page, every participant gets a personal QR poster and invite link, and qualified \
            referrals earn cash, coupon, points or physical rewards within budget. Finance exports the ledger, pays \
            cash in batches and reconciles the results.\n\nMoney is an integer `amount` in minor units (fen) with a \
            `currency`; times are RFC 3339 UTC. Every error has the body `{\"error\": {\"code\", \"message\"}}` \
            (schema `ErrorBody`, codes in `ErrorCode`). A path called with a method it does not list answers 405 \
            `method_not_allowed`; an unknown path 404 `not_found`. Admin routes take `Authorization: Bearer <token>`; \
            each names the roles that may call it."
    ),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "campaigns", description = "Campaigns and their assets"),
        (name = "participants", description = "Leads, seeds, referrals and the funnel"),
        (name = "groups", description = "Community groups, the live code and group events"),
        (name = "rewards", description = "Coupons, the ledger, payouts and reconciliation"),
        (name = "public", description = "For mini-programs and apps: no token"),
        (name = "pages", description = "The phone pages (HTML) and their images"),
        (name = "tokens", description = "API tokens: list, create, revoke (admins)"),
        (name = "audit", description = "Who changed what, when, before and after (admins)"),
        (name = "reviews", description = "Referrals held by fraud rules, and the decisions about them"),
    ),
    components(schemas(ErrorBody))
)]
struct Base;

/// The document before routes are added to it.
pub fn base() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// Completes the generated document with what every operation has in common.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    doc["components"]["securitySchemes"] = json!({"bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "An API token from `fission token create`; its role decides what it may do."
    }});
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|i| i.values_mut())
            {
                if let Some(op) = op.as_object_mut() {
                    complete(op);
                }
            }
        }
    }
    doc
}

fn complete(op: &mut Map<String, Value>) {
    let mut add = Vec::new();
    if let Some(roles) = op.get(ROLES).and_then(Value::as_array).cloned() {
        let names: Vec<&str> = roles.iter().filter_map(Value::as_str).collect();
        let line = format!("Roles: {}.", names.join(", "));
        let description = match op.get("description").and_then(Value::as_str) {
            Some(text) if !text.is_empty() => format!("{text}\n\n{line}"),
            _ => line,
        };
        op.insert("description".into(), description.into());
        op.insert("security".into(), json!([{"bearerAuth": roles}]));
        add.push(("401", "No valid Bearer token (`unauthorized`)"));
        if roles.len() < ALL_ROLES {
            add.push(("403", "The token's role may not do this (`forbidden`)"));
        }
    }
    let takes_json = op
        .get("requestBody")
        .and_then(|b| b.pointer("/content/application~1json"))
        .is_some();
    if takes_json {
        add.push(("400", "The body is not JSON (`invalid_json`)"));
        add.push(("413", "The body is too large (`payload_too_large`)"));
        add.push((
            "415",
            "Not sent as `Content-Type: application/json` (`unsupported_media_type`)",
        ));
        add.push((
            "422",
            "A field is missing or has the wrong type (`invalid_field`), or text holds a control \
             character (`invalid_text`)",
        ));
    }
    let takes_query = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    if takes_query {
        add.push(("400", "A query parameter is malformed (`invalid_query`)"));
    }
    let takes_path = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let takes_text = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|c| c.keys().any(|k| !k.starts_with("multipart/")));
    add.push((
        "5XX",
        "A server error (`internal_error`) or the database is unavailable (`unavailable`); retry later",
    ));
    if let Some(responses) = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    {
        for (status, description) in add {
            responses
                .entry(status)
                .or_insert_with(|| error_response(description));
        }
        if takes_text || takes_query {
            let why = "Text holds a control character (`invalid_text`)";
            edge_refusal(responses, "422", why);
        }
        if takes_path {
            let why = "A path segment holds a control character (`not_found`)";
            edge_refusal(responses, "404", why);
        }
    }
}

/// The edge refuses control characters in JSON, even on routes that answer with pages.
fn edge_refusal(responses: &mut Map<String, Value>, status: &str, description: &str) {
    let response = responses
        .entry(status)
        .or_insert_with(|| error_response(description));
    if let Some(content) = response
        .as_object_mut()
        .map(|r| r.entry("content").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    {
        content
            .entry("application/json")
            .or_insert_with(|| error_response(description)["content"]["application/json"].clone());
    }
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// The finished document as served.
pub struct Document(Bytes);

impl Document {
    pub fn new(doc: &Value) -> Self {
        Document(Bytes::from(doc.to_string()))
    }
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
#[get("/api/v1/openapi.json")]
pub async fn serve(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_limited_operations_get_security_401_and_403() {
        let mut op = json!({"x-fission-roles": ["admin", "finance"], "description": "Pays.", "responses": {}});
        complete(op.as_object_mut().unwrap());
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": ["admin", "finance"]}])
        );
        assert_eq!(op["description"], "Pays.\n\nRoles: admin, finance.");
        assert!(op["responses"]["401"].is_object());
        assert!(op["responses"]["403"].is_object());
        assert!(op["responses"]["5XX"].is_object());
    }

    #[test]
    fn statuses_a_handler_documents_are_kept() {
        let mut op = json!({
            "requestBody": {"content": {"application/json": {}}},
            "responses": {"422": {"description": "mine"}}
        });
        complete(op.as_object_mut().unwrap());
        assert_eq!(op["responses"]["422"]["description"], "mine");
        assert!(op["responses"]["415"].is_object());
        assert!(op.get("security").is_none());
    }
}
