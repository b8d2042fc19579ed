//! Browsing and editing an environment's rows, where its capabilities allow
//! database management (not in production by default).

use std::sync::Arc;

use async_graphql::{
    Context, ID, Json, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use serde_json::{Map, Value};

use super::{context::state, guard::RoleGuard};
use crate::{
    auth::Role,
    engine::{
        rows::{self, ListRequest, RowError},
        runtime::Active,
    },
    environments::Capability,
    error::ServiceError,
    pagination::page_size,
    workspace::document::Table,
};

#[derive(SimpleObject)]
pub struct Row {
    id: ID,
    /// The row: id, created_at, updated_at, owner (owned tables), then its columns.
    values: Json<Value>,
    /// Readable labels of the cells that point elsewhere, by column: `owner`
    /// (the end user's email) and relations (the related row's first text
    /// column). Filled in `rows` pages; a cell whose target is gone has none.
    labels: Json<Map<String, Value>>,
}

/// A column of the table as the environment serves it (which may differ
/// from the workspace until the next refresh).
#[derive(SimpleObject)]
pub struct RowColumn {
    name: String,
    /// As in the workspace document: text, integer, float, boolean,
    /// datetime, json, file or relation.
    #[graphql(name = "type")]
    kind: &'static str,
    required: bool,
    /// id, created_at, updated_at and owner: set by ServerKit, not edited.
    system: bool,
}

fn served_columns(table: &Table) -> Vec<RowColumn> {
    let system = |name: &str, kind: &'static str| RowColumn { name: name.into(), kind, required: false, system: true };
    let mut columns = vec![system("id", "integer"), system("created_at", "datetime"), system("updated_at", "datetime")];
    if table.owned {
        columns.push(system("owner", "integer"));
    }
    columns.extend(table.columns.iter().map(|c| RowColumn { name: c.name.clone(), kind: c.kind.as_str(), required: c.required, system: false }));
    columns
}

/// What a page of rows carries besides the rows.
#[derive(SimpleObject)]
pub struct RowsExtra {
    /// How many rows match, over all pages: exact up to 10,000, estimated
    /// past that (see `totalCountIsEstimate`). Counted only when selected.
    total_count: u64,
    /// Whether `totalCount` is an estimate (more than 10,000 rows match).
    total_count_is_estimate: bool,
    /// The table's columns, system ones first, in the order rows list them.
    columns: Vec<RowColumn>,
}

impl From<Value> for Row {
    fn from(values: Value) -> Self {
        Self { id: ID(values["id"].to_string()), values: Json(values), labels: Json(Map::new()) }
    }
}

pub fn row_error(err: RowError) -> ServiceError {
    match err {
        RowError::NotFound => ServiceError::not_found("no such row"),
        RowError::Invalid(field) => ServiceError::BadInput { field: Some(field.field), message: field.message },
        RowError::Conflict { field, message } => ServiceError::Conflict { field, message },
        RowError::Timeout => ServiceError::Timeout("the query ran too long; narrow the filter".into()),
        RowError::Busy => ServiceError::Busy("the database stayed busy (a migration?); retry shortly".into()),
        RowError::Db(err) => ServiceError::internal(err),
    }
}

/// The served revision of `environment` and the table, if row access is on there.
async fn table_of(ctx: &Context<'_>, environment: &str, table: &str) -> Result<(Arc<Active>, Table), ServiceError> {
    let app = state(ctx);
    app.environments.scope(super::context::principal(ctx)?, environment, Capability::DatabaseManagement).await?;
    let active = app.engine.active(environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
    let table = active
        .revision
        .document
        .tables
        .iter()
        .find(|t| t.name == table)
        .cloned()
        .ok_or_else(|| ServiceError::not_found(format!("no table `{table}` in the revision `{environment}` serves")))?;
    Ok((active, table))
}

/// The values to write; file columns may only be emptied here (files are
/// uploaded through the environment's API, which checks their limits).
fn values_of(values: Value, table: &Table) -> Result<Map<String, Value>, ServiceError> {
    let Value::Object(map) = values else { return Err(ServiceError::bad_input("values", "values maps columns to values")) };
    let file_columns = table.columns.iter().filter(|c| c.kind == crate::workspace::document::ColumnType::File);
    if let Some(column) = file_columns.into_iter().find(|c| map.get(&c.name).is_some_and(|v| !v.is_null())) {
        return Err(ServiceError::bad_input(
            format!("values.{}", column.name),
            "files are uploaded through the environment's API (multipart/form-data); here a file column can only be emptied (null)",
        ));
    }
    Ok(map)
}

fn row_files<'a>(ctx: &Context<'a>, active: &'a Active) -> crate::files::columns::RowFiles<'a> {
    crate::files::columns::RowFiles { files: &state(ctx).files, slug: &active.slug, limits: active.guards.limits }
}

fn row_id(id: &ID) -> Result<i64, ServiceError> {
    id.parse().map_err(|_| ServiceError::not_found("no such row"))
}

#[derive(Default)]
pub struct RowQuery;

#[Object]
impl RowQuery {
    /// Rows of a table, newest first unless `orderBy` says otherwise
    /// (`["-created_at", "title"]`); `filter` as in routers' `where`.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    #[allow(clippy::too_many_arguments, reason = "each argument is a GraphQL argument")]
    async fn rows(
        &self,
        ctx: &Context<'_>,
        environment: String,
        table: String,
        filter: Option<Json<Value>>,
        order_by: Option<Vec<String>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Row, RowsExtra>> {
        let (active, table) = table_of(ctx, &environment, &table).await?;
        let first = page_size(first)?;
        let filter = filter.map(|f| f.0).unwrap_or(Value::Null);
        let order_by = order_by.unwrap_or_default();
        // Counting costs more than the page on a large table: only when asked.
        let wanted = ctx.look_ahead().field("totalCount").exists() || ctx.look_ahead().field("totalCountIsEstimate").exists();
        let total = match wanted {
            true => rows::count_bounded(&active.db.rows, &table, &filter).await.map_err(row_error)?,
            false => rows::Total { count: 0, is_estimate: false },
        };
        let request = ListRequest { filter: &filter, order_by: &order_by, limit: first, after: after.as_deref(), offset: None, owner: None };
        let page = rows::list(&active.db.rows, &table, request).await.map_err(row_error)?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_more,
            RowsExtra { total_count: total.count.max(0) as u64, total_count_is_estimate: total.is_estimate, columns: served_columns(&table) },
        );
        let cursors: Vec<String> = page.items.iter().map(|row| page.cursor(row)).collect();
        let labels = match ctx.look_ahead().field("nodes").field("labels").exists() || ctx.look_ahead().field("edges").field("node").field("labels").exists() {
            true => crate::engine::labels::labels(&active, &table, &page.items).await?,
            false => vec![Map::new(); page.items.len()],
        };
        connection.edges.extend(
            page.items.into_iter().zip(cursors).zip(labels).map(|((row, cursor), labels)| Edge::new(cursor, Row { labels: Json(labels), ..Row::from(row) })),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct RowMutation;

#[Object]
impl RowMutation {
    /// Inserts a row, validated against the column types and constraints.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn insert_row(&self, ctx: &Context<'_>, environment: String, table: String, values: Json<Value>) -> Result<Row> {
        let (active, table) = table_of(ctx, &environment, &table).await?;
        let values = values_of(values.0, &table)?;
        Ok(rows::insert(&active.db.rows, &table, &values, None).await.map_err(row_error)?.into())
    }

    /// Changes the given columns of a row.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn update_row(&self, ctx: &Context<'_>, environment: String, table: String, id: ID, values: Json<Value>) -> Result<Row> {
        let (active, table) = table_of(ctx, &environment, &table).await?;
        let values = values_of(values.0, &table)?;
        let id = row_id(&id)?;
        let row = rows::update(&active.db.rows, &table, id, &values, None).await.map_err(row_error)?;
        for column in table.columns.iter().filter(|c| c.kind == crate::workspace::document::ColumnType::File && values.get(&c.name).is_some_and(Value::is_null))
        {
            row_files(ctx, &active).forget_column(&table.name, id, &column.name, None).await;
        }
        Ok(row.into())
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_row(&self, ctx: &Context<'_>, environment: String, table: String, id: ID) -> Result<ID> {
        let (active, table) = table_of(ctx, &environment, &table).await?;
        let row = row_id(&id)?;
        rows::delete(&active.db.rows, &table, row, None).await.map_err(row_error)?;
        let cascaded = crate::files::columns::cascaded_file_tables(&active.revision.document.tables, &table.name);
        row_files(ctx, &active).forget_deleted(&active.db.rows, &table, row, &cascaded).await;
        Ok(id)
    }
}
