//! Request logs: every record the data plane hands over goes to live-tail
//! subscribers at once and into a bounded queue that a writer task stores in
//! batches. A full queue never blocks or fails a request: the record is
//! dropped and counted. A retention task keeps each environment's log within
//! its record and age allowance.

mod lite_writer;
pub mod record;
pub mod redact;
pub mod store;

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc};

pub use record::{Detail, RequestRecord, StreamClose, StreamEnd, TraceStep};
pub use store::{LogFilter, LogStore};

use crate::{
    databases::DataDatabases,
    environments::{Environment, Environments},
    error::{ServiceError, ServiceResult},
};

/// Once a record arrives, the writer lets more gather this long before it
/// stores them all, in one transaction on SQLite, in statements of
/// `store::BATCH` rows on PostgreSQL. It sleeps rather than waking for each record: under load
/// a wake per request cost more than storing the record.
const GATHER: Duration = Duration::from_millis(50);
/// At most this many records per pass; the rest wait for the next one.
const PASS: usize = 4_096;
const RETAIN_EVERY: Duration = Duration::from_secs(60);
/// On PostgreSQL the writer trims an environment's log every this many
/// records it stores (SQLite's writer trims with each batch).
const TRIM_EVERY: usize = 5_000;

/// A batch this replica stored, announced to the others (see `cluster`).
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub environment: String,
    pub first: String,
    pub last: String,
}

#[derive(Clone)]
pub struct Logs(Arc<Inner>);

struct Inner {
    queue: mpsc::Sender<Arc<RequestRecord>>,
    tail: broadcast::Sender<Arc<RequestRecord>>,
    batches: broadcast::Sender<StoredBatch>,
    dropped: Mutex<HashMap<String, Arc<AtomicU64>>>,
    stores: tokio::sync::Mutex<HashMap<String, LogStore>>,
    databases: DataDatabases,
    /// Where SQLite log files go (None on PostgreSQL).
    sqlite_dir: Option<PathBuf>,
    /// This process, as the `replica` column names it.
    replica: String,
}

impl Logs {
    /// Starts the writer and retention tasks; returns the service and their
    /// handles. `queue` records may wait for the writer; past that, new ones
    /// are dropped and counted.
    pub fn start(
        databases: DataDatabases,
        sqlite_dir: Option<PathBuf>,
        replica: String,
        environments: Environments,
        queue: usize,
    ) -> (Self, Vec<tokio::task::JoinHandle<()>>) {
        let (queue, receiver) = mpsc::channel(queue.max(1));
        let inner = Inner {
            queue,
            tail: broadcast::channel(4096).0,
            batches: broadcast::channel(256).0,
            dropped: Mutex::default(),
            stores: tokio::sync::Mutex::default(),
            databases,
            sqlite_dir,
            replica,
        };
        let logs = Logs(Arc::new(inner));
        let tasks = vec![tokio::spawn(logs.clone().write(receiver, environments.clone())), tokio::spawn(logs.clone().retain_every(environments))];
        (logs, tasks)
    }

    /// Hands a record over: to subscribers now, to the store in the next batch.
    /// Never waits: when the queue is full the record is dropped and counted.
    pub fn submit(&self, record: RequestRecord) {
        let record = Arc::new(record);
        let _ = self.0.tail.send(record.clone());
        if self.0.queue.try_send(record.clone()).is_err() {
            self.dropped_counter(&record.environment).fetch_add(1, Ordering::Relaxed);
        }
    }

    fn dropped_counter(&self, environment: &str) -> Arc<AtomicU64> {
        let mut dropped = self.0.dropped.lock().unwrap_or_else(|e| e.into_inner());
        dropped.entry(environment.to_owned()).or_default().clone()
    }

    /// Records dropped because the queue was full, since this process started.
    pub fn dropped(&self, environment: &str) -> u64 {
        self.dropped_counter(environment).load(Ordering::Relaxed)
    }

