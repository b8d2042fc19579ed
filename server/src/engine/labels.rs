//! Readable labels for the cells that point elsewhere, so the admin's grid
//! shows `ada@example.com` and `Hello world` rather than 17 and 4: an owned
//! row's `owner` (the end user's email) and each relation (the related row's
//! first text column). One query per pointed-at table and page, never per row.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::{
    rows::{self, ListRequest, MAX_FILTER_VALUES},
    runtime::Active,
};
use crate::{
    error::ServiceResult,
    workspace::document::{ColumnType, Table},
};

/// For each row of `page` (rows of `table`), a map from column to label;
/// a cell whose target is gone, or has no text to show, gets none.
pub async fn labels(active: &Active, table: &Table, page: &[Value]) -> ServiceResult<Vec<Map<String, Value>>> {
    let mut out = vec![Map::new(); page.len()];
    if table.owned {
        let emails = active.users.emails(&ids(page, "owner")).await?;
        put(&mut out, page, "owner", &emails);
    }
    let document = &active.revision.document;
    for column in table.columns.iter().filter(|c| c.kind == ColumnType::Relation) {
        let Some(target) = column.table.as_deref().and_then(|name| document.tables.iter().find(|t| t.name == name)) else { continue };
        let Some(text) = target.columns.iter().find(|c| c.kind == ColumnType::Text) else { continue };
        let wanted = ids(page, &column.name);
        if wanted.is_empty() {
            continue;
        }
        let filter = serde_json::json!({ "id": { "in": wanted } });
        let request = ListRequest { filter: &filter, order_by: &[], limit: wanted.len() as u64, after: None, offset: None, owner: None };
        // A label is a convenience: a failed lookup leaves the ids as they are.
        let Ok(found) = rows::list(&active.db.rows, target, request).await else { continue };
        let found: HashMap<i64, String> = found.items.iter().filter_map(|row| Some((row["id"].as_i64()?, row[&text.name].as_str()?.to_owned()))).collect();
        put(&mut out, page, &column.name, &found);
    }
    Ok(out)
}

/// The distinct ids in `column` over the page (a page is at most 100 rows).
fn ids(page: &[Value], column: &str) -> Vec<i64> {
    let ids: BTreeSet<i64> = page.iter().filter_map(|row| row[column].as_i64()).collect();
    ids.into_iter().take(MAX_FILTER_VALUES).collect()
}

fn put(out: &mut [Map<String, Value>], page: &[Value], column: &str, found: &HashMap<i64, String>) {
    for (labels, row) in out.iter_mut().zip(page) {
        if let Some(label) = row[column].as_i64().and_then(|id| found.get(&id)) {
            labels.insert(column.to_owned(), Value::String(label.clone()));
        }
    }
}
