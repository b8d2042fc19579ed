//! `GET /files/{table}/{id}/{column}`: a row's file, let out only where the
//! table's get router would return the row to the caller.

use std::sync::Arc;

use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde_json::Value;

use super::{
    ErrorCode, Notes,
    reply::{error, failure, service_error},
};
use crate::{
    engine::{
        compile::{CompiledAction, CompiledRouter},
        execute::{self, RequestParts},
        runtime::Active,
    },
    files::{
        columns::{Staged, StoredFile},
        row_files::RowFiles,
    },
    workspace::document::Method as RouteMethod,
};

/// The GET router that reads one row of `table` by its path's one parameter
/// (the first by name, if several do), and that parameter's name.
fn reading_router(active: &Active, table: &str) -> Option<(Arc<CompiledRouter>, String)> {
    active
        .revision
        .by_path
        .iter()
        .filter_map(|routers| routers.get(&RouteMethod::Get))
        .filter(|router| router.steps.iter().any(|step| matches!(&step.action, CompiledAction::Get { table: t, .. } if t.name == table)))
        .filter_map(|router| {
            let params: Vec<&str> = router.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            match params.as_slice() {
                [param] => Some((router.clone(), (*param).to_owned())),
                _ => None,
            }
        })
        .min_by(|a, b| a.0.name.cmp(&b.0.name))
}

/// `GET /files/{table}/{id}/{column}`: the file of a row, to whoever the
/// table's get router returns the row to. That router runs as for
/// `GET` of the row (its access, owner rule and checks), and only a 2xx
/// answer lets the file out.
pub async fn row_file(active: &Active, files: &RowFiles<'_>, table: &str, id: &str, column: &str, headers: &HeaderMap, notes: &mut Notes) -> Response {
    let missing = || error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file");
    let Some(table) = active.revision.document.tables.iter().find(|t| t.name == table) else { return missing() };
    if !table.columns.iter().any(|c| c.name == column && c.kind == crate::workspace::document::ColumnType::File) {
        return missing();
    }
    // Files of a table no router reads are not served at all.
    let Some((router, param)) = reading_router(active, &table.name) else { return missing() };
    let Ok(row_id) = id.parse::<i64>() else { return missing() };
    notes.router = Some(router.clone());
    let settings = active.routers.get(&router.name);
    if settings.is_some_and(|s| !s.enabled) {
        return missing();
    }
    let caller = match super::request::caller(active, headers, notes).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let path = router.path.replace(&format!("{{{param}}}"), id);
    let request = RequestParts {
        method: "GET",
        path,
        params: vec![(param, id.to_owned())],
        query: Vec::new(),
        headers: headers.clone(),
        body: Value::Null,
        staged: Staged::default(),
    };
    let groups = settings.and_then(|s| s.groups.as_deref());
    match execute::run(&router, &active.db, caller.as_ref(), groups, &active.vars, files, request, None).await {
        Ok(outcome) if outcome.status.is_success() => {}
        Ok(_) => return missing(),
        Err(refused) => return failure(refused),
    }
    let row = match crate::engine::rows::get(&active.db.rows, table, row_id, None).await {
        Ok(row) => row,
        Err(_) => return missing(),
    };
    let Some(file) = row.get(column).and_then(StoredFile::from_value) else { return missing() };
    match files.open(&file, crate::web::Conditions::of(headers)).await {
        Ok(download) => {
            let inline = crate::files::inline_safe(&download.info.content_type);
            crate::files::respond(download, inline)
        }
        Err(err) => service_error(err),
    }
}
