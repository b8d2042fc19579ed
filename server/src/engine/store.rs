//! Where an environment's rows are read and written: on SQLite the rusqlite
//! path (`lite`), on PostgreSQL sea-orm's pool. `rows` builds the statements
//! and checks the values; this runs them and turns result rows into JSON.

use std::sync::Arc;

use rusqlite::{ErrorCode, ffi, types::Value as Cell};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, QueryResult,
    sea_query::{QueryStatementWriter, SelectStatement},
};
use serde_json::Value;

use super::{
    rows::RowError,
    values::{FieldError, cells_to_json, lite_row_to_json, row_to_json},
};
use crate::{
    databases::{
        Connections,
        lite::{self, LiteDb, LiteError, Statement, Written},
    },
    workspace::document::Table,
};

/// An environment's database as the engine uses it: sea-orm's pools for its
/// system tables and migrations, and the row store for its tables' rows.
#[derive(Clone)]
pub struct EnvDb {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
    pub rows: RowStore,
}

impl From<Connections> for EnvDb {
    fn from(connections: Connections) -> Self {
        let rows = match connections.lite {
            Some(lite) => RowStore::Lite(lite),
            None => RowStore::Sql { read: connections.read.clone(), write: connections.write.clone() },
        };
        Self { read: connections.read, write: connections.write, rows }
    }
}

#[derive(Clone)]
pub enum RowStore {
    Lite(Arc<LiteDb>),
    Sql { read: DatabaseConnection, write: DatabaseConnection },
}

/// How much a read may cost: a point read by a key runs in place; anything
/// that may scan runs where it cannot stall other requests.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReadCost {
    Point,
    Scan,
}

fn statement<S: QueryStatementWriter>(s: &S) -> Result<Statement, RowError> {
    Statement::build(s).map_err(|message| RowError::Db(DbErr::Custom(message)))
}

impl RowStore {
    /// How long one read may run (the environment's request timeout).
    pub fn set_read_budget(&self, budget: std::time::Duration) {
        if let RowStore::Lite(db) = self {
            db.set_read_budget(budget);
        }
    }

    /// The rows `select` finds, as JSON. The select lists the table's columns
    /// in `rows::select_all` order.
    pub async fn rows(&self, table: &Table, select: &SelectStatement, cost: ReadCost) -> Result<Vec<Value>, RowError> {
        match self {
            RowStore::Lite(db) => {
                let statement = statement(select)?;
                let rows = match cost {
                    ReadCost::Point => db.read_now(|conn| lite::query(conn, &statement, lite::all_cells)),
                    ReadCost::Scan => db.read_scan(statement).await,
                }
                .map_err(lite_error)?;
                rows.into_iter().map(|cells| cells_to_json(table, cells).map_err(RowError::Db)).collect()
            }
            RowStore::Sql { read, .. } => {
                let rows = read.query_all(select).await?;
                rows.iter().map(|row| row_to_json(table, row).map_err(RowError::Db)).collect()
            }
        }
    }

    /// The row a point read (`rows::PointRead`'s text: `id`, then `owner`
    /// if given) finds, decoded as it is read.
    pub async fn point_read(&self, table: &Table, sql: &str, id: i64, owner: Option<i64>) -> Result<Option<Value>, RowError> {
        match self {
            RowStore::Lite(db) => {
                let values: &[Cell] = match owner {
                    Some(owner) => &[Cell::Integer(id), Cell::Integer(owner)],
                    None => &[Cell::Integer(id)],
                };
                let decoded = db.read_now(|conn| lite::query_sql(conn, sql, values, |row| Ok(lite_row_to_json(table, row)))).map_err(lite_error)?;
                decoded.into_iter().next().transpose().map_err(RowError::Db)
            }
            RowStore::Sql { read, .. } => {
                let mut values: Vec<sea_orm::Value> = vec![id.into()];
                values.extend(owner.map(sea_orm::Value::from));
                let statement = sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, values);
                let row = read.query_one_raw(statement).await?;
                row.map(|row| row_to_json(table, &row).map_err(RowError::Db)).transpose()
            }
        }
    }

    /// The single integer a `SELECT COUNT(…)` gives.
    pub async fn count(&self, select: &SelectStatement) -> Result<i64, RowError> {
        match self {
            RowStore::Lite(db) => {
                let statement = statement(select)?;
                let counts = db.read(move |conn| lite::query(conn, &statement, |row| row.get::<_, i64>(0))).await.map_err(lite_error)?;
                Ok(counts.first().copied().unwrap_or(0))
            }
            RowStore::Sql { read, .. } => {
                let row: Option<QueryResult> = read.query_one(select).await?;
                Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
            }
        }
    }

    /// Runs an insert or update with `RETURNING` the table's columns, and
    /// gives the row it wrote (none: nothing matched).
    pub async fn write_returning<S: QueryStatementWriter + sea_orm::StatementBuilder>(&self, table: &Table, write: &S) -> Result<Option<Value>, RowError> {
        match self {
            RowStore::Lite(db) => match db.write(statement(write)?, true).await.map_err(lite_error)? {
                Written::Row(Some(cells)) => Ok(Some(cells_to_json(table, cells).map_err(RowError::Db)?)),
                _ => Ok(None),
            },
            RowStore::Sql { write: db, .. } => {
                let row = super::rows::returning(db, write).await?;
                row.map(|row| row_to_json(table, &row).map_err(RowError::Db)).transpose()
            }
        }
    }

    /// Runs a write and gives how many rows it changed.
    pub async fn execute<S: QueryStatementWriter + sea_orm::StatementBuilder>(&self, write: &S) -> Result<u64, RowError> {
        match self {
            RowStore::Lite(db) => match db.write(statement(write)?, false).await.map_err(lite_error)? {
                Written::Changed(n) => Ok(n as u64),
                Written::Row(_) => Ok(1),
            },
            RowStore::Sql { write: db, .. } => Ok(db.execute(write).await?.rows_affected()),
        }
    }
}

/// SQLite's failures in the terms clients are told: the same as what
/// `RowError::from(DbErr)` gives on the sqlx path.
fn lite_error(err: LiteError) -> RowError {
    match err {
        LiteError::Interrupted => return RowError::Timeout,
        LiteError::Busy => return RowError::Busy,
        _ => {}
    }
    if let LiteError::Sqlite(rusqlite::Error::SqliteFailure(code, message)) = &err
        && code.code == ErrorCode::ConstraintViolation
    {
        let detail = message.as_deref().unwrap_or("constraint failed");
        return match code.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => RowError::duplicate(detail),
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => RowError::broken_relation(),
            _ => RowError::Invalid(FieldError { field: "row".into(), message: detail.chars().take(120).collect() }),
        };
    }
    RowError::Db(DbErr::Custom(err.to_string()))
}
