//! Where an environment's request records are kept. On SQLite a file of its
//! own beside the environment's data (`envs/<slug>.logs.db`): a burst of log
//! writes must never queue behind, or ahead of, the data's single writer. On
//! PostgreSQL a table in the environment's schema. The same statements serve
//! both, built by sea-query for the connection's backend.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, QueryResult,
    sea_query::{Alias, ColumnDef, Cond, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement, Table},
};

use super::{
    lite_writer::{Allowance, LiteWriter},
    record::{Detail, RequestRecord, StreamClose, StreamEnd},
};

/// Not a valid workspace table name (those start with a letter), so no user table can take it.
pub const TABLE: &str = "_sk_request_logs";
const COLUMNS: [&str; 26] = [
    "id",
    "at_us",
    "replica",
    "router",
    "route",
    "method",
    "path",
    "query",
    "status",
    "duration_us",
    "request_bytes",
    "response_bytes",
    "user_id",
    "user_email",
    "client_address",
    "detail",
    "environment",
    "source",
    "request_headers",
    "request_body",
    "response_headers",
    "response_body",
    "truncated",
    "trace",
    "stream_events",
    "stream_closed",
];

/// Rows in one PostgreSQL insert: 26 values each, far below its 65,535 binds.
pub const BATCH: usize = 250;

/// The detail's parts, each a column of its own: bodies are kept as sent,
/// not escaped into one JSON document (that escaping was a good part of what
/// storing a record cost). Logs written before keep theirs in `detail`.
const DETAIL_COLUMNS: [&str; 6] = ["request_headers", "request_body", "response_headers", "response_body", "truncated", "trace"];

/// How a stream ended (see `StreamEnd`); null for other requests. Logs made
/// before streams were recorded get the columns when opened.
const STREAM_COLUMNS: [&str; 2] = ["stream_events", "stream_closed"];

/// The smallest UUID v7 (as text) made at `at`'s millisecond or later: ids
/// are time-ordered, so a time bound is an id bound and needs no index of its own.
pub(super) fn id_floor(at: DateTime<Utc>) -> String {
    let ms = Ord::max(at.timestamp_millis(), 0) as u64;
    format!("{:08x}-{:04x}-0000-0000-000000000000", ms >> 16, ms & 0xffff)
}

/// The largest UUID v7 made at `at`'s millisecond or earlier.
fn id_ceiling(at: DateTime<Utc>) -> String {
    let ms = Ord::max(at.timestamp_millis(), 0) as u64;
    format!("{:08x}-{:04x}-ffff-ffff-ffffffffffff", ms >> 16, ms & 0xffff)
}

/// What the log can be searched by (`RequestLogFilter` in GraphQL).
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub router: Option<String>,
    pub method: Option<String>,
    pub status: Option<u16>,
    /// 2, 3, 4 or 5.
    pub status_class: Option<u16>,
    pub user_id: Option<i64>,
    /// Part of the caller's email.
    pub user: Option<String>,
    pub path_contains: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl LogFilter {
    /// Whether `record` passes: what a live tail applies to each record.
    pub fn matches(&self, record: &RequestRecord) -> bool {
        let contains = |haystack: Option<&str>, needle: &Option<String>| {
            needle.as_deref().is_none_or(|n| haystack.is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase())))
        };
        self.router.as_deref().is_none_or(|r| record.router.as_deref() == Some(r))
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(&record.method))
            && self.status.is_none_or(|s| s == record.status)
            && self.status_class.is_none_or(|c| record.status / 100 == c)
            && self.user_id.is_none_or(|id| record.user_id == Some(id))
            && contains(record.user_email.as_deref(), &self.user)
            && contains(Some(&record.path), &self.path_contains)
            && self.since.is_none_or(|t| record.at >= t)
            && self.until.is_none_or(|t| record.at <= t)
    }

    fn condition(&self) -> Cond {
        let like = |text: &str| LikeExpr::new(format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))).escape('\\');
        let col = |name: &str| Expr::col(Alias::new(name));
        let mut cond = Cond::all();
        if let Some(router) = &self.router {
            cond = cond.add(col("router").eq(router.clone()));
        }
        if let Some(method) = &self.method {
            cond = cond.add(col("method").eq(method.to_uppercase()));
        }
        if let Some(status) = self.status {
            cond = cond.add(col("status").eq(i32::from(status)));
        }
        if let Some(class) = self.status_class {
            cond = cond.add(col("status").gte(i32::from(class) * 100)).add(col("status").lt(i32::from(class) * 100 + 100));
        }
        if let Some(id) = self.user_id {
            cond = cond.add(col("user_id").eq(id));
        }
        if let Some(user) = &self.user {
            // Emails are stored lowercased (see `auth::admins::canonical_email`).
            cond = cond.add(col("user_email").like(like(&user.to_lowercase())));
        }
        if let Some(text) = &self.path_contains {
            cond = cond.add(col("path").like(like(text)));
        }
        // The id bounds let the primary key find the range; `at_us` makes it exact
        // (an id is made a moment after its record's time, never before).
        if let Some(since) = self.since {
            cond = cond.add(col("id").gte(id_floor(since))).add(col("at_us").gte(since.timestamp_micros()));
        }
        if let Some(until) = self.until {
            let slack = until + chrono::Duration::milliseconds(1);
            cond = cond.add(col("id").lte(id_ceiling(slack))).add(col("at_us").lte(until.timestamp_micros()));
        }
        cond
    }
}

