//! Reading and writing the rows of a workspace table, with bound parameters
//! and identifiers that passed validation: nothing here builds SQL from
//! client text.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DbErr, SqlErr,
    sea_query::{Alias, Cond, Expr, ExprTrait, Order, Query, SelectStatement, Value as SqlValue},
};
use serde_json::{Map, Value};

use super::{
    store::{ReadCost, RowStore},
    values::{FieldError, to_sql},
};
use crate::workspace::document::{Column, ColumnType, Table};

#[derive(Debug)]
pub enum RowError {
    NotFound,
    Invalid(FieldError),
    /// A unique column already holds this value.
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// The statement ran past its time budget and was stopped.
    Timeout,
    /// The database stayed locked by other work (a migration) too long.
    Busy,
    Db(DbErr),
}

impl RowError {
    /// A unique column already holds the value; `detail` is the database's word.
    pub(super) fn duplicate(detail: &str) -> Self {
        let detail: String = detail.chars().take(120).collect();
        RowError::Conflict { field: None, message: format!("a row with this value exists ({detail})") }
    }

    /// A foreign key refused the write.
    pub(super) fn broken_relation() -> Self {
        invalid("relation", "a related row does not exist, or other rows still refer to this one")
    }
}

impl From<DbErr> for RowError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => RowError::duplicate(&detail),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => RowError::broken_relation(),
            _ => RowError::Db(err),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> RowError {
    RowError::Invalid(FieldError { field: field.to_owned(), message: message.into() })
}

/// The column named `name`, system columns included.
fn column<'a>(table: &'a Table, name: &str) -> Option<std::borrow::Cow<'a, Column>> {
    let system = |kind| {
        Some(std::borrow::Cow::Owned(Column {
            name: name.to_owned(),
            kind,
            required: false,
            unique: false,
            default: None,
            min: None,
            max: None,
            table: None,
            on_delete: None,
            max_bytes: None,
            content_types: None,
        }))
    };
    match name {
        "id" => system(ColumnType::Integer),
        "created_at" | "updated_at" => system(ColumnType::Datetime),
        "owner" if table.owned => system(ColumnType::Integer),
        _ => table.columns.iter().find(|c| c.name == name).map(std::borrow::Cow::Borrowed),
    }
}

/// Every column of a table, in the order rows are decoded: `id`,
/// `created_at`, `updated_at`, `owner` (owned tables), then the table's own.
fn all_columns(table: &Table) -> impl Iterator<Item = Alias> + '_ {
    let owner = table.owned.then_some("owner");
    ["id", "created_at", "updated_at"].into_iter().chain(owner).chain(table.columns.iter().map(|c| c.name.as_str())).map(Alias::new)
}

fn select_all(table: &Table) -> SelectStatement {
    let mut select = Query::select();
    select.from(Alias::new(&table.name)).columns(all_columns(table));
    select
}

fn returning_all(table: &Table) -> sea_orm::sea_query::ReturningClause {
    Query::returning().columns(all_columns(table))
}

/// Values one filter may bind, `in` lists included: far below SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters, with room for the rest
/// of the statement.
pub const MAX_FILTER_VALUES: usize = 1000;

/// `{"published": true, "views": {"gte": 10}}` as a condition.
fn filter(table: &Table, filter: &Value) -> Result<Cond, RowError> {
    let mut cond = Cond::all();
    let mut bound = 0usize;
    let Some(object) = filter.as_object() else {
        return if filter.is_null() { Ok(cond) } else { Err(invalid("where", "a filter maps columns to values")) };
    };
    for (name, wanted) in object {
        let column = column(table, name).ok_or_else(|| invalid(name, format!("no column `{name}`")))?;
        let col = Expr::col(Alias::new(name));
        let ops = match wanted {
            Value::Object(ops) => ops.iter().map(|(op, v)| (op.as_str(), v)).collect::<Vec<_>>(),
            other => vec![("eq", other)],
        };
        for (op, value) in ops {
            bound += value.as_array().map_or(1, Vec::len);
            if bound > MAX_FILTER_VALUES {
                return Err(invalid(
                    name,
                    format!("a filter compares with at most {MAX_FILTER_VALUES} values (`in` lists included); narrow it or page through"),
                ));
            }
            let lenient = Column { required: false, min: None, max: None, ..column.clone().into_owned() };
            let sql = |v: &Value| to_sql(&lenient, v).map_err(RowError::Invalid);
            cond = cond.add(match op {
                "eq" if value.is_null() => col.clone().is_null(),
                "eq" => col.clone().eq(sql(value)?),
                "ne" if value.is_null() => col.clone().is_not_null(),
                "ne" => col.clone().ne(sql(value)?),
                "gt" => col.clone().gt(sql(value)?),
                "gte" => col.clone().gte(sql(value)?),
                "lt" => col.clone().lt(sql(value)?),
                "lte" => col.clone().lte(sql(value)?),
                "in" => {
                    let items = value.as_array().ok_or_else(|| invalid(name, "`in` takes a list"))?;
                    col.clone().is_in(items.iter().map(sql).collect::<Result<Vec<_>, _>>()?)
                }
                "contains" => {
                    let text = value.as_str().ok_or_else(|| invalid(name, "`contains` takes text"))?;
                    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    col.clone().like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
                }
                other => return Err(invalid(name, format!("unknown operator `{other}`"))),
            });
        }
    }
    Ok(cond)
}

