//! An environment's rows as admins reach them (the Database page): behind
//! the admin's role and the environment's database management. A resolver
//! takes a `ServedTable` from `Tables::open` and cannot reach rows without one.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::{
    auth::{Principal, Role},
    engine::{
        Engine,
        deleted_files::forget_deleted,
        feed::{Cursor, Feed, follow::TableChanges, matches},
        rows::{self, ListRequest, Page, RowError, Total},
        runtime::Active,
        store::RowStore,
    },
    environments::{Capability, Environments},
    error::{ServiceError, ServiceResult},
    files::{Files, columns::cascaded_file_tables, row_files::RowFiles},
    workspace::document::{ColumnType, Table},
};

#[derive(Clone)]
pub struct Tables {
    engine: Engine,
    environments: Environments,
    files: Files,
}

/// A table of the revision an environment serves, for an admin already checked.
pub struct ServedTable {
    pub active: Arc<Active>,
    pub table: Table,
    files: Files,
    feed: Arc<Feed>,
}

/// A page of rows, with the total when it was asked for.
pub struct Rows {
    pub page: Page,
    pub total: Option<Total>,
}

impl Tables {
    pub fn new(engine: Engine, environments: Environments, files: Files) -> Self {
        Self { engine, environments, files }
    }

    /// `table` as `environment` serves it, for `actor` with `role`, where its
    /// database management is on.
    pub async fn open(&self, actor: &Principal, environment: &str, table: &str, role: Role) -> ServiceResult<ServedTable> {
        self.environments.scope(actor, environment, Capability::DatabaseManagement).await?;
        actor.require(role)?;
        let active = self.engine.active(environment).await.ok_or_else(|| ServiceError::bad_input("environment", "refresh the environment first"))?;
        let table = active
            .revision
            .document
            .tables
            .iter()
            .find(|t| t.name == table)
            .cloned()
            .ok_or_else(|| ServiceError::not_found(format!("no table `{table}` in the revision `{environment}` serves")))?;
        Ok(ServedTable { active, table, files: self.files.clone(), feed: self.engine.feed(environment) })
    }
}

impl ServedTable {
    /// The table's committed changes from the cursor `after` (from now when
    /// None), those whose row passes `filter` (a `where` filter) before or
    /// after the change.
    pub async fn changes(&self, filter: Value, after: Option<&str>) -> ServiceResult<TableChanges> {
        matches::check(&self.table, &filter).map_err(|bad| ServiceError::bad_input(format!("filter.{}", bad.field), bad.message))?;
        let subscription = self.feed.subscribe(Cursor::after(after)?).await.map_err(ServiceError::internal)?;
        let case_sensitive = matches!(self.active.db.rows, RowStore::Sql { .. });
        Ok(TableChanges::new(subscription, self.table.clone(), filter, case_sensitive))
    }

    /// A page of rows matching `filter` in `order_by`'s order (newest first
    /// by default), and how many match in all when `count` (it costs more
    /// than the page on a large table).
    pub async fn list(&self, filter: &Value, order_by: &[String], first: u64, after: Option<&str>, count: bool) -> ServiceResult<Rows> {
        let db = &self.active.db.rows;
        let total = match count {
            true => Some(rows::count_bounded(db, &self.table, filter).await.map_err(row_error)?),
            false => None,
        };
        let request = ListRequest { filter, order_by, limit: first, after, offset: None, owner: None };
        let page = rows::list(db, &self.table, request).await.map_err(row_error)?;
        Ok(Rows { page, total })
    }

    /// Inserts a row, validated against the column types and constraints.
    pub async fn insert(&self, values: Value) -> ServiceResult<Value> {
        let values = values_of(values, &self.table)?;
        rows::insert(&self.active.db.rows, &self.table, &values, None).await.map_err(row_error)
    }

    /// Changes the given columns of a row; a file column set to null loses its file.
    pub async fn update(&self, id: i64, values: Value) -> ServiceResult<Value> {
        let values = values_of(values, &self.table)?;
        let row = rows::update(&self.active.db.rows, &self.table, id, &values, None).await.map_err(row_error)?;
        let emptied = self.table.columns.iter().filter(|c| c.kind == ColumnType::File && values.get(&c.name).is_some_and(Value::is_null));
        for column in emptied {
            self.row_files().forget_column(&self.table.name, id, &column.name, None).await;
        }
        Ok(row)
    }

    /// Deletes a row, its files, and the files of rows its delete cascaded to.
    pub async fn delete(&self, id: i64) -> ServiceResult<()> {
        rows::delete(&self.active.db.rows, &self.table, id, None).await.map_err(row_error)?;
        let cascaded = cascaded_file_tables(&self.active.revision.document.tables, &self.table.name);
        forget_deleted(&self.row_files(), &self.active.db.rows, &self.table, id, &cascaded).await;
        Ok(())
    }

    fn row_files(&self) -> RowFiles<'_> {
        RowFiles { files: &self.files, slug: &self.active.slug, stored_as: &self.active.files_at, limits: self.active.guards.limits }
    }
}

/// The values to write; file columns may only be emptied here (files are
/// uploaded through the environment's API, which checks their limits).
fn values_of(values: Value, table: &Table) -> ServiceResult<Map<String, Value>> {
    let Value::Object(map) = values else { return Err(ServiceError::bad_input("values", "values maps columns to values")) };
    let file_columns = table.columns.iter().filter(|c| c.kind == ColumnType::File);
    if let Some(column) = file_columns.into_iter().find(|c| map.get(&c.name).is_some_and(|v| !v.is_null())) {
        return Err(ServiceError::bad_input(
            format!("values.{}", column.name),
            "files are uploaded through the environment's API (multipart/form-data); here a file column can only be emptied (null)",
        ));
    }
    Ok(map)
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