/// One environment's log table, on its connection. On SQLite, batches are
/// written (and the log trimmed) by a thread of its own (`LiteWriter`): the
/// async workers serving requests only hand a batch over.
#[derive(Clone)]
pub struct LogStore {
    pub db: DatabaseConnection,
    lite: Option<LiteWriter>,
}

impl LogStore {
    /// Creates the table and its index when missing.
    pub async fn open(db: DatabaseConnection) -> Result<Self, DbErr> {
        let text = |name: &str| ColumnDef::new(Alias::new(name)).text().null().to_owned();
        let big = |name: &str| ColumnDef::new(Alias::new(name)).big_integer().not_null().to_owned();
        let create = Table::create()
            .table(Alias::new(TABLE))
            .if_not_exists()
            .col(ColumnDef::new(Alias::new("id")).text().not_null().primary_key())
            .col(big("at_us"))
            .col(ColumnDef::new(Alias::new("replica")).text().not_null())
            .col(ColumnDef::new(Alias::new("environment")).text().not_null())
            .col(text("router"))
            .col(text("route"))
            .col(ColumnDef::new(Alias::new("method")).text().not_null())
            .col(ColumnDef::new(Alias::new("path")).text().not_null())
            .col(text("query"))
            .col(ColumnDef::new(Alias::new("status")).integer().not_null())
            .col(big("duration_us"))
            .col(big("request_bytes"))
            .col(big("response_bytes"))
            .col(ColumnDef::new(Alias::new("user_id")).big_integer().null())
            .col(text("user_email"))
            .col(text("client_address"))
            .col(text("source"))
            .col(text("detail"))
            .col(text("request_headers"))
            .col(text("request_body"))
            .col(text("response_headers"))
            .col(text("response_body"))
            .col(ColumnDef::new(Alias::new("truncated")).boolean().null())
            .col(text("trace"))
            .col(ColumnDef::new(Alias::new("stream_events")).big_integer().null())
            .col(text("stream_closed"))
            .to_owned();
        db.execute(&create).await?;
        // A log made before the detail had columns of its own gets them.
        add_detail_columns(&db).await?;
        // Time is found through the ids (see `id_floor`): one B-tree fewer to
        // write and trim per record. Logs made before had an index on it.
        db.execute_unprepared("DROP INDEX IF EXISTS \"_sk_request_logs_at\"").await?;
        Ok(Self { db, lite: None })
    }

    /// The store of a SQLite log file at `path` (`open` made its table).
    pub fn with_sqlite_writer(mut self, path: &std::path::Path) -> Result<Self, DbErr> {
        self.lite = Some(LiteWriter::start(path)?);
        Ok(self)
    }

    /// Stores a batch: on SQLite in one transaction that also keeps the log
    /// within `allowance` (see `LiteWriter`); on PostgreSQL in multi-row
    /// inserts, the allowance left to `retain`.
    pub async fn insert(&self, replica: &str, records: &[std::sync::Arc<RequestRecord>], allowance: Option<Allowance>) -> Result<(), DbErr> {
        if records.is_empty() {
            return Ok(());
        }
        if let Some(lite) = &self.lite {
            return lite.store(replica, records, allowance).await;
        }
        for chunk in records.chunks(BATCH) {
            self.insert_rows(replica, chunk).await?;
        }
        Ok(())
    }

