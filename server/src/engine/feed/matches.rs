//! Whether a row, as the API shows it, passes a `where` filter: the same
//! filter a list step sends to the database (`rows::filter`), evaluated in
//! memory on a feed's event, so a watch delivers exactly the rows the
//! matching list would return. SQL's rules for NULL hold: a comparison with
//! an empty cell is false, `{"eq": null}` tests emptiness.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::workspace::document::{ColumnType, Table};

/// A filter that names a column the table lacks or an unknown operator:
/// the same words `rows::filter` refuses it with.
#[derive(Debug, Clone, PartialEq)]
pub struct BadFilter {
    pub field: String,
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> BadFilter {
    BadFilter { field: field.to_owned(), message: message.into() }
}

fn kind(table: &Table, name: &str) -> Option<ColumnType> {
    match name {
        "id" => Some(ColumnType::Integer),
        "created_at" | "updated_at" => Some(ColumnType::Datetime),
        "owner" if table.owned => Some(ColumnType::Integer),
        _ => table.columns.iter().find(|c| c.name == name).map(|c| c.kind),
    }
}

/// Checks a filter's shape once (at connect), so `matches` cannot fail later.
pub fn check(table: &Table, filter: &Value) -> Result<(), BadFilter> {
    let Some(object) = filter.as_object() else {
        return if filter.is_null() { Ok(()) } else { Err(bad("where", "a filter maps columns to values")) };
    };
    for (name, wanted) in object {
        kind(table, name).ok_or_else(|| bad(name, format!("no column `{name}`")))?;
        if let Value::Object(ops) = wanted {
            for (op, value) in ops {
                match op.as_str() {
                    "eq" | "ne" | "gt" | "gte" | "lt" | "lte" => {}
                    "in" if value.is_array() => {}
                    "in" => return Err(bad(name, "`in` takes a list")),
                    "contains" if value.is_string() => {}
                    "contains" => return Err(bad(name, "`contains` takes text")),
                    other => return Err(bad(name, format!("unknown operator `{other}`"))),
                }
            }
        }
    }
    Ok(())
}

/// Whether `row` passes `filter` (checked by `check`). `contains` is
/// case-sensitive where the database's `LIKE` is (PostgreSQL), not on SQLite.
pub fn matches(table: &Table, filter: &Value, row: &Value, case_sensitive: bool) -> bool {
    let Some(object) = filter.as_object() else { return true };
    object.iter().all(|(name, wanted)| {
        let Some(kind) = kind(table, name) else { return false };
        let cell = row.get(name).unwrap_or(&Value::Null);
        match wanted {
            Value::Object(ops) => ops.iter().all(|(op, value)| test(kind, cell, op, value, case_sensitive)),
            other => test(kind, cell, "eq", other, case_sensitive),
        }
    })
}

fn test(kind: ColumnType, cell: &Value, op: &str, value: &Value, case_sensitive: bool) -> bool {
    match (op, value) {
        ("eq", Value::Null) => cell.is_null(),
        ("ne", Value::Null) => !cell.is_null(),
        _ if cell.is_null() => false,
        ("in", Value::Array(items)) => items.iter().any(|item| compare(kind, cell, item) == Some(Ordering::Equal)),
        ("contains", Value::String(part)) => match cell.as_str() {
            Some(text) if case_sensitive => text.contains(part.as_str()),
            Some(text) => text.to_ascii_lowercase().contains(&part.to_ascii_lowercase()),
            None => false,
        },
        (op, value) => match compare(kind, cell, value) {
            None => false,
            Some(order) => match op {
                "eq" => order == Ordering::Equal,
                "ne" => order != Ordering::Equal,
                "gt" => order == Ordering::Greater,
                "gte" => order != Ordering::Less,
                "lt" => order == Ordering::Less,
                "lte" => order != Ordering::Greater,
                _ => false,
            },
        },
    }
}

/// The cell against a filter value, by the column's type; None when they
/// cannot be compared (the database would not match either).
fn compare(kind: ColumnType, cell: &Value, value: &Value) -> Option<Ordering> {
    match kind {
        ColumnType::Integer | ColumnType::Relation | ColumnType::Float => number(cell)?.partial_cmp(&number(value)?),
        ColumnType::Boolean => Some(boolean(cell)?.cmp(&boolean(value)?)),
        ColumnType::Datetime => Some(time(cell)?.cmp(&time(value)?)),
        ColumnType::Text => Some(cell.as_str()?.cmp(&text(value)?)),
        ColumnType::Json | ColumnType::File => (cell == value).then_some(Ordering::Equal),
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.as_str()?).ok().map(|at| at.with_timezone(&Utc))
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn posts() -> Table {
        serde_json::from_value(json!({
            "name": "posts", "owned": true,
            "columns": [
                { "name": "title", "type": "text" },
                { "name": "published", "type": "boolean" },
                { "name": "views", "type": "integer" }
            ]
        }))
        .expect("a table definition")
    }

    #[test]
    fn filters_hold_as_in_sql() {
        let table = posts();
        let row = json!({ "id": 7, "owner": 3, "title": "Rust on a budget", "published": true, "views": 12, "created_at": "2026-12-07T10:00:00.000000Z" });
        let yes = |filter: Value| assert!(matches(&table, &filter, &row, false), "{filter} should match");
        let no = |filter: Value| assert!(!matches(&table, &filter, &row, false), "{filter} should not match");
        yes(json!({ "published": true }));
        no(json!({ "published": false }));
        yes(json!({ "views": { "gte": 10, "lt": 100 } }));
        no(json!({ "views": { "gt": 12 } }));
        yes(json!({ "title": { "contains": "rust" } }));
        assert!(!matches(&table, &json!({ "title": { "contains": "rust" } }), &row, true), "case-sensitive on PostgreSQL");
        yes(json!({ "id": { "in": [1, 7] } }));
        no(json!({ "owner": 4 }));
        yes(json!({ "created_at": { "lt": "2026-12-08T00:00:00Z" } }));
        let empty = json!({ "id": 8, "title": null, "published": false, "views": null });
        assert!(matches(&table, &json!({ "title": null }), &empty, false));
        assert!(!matches(&table, &json!({ "views": { "ne": 3 } }), &empty, false), "NULL <> 3 is not true");
        assert!(!matches(&table, &json!({ "title": { "ne": null } }), &empty, false));
    }

    #[test]
    fn a_bad_filter_is_refused_as_the_list_refuses_it() {
        let table = posts();
        assert_eq!(check(&table, &json!({ "colour": "red" })).expect_err("no such column").field, "colour");
        assert_eq!(check(&table, &json!({ "views": { "near": 3 } })).expect_err("no such operator").message, "unknown operator `near`");
        assert!(check(&table, &json!({ "views": { "in": [1, 2] }, "owner": 3 })).is_ok());
        assert!(check(&table, &json!(null)).is_ok());
    }
}
