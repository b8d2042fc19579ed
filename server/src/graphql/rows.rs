//! Browsing and editing an environment's rows, where its capabilities allow
//! database management (not in production by default): `Tables` checks and
//! does the work; this converts.

use async_graphql::{
    Context, ID, Json, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use serde_json::{Map, Value};

use super::{
    context::{principal, state},
    guard::RoleGuard,
};
use crate::{
    auth::Role,
    engine::rows::Total,
    error::ServiceError,
    pagination::page_size,
    tables::{Rows, Tables},
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

fn tables<'a>(ctx: &Context<'a>) -> &'a Tables {
    &state(ctx).tables
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
        let served = tables(ctx).open(principal(ctx)?, &environment, &table, Role::Viewer).await?;
        let first = page_size(first)?;
        let filter = filter.map(|f| f.0).unwrap_or(Value::Null);
        let order_by = order_by.unwrap_or_default();
        let count = ctx.look_ahead().field("totalCount").exists() || ctx.look_ahead().field("totalCountIsEstimate").exists();
        let Rows { page, total } = served.list(&filter, &order_by, first, after.as_deref(), count).await?;
        let total = total.unwrap_or(Total { count: 0, is_estimate: false });
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_more,
            RowsExtra { total_count: total.count.max(0) as u64, total_count_is_estimate: total.is_estimate, columns: served_columns(&served.table) },
        );
        let cursors: Vec<String> = page.items.iter().map(|row| page.cursor(row)).collect();
        let labels = match ctx.look_ahead().field("nodes").field("labels").exists() || ctx.look_ahead().field("edges").field("node").field("labels").exists() {
            true => crate::engine::labels::labels(&served.active, &served.table, &page.items).await?,
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
        let served = tables(ctx).open(principal(ctx)?, &environment, &table, Role::Developer).await?;
        Ok(served.insert(values.0).await?.into())
    }

    /// Changes the given columns of a row.
    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn update_row(&self, ctx: &Context<'_>, environment: String, table: String, id: ID, values: Json<Value>) -> Result<Row> {
        let served = tables(ctx).open(principal(ctx)?, &environment, &table, Role::Developer).await?;
        Ok(served.update(row_id(&id)?, values.0).await?.into())
    }

    #[graphql(guard = "RoleGuard::new(Role::Developer)")]
    async fn delete_row(&self, ctx: &Context<'_>, environment: String, table: String, id: ID) -> Result<ID> {
        let served = tables(ctx).open(principal(ctx)?, &environment, &table, Role::Developer).await?;
        served.delete(row_id(&id)?).await?;
        Ok(id)
    }
}