    /// One multi-row insert.
    async fn insert_rows(&self, replica: &str, records: &[std::sync::Arc<RequestRecord>]) -> Result<(), DbErr> {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(TABLE)).columns(COLUMNS.map(Alias::new));
        for r in records {
            let d = r.detail_cells();
            insert
                .values([
                    r.id.clone().into(),
                    r.at_us().into(),
                    replica.to_owned().into(),
                    r.router.clone().into(),
                    r.route.clone().into(),
                    r.method.clone().into(),
                    r.path.clone().into(),
                    r.query.clone().into(),
                    i32::from(r.status).into(),
                    (r.duration_us as i64).into(),
                    (r.request_bytes as i64).into(),
                    (r.response_bytes as i64).into(),
                    r.user_id.into(),
                    r.user_email.clone().into(),
                    r.client_address.clone().into(),
                    Option::<String>::None.into(),
                    r.environment.clone().into(),
                    r.source.clone().into(),
                    d.request_headers.map(str::to_owned).into(),
                    d.request_body.map(str::to_owned).into(),
                    d.response_headers.map(str::to_owned).into(),
                    d.response_body.map(str::to_owned).into(),
                    d.truncated.into(),
                    d.trace.into(),
                    r.stream.as_ref().map(|s| s.events as i64).into(),
                    r.stream.as_ref().map(|s| s.closed_by.as_str().to_owned()).into(),
                ])
                .map_err(|err| DbErr::Custom(err.to_string()))?;
        }
        self.db.execute(&insert).await.map(drop)
    }

    fn select(&self) -> SelectStatement {
        let mut select = Query::select();
        select.columns(COLUMNS.map(Alias::new)).from(Alias::new(TABLE));
        select
    }

    /// Newest first, `first` of them after the cursor `after` (an id), plus
    /// whether more follow. Paging by id keeps every page as fast as the first.
    pub async fn page(&self, filter: &LogFilter, first: u64, after: Option<&str>) -> Result<(Vec<RequestRecord>, bool), DbErr> {
        let mut select = self.select();
        select.cond_where(filter.condition()).order_by(Alias::new("id"), Order::Desc).limit(first + 1);
        if let Some(after) = after {
            select.and_where(Expr::col(Alias::new("id")).lt(after.to_owned()));
        }
        let rows = self.db.query_all(&select).await?;
        let mut records = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let more = records.len() as u64 > first;
        records.truncate(first as usize);
        Ok((records, more))
    }

    pub async fn get(&self, id: &str) -> Result<Option<RequestRecord>, DbErr> {
        let mut select = self.select();
        select.and_where(Expr::col(Alias::new("id")).eq(id.to_owned()));
        self.db.query_one(&select).await?.as_ref().map(decode).transpose()
    }

    /// The records `replica` stored with ids from `first` to `last`: a batch
    /// another replica announced.
    pub async fn batch(&self, replica: &str, first: &str, last: &str) -> Result<Vec<RequestRecord>, DbErr> {
        let mut select = self.select();
        select
            .and_where(Expr::col(Alias::new("replica")).eq(replica.to_owned()))
            .and_where(Expr::col(Alias::new("id")).gte(first.to_owned()))
            .and_where(Expr::col(Alias::new("id")).lte(last.to_owned()))
            .order_by(Alias::new("id"), Order::Asc);
        self.db.query_all(&select).await?.iter().map(decode).collect()
    }

    /// How many records are kept, and when the oldest was served.
    pub async fn stored(&self) -> Result<(i64, Option<DateTime<Utc>>), DbErr> {
        let mut count = Query::select();
        count.expr(Expr::cust("COUNT(*)")).from(Alias::new(TABLE));
        let count = self.db.query_one(&count).await?.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0);
        // The oldest is the smallest id: found through the key, not a scan.
        let mut oldest = Query::select();
        oldest.column(Alias::new("at_us")).from(Alias::new(TABLE)).order_by(Alias::new("id"), Order::Asc).limit(1);
        let oldest = self.db.query_one(&oldest).await?.and_then(|r| r.try_get_by_index::<i64>(0).ok()).and_then(|us| Utc.timestamp_micros(us).single());
        Ok((count, oldest))
    }

    /// Deletes what is older than `max_age` before `now`, then the oldest
    /// beyond `max_records`. Returns how many went.
    pub async fn retain(&self, now: DateTime<Utc>, max_age: chrono::Duration, max_records: i64) -> Result<u64, DbErr> {
        let cutoff = id_floor(now - max_age);
        let mut deleted =
            self.db.execute(&Query::delete().from_table(Alias::new(TABLE)).and_where(Expr::col(Alias::new("id")).lt(cutoff)).to_owned()).await?.rows_affected();
        // The id of the newest record past the allowance; it and everything older go.
        let mut boundary = Query::select();
        boundary.column(Alias::new("id")).from(Alias::new(TABLE)).order_by(Alias::new("id"), Order::Desc).limit(1).offset(Ord::max(max_records, 0) as u64);
        if let Some(row) = self.db.query_one(&boundary).await? {
            let id: String = row.try_get_by_index(0)?;
            let delete = Query::delete().from_table(Alias::new(TABLE)).and_where(Expr::col(Alias::new("id")).lte(id)).to_owned();
            deleted += self.db.execute(&delete).await?.rows_affected();
        }
        Ok(deleted)
    }
}