    /// Every record from now on, of every environment (subscribers filter).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RequestRecord>> {
        self.0.tail.subscribe()
    }

    /// The batches this replica stores, for `cluster` to announce.
    pub fn subscribe_batches(&self) -> broadcast::Receiver<StoredBatch> {
        self.0.batches.subscribe()
    }

    /// `environment`'s log store, opened (and created) on first use.
    pub async fn store(&self, environment: &str) -> ServiceResult<LogStore> {
        let mut stores = self.0.stores.lock().await;
        if let Some(store) = stores.get(environment) {
            return Ok(store.clone());
        }
        let store = match &self.0.sqlite_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(ServiceError::internal)?;
                let path = dir.join(format!("{environment}.logs.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                let db = crate::db::connect_pool(&url, 4).await.map_err(ServiceError::internal)?;
                LogStore::open(db).await?.with_sqlite_writer(&path)?
            }
            None => LogStore::open(self.0.databases.get(environment).await.map_err(ServiceError::internal)?.write).await?,
        };
        stores.insert(environment.to_owned(), store.clone());
        Ok(store)
    }

    /// Closes a deleted environment's log (its file goes with its data).
    pub async fn forget(&self, environment: &str) {
        if let Some(store) = self.0.stores.lock().await.remove(environment)
            && self.0.sqlite_dir.is_some()
        {
            store.db.close().await.ok();
        }
    }

    /// Reads another replica's announced batch and hands it to this replica's subscribers.
    pub async fn relay_batch(&self, replica: &str, batch: &StoredBatch) -> ServiceResult<()> {
        let store = self.store(&batch.environment).await?;
        for record in store.batch(replica, &batch.first, &batch.last).await? {
            let _ = self.0.tail.send(Arc::new(record));
        }
        Ok(())
    }

    async fn write(self, mut receiver: mpsc::Receiver<Arc<RequestRecord>>, environments: Environments) {
        let mut batch = Vec::with_capacity(PASS);
        // Records stored per environment since its log was last trimmed (PostgreSQL).
        let mut since_trim: HashMap<String, usize> = HashMap::new();
        let trims_as_it_stores = self.0.sqlite_dir.is_some();
        while let Some(first) = receiver.recv().await {
            batch.push(first);
            tokio::time::sleep(GATHER).await;
            while batch.len() < PASS {
                match receiver.try_recv() {
                    Ok(record) => batch.push(record),
                    Err(_) => break,
                }
            }
            let mut by_env: HashMap<&str, Vec<Arc<RequestRecord>>> = HashMap::new();
            for record in &batch {
                by_env.entry(record.environment.as_str()).or_default().push(record.clone());
            }
            for (environment, records) in by_env {
                // SQLite's writer trims as it stores: the allowance is read
                // with each batch (one query, a few times a second at most),
                // so a changed one holds from the next batch on.
                let read = if trims_as_it_stores { environments.get(environment).await.ok() } else { None };
                let allowance = read.map(|env| lite_writer::Allowance {
                    records: env.logs.retention_records,
                    oldest_id: store::id_floor(Utc::now() - chrono::Duration::days(env.logs.retention_days.into())),
                });
                if let Err(err) = self.store_batch(environment, &records, allowance).await {
                    tracing::warn!(environment, records = records.len(), error = %err.message(), "request logs: a batch was not stored");
                }
                if trims_as_it_stores {
                    continue;
                }
                // Under sustained load the minute's retention pass comes too
                // late: the log would hold a minute of traffic. Where the
                // store does not trim as it stores, the writer trims between
                // batches, a little at a time.
                let stored = since_trim.entry(environment.to_owned()).or_default();
                *stored += records.len();
                if *stored >= TRIM_EVERY {
                    *stored = 0;
                    if let Ok(env) = environments.get(environment).await
                        && let Err(err) = self.retain(&env, Utc::now()).await
                    {
                        tracing::warn!(environment, error = %err.message(), "request logs: trimming failed");
                    }
                }
            }
            batch.clear();
        }
    }

    /// Stores a batch (on SQLite, trimmed to `allowance` in the same transaction).
    async fn store_batch(&self, environment: &str, records: &[Arc<RequestRecord>], allowance: Option<lite_writer::Allowance>) -> ServiceResult<()> {
        let store = self.store(environment).await?;
        store.insert(&self.0.replica, records, allowance).await?;
        if let (Some(first), Some(last)) = (records.first(), records.last()) {
            let _ = self.0.batches.send(StoredBatch { environment: environment.to_owned(), first: first.id.clone(), last: last.id.clone() });
        }
        Ok(())
    }

    async fn retain_every(self, environments: Environments) {
        let mut every = tokio::time::interval(RETAIN_EVERY);
        loop {
            every.tick().await;
            let Ok(list) = environments.list().await else { continue };
            for env in list.iter().filter(|e| e.capabilities.request_logs) {
                if let Err(err) = self.retain(env, Utc::now()).await {
                    tracing::warn!(environment = %env.slug, error = %err.message(), "request logs: retention failed");
                }
            }
        }
    }

    /// Applies `env`'s retention as of `now` (an argument, so tests can move
    /// the clock). Returns how many records went.
    pub async fn retain(&self, env: &Environment, now: DateTime<Utc>) -> ServiceResult<u64> {
        let store = self.store(&env.slug).await?;
        Ok(store.retain(now, chrono::Duration::days(env.logs.retention_days.into()), env.logs.retention_records).await?)
    }
}
