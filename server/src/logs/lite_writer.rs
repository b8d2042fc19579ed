//! A SQLite request log's writer: a thread of its own, with one connection
//! and its prepared statements, that stores each batch the log writer hands
//! over and, in the same transaction, trims the log to its allowance. Trimmed
//! a batch at a time, the log never has thousands of rows to delete at once
//! (a burst that took a core from the requests: their p99), and one commit
//! does both. It runs at the request threads' priority: a little below
//! (niceness 4) it fell behind at 29k requests/s and 2% of the records were
//! dropped.

use std::{
    path::Path,
    sync::{Arc, mpsc},
};

use rusqlite::Connection;
use sea_orm::DbErr;
use tokio::sync::oneshot;

use super::record::RequestRecord;

const INSERT_ONE: &str = "INSERT INTO \"_sk_request_logs\" (id, at_us, replica, router, route, method, path, query, status, duration_us, \
    request_bytes, response_bytes, user_id, user_email, client_address, environment, source, \
    request_headers, request_body, response_headers, response_body, truncated, trace, stream_events, stream_closed) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";

/// Records older than the allowance's age (ids are time-ordered, see `store::id_floor`).
const TRIM_BY_AGE: &str = "DELETE FROM \"_sk_request_logs\" WHERE id < ?1";
/// The oldest records beyond the allowance's count, by the order they were
/// stored (rowids count up with each insert, and only the oldest are ever
/// deleted, so the newest N are the N highest rowids): the largest rowid is
/// one step of the B-tree, where `retain`'s exact count by id walks the index.
const TRIM_BY_COUNT: &str = "DELETE FROM \"_sk_request_logs\" WHERE rowid <= (SELECT max(rowid) FROM \"_sk_request_logs\") - ?1";

/// How much of a log to keep: records with ids from `oldest_id` on, at most `records` of them.
#[derive(Debug, Clone)]
pub struct Allowance {
    pub records: i64,
    pub oldest_id: String,
}

struct Job {
    replica: String,
    records: Vec<Arc<RequestRecord>>,
    allowance: Option<Allowance>,
    done: oneshot::Sender<rusqlite::Result<()>>,
}

#[derive(Clone)]
pub struct LiteWriter {
    jobs: mpsc::Sender<Job>,
}

impl LiteWriter {
    /// Opens the log file at `path` and starts its thread; the thread ends
    /// when the last handle goes.
    pub fn start(path: &Path) -> Result<Self, DbErr> {
        let failed = |err: rusqlite::Error| DbErr::Custom(format!("opening {}: {err}", path.display()));
        let conn = Connection::open(path).map_err(failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(failed)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(failed)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let name = format!("sk-log-{}", path.file_stem().and_then(|s| s.to_str()).unwrap_or("env"));
        std::thread::Builder::new().name(name).spawn(move || write_loop(conn, &queue)).map_err(|err| DbErr::Custom(err.to_string()))?;
        Ok(Self { jobs })
    }

    pub async fn store(&self, replica: &str, records: &[Arc<RequestRecord>], allowance: Option<Allowance>) -> Result<(), DbErr> {
        let stopped = || DbErr::Custom("the request log's writer has stopped".into());
        let (done, stored) = oneshot::channel();
        let job = Job { replica: replica.to_owned(), records: records.to_vec(), allowance, done };
        self.jobs.send(job).map_err(|_| stopped())?;
        stored.await.map_err(|_| stopped())?.map_err(|err| DbErr::Custom(err.to_string()))
    }
}

fn write_loop(mut conn: Connection, queue: &mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        let stored = store(&mut conn, &job.replica, &job.records, job.allowance.as_ref());
        let _ = job.done.send(stored);
    }
}

/// Stores `records` and trims the log to `allowance`, in one transaction.
fn store(conn: &mut Connection, replica: &str, records: &[Arc<RequestRecord>], allowance: Option<&Allowance>) -> rusqlite::Result<()> {
    let txn = conn.transaction()?;
    {
        let mut insert = txn.prepare_cached(INSERT_ONE)?;
        for r in records {
            let d = r.detail_cells();
            insert.execute(rusqlite::params![
                r.id,
                r.at_us(),
                replica,
                r.router,
                r.route,
                r.method,
                r.path,
                r.query,
                i64::from(r.status),
                r.duration_us as i64,
                r.request_bytes as i64,
                r.response_bytes as i64,
                r.user_id,
                r.user_email,
                r.client_address,
                r.environment,
                r.source,
                d.request_headers,
                d.request_body,
                d.response_headers,
                d.response_body,
                d.truncated,
                d.trace,
                r.stream.as_ref().map(|s| s.events as i64),
                r.stream.as_ref().map(|s| s.closed_by.as_str()),
            ])?;
        }
    }
    if let Some(allowance) = allowance {
        txn.prepare_cached(TRIM_BY_AGE)?.execute([&allowance.oldest_id])?;
        txn.prepare_cached(TRIM_BY_COUNT)?.execute([allowance.records.max(0)])?;
    }
    txn.commit()
}