/// Adds the detail's and the stream's columns to a log made before they existed.
async fn add_detail_columns(db: &DatabaseConnection) -> Result<(), DbErr> {
    let existing = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '_sk_request_logs'"
        }
        _ => "SELECT name FROM pragma_table_info('_sk_request_logs')",
    };
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), existing)).await?;
    let existing: Vec<String> = rows.iter().filter_map(|r| r.try_get::<String>("", "name").ok()).collect();
    for column in DETAIL_COLUMNS.iter().chain(&STREAM_COLUMNS).filter(|c| !existing.iter().any(|e| e == *c)) {
        let def = match *column {
            "truncated" => ColumnDef::new(Alias::new(*column)).boolean().null().to_owned(),
            "stream_events" => ColumnDef::new(Alias::new(*column)).big_integer().null().to_owned(),
            _ => ColumnDef::new(Alias::new(*column)).text().null().to_owned(),
        };
        db.execute(&Table::alter().table(Alias::new(TABLE)).add_column(def).to_owned()).await?;
    }
    Ok(())
}

fn decode(row: &QueryResult) -> Result<RequestRecord, DbErr> {
    let at_us: i64 = row.try_get("", "at_us")?;
    let detail = match row.try_get::<Option<String>>("", "request_headers")? {
        Some(request_headers) => Some(Detail {
            request_headers,
            request_body: row.try_get("", "request_body")?,
            response_headers: row.try_get::<Option<String>>("", "response_headers")?.unwrap_or_default(),
            response_body: row.try_get("", "response_body")?,
            truncated: row.try_get::<Option<bool>>("", "truncated")?.unwrap_or(false),
            trace: row.try_get::<Option<String>>("", "trace")?.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default(),
        }),
        // Written before the detail had columns of its own.
        None => row.try_get::<Option<String>>("", "detail")?.and_then(|text| serde_json::from_str::<Detail>(&text).ok()),
    };
    let number = |name: &str| row.try_get::<i64>("", name).map(|n| Ord::max(n, 0) as u64);
    Ok(RequestRecord {
        id: row.try_get("", "id")?,
        at: Utc.timestamp_micros(at_us).single().unwrap_or_default(),
        environment: row.try_get("", "environment")?,
        router: row.try_get("", "router")?,
        route: row.try_get("", "route")?,
        method: row.try_get("", "method")?,
        path: row.try_get("", "path")?,
        query: row.try_get("", "query")?,
        status: u16::try_from(row.try_get::<i32>("", "status")?).unwrap_or_default(),
        duration_us: number("duration_us")?,
        request_bytes: number("request_bytes")?,
        response_bytes: number("response_bytes")?,
        user_id: row.try_get("", "user_id")?,
        user_email: row.try_get("", "user_email")?,
        client_address: row.try_get("", "client_address")?,
        source: row.try_get("", "source")?,
        detail,
        stream: match row.try_get::<Option<i64>>("", "stream_events")? {
            Some(events) => Some(StreamEnd {
                events: Ord::max(events, 0) as u64,
                closed_by: row.try_get::<Option<String>>("", "stream_closed")?.as_deref().and_then(StreamClose::parse).unwrap_or(StreamClose::Client),
            }),
            None => None,
        },
    })
}
