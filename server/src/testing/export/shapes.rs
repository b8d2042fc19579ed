//! What routers answer, as JSON Schemas: a table's row, and the success
//! response of a router whose respond step returns one step's result.

use serde_json::{Value, json};

use crate::workspace::{
    WorkspaceDocument,
    document::{Action, ColumnType, Router, Table},
};

/// A row of `table` as routers return it: every column present, system
/// ones first; a column added to existing rows may be null, so all may be.
pub fn row_schema(table: &Table) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert("id".into(), json!({ "type": "integer" }));
    properties.insert("created_at".into(), json!({ "type": "string" }));
    properties.insert("updated_at".into(), json!({ "type": "string" }));
    if table.owned {
        properties.insert("owner".into(), json!({ "type": ["integer", "null"] }));
    }
    for column in &table.columns {
        let schema = match column.kind {
            ColumnType::Text | ColumnType::Datetime => json!({ "type": ["string", "null"] }),
            ColumnType::File => json!({
                "type": ["object", "null"],
                "required": ["key", "name", "size", "contentType"],
                "properties": {
                    "key": { "type": "string" }, "name": { "type": "string" }, "size": { "type": "integer" },
                    "contentType": { "type": "string" }, "url": { "type": "string", "description": "Where the file downloads (GET)." }
                }
            }),
            ColumnType::Integer | ColumnType::Relation => json!({ "type": ["integer", "null"] }),
            ColumnType::Float => json!({ "type": ["number", "null"] }),
            ColumnType::Boolean => json!({ "type": ["boolean", "null"] }),
            ColumnType::Json => json!({}),
        };
        properties.insert(column.name.clone(), schema);
    }
    let required: Vec<&String> = properties.keys().collect();
    json!({ "type": "object", "required": required, "properties": properties })
}

fn table<'a>(doc: &'a WorkspaceDocument, name: &str) -> Option<&'a Table> {
    doc.tables.iter().find(|t| t.name == name)
}

/// What a router answers when all goes well.
pub enum Success {
    /// A status and no body.
    Empty(u16),
    /// A watch router's stream of Server-Sent Events.
    Events,
    /// A JSON body, of this schema where known.
    Json(u16, Option<Value>),
}

/// The success answer of `router` (a body's schema is known when the respond
/// step returns one step's result).
pub fn response_shape(doc: &WorkspaceDocument, router: &Router) -> Success {
    let Some(last) = router.steps.last() else { return Success::Empty(204) };
    if let Action::Watch(_) = &last.action {
        return Success::Events;
    }
    let Action::Respond(respond) = &last.action else { return Success::Empty(204) };
    let Some(body) = respond.body.as_ref().filter(|_| respond.status != 204) else { return Success::Empty(respond.status) };
    let named = body.as_str().and_then(|t| t.trim().strip_prefix("${steps.")).and_then(|t| t.strip_suffix('}'));
    let Some(step) = named.and_then(|name| router.steps.iter().find(|s| s.name.as_deref() == Some(name))) else { return Success::Json(respond.status, None) };
    let shape = match &step.action {
        Action::Get(row) | Action::Delete(row) => table(doc, &row.table).map(row_schema),
        Action::Insert(write) | Action::Update(write) => table(doc, &write.table).map(row_schema),
        Action::List(list) => table(doc, &list.table).map(|t| {
            json!({ "type": "object", "required": ["items", "nextCursor"], "properties": {
                "items": { "type": "array", "items": row_schema(t) }, "nextCursor": { "type": ["string", "null"] } } })
        }),
        Action::Count(_) => Some(json!({ "type": "integer" })),
        _ => None,
    };
    Success::Json(respond.status, shape)
}