fn owner_filter(table: &Table, owner: Option<i64>) -> Cond {
    match owner {
        Some(owner) if table.owned => Cond::all().add(Expr::col(Alias::new("owner")).eq(owner)),
        _ => Cond::all(),
    }
}

/// The SQL text of reading one row by its id, written once per compiled
/// step (a router's `get`) rather than on every request: the same text for
/// every id, so each connection's statement cache hits without a string
/// being built.
#[derive(Debug)]
pub struct PointRead {
    /// By backend: `[any owner, the caller's own]`.
    sqlite: [String; 2],
    postgres: [String; 2],
}

impl PointRead {
    pub fn new(table: &Table) -> Self {
        let text = |owned: bool, backend: &dyn Fn(&SelectStatement) -> String| {
            let mut select = select_all(table);
            select.and_where(Expr::col(Alias::new("id")).eq(0));
            if owned {
                select.and_where(Expr::col(Alias::new("owner")).eq(0));
            }
            backend(&select)
        };
        let sqlite = |s: &SelectStatement| s.build(sea_orm::sea_query::SqliteQueryBuilder).0;
        let postgres = |s: &SelectStatement| s.build(sea_orm::sea_query::PostgresQueryBuilder).0;
        Self { sqlite: [text(false, &sqlite), text(true, &sqlite)], postgres: [text(false, &postgres), text(true, &postgres)] }
    }
}

/// Row `id` of `table` (only the caller's own with `owner`, on owned tables).
pub async fn get(db: &RowStore, table: &Table, id: i64, owner: Option<i64>) -> Result<Value, RowError> {
    get_prepared(db, table, &PointRead::new(table), id, owner).await
}

/// `get`, with the statement's text already written.
pub async fn get_prepared(db: &RowStore, table: &Table, read: &PointRead, id: i64, owner: Option<i64>) -> Result<Value, RowError> {
    let owner = owner.filter(|_| table.owned);
    let which = usize::from(owner.is_some());
    let sql = match db {
        RowStore::Lite(_) => &read.sqlite[which],
        RowStore::Sql { .. } => &read.postgres[which],
    };
    db.point_read(table, sql, id, owner).await?.ok_or(RowError::NotFound)
}

pub struct ListRequest<'a> {
    pub filter: &'a Value,
    pub order_by: &'a [String],
    pub limit: u64,
    pub after: Option<&'a str>,
    pub offset: Option<u64>,
    pub owner: Option<i64>,
}

/// A page of rows; any row's cursor continues the list after it.
pub struct Page {
    pub items: Vec<Value>,
    pub has_more: bool,
    order: Vec<(String, bool)>,
}

impl Page {
    /// The cursor that continues after `row`.
    pub fn cursor(&self, row: &Value) -> String {
        encode_cursor(row, &self.order)
    }

    /// `{"items": [...], "nextCursor": "…" | null}`, what routers return.
    pub fn to_json(self) -> Value {
        let next = if self.has_more { self.items.last().map(|row| self.cursor(row)) } else { None };
        // Built, not written with `json!`, which would copy every row.
        let mut page = serde_json::Map::with_capacity(2);
        page.insert("items".into(), Value::Array(self.items));
        page.insert("nextCursor".into(), next.map_or(Value::Null, Value::String));
        Value::Object(page)
    }
}

