//! The SQLite path for environments' rows, on rusqlite: prepared statements
//! cached per connection, point reads run where the request runs (no thread
//! hand-off), longer reads on the blocking pool, and one writer thread that
//! commits the writes queued behind it together (group commit).
//!
//! sqlx keeps serving the rest of an environment's database (end users,
//! migrations); both open the same file, and SQLite's locks with a busy
//! timeout keep them apart.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, LazyLock, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::SecondsFormat;
use rusqlite::{Connection, OpenFlags, Row, params_from_iter, types::Value as Cell};
use sea_orm::sea_query::Value as SqlValue;
use tokio::sync::{mpsc, oneshot};

/// How many queued writes one transaction takes at most.
const MAX_BATCH: usize = 128;
/// A read running longer than its budget is interrupted: a runaway query
/// must not hold a connection (and a thread) after its request has timed
/// out. The environment sets it to its request timeout; this until then.
const DEFAULT_BUDGET: Duration = Duration::from_secs(30);
/// How long a scanning read may run where its request runs before it is
/// stopped and sent to the blocking pool instead.
const IN_PLACE_BUDGET_MS: u64 = 2;
/// Slow statements remembered at most (then forgotten all at once).
const MAX_SLOW_STATEMENTS: usize = 1024;
/// Reads on the blocking pool at once; more wait their turn. Beyond the
/// cores they would only add context switches.
fn blocking_readers() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get()).clamp(2, 8) * 2
}

#[derive(Debug)]
pub enum LiteError {
    Sqlite(rusqlite::Error),
    /// The statement ran past its budget and was interrupted.
    Interrupted,
    /// Another connection held the database longer than the busy timeout.
    Busy,
    /// The writer thread is gone (the environment's database was closed).
    Closed,
}

impl From<rusqlite::Error> for LiteError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::OperationInterrupted) => LiteError::Interrupted,
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => LiteError::Busy,
            _ => LiteError::Sqlite(err),
        }
    }
}

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiteError::Sqlite(err) => write!(f, "{err}"),
            LiteError::Interrupted => write!(f, "the statement ran past its time budget"),
            LiteError::Busy => write!(f, "the database stayed locked by another connection"),
            LiteError::Closed => write!(f, "the environment's database is closed"),
        }
    }
}

/// What a write gave back: its `RETURNING` row, or how many rows it changed.
pub enum Written {
    Row(Option<Vec<Cell>>),
    Changed(usize),
}

/// A statement and its bound values, built before it leaves the request.
pub struct Statement {
    pub sql: String,
    pub values: Vec<Cell>,
}

impl Statement {
    pub fn build<S: sea_orm::sea_query::QueryStatementWriter>(statement: &S) -> Result<Self, String> {
        let (sql, values) = statement.build(sea_orm::sea_query::SqliteQueryBuilder);
        let values = values.into_iter().map(cell).collect::<Result<_, _>>()?;
        Ok(Self { sql, values })
    }
}

