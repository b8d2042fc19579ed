//! The environment's API as an OpenAPI 3.1 document: an operation per router
//! (its name as `operationId`), parameters and body from its input JSON
//! Schema (2020-12, what 3.1 speaks), the answers it can give (rows shaped
//! by their table where the respond step returns one), the error object of
//! the catalogue, and the built-in `/auth` endpoints.

use serde_json::{Map, Value, json};

use super::shapes::{Success, response_shape, row_schema};
use crate::{
    error::ErrorCode,
    workspace::{
        WorkspaceDocument,
        document::{Action, Allow, Method, Router},
    },
};

fn error_ref() -> Value {
    json!({ "description": "An error of the catalogue (docs/errors.md).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn error_schema() -> Value {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": { "type": "string", "enum": codes },
                "message": { "type": "string" },
                "details": { "type": "array", "items": { "type": "object" } }
            }
        } }
    })
}

/// The statuses every operation may answer besides its success: the
/// environment's limits, bad tokens and input, and server-side faults.
const ALWAYS: [u16; 10] = [400, 401, 404, 405, 413, 415, 429, 500, 503, 504];

fn parameters(router: &Router) -> Vec<Value> {
    let mut list = Vec::new();
    let params_schema = router.input.params.as_ref().and_then(|s| s.get("properties"));
    for segment in router.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let schema = params_schema.and_then(|p| p.get(name)).cloned().unwrap_or(json!({ "type": "string" }));
            list.push(json!({ "name": name, "in": "path", "required": true, "schema": schema }));
        }
    }
    if let Some(query) = &router.input.query {
        let required: Vec<&str> = query.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for (name, schema) in query.get("properties").and_then(Value::as_object).into_iter().flatten() {
            list.push(json!({ "name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": schema }));
        }
    }
    list
}

fn operation(doc: &WorkspaceDocument, router: &Router) -> Value {
    let mut responses = Map::new();
    let (status, success) = match response_shape(doc, router) {
        Success::Empty(status) => (status, json!({ "description": "Success, no body." })),
        Success::Events => (
            200,
            json!({ "description": "A stream of Server-Sent Events, one per change the caller may see: `id` (a cursor; send it back as `Last-Event-ID` to resume), `event` (`insert`, `update`, `delete` or `resync`), `data` (the row as JSON). Browsers open it with EventSource and `?ticket=` (POST /auth/ticket).",
                    "content": { "text/event-stream": { "schema": { "type": "string" } } } }),
        ),
        Success::Json(status, schema) => {
            (status, json!({ "description": "Success.", "content": { "application/json": { "schema": schema.unwrap_or(json!({})) } } }))
        }
    };
    responses.insert(status.to_string(), success);
    let mut errors: Vec<u16> = ALWAYS.to_vec();
    if matches!(router.access.allow, Allow::Groups(_)) {
        errors.push(403);
    }
    // Checks answer their own 4xx; unique columns a 409.
    for step in &router.steps {
        match &step.action {
            Action::Check(check) => errors.push(check.status),
            Action::Insert(write) | Action::Update(write)
                if doc.tables.iter().any(|t| t.name == write.table && (t.columns.iter().any(|c| c.unique) || t.indexes.iter().any(|i| i.unique))) =>
            {
                errors.push(409);
            }
            _ => {}
        }
    }
    errors.sort_unstable();
    errors.dedup();
    for status in errors.into_iter().filter(|s| *s != status) {
        responses.insert(status.to_string(), error_ref());
    }
    let mut op = json!({ "operationId": router.name, "parameters": parameters(router), "responses": responses });
    if !router.description.is_empty() {
        op["summary"] = json!(router.description);
    }
    if let Some(body) = router.input.body.as_ref().filter(|_| matches!(router.method, Method::Post | Method::Put | Method::Patch)) {
        let files = crate::files::columns::file_fields(router, |name| doc.tables.iter().find(|t| t.name == name));
        op["requestBody"] = match files.is_empty() {
            true => json!({ "required": true, "content": { "application/json": { "schema": body } } }),
            // Files go as multipart/form-data; JSON may only empty them.
            false => {
                let mut json_body = body.clone();
                for field in &files {
                    if let Some(property) = json_body.get_mut("properties").and_then(|p| p.get_mut(&field.field)) {
                        *property = json!({ "type": "null", "description": "null removes the file; send files as multipart/form-data" });
                    }
                }
                json!({ "required": true, "content": { "multipart/form-data": { "schema": body }, "application/json": { "schema": json_body } } })
            }
        };
    }
    if router.access.allow != Allow::Public {
        op["security"] = json!([{ "bearerAuth": [] }]);
    }
    let tag = router.steps.iter().find_map(|s| s.action.table()).unwrap_or("other");
    op["tags"] = json!([tag]);
    op
}