pub async fn list(db: &RowStore, table: &Table, request: ListRequest<'_>) -> Result<Page, RowError> {
    let mut order: Vec<(String, bool)> = request
        .order_by
        .iter()
        .map(|o| match o.strip_prefix('-') {
            Some(name) => (name.to_owned(), true),
            None => (o.clone(), false),
        })
        .collect();
    if !order.iter().any(|(name, _)| name == "id") {
        // Ties break on id, in the direction of the last sort (newest first by default).
        let descending = order.last().is_none_or(|(_, desc)| *desc);
        order.push(("id".into(), descending));
    }
    let columns = order
        .iter()
        .map(|(name, _)| column(table, name).map(|c| c.into_owned()).ok_or_else(|| invalid("orderBy", format!("no column `{name}`"))))
        .collect::<Result<Vec<_>, _>>()?;

    let mut select = select_all(table);
    select.cond_where(filter(table, request.filter)?).cond_where(owner_filter(table, request.owner));
    if let Some(cursor) = request.after.filter(|c| !c.is_empty()) {
        select.cond_where(after_cursor(cursor, &order, &columns)?);
    }
    for (name, descending) in &order {
        select.order_by(Alias::new(name), if *descending { Order::Desc } else { Order::Asc });
    }
    select.limit(request.limit + 1);
    if let Some(offset) = request.offset {
        select.offset(offset);
    }
    let mut items = db.rows(table, &select, ReadCost::Scan).await?;
    let has_more = items.len() as u64 > request.limit;
    items.truncate(request.limit as usize);
    Ok(Page { items, has_more, order })
}

fn encode_cursor(row: &Value, order: &[(String, bool)]) -> String {
    let values: Vec<&Value> = order.iter().map(|(name, _)| &row[name]).collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&values).unwrap_or_default())
}

/// Rows strictly after the cursor's row in the sort order (keyset paging).
fn after_cursor(cursor: &str, order: &[(String, bool)], columns: &[Column]) -> Result<Cond, RowError> {
    let bad = || invalid("after", "not a cursor this list gave out");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let values: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if values.len() != order.len() {
        return Err(bad());
    }
    let sql = values
        .iter()
        .zip(columns)
        .map(|(v, c)| to_sql(&Column { required: false, min: None, max: None, ..c.clone() }, v).map_err(|_| bad()))
        .collect::<Result<Vec<SqlValue>, _>>()?;
    let mut any = Cond::any();
    for i in 0..order.len() {
        let mut all = Cond::all();
        for j in 0..i {
            all = all.add(Expr::col(Alias::new(&order[j].0)).eq(sql[j].clone()));
        }
        let col = Expr::col(Alias::new(&order[i].0));
        all = all.add(if order[i].1 { col.lt(sql[i].clone()) } else { col.gt(sql[i].clone()) });
        any = any.add(all);
    }
    Ok(any)
}

pub async fn count(db: &RowStore, table: &Table, where_: &Value, owner: Option<i64>) -> Result<i64, RowError> {
    let mut select = Query::select();
    select
        .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n"))
        .from(Alias::new(&table.name))
        .cond_where(filter(table, where_)?)
        .cond_where(owner_filter(table, owner));
    db.count(&select).await
}

/// How many rows match, as an admin's page shows it.
pub struct Total {
    pub count: i64,
    /// The count passed `EXACT_COUNT_UP_TO` and was estimated instead.
    pub is_estimate: bool,
}

/// Counts above this are estimated: counting a million rows exactly takes
/// longer than the page it is shown on.
pub const EXACT_COUNT_UP_TO: u64 = 10_000;
/// Rows (the newest) a filtered estimate looks at to learn how many match.
const ESTIMATE_SAMPLE: u64 = 10_000;

/// The number of matching rows, exact up to `EXACT_COUNT_UP_TO`, estimated
/// past it: the table's size from its highest id (an index lookup), times the
/// share of the newest rows that match when there is a filter.
pub async fn count_bounded(db: &RowStore, table: &Table, where_: &Value) -> Result<Total, RowError> {
    let condition = filter(table, where_)?;
    let mut capped = Query::select();
    capped.expr(Expr::val(1)).from(Alias::new(&table.name)).cond_where(condition.clone()).limit(EXACT_COUNT_UP_TO + 1);
    let mut exact = Query::select();
    exact.expr(Expr::cust("COUNT(*)")).from_subquery(capped, Alias::new("capped"));
    let count = db.count(&exact).await?;
    if count <= EXACT_COUNT_UP_TO as i64 {
        return Ok(Total { count, is_estimate: false });
    }
    let mut highest = Query::select();
    highest.expr(Expr::cust("COALESCE(MAX(\"id\"), 0)")).from(Alias::new(&table.name));
    let size = Ord::max(db.count(&highest).await?, count);
    if where_.as_object().is_none_or(|o| o.is_empty()) {
        return Ok(Total { count: size, is_estimate: true });
    }
    let mut newest = Query::select();
    newest.column(sea_orm::sea_query::Asterisk).from(Alias::new(&table.name)).order_by(Alias::new("id"), Order::Desc).limit(ESTIMATE_SAMPLE);
    let mut sampled = Query::select();
    sampled.expr(Expr::cust("COUNT(*)")).from_subquery(newest, Alias::new("newest")).cond_where(condition);
    let matched = db.count(&sampled).await?;
    let share = matched as f64 / (size as u64).clamp(1, ESTIMATE_SAMPLE) as f64;
    Ok(Total { count: Ord::max((share * size as f64).round() as i64, count), is_estimate: true })
}