/// A bound value as SQLite stores it, in the encodings sqlx uses too, so rows
/// written on one path read back on the other.
fn cell(value: SqlValue) -> Result<Cell, String> {
    Ok(match value {
        SqlValue::Bool(v) => v.map_or(Cell::Null, |b| Cell::Integer(b.into())),
        SqlValue::TinyInt(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::SmallInt(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::Int(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::BigInt(v) => v.map_or(Cell::Null, Cell::Integer),
        SqlValue::TinyUnsigned(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::SmallUnsigned(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::Unsigned(v) => v.map_or(Cell::Null, |n| Cell::Integer(n.into())),
        SqlValue::BigUnsigned(v) => match v {
            None => Cell::Null,
            Some(n) => Cell::Integer(i64::try_from(n).map_err(|_| format!("{n} is too large for SQLite"))?),
        },
        SqlValue::Float(v) => v.map_or(Cell::Null, |n| Cell::Real(n.into())),
        SqlValue::Double(v) => v.map_or(Cell::Null, Cell::Real),
        SqlValue::String(v) => v.map_or(Cell::Null, Cell::Text),
        SqlValue::Bytes(v) => v.map_or(Cell::Null, Cell::Blob),
        SqlValue::Json(v) => v.map_or(Cell::Null, |json| Cell::Text(json.to_string())),
        SqlValue::ChronoDateTimeUtc(v) => v.map_or(Cell::Null, |at| Cell::Text(at.to_rfc3339_opts(SecondsFormat::AutoSi, false))),
        other => return Err(format!("no SQLite encoding for {other:?}")),
    })
}

/// Milliseconds since the process started: a deadline that fits an atomic.
fn now_ms() -> u64 {
    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    START.elapsed().as_millis() as u64
}

/// A read connection and the deadline its progress handler enforces
/// (0: none).
struct Reader {
    conn: Connection,
    deadline: Arc<AtomicU64>,
}

impl Reader {
    fn run<T>(&self, budget_ms: u64, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, LiteError> {
        self.deadline.store(now_ms() + budget_ms.max(1), Ordering::Relaxed);
        let result = f(&self.conn);
        self.deadline.store(0, Ordering::Relaxed);
        Ok(result?)
    }
}

struct WriteJob {
    statement: Statement,
    returning: bool,
    reply: oneshot::Sender<Result<Written, LiteError>>,
}

/// One environment's SQLite database on the rusqlite path.
pub struct LiteDb {
    path: PathBuf,
    readers: Mutex<Vec<Reader>>,
    /// Read connections kept open: one per blocking read plus one per thread
    /// that may read in place, so none is opened again and again.
    idle_readers: usize,
    blocking: tokio::sync::Semaphore,
    /// How long a read may run, in milliseconds.
    budget_ms: AtomicU64,
    writer: mpsc::UnboundedSender<WriteJob>,
    /// Told after each batch of writes the writer ran: the change feed's
    /// reader wakes on it instead of waiting for its next poll.
    written: Arc<tokio::sync::Notify>,
    /// Statements that ran past `IN_PLACE_BUDGET_MS` in place (`read_scan`).
    slow: Mutex<std::collections::HashSet<String>>,
}

impl LiteDb {
    /// Opens the file (which sqlx already created in WAL mode) and starts its
    /// writer thread.
    pub fn open(path: &Path) -> anyhow::Result<Arc<Self>> {
        let conn = open(path, WRITER_CACHE_KIB).map_err(|err| anyhow::anyhow!("{err}"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
        let (writer, jobs) = mpsc::unbounded_channel();
        let name = format!("sk-writer-{}", path.file_stem().and_then(|s| s.to_str()).unwrap_or("env"));
        let written = Arc::new(tokio::sync::Notify::new());
        let told = written.clone();
        std::thread::Builder::new().name(name).spawn(move || write_loop(conn, jobs, &told))?;
        let budget_ms = AtomicU64::new(DEFAULT_BUDGET.as_millis() as u64);
        let blocking = blocking_readers();
        let idle_readers = blocking + std::thread::available_parallelism().map_or(4, |n| n.get());
        Ok(Arc::new(Self {
            path: path.to_owned(),
            readers: Mutex::default(),
            idle_readers,
            blocking: tokio::sync::Semaphore::new(blocking),
            budget_ms,
            writer,
            written,
            slow: Mutex::default(),
        }))
    }

    /// Told after each batch of writes (see `written`).
    pub fn written(&self) -> Arc<tokio::sync::Notify> {
        self.written.clone()
    }

    /// How long a read may run before it is interrupted.
    pub fn set_read_budget(&self, budget: Duration) {
        self.budget_ms.store(budget.as_millis().try_into().unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn reader(&self) -> Result<Reader, LiteError> {
        if let Some(reader) = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(reader);
        }
        let conn = open(&self.path, READER_CACHE_KIB)?;
        conn.execute_batch("PRAGMA query_only = ON;")?;
        let deadline = Arc::new(AtomicU64::new(0));
        let watched = deadline.clone();
        conn.progress_handler(
            10_000,
            Some(move || {
                let at = watched.load(Ordering::Relaxed);
                at != 0 && now_ms() > at
            }),
        )?;
        Ok(Reader { conn, deadline })
    }

    fn put_back(&self, reader: Reader) {
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.idle_readers {
            idle.push(reader);
        }
    }

    /// Runs a short read right here. For reads bounded by an index (a row by
    /// its id): they take microseconds, less than handing them to a thread.
    pub fn read_now<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, LiteError> {
        let reader = self.reader()?;
        let result = reader.run(self.budget_ms.load(Ordering::Relaxed), f);
        self.put_back(reader);
        result
    }

    /// Runs a read that may scan on the blocking pool, so it never stalls the
    /// threads serving requests.
    pub async fn read<T: Send + 'static>(self: &Arc<Self>, f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static) -> Result<T, LiteError> {
        let _turn = self.blocking.acquire().await.map_err(|_| LiteError::Closed)?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_now(f)).await.map_err(|_| LiteError::Closed)?
    }

    /// Runs a read that may scan, giving its rows as cells. Most such reads
    /// (a page of a list walked along an index) take far less than a hand-off
    /// to another thread costs, so it runs right here first, stopped at
    /// `IN_PLACE_BUDGET`; one that runs past it goes to the blocking pool with
    /// the full budget, and so does every later run of its statement.
    pub async fn read_scan(self: &Arc<Self>, statement: Statement) -> Result<Vec<Vec<Cell>>, LiteError> {
        let slow = self.slow.lock().unwrap_or_else(|e| e.into_inner()).contains(&statement.sql);
        if !slow {
            let reader = self.reader()?;
            let result = reader.run(IN_PLACE_BUDGET_MS, |conn| query(conn, &statement, all_cells));
            self.put_back(reader);
            match result {
                Err(LiteError::Interrupted) => {
                    let mut slow = self.slow.lock().unwrap_or_else(|e| e.into_inner());
                    // Bounded: statements are few, but filters can make many.
                    if slow.len() >= MAX_SLOW_STATEMENTS {
                        slow.clear();
                    }
                    slow.insert(statement.sql.clone());
                }
                done => return done,
            }
        }
        self.read(move |conn| query(conn, &statement, all_cells)).await
    }

    /// Queues a write for the writer thread and waits for its commit.
    pub async fn write(&self, statement: Statement, returning: bool) -> Result<Written, LiteError> {
        let (reply, done) = oneshot::channel();
        self.writer.send(WriteJob { statement, returning, reply }).map_err(|_| LiteError::Closed)?;
        done.await.map_err(|_| LiteError::Closed)?
    }
}

/// Page cache of the writer, which walks every index a write changes.
const WRITER_CACHE_KIB: u32 = 8192;
/// Page cache of each reader. Readers are many (one per blocking read and
/// per worker thread) and each keeps its own cache: large ones would
/// multiply memory while holding the same pages; a miss is a read from the
/// system's file cache.
const READER_CACHE_KIB: u32 = 2048;

fn open(path: &Path, cache_kib: u32) -> Result<Connection, LiteError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(&format!("PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY;"))?;
    // Plans that do not depend on the bound values: otherwise a statement
    // whose plan looked at one (a list's `LIMIT ?`) is compiled again every
    // time new values are bound, and the statement cache saves nothing.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Every cell of a row, in the select's order.
pub fn all_cells(row: &Row) -> rusqlite::Result<Vec<Cell>> {
    (0..row.as_ref().column_count()).map(|i| row.get::<_, Cell>(i)).collect()
}

/// Rows of a query, each turned into `T` by `decode`.
pub fn query<T>(conn: &Connection, statement: &Statement, decode: impl FnMut(&Row) -> rusqlite::Result<T>) -> rusqlite::Result<Vec<T>> {
    query_sql(conn, &statement.sql, &statement.values, decode)
}

/// `query` of SQL text written beforehand.
pub fn query_sql<T>(conn: &Connection, sql: &str, values: &[Cell], mut decode: impl FnMut(&Row) -> rusqlite::Result<T>) -> rusqlite::Result<Vec<T>> {
    let mut prepared = conn.prepare_cached(sql)?;
    let mut rows = prepared.query(params_from_iter(values))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row)?);
    }
    Ok(out)
}

/// The writer thread: takes every write waiting, runs them in one
/// transaction, then answers each. One commit per batch instead of one per
/// write is what lets SQLite keep up with many concurrent writers.
fn write_loop(conn: Connection, mut jobs: mpsc::UnboundedReceiver<WriteJob>, written: &tokio::sync::Notify) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = jobs.blocking_recv() {
        batch.push(job);
        while batch.len() < MAX_BATCH
            && let Ok(job) = jobs.try_recv()
        {
            batch.push(job);
        }
        run_batch(&conn, &mut batch);
        // Kept as a permit when nobody waits: the next wait returns at once.
        written.notify_one();
    }
}

fn run_batch(conn: &Connection, batch: &mut Vec<WriteJob>) {
    if batch.len() > 1 {
        match conn.execute_batch("BEGIN IMMEDIATE").map_err(LiteError::from) {
            Ok(()) => {
                if commit_together(conn, batch) {
                    return;
                }
                tracing::warn!(writes = batch.len(), "a batch of writes did not commit together; running them one by one");
            }
            Err(LiteError::Busy) => {
                // Locked past the busy timeout (a long migration, say): each
                // write would wait as long again, so all of them fail now.
                tracing::warn!(writes = batch.len(), "the database stayed locked; failing the queued writes");
                for job in batch.drain(..) {
                    job.reply.send(Err(LiteError::Busy)).ok();
                }
                return;
            }
            Err(err) => tracing::warn!(error = %err, "cannot start a write transaction; running the writes one by one"),
        }
    }
    // Nothing of a failed batch was kept, so each write runs again on its own.
    for job in batch.drain(..) {
        let result = run_job(conn, &job);
        job.reply.send(result).ok();
    }
}

/// Runs the batch in the open transaction and commits; answers every write
/// and gives true, or rolls back, answers none and gives false.
fn commit_together(conn: &Connection, batch: &mut Vec<WriteJob>) -> bool {
    let mut results = Vec::with_capacity(batch.len());
    for job in batch.iter() {
        results.push(run_job(conn, job));
        // A failed statement normally undoes only itself; if SQLite ended
        // the whole transaction instead, nothing of the batch is kept.
        if conn.is_autocommit() {
            return false;
        }
    }
    if conn.execute_batch("COMMIT").is_err() {
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK").ok();
        }
        return false;
    }
    for (job, result) in batch.drain(..).zip(results) {
        job.reply.send(result).ok();
    }
    true
}

fn run_job(conn: &Connection, job: &WriteJob) -> Result<Written, LiteError> {
    let mut prepared = conn.prepare_cached(&job.statement.sql)?;
    let params = params_from_iter(&job.statement.values);
    if !job.returning {
        return Ok(Written::Changed(prepared.execute(params)?));
    }
    // Stepped to the end: SQLite only finishes (and checkpoints) a write
    // whose statement ran to completion.
    let mut rows = prepared.query(params)?;
    let mut first = None;
    while let Some(row) = rows.next()? {
        if first.is_none() {
            let width = row.as_ref().column_count();
            first = Some((0..width).map(|i| row.get::<_, Cell>(i)).collect::<rusqlite::Result<Vec<_>>>()?);
        }
    }
    Ok(Written::Row(first))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;

    fn statement(sql: &str, values: Vec<Cell>) -> Statement {
        Statement { sql: sql.into(), values }
    }

    async fn database() -> (tempfile::TempDir, Arc<LiteDb>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env.db");
        let setup = Connection::open(&path).unwrap();
        setup.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);").unwrap();
        (dir, LiteDb::open(&path).unwrap())
    }

    #[tokio::test]
    async fn a_runaway_read_is_interrupted_at_its_budget() {
        let (_dir, db) = database().await;
        db.set_read_budget(Duration::from_millis(50));
        let endless = statement("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n", vec![]);
        let started = Instant::now();
        let result = db.read(move |conn| query(conn, &endless, |row| row.get::<_, i64>(0))).await;
        assert!(matches!(result, Err(LiteError::Interrupted)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The connection went back to the pool and still works.
        let one = db.read_now(|conn| query(conn, &statement("SELECT 1", vec![]), |row| row.get::<_, i64>(0))).unwrap();
        assert_eq!(one, vec![1]);
    }

    #[tokio::test]
    async fn a_scan_past_its_in_place_budget_finishes_on_the_pool_and_is_remembered() {
        let (_dir, db) = database().await;
        let long = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000) SELECT count(*) FROM n";
        let rows = db.read_scan(statement(long, vec![])).await.unwrap();
        assert!(matches!(rows.as_slice(), [row] if matches!(row.as_slice(), [Cell::Integer(3_000_000)])), "{rows:?}");
        assert!(db.slow.lock().unwrap().contains(long), "the next run goes to the pool at once");
        let short = "SELECT 1";
        assert_eq!(db.read_scan(statement(short, vec![])).await.unwrap().len(), 1);
        assert!(!db.slow.lock().unwrap().contains(short));
    }

    #[tokio::test]
    async fn a_failing_write_in_a_batch_fails_alone() {
        let (dir, db) = database().await;
        let conn = open(&dir.path().join("env.db"), WRITER_CACHE_KIB).unwrap();
        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for label in ["a", "b", "a", "c", "b"] {
            let (reply, answer) = oneshot::channel();
            let statement = statement("INSERT INTO tags (label) VALUES (?) RETURNING id, label", vec![Cell::Text(label.into())]);
            batch.push(WriteJob { statement, returning: true, reply });
            answers.push(answer);
        }
        run_batch(&conn, &mut batch);
        let mut outcome = Vec::new();
        for answer in answers {
            outcome.push(match answer.await.unwrap() {
                Ok(Written::Row(Some(_))) => "ok",
                Err(LiteError::Sqlite(err)) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => "conflict",
                _ => "other",
            });
        }
        assert_eq!(outcome, ["ok", "ok", "conflict", "ok", "conflict"]);
        assert!(conn.is_autocommit(), "the batch committed");
        let labels = db.read_now(|conn| query(conn, &statement("SELECT label FROM tags ORDER BY label", vec![]), |row| row.get::<_, String>(0))).unwrap();
        assert_eq!(labels, ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn writes_queue_behind_the_writer_thread() {
        let (_dir, db) = database().await;
        let writes = (0..50).map(|n| db.write(statement("INSERT INTO tags (label) VALUES (?)", vec![Cell::Text(format!("t{}", n % 25))]), false));
        let results = futures_util::future::join_all(writes).await;
        let changed = results.iter().filter(|r| matches!(r, Ok(Written::Changed(1)))).count();
        assert_eq!(changed, 25, "one write per label, whatever batches they fell into");
    }
}