fn auth_paths() -> Value {
    let credentials = json!({
        "type": "object", "required": ["email", "password"],
        "properties": { "email": { "type": "string", "format": "email" }, "password": { "type": "string", "minLength": 10, "maxLength": 256 } }
    });
    let user = json!({ "type": "object", "required": ["id", "email", "groups"], "properties": {
        "id": { "type": "integer" }, "email": { "type": "string" }, "groups": { "type": "array", "items": { "type": "string" } } } });
    let signed_in = json!({ "type": "object", "required": ["token", "user"], "properties": { "token": { "type": "string" }, "user": user } });
    let errors = |statuses: &[u16]| -> Map<String, Value> { statuses.iter().map(|s| (s.to_string(), error_ref())).collect() };
    let with = |mut responses: Map<String, Value>, status: &str, body: Value| {
        responses.insert(status.to_owned(), body);
        Value::Object(responses)
    };
    let json_body = |schema: &Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    json!({
        "/auth/signup": { "post": { "operationId": "authSignup", "tags": ["auth"], "requestBody": json_body(&credentials),
            "responses": with(errors(&[400, 403, 409, 413, 415, 429, 500, 503, 504]), "201", json!({ "description": "Signed up and in.", "content": { "application/json": { "schema": signed_in } } })) } },
        "/auth/login": { "post": { "operationId": "authLogin", "tags": ["auth"], "requestBody": json_body(&credentials),
            "responses": with(errors(&[400, 401, 413, 415, 429, 500, 503, 504]), "200", json!({ "description": "Signed in.", "content": { "application/json": { "schema": signed_in } } })) } },
        "/auth/logout": { "post": { "operationId": "authLogout", "tags": ["auth"], "security": [{ "bearerAuth": [] }],
            "responses": with(errors(&[401, 413, 429, 500, 503, 504]), "204", json!({ "description": "Signed out." })) } },
        "/auth/me": { "get": { "operationId": "authMe", "tags": ["auth"], "security": [{ "bearerAuth": [] }],
            "responses": with(errors(&[401, 429, 500, 503, 504]), "200", json!({ "description": "The signed-in end user.", "content": { "application/json": { "schema": user } } })) } },
        "/auth/ticket": { "post": { "operationId": "authTicket", "tags": ["auth"], "security": [{ "bearerAuth": [] }],
            "description": "A ticket standing for the bearer token once, within `expiresIn` seconds, as `?ticket=` on a watch router (browsers' EventSource cannot send headers).",
            "responses": with(errors(&[401, 413, 429, 500, 503, 504]), "200", json!({ "description": "The ticket.", "content": { "application/json": { "schema": {
                "type": "object", "required": ["ticket", "expiresIn"], "properties": { "ticket": { "type": "string" }, "expiresIn": { "type": "integer" } } } } } })) } }
    })
}

/// The OpenAPI document of `doc` served at `base_url`.
pub fn document(doc: &WorkspaceDocument, title: &str, revision: i64, base_url: &str) -> Value {
    let mut paths = Map::new();
    for router in &doc.routers {
        let entry = paths.entry(router.path.clone()).or_insert_with(|| json!({}));
        entry[router.method.as_str().to_lowercase()] = operation(doc, router);
    }
    if let Some(auth) = auth_paths().as_object() {
        paths.extend(auth.clone());
    }
    let schemas: Map<String, Value> =
        std::iter::once(("Error".to_owned(), error_schema())).chain(doc.tables.iter().map(|t| (format!("{}Row", t.name), row_schema(t)))).collect();
    json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": format!("revision {revision}"), "description": "Generated by ServerKit from the revision this environment serves." },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{ "url": base_url }],
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer" } } }
    })
}