/// Checks `values` against the table: known columns, types, constraints.
fn checked_values<'a>(table: &'a Table, values: &'a Map<String, Value>) -> Result<Vec<(&'a str, SqlValue)>, RowError> {
    values
        .iter()
        .map(|(name, value)| {
            let column = table.columns.iter().find(|c| &c.name == name).ok_or_else(|| invalid(name, format!("no column `{name}` in `{}`", table.name)))?;
            Ok((column.name.as_str(), to_sql(column, value).map_err(RowError::Invalid)?))
        })
        .collect()
}

pub async fn insert(db: &RowStore, table: &Table, values: &Map<String, Value>, owner: Option<i64>) -> Result<Value, RowError> {
    let mut given = checked_values(table, values)?;
    for column in table.columns.iter().filter(|c| !values.contains_key(&c.name)) {
        let value = column.default.clone().unwrap_or(Value::Null);
        given.push((column.name.as_str(), to_sql(column, &value).map_err(RowError::Invalid)?));
    }
    let now = Utc::now();
    let mut columns: Vec<Alias> = vec![Alias::new("created_at"), Alias::new("updated_at")];
    let mut row: Vec<Expr> = vec![Expr::val(now), Expr::val(now)];
    if table.owned {
        columns.push(Alias::new("owner"));
        row.push(Expr::val(owner));
    }
    for (name, value) in given {
        columns.push(Alias::new(name));
        row.push(Expr::val(value));
    }
    let mut insert = Query::insert();
    insert.into_table(Alias::new(&table.name)).columns(columns).values(row).map_err(|err| RowError::Db(DbErr::Custom(err.to_string())))?;
    insert.returning(returning_all(table));
    db.write_returning(table, &insert).await?.ok_or(RowError::NotFound)
}

/// Changes the given columns of row `id` (only the caller's own with `owner`).
pub async fn update(db: &RowStore, table: &Table, id: i64, values: &Map<String, Value>, owner: Option<i64>) -> Result<Value, RowError> {
    let given = checked_values(table, values)?;
    let mut update = Query::update();
    update.table(Alias::new(&table.name)).value(Alias::new("updated_at"), Utc::now());
    for (name, value) in given {
        update.value(Alias::new(name), value);
    }
    update.and_where(Expr::col(Alias::new("id")).eq(id)).cond_where(owner_filter(table, owner)).returning(returning_all(table));
    db.write_returning(table, &update).await?.ok_or(RowError::NotFound)
}

/// Runs a write with `RETURNING` and gives its (single) row. Stepped to the
/// end on purpose: `query_one` stops after the first row and resets the
/// statement, and SQLite only checkpoints its write-ahead log when a write
/// statement runs to completion, so the log would grow without bound.
pub async fn returning<S: sea_orm::sea_query::QueryStatementWriter + sea_orm::StatementBuilder>(
    db: &impl ConnectionTrait,
    statement: &S,
) -> Result<Option<sea_orm::QueryResult>, DbErr> {
    Ok(db.query_all(statement).await?.into_iter().next())
}

/// Which of `ids` are rows of `table` (at most `MAX_FILTER_VALUES` of them).
pub async fn existing_ids(db: &RowStore, table: &Table, ids: &[i64]) -> Result<std::collections::HashSet<i64>, RowError> {
    let mut select = select_all(table);
    select.and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()));
    let found = db.rows(table, &select, ReadCost::Scan).await?;
    Ok(found.iter().filter_map(|row| row.get("id").and_then(Value::as_i64)).collect())
}

pub async fn delete(db: &RowStore, table: &Table, id: i64, owner: Option<i64>) -> Result<(), RowError> {
    let mut delete = Query::delete();
    delete.from_table(Alias::new(&table.name)).and_where(Expr::col(Alias::new("id")).eq(id)).cond_where(owner_filter(table, owner));
    if db.execute(&delete).await? == 0 {
        return Err(RowError::NotFound);
    }
    Ok(())
}
